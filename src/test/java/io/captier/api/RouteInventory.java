package io.captier.api;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Set;
import java.util.TreeSet;

/**
 * The Vert.x routes of the {@code @QuarkusTest} application, as the router holds them: the
 * REST resources hang off one route without a path, so any route with a path of its own is
 * a way in that no {@code @RolesAllowed} guards. ApiContractTest holds the set to the open
 * endpoints.
 */
@ApplicationScoped
public class RouteInventory {

    private static volatile Router router;

    void capture(@Observes Router main) {
        router = main;
    }

    /** Every path or path pattern a route of the main router answers on. */
    static Set<String> paths() {
        Set<String> paths = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            if (route.getPath() != null) {
                paths.add(route.getPath());
            } else if (route.isRegexPath()) {
                paths.add("regex:" + route.toString());
            }
        }
        return paths;
    }
}
