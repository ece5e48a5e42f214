package io.captier.api;

import io.captier.resilience.Breaker;
import io.captier.resilience.Breakers;
import io.captier.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** GET /circuit-breaker: every breaker with its state, counts and since when. */
@Path("/circuit-breaker")
public class CircuitBreakerResource {

    private final Breakers breakers;

    public CircuitBreakerResource(Breakers breakers) {
        this.breakers = breakers;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.Names.READ)
    public List<Map<String, Object>> breakers() {
        return breakers.all().stream().map(CircuitBreakerResource::describe).toList();
    }

    private static Map<String, Object> describe(Breaker b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("state", b.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("failures", b.failures());
        m.put("successes", b.successes());
        m.put("prevented", b.prevented());
        m.put("since", b.since().toString());
        return m;
    }
}
