package io.captier.load;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * captier under load: for each profile (consistent, available), each mix (read-heavy 90/10,
 * write-heavy 10/90, mixed 50/50), with and without session tokens (the last X-Session-Token is
 * sent back), directly and through NGINX (TLS). 24 scenarios, named
 * {@code PROFILE-MIX-plain|session-direct|nginx}; each is a Gatling group, so the HTML report shows
 * every one apart.
 *
 * <p>Direct scenarios are closed loops ({@code users} each, no think time). NGINX limits each client
 * address to 100 requests/s (bursts of 200), and every scenario here comes from 127.0.0.1, so the
 * NGINX scenarios are paced to {@code nginxRate} requests/s together (60 by default); a 429 is still
 * an accepted answer there, counted and printed at the end (never on a direct scenario).
 *
 * <p>System properties: {@code token} (or env CAPTIER_TOKEN; required), {@code consistentUrl},
 * {@code availableUrl} (default :5001, :5002), {@code nginxConsistentUrl}, {@code nginxAvailableUrl}
 * (no NGINX scenarios without them), {@code scenario} (a regex over the names, default all),
 * {@code users} (2 per direct scenario), {@code nginxUsers} (1 per NGINX scenario), {@code duration}
 * (seconds, 30), {@code nginxRate} (60), {@code keys} (100). Assertions: no failed request
 * (a KO is any other status, or no answer), and no 429 on a direct scenario.
 */
public class CaptierSimulation extends Simulation {

    static final List<String> PROFILES = List.of("consistent", "available");
    /** mix name -> percent of reads. */
    static final Map<String, Double> MIXES = Map.of("read-heavy", 90.0, "write-heavy", 10.0, "mixed", 50.0);
    static final Map<String, LongAdder> TOO_MANY = new ConcurrentHashMap<>();

    final String token = setting("token", System.getenv("CAPTIER_TOKEN"));
    final int users = Integer.parseInt(setting("users", "2"));
    final int nginxUsers = Integer.parseInt(setting("nginxUsers", "1"));
    final Duration duration = Duration.ofSeconds(Long.parseLong(setting("duration", "30")));
    final double nginxRate = Double.parseDouble(setting("nginxRate", "60"));
    final int keys = Integer.parseInt(setting("keys", "100"));
    final Pattern selected = Pattern.compile(setting("scenario", ".*"));

    {
        if (token == null || token.isBlank()) {
            throw new IllegalStateException("no API key: -Dtoken=... or CAPTIER_TOKEN (scripts/load reads .captier/credentials.env)");
        }
        List<String[]> chosen = new ArrayList<>();
        for (String profile : PROFILES) {
            for (String mix : List.of("read-heavy", "write-heavy", "mixed")) {
                for (String session : List.of("plain", "session")) {
                    for (String via : List.of("direct", "nginx")) {
                        String name = String.join("-", profile, mix, session, via);
                        if (selected.matcher(name).matches() && url(profile, via) != null) {
                            chosen.add(new String[] {name, profile, mix, session, via});
                        }
                    }
                }
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalStateException("no scenario matches " + selected + " (NGINX ones need nginx*Url)");
        }
        long nginxScenarios = chosen.stream().filter(c -> c[4].equals("nginx")).count();
        // Each NGINX user sends one request per pace period: together nginxRate requests/s.
        Duration nginxPace = Duration.ofMillis(Math.max(1, Math.round(1000.0 * nginxScenarios * nginxUsers / nginxRate)));
        List<PopulationBuilder> populations = new ArrayList<>();
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(global().failedRequests().count().is(0L));
        for (String[] c : chosen) {
            boolean nginx = c[4].equals("nginx");
            populations.add(scenario(c[0])
                    .exec(loop(c[0], MIXES.get(c[2]), c[3].equals("session"), nginx, nginx ? nginxPace : null))
                    .injectOpen(atOnceUsers(nginx ? nginxUsers : users))
                    .protocols(protocol(url(c[1], c[4]))));
            assertions.add(details(c[0]).failedRequests().count().is(0L));
        }
        setUp(populations).assertions(assertions);
    }

    @Override
    public void after() {
        Map<String, Long> counted = new TreeMap<>();
        TOO_MANY.forEach((k, v) -> counted.put(k, v.sum()));
        System.out.println("429 (rate limited) answers per scenario: " + (counted.isEmpty() ? "none" : counted));
        if (counted.keySet().stream().anyMatch(k -> k.endsWith("-direct"))) {
            throw new IllegalStateException("a direct scenario was answered 429: " + counted);
        }
    }

    private String url(String profile, String via) {
        String key = via.equals("nginx") ? "nginx" + capital(profile) + "Url" : profile + "Url";
        return setting(key, via.equals("direct") ? (profile.equals("consistent") ? "http://127.0.0.1:5001"
                : "http://127.0.0.1:5002") : null);
    }

    private HttpProtocolBuilder protocol(String baseUrl) {
        // NGINX serves a self-signed development certificate: Gatling's default trust manager accepts any.
        // Caching off: Gatling's HTTP cache would send a remembered ETag back as If-None-Match,
        // and the service refuses a write's If-None-Match other than * (400; docs/decisions.md).
        // These virtual users are plain clients, not caches.
        return http.baseUrl(baseUrl).header("Authorization", "Bearer " + token).acceptHeader("application/json")
                .disableCaching().warmUp(baseUrl + "/health/live");
    }

    private ChainBuilder loop(String name, double readPercent, boolean session, boolean nginx, Duration paced) {
        Iterator<Map<String, Object>> feeder = Stream.generate(() -> Map.<String, Object>of(
                "key", "load-" + ThreadLocalRandom.current().nextInt(keys),
                "value", "v" + ThreadLocalRandom.current().nextLong(1_000_000_000L))).iterator();
        ChainBuilder one = exec(randomSwitch().on(
                        percent(readPercent).then(withSession(read(nginx), session)),
                        percent(100 - readPercent).then(withSession(write(nginx), session))))
                .exec(s -> count429(name, s));
        ChainBuilder body = paced == null ? exec(one) : pace(paced).exec(one);
        return during(duration).on(feed(feeder).exec(group(name).on(body)));
    }

    private static ChainBuilder feed(Iterator<Map<String, Object>> feeder) {
        return io.gatling.javaapi.core.CoreDsl.feed(feeder);
    }

    private static HttpRequestActionBuilder read(boolean nginx) {
        return http("read").get("/read/#{key}").check(
                (nginx ? status().in(200, 404, 429) : status().in(200, 404)).saveAs("status"),
                header("X-Session-Token").optional().saveAs("token"));
    }

    private static HttpRequestActionBuilder write(boolean nginx) {
        return http("write").post("/write/#{key}").header("Content-Type", "text/plain; charset=utf-8")
                .body(StringBody("#{value}")).check(
                        (nginx ? status().in(200, 202, 429) : status().in(200, 202)).saveAs("status"),
                        header("X-Session-Token").optional().saveAs("token"));
    }

    /** With sessions on, the last token this virtual user got goes back with its next request. */
    private static ChainBuilder withSession(HttpRequestActionBuilder request, boolean session) {
        if (!session) {
            return exec(request);
        }
        return doIfOrElse(s -> s.contains("token"))
                .then(exec(request.header("X-Session-Token", "#{token}")))
                .orElse(exec(request));
    }

    private static Session count429(String scenario, Session s) {
        if (s.contains("status") && s.getInt("status") == 429) {
            TOO_MANY.computeIfAbsent(scenario, k -> new LongAdder()).increment();
        }
        return s.remove("status");
    }

    private static String setting(String name, String fallback) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
