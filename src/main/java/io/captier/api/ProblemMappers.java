package io.captier.api;

import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Errors raised by the HTTP layer itself (no such path, wrong method, unparseable
 * headers, ...) answered as problem+json like every other error, never as an HTML page
 * or a stack trace.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(Problem.ProblemException e) {
        return e.response();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.of(ProblemType.NO_SUCH_RESOURCE, "no such path").response();
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        Problem p = Problem.of(ProblemType.METHOD_NOT_ALLOWED, "this path does not take that method");
        String allow = e.getResponse().getHeaderString("Allow");
        if (allow != null) {
            p.header("Allow", allow);
        }
        return p.response();
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return Problem.of(ProblemType.NOT_ACCEPTABLE, "reads answer application/json or application/octet-stream")
                .response();
    }

    @ServerExceptionMapper
    public Response notSupported(NotSupportedException e) {
        return Problem.of(ProblemType.UNSUPPORTED_MEDIA_TYPE, "the Content-Type header is not a valid media type")
                .response();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 413) {
            return Problem.of(ProblemType.VALUE_TOO_LARGE, "the request body is too large").response();
        }
        if (status >= 500) {
            LOG.errorf(e, "HTTP layer failure");
            return Problem.of(ProblemType.INTERNAL, "an unexpected error occurred; it has been logged").response();
        }
        return Problem.of(ProblemType.BAD_REQUEST, "the request could not be understood (" + status + ")").response();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        if (e instanceof IllegalArgumentException) {
            // Malformed headers (for example a Content-Type that is no media type) surface so.
            return Problem.of(ProblemType.BAD_REQUEST, "the request could not be understood").response();
        }
        LOG.errorf(e, "unexpected failure");
        return Problem.of(ProblemType.INTERNAL, "an unexpected error occurred; it has been logged").response();
    }
}
