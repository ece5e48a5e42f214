package io.captier.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * A route added without a role annotation, as someone might add one later: it exists only
 * in the {@code @QuarkusTest} application, where ApiContractTest proves it is refused
 * (deny by default), with and without a key.
 */
@Path("/test-only/unannotated")
public class UnannotatedTestResource {

    @GET
    public String secret() {
        return "this must never be served";
    }
}
