package io.captier.api;

import io.captier.config.CaptierConfig;
import io.captier.failure.Stages;
import io.captier.mode.KvContract;
import io.captier.mode.ReadRequest;
import io.captier.mode.ReadResult;
import io.captier.mode.WriteRequest;
import io.captier.mode.WriteResult;
import io.captier.observability.LogEvent;
import io.captier.observability.Metrics;
import io.captier.security.Role;
import io.captier.session.SessionToken;
import io.captier.session.Sessions;
import io.captier.store.Precondition;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Named;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The data API of README's "API": {@code /write} and {@code /read}. Each method names
 * the role it needs; the key is the router's own capture of its segment
 * ({@code @Encoded}), decoded strictly ({@link Keys#fromSegment}). Input is checked here,
 * before the contract sees it; the contract of this instance's mode does the rest.
 */
@Path("/")
public class KvResource {

    private static final String TEXT_UTF8 = "text/plain; charset=utf-8";
    static final String SESSION = "X-Session-Token";

    private static final Logger LOG = Logger.getLogger(KvResource.class);

    private final KvContract contract;
    private final Sessions sessions;
    private final Metrics metrics;
    private final long slowNanos;
    private final RequestChecks checks;
    private final String mode;
    private final SecurityIdentity identity;

    public KvResource(@Named("active") KvContract contract, Sessions sessions, Metrics metrics, CaptierConfig config,
                      SecurityIdentity identity) {
        this.contract = contract;
        this.identity = identity;
        this.sessions = sessions;
        this.metrics = metrics;
        this.slowNanos = config.networkTimeout().toNanos();
        this.checks = new RequestChecks(config.maxValueBytes());
        this.mode = config.mode().wireName();
    }

    @POST
    @Path("write/{key}")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Role.Names.WRITE)
    public Response write(@Encoded @PathParam("key") String key, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                          @HeaderParam("Idempotency-Key") String idempotencyKey,
                          @Context HttpServerRequest http,
                          @HeaderParam(SESSION) String session, byte[] body) {
        return measured("write", key, () -> {
            byte[] value = checks.value(body);
            String type = contentType == null || contentType.isBlank() ? MediaType.APPLICATION_OCTET_STREAM : contentType;
            WriteRequest request = new WriteRequest(Keys.fromSegment(key), value, type, false,
                    idempotencyKey(idempotencyKey), preconditions(http));
            return written(sessions.read(session, caller()), contract.write(request));
        });
    }

    @POST
    @Path("write/{key}/{value}")
    @RolesAllowed(Role.Names.WRITE)
    public Response writeInPath(@Encoded @PathParam("key") String key, @Encoded @PathParam("value") String value,
                                @HeaderParam("Idempotency-Key") String idempotencyKey,
                                @Context HttpServerRequest http,
                                @HeaderParam(SESSION) String session) {
        return measured("write", key, () -> {
            byte[] bytes = checks.value(checks.pathValue(value).getBytes(StandardCharsets.UTF_8));
            WriteRequest request = new WriteRequest(Keys.fromSegment(key), bytes, TEXT_UTF8, false,
                    idempotencyKey(idempotencyKey), preconditions(http));
            return written(sessions.read(session, caller()), contract.write(request));
        });
    }

    @DELETE
    @Path("write/{key}")
    @RolesAllowed(Role.Names.WRITE)
    public Response delete(@Encoded @PathParam("key") String key, @HeaderParam("Idempotency-Key") String idempotencyKey,
                           @Context HttpServerRequest http,
                           @HeaderParam(SESSION) String session) {
        return measured("delete", key, () -> {
            WriteRequest request = WriteRequest.delete(Keys.fromSegment(key), idempotencyKey(idempotencyKey),
                    preconditions(http));
            return written(sessions.read(session, caller()), contract.write(request));
        });
    }

    /**
     * A read. It runs on the event loop that received it (the method answers a
     * {@link CompletionStage}, so the router does not move it to a worker): the key, the
     * session token and the contract's read are started here, and the answer is written when
     * the contract's stage completes. A contract that must block moves that part off the loop.
     */
    @GET
    @Path("read/{key}")
    @Produces({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
    @RolesAllowed(Role.Names.READ)
    public CompletionStage<Response> read(@Encoded @PathParam("key") String segment,
                                          @HeaderParam("X-Max-Staleness-Ms") String maxStaleness,
                                          @HeaderParam(HttpHeaders.ACCEPT) String accept,
                                          @HeaderParam(SESSION) String session) {
        long started = System.nanoTime();
        String caller = caller();
        CompletionStage<Response> answer;
        try {
            String key = Keys.fromSegment(segment);
            SessionToken before = sessions.read(session, caller);
            answer = contract.read(new ReadRequest(key, checks.maxStaleness(maxStaleness), before))
                    .thenApply(r -> readAnswer(r, before, accept, caller));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((response, failure) -> finished("read", segment, caller, started,
                failure == null ? response : Failures.response(unwrapped(failure), false)));
    }

    private Response readAnswer(ReadResult r, SessionToken before, String accept, String caller) {
        // Monotonic reads: what this answer showed is the session's new floor for the key.
        SessionToken after = r.entry().map(e -> before.observe(r.key(), e.version())).orElse(before);
        if (!r.found()) {
            return notFound(r, after, caller);
        }
        Response.ResponseBuilder answer = wantsRawBytes(accept)
                ? Response.ok(r.entry().get().value(), MediaType.APPLICATION_OCTET_STREAM)
                        .header("X-Content-Type", r.entry().get().contentType())
                : Response.ok(Answers.read(r, mode), MediaType.APPLICATION_JSON);
        long version = r.entry().get().version();
        return readHeaders(answer, r, after, caller).header("X-Version", Long.toString(version))
                .header(HttpHeaders.ETAG, Preconditions.etag(version)).build();
    }

    /** A stage's failure as thrown: the cause a {@link CompletionException} wraps, as a runtime exception. */
    private static RuntimeException unwrapped(Throwable failure) {
        Throwable cause = Stages.cause(failure);
        return cause instanceof RuntimeException e ? e : new IllegalStateException(cause);
    }

    /** A path without a key: the key is empty, which is a bad key, not a missing page. */
    @POST
    @Path("write")
    @RolesAllowed(Role.Names.WRITE)
    public Response writeWithoutKey() {
        return measured("write", "", () -> Keys.valid(""));
    }

    @DELETE
    @Path("write")
    @RolesAllowed(Role.Names.WRITE)
    public Response deleteWithoutKey() {
        return measured("delete", "", () -> Keys.valid(""));
    }

    @GET
    @Path("read")
    @RolesAllowed(Role.Names.READ)
    public Response readWithoutKey() {
        return measured("read", "", () -> Keys.valid(""));
    }

    private Response written(SessionToken session, WriteResult w) {
        String token = sessions.write(session.observe(w.key(), w.version()), caller());
        Response.ResponseBuilder r = Response.status(w.durability().status())
                .type(MediaType.APPLICATION_JSON).entity(Answers.write(w, mode, token)).header(SESSION, token)
                .header(HttpHeaders.ETAG, Preconditions.etag(w.version()));
        if (w.replayed()) {
            r.header("Idempotent-Replayed", "true");
        }
        return r.build();
    }

    private Response notFound(ReadResult r, SessionToken session, String caller) {
        Problem p = Problem.of(ProblemType.NOT_FOUND, "no value for this key")
                .with("key", r.key())
                .with("source", r.source().wireName())
                .with("staleness_ms", r.stalenessMs())
                .with("stale", r.stale())
                .with("mode", mode);
        r.entry().ifPresent(tombstone -> p.with("deleted", true).with("version", Long.toString(tombstone.version())));
        Response base = p.response();
        return readHeaders(Response.fromResponse(base), r, session, caller).build();
    }

    private Response.ResponseBuilder readHeaders(Response.ResponseBuilder r, ReadResult result, SessionToken session,
                                                 String caller) {
        return r.header(SESSION, sessions.write(session, caller))
                .header("X-Served-By", result.source().wireName())
                .header("X-Staleness-Ms", Long.toString(result.stalenessMs()))
                .header("X-Stale", Boolean.toString(result.stale()));
    }

    private static boolean wantsRawBytes(String accept) {
        return accept != null && accept.contains(MediaType.APPLICATION_OCTET_STREAM)
                && !accept.contains(MediaType.APPLICATION_JSON);
    }

    /**
     * The request's Idempotency-Key, scoped to the API key that sent it ({@code name:key}; a
     * name has no ':'): another API key's Idempotency-Key of the same text is another key,
     * so no caller can replay, or learn of, another's answers.
     */
    private Optional<String> idempotencyKey(String header) {
        return checks.idempotencyKey(header).map(key -> caller() + ":" + key);
    }

    /** The name of the API key this request was let in with (its security identity). */
    private String caller() {
        return identity.getPrincipal().getName();
    }

    /** Run one operation, turn any failure into its problem answer, count it, and audit writes. */
    private Response measured(String operation, String key, Supplier<Object> work) {
        long started = System.nanoTime();
        Response response;
        try {
            Object result = work.get();
            response = result instanceof Response r ? r : Response.noContent().build();
        } catch (RuntimeException e) {
            response = Failures.response(e, !"read".equals(operation));
        }
        return finished(operation, key, caller(), started, response);
    }

    /**
     * Count an operation's answer, log it when it came later than NETWORK_TIMEOUT, and audit
     * writes.
     *
     * @param started {@link System#nanoTime()} when the request came in
     * @return {@code response}
     */
    private Response finished(String operation, String key, String caller, long started, Response response) {
        metrics.request(operation, response.getStatus(), started);
        long took = System.nanoTime() - started;
        if (took > slowNanos) {
            // A refusal must come within NETWORK_TIMEOUT (docs/architecture.md C3); an answer this late
            // says where to look (PG_CALL_SLOW, if a store call was the slow part).
            LogEvent.of("REQUEST_SLOW").with(LogEvent.OPERATION, operation)
                    .with(LogEvent.STATUS, response.getStatus()).with(LogEvent.DURATION, took)
                    .warn(LOG, "a request took longer than NETWORK_TIMEOUT");
        }
        if (!"read".equals(operation)) {
            AuditLog.write(operation, key, caller, response);
        }
        return response;
    }

    /** The precondition from the request's raw If-Match / If-None-Match lines (see {@link Preconditions#of}). */
    private static Optional<Precondition> preconditions(HttpServerRequest http) {
        return Preconditions.of(http.headers().getAll(HttpHeaders.IF_MATCH), http.headers().getAll(HttpHeaders.IF_NONE_MATCH));
    }
}
