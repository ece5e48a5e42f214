package io.captier.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.captier.cluster.app.Credentials;
import io.captier.cluster.app.TopologyResource;
import io.quarkus.resteasy.reactive.server.runtime.ResteasyReactiveRecorder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.HeaderConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.annotation.security.RolesAllowed;
import org.jboss.resteasy.reactive.server.handlers.ClassRoutingHandler;
import org.jboss.resteasy.reactive.server.handlers.RestInitialHandler;
import org.jboss.resteasy.reactive.server.mapping.RequestMapper;
import org.jboss.resteasy.reactive.server.mapping.RuntimeResource;
import org.jboss.resteasy.reactive.server.spi.ServerRestHandler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document at {@code /openapi} (META-INF/openapi.yaml) held to the running service,
 * the {@code @QuarkusTest} application on the real topology:
 *
 * <ul>
 *   <li>it is served without a key, as YAML and as JSON, the same document;</li>
 *   <li>every route the service dispatches (each REST resource method, each Vert.x route with a
 *       path of its own) is an operation of the document, and every operation is such a route,
 *       with the role its {@code @RolesAllowed} names (OpenAPI 3.1 section 4.8.30: a bearer
 *       scheme's requirement may list role names);</li>
 *   <li>its problem types are exactly {@link ProblemType}'s and NGINX's own;</li>
 *   <li>every answer the service gives to the requests below has a status the operation
 *       documents, a documented media type, the headers its response marks required and no
 *       answer header it does not document, and a body that conforms to the documented schema
 *       (for a problem: a documented type and members, and its own status); and every
 *       status an operation documents is answered here, or is one of {@link #NOT_DRIVEN_HERE}
 *       with the test that produces it.</li>
 * </ul>
 */
@QuarkusTest
@QuarkusTestResource(value = TopologyResource.class, restrictToAnnotatedClass = true)
class OpenApiDocumentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String PROBLEM = "application/problem+json";
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");

    /**
     * Vert.x routes with a path of their own that are not operations of the document, each with
     * why. Any other route must be documented. (ApiContractTest holds the whole set of them.)
     */
    private static final Map<String, String> UNDOCUMENTED_ROUTES = Map.of(
            "/", "the REST resources hang off it; their routes are compared one by one",
            "/q/", "Quarkus' non-application root: nothing is served under it",
            "/health/started", "SmallRye Health's startup view: captier registers no startup check",
            "/health/well", "SmallRye Health's wellness view: captier registers no wellness check",
            "/health/group", "SmallRye Health's groups: captier registers no group",
            "/health/group/", "SmallRye Health's groups: captier registers no group",
            "/metrics/", "/metrics spelled with a trailing '/'",
            "/openapi.json", "/openapi as JSON: the same document",
            "/openapi.yaml", "/openapi as YAML: the same document",
            "/openapi.yml", "/openapi as YAML: the same document");

    /**
     * Documented statuses that no request here can provoke on a healthy, unthrottled instance,
     * and where each is produced instead.
     */
    private static final Map<Integer, String> NOT_DRIVEN_HERE = Map.of(
            202, "a buffered write of the available profile: AvailableProfileIT, BufferedWritesIT",
            429, "an address over its failed authentications (it would throttle this test): AuthorizationIT",
            500, "nothing fails on purpose; HostileInputIT and ApiContractTest prove bad input is never 500",
            503, "a store down: ConsistentProfileIT, AvailableProfileIT, SessionGuaranteesIT");

    /** Answer headers the document must name wherever they are sent. */
    private static final Set<String> ANSWER_HEADERS = Set.of("etag", "retry-after", "www-authenticate",
            "idempotent-replayed", "allow");

    private static final Pattern PROBLEM_URN = Pattern.compile("urn:captier:problem:[a-z-]+");

    private static JsonNode doc;

    /** What the service answered that the document does not say, one line each. */
    private final List<String> violations = new ArrayList<>();
    /** Every "METHOD /template status" the requests below got. */
    private final Set<String> answered = new TreeSet<>();

    @BeforeEach
    void ready() {
        org.awaitility.Awaitility.await("ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> RestAssured.given().get("/health/ready").statusCode() == 200);
        if (doc == null) {
            doc = fetch(RestAssured.given().get("/openapi"), "application/yaml", YAML);
        }
    }

    @Test
    void theDocumentIsServedWithoutAKeyAsYamlAndAsJson() {
        JsonNode asJson = fetch(RestAssured.given().queryParam("format", "json").get("/openapi"), "application/json",
                JSON);
        JsonNode accepted = fetch(RestAssured.given().accept("application/json").get("/openapi"), "application/json",
                JSON);
        assertEquals(doc, asJson, "?format=json is the YAML document as JSON");
        assertEquals(doc, accepted, "Accept: application/json is the YAML document as JSON");
        assertEquals("3.1.0", doc.path("openapi").asText());
        assertTrue(doc.path("servers").isMissingNode() || doc.path("servers").isEmpty()
                        || doc.path("servers").get(0).path("url").asText().equals("/"),
                "no server URL: one document serves every host and NGINX: " + doc.path("servers"));
        JsonNode bearer = doc.at("/components/securitySchemes/bearer");
        assertEquals("http", bearer.path("type").asText());
        assertEquals("bearer", bearer.path("scheme").asText());
        // The path spellings a router might bend open nothing else.
        failingAuthentication("GET /read/{key}", () -> RestAssured.given().urlEncodingEnabled(false)
                .get("/openapi/../read/k")).then().statusCode(401);
        failingAuthentication("GET /nodes", () -> RestAssured.given().urlEncodingEnabled(false)
                .get("/openapi/%2e%2e/nodes")).then().statusCode(401);
        RestAssured.given().urlEncodingEnabled(false).get("/openapi;x").then().statusCode(404);
        // Swagger UI: not in production builds; in this test build switched off (an empty 404).
        RestAssured.given().get("/q/swagger-ui").then().statusCode(404);
        RestAssured.given().get("/q/openapi").then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void everyRouteOfTheServiceIsAnOperationAndEveryOperationARoute() {
        Map<String, Set<String>> live = new TreeMap<>(restRoutes());
        for (String path : RouteInventory.paths()) {
            if (!UNDOCUMENTED_ROUTES.containsKey(path)) {
                live.put("GET " + path, Set.of()); // no role: open, like every Vert.x route
            }
        }
        Map<String, Set<String>> documented = new TreeMap<>();
        operations().forEach((op, node) -> documented.put(op, roles(node)));
        assertEquals(live.keySet(), documented.keySet(), "live routes (left) and documented operations (right)");
        assertEquals(live, documented, "each operation's role (security: bearer: [role]) is its method's @RolesAllowed");
        assertTrue(RouteInventory.paths().containsAll(UNDOCUMENTED_ROUTES.keySet()),
                "no stale exception: " + UNDOCUMENTED_ROUTES.keySet());
    }

    @Test
    void theProblemTypesAreTheServicesAndNginxs() throws IOException {
        Set<String> expected = new TreeSet<>();
        Arrays.stream(ProblemType.values()).map(ProblemType::uri).forEach(expected::add);
        Set<String> nginx = new TreeSet<>();
        try (Stream<Path> files = Stream.concat(Stream.of(Path.of("nginx/nginx.conf")),
                Files.list(Path.of("nginx/snippets")))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = PROBLEM_URN.matcher(Files.readString(f));
                while (m.find()) {
                    nginx.add(m.group());
                }
            }
        }
        assertTrue(nginx.contains("urn:captier:problem:no-instance"), "NGINX's own type is found: " + nginx);
        expected.addAll(nginx);
        Set<String> documented = new TreeSet<>();
        doc.at("/components/schemas/ProblemType/enum").forEach(t -> documented.add(t.asText()));
        assertEquals(expected, documented, "ProblemType's and NGINX's types (left), the document's (right)");
        // Every problem answer an operation documents has a status some type of the service has.
        Set<Integer> statuses = new TreeSet<>();
        Arrays.stream(ProblemType.values()).map(ProblemType::status).forEach(statuses::add);
        operations().forEach((op, node) -> node.path("responses").fields().forEachRemaining(r -> {
            if (resolve(r.getValue()).path("content").has(PROBLEM)) {
                assertTrue(statuses.contains(Integer.parseInt(r.getKey())), op + " " + r.getKey()
                        + " is a problem no type of the service has");
            }
        }));
    }

    /**
     * Drives every operation to the statuses a request can provoke, checks each answer against
     * the document, then checks that every documented status was answered or is
     * {@link #NOT_DRIVEN_HERE}.
     */
    @Test
    void theServiceAnswersWhatTheDocumentSaysAndNothingElse() {
        String rw = Credentials.READ_WRITE;
        // Any path: the filters before routing, and each operation's role.
        operations().forEach((op, node) -> {
            String method = op.substring(0, op.indexOf(' '));
            String target = concrete(op.substring(op.indexOf(' ') + 1));
            check(op, key(rw).config(RestAssured.config().headerConfig(HeaderConfig.headerConfig()
                    .mergeHeadersWithName("Authorization"))).header("Authorization", "Bearer " + rw)
                    .request(method, target));
            check(op, key(rw).queryParam("pad", "p".repeat(RequestTarget.MAX_CHARS)).request(method, target));
            check(op, key(rw).header("X-Pad", "p".repeat(HttpFilters.MAX_HEADER_BYTES)).request(method, target));
            check(op, key(rw).body(new byte[1024 * 1024 + 1]).contentType("application/octet-stream")
                    .request(method, target));
            Set<String> roles = roles(node);
            if (!roles.isEmpty()) {
                check(op, failingAuthentication(op, () -> RestAssured.given().request(method, target)));
                String lacking = roles.contains("read") ? Credentials.WRITE_ONLY : Credentials.READ_ONLY;
                check(op, key(lacking).request(method, target));
            }
            check(op, key(rw).request(method, target));
        });

        // The data routes, each to its own answers.
        check("POST /write/{key}", key(rw).body("v1").contentType("text/plain").post("/write/oa-k"));
        Response read = key(rw).get("/read/oa-k");
        check("GET /read/{key}", read);
        String etag = read.header("ETag");
        check("GET /read/{key}", key(rw).accept("application/octet-stream").get("/read/oa-k"));
        check("GET /read/{key}", key(rw).header("X-Session-Token", read.header("X-Session-Token"))
                .header("X-Max-Staleness-Ms", "0").get("/read/oa-k"));
        check("GET /read/{key}", key(rw).get("/read/oa-never-written"));
        check("GET /read/{key}", key(rw).header("X-Max-Staleness-Ms", "soon").get("/read/oa-k"));
        check("GET /read/{key}", key(rw).header("X-Session-Token", "not-a-token").get("/read/oa-k"));
        check("GET /read/{key}", key(rw).urlEncodingEnabled(false).get("/read/oa%00k"));
        check("GET /read/{key}", key(rw).urlEncodingEnabled(false).get("/read/oa;x"));
        check("GET /read/{key}", key(rw).accept("image/png").get("/read/oa-k"));
        check("GET /nodes", key(rw).accept("image/png").get("/nodes"));
        check("GET /circuit-breaker", key(rw).accept("image/png").get("/circuit-breaker"));

        check("POST /write/{key}", key(rw).header("If-Match", "\"1\"").body("v2").post("/write/oa-k"));
        check("POST /write/{key}", key(rw).header("If-Match", etag).body("v2").post("/write/oa-k"));
        check("POST /write/{key}", key(rw).header("If-Match", "W/\"1\"").body("v3").post("/write/oa-k"));
        check("POST /write/{key}", key(rw).header("Content-Type", "not a media type").body("v".getBytes())
                .post("/write/oa-k"));
        check("POST /write/{key}", key(rw).header("Idempotency-Key", "oa-once").body("a").post("/write/oa-i"));
        check("POST /write/{key}", key(rw).header("Idempotency-Key", "oa-once").body("a").post("/write/oa-i"));
        check("POST /write/{key}", key(rw).header("Idempotency-Key", "oa-once").body("b").post("/write/oa-i"));
        check("POST /write/{key}", key(rw).header("Idempotency-Key", "has space").body("a").post("/write/oa-i"));
        check("POST /write/{key}", key(rw).header("X-Session-Token", "x.y").body("a").post("/write/oa-i"));

        check("POST /write/{key}/{value}", key(rw).header("If-None-Match", "*").post("/write/oa-k/v4"));
        check("POST /write/{key}/{value}", key(rw).urlEncodingEnabled(false).post("/write/oa-p/%FF"));
        check("POST /write/{key}/{value}", key(rw).header("Idempotency-Key", "oa-path").post("/write/oa-p/a"));
        check("POST /write/{key}/{value}", key(rw).header("Idempotency-Key", "oa-path").post("/write/oa-p/b"));
        check("POST /write/{key}/{value}", key(rw).header("Content-Type", "not a media type")
                .post("/write/oa-p/c"));

        check("DELETE /write/{key}", key(rw).header("If-Match", "\"1\"").delete("/write/oa-k"));
        check("DELETE /write/{key}", key(rw).header("Idempotency-Key", "oa-del").delete("/write/oa-d1"));
        check("DELETE /write/{key}", key(rw).header("Idempotency-Key", "oa-del").delete("/write/oa-d2"));
        check("DELETE /write/{key}", key(rw).delete("/write/oa-k"));
        check("GET /read/{key}", key(rw).get("/read/oa-k")); // deleted: not-found with the tombstone

        assertTrue(violations.isEmpty(), "answers the document does not describe:\n" + String.join("\n", violations));

        Set<String> missing = new TreeSet<>();
        operations().forEach((op, node) -> node.path("responses").fieldNames().forEachRemaining(status -> {
            if (!answered.contains(op + " " + status) && !NOT_DRIVEN_HERE.containsKey(Integer.parseInt(status))) {
                missing.add(op + " " + status);
            }
        }));
        assertTrue(missing.isEmpty(), "documented, never answered here, and not among NOT_DRIVEN_HERE: " + missing);
    }

    // --- the document ----------------------------------------------------------------------

    private static JsonNode fetch(Response r, String mediaType, ObjectMapper parser) {
        r.then().statusCode(200);
        assertTrue(r.contentType().startsWith(mediaType), r.contentType());
        try {
            return parser.readTree(r.asString());
        } catch (IOException e) {
            throw new AssertionError("/openapi is not " + mediaType, e);
        }
    }

    /** Every operation of the document, as "METHOD /template". */
    private static Map<String, JsonNode> operations() {
        Map<String, JsonNode> ops = new TreeMap<>();
        doc.path("paths").fields().forEachRemaining(path -> {
            for (String method : METHODS) {
                if (path.getValue().has(method)) {
                    ops.put(method.toUpperCase(Locale.ROOT) + " " + path.getKey(), path.getValue().get(method));
                }
            }
        });
        assertTrue(ops.size() > 5, "the document has operations: " + ops.keySet());
        return ops;
    }

    /** The roles an operation's bearer requirement names; empty for an open one ({@code security: []}). */
    private static Set<String> roles(JsonNode operation) {
        JsonNode security = operation.has("security") ? operation.get("security") : doc.path("security");
        Set<String> roles = new TreeSet<>();
        security.forEach(requirement -> requirement.path("bearer").forEach(role -> roles.add(role.asText())));
        return roles;
    }

    private static JsonNode resolve(JsonNode node) {
        JsonNode at = node;
        while (at.has("$ref")) {
            String ref = at.get("$ref").asText();
            assertTrue(ref.startsWith("#/"), ref);
            at = doc.at(ref.substring(1));
            assertTrue(!at.isMissingNode(), "unresolved " + ref);
        }
        return at;
    }

    private static String concrete(String template) {
        return template.replace("{key}", "oa-any").replace("{value}", "v");
    }

    // --- the service -----------------------------------------------------------------------

    /**
     * Every REST resource method of the running application as "METHOD /template", with the
     * roles of its {@code @RolesAllowed}; the test-only {@link UnannotatedTestResource} left out.
     */
    private static Map<String, Set<String>> restRoutes() {
        Map<String, Set<String>> routes = new TreeMap<>();
        for (RequestMapper.RequestPath<RestInitialHandler.InitialMatch> cls
                : ResteasyReactiveRecorder.getCurrentDeployment().getClassMappers()) {
            for (ServerRestHandler h : cls.value.handlers) {
                if (h instanceof ClassRoutingHandler routing) {
                    routing.getMappers().forEach((method, mapper) -> {
                        for (RequestMapper.RequestPath<RuntimeResource> m : mapper.getTemplates()) {
                            RuntimeResource resource = m.value;
                            if (resource.getResourceClass() == UnannotatedTestResource.class) {
                                continue;
                            }
                            String path = (cls.template.template + "/" + m.template.template)
                                    .replaceAll("\\{([^}:]+):[^}]*}", "{$1}").replaceAll("/+", "/");
                            if (path.length() > 1 && path.endsWith("/")) {
                                path = path.substring(0, path.length() - 1);
                            }
                            routes.put(method + " " + path, rolesOf(resource));
                        }
                    });
                }
            }
        }
        assertTrue(routes.containsKey("GET /read/{key}"), "the REST routes are found: " + routes.keySet());
        return routes;
    }

    private static Set<String> rolesOf(RuntimeResource resource) {
        Set<String> roles = new TreeSet<>();
        for (Method m : resource.getResourceClass().getDeclaredMethods()) {
            if (m.getName().equals(resource.getJavaMethodName())) {
                RolesAllowed allowed = m.getAnnotation(RolesAllowed.class);
                if (allowed == null) {
                    allowed = resource.getResourceClass().getAnnotation(RolesAllowed.class);
                }
                if (allowed != null) {
                    roles.addAll(List.of(allowed.value()));
                }
            }
        }
        return roles;
    }

    private static RequestSpecification key(String apiKey) {
        return RestAssured.given().header("Authorization", "Bearer " + apiKey);
    }

    /** Checks one answer of the operation {@code op} against the document; records what does not hold. */
    private void check(String op, Response r) {
        String where = op + " -> " + r.statusCode();
        JsonNode operation = operations().get(op);
        if (operation == null) {
            violations.add(where + ": no such operation in the document");
            return;
        }
        String status = Integer.toString(r.statusCode());
        answered.add(op + " " + status);
        JsonNode response = operation.path("responses").get(status);
        if (response == null) {
            violations.add(where + ": status not documented (" + r.asString() + ")");
            return;
        }
        response = resolve(response);
        String type = r.contentType() == null ? "" : r.contentType().split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!type.isEmpty() && !response.path("content").has(type)) {
            violations.add(where + ": media type " + type + " not documented");
        }
        Map<String, JsonNode> headers = new LinkedHashMap<>();
        response.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT),
                resolve(h.getValue())));
        headers.forEach((name, h) -> {
            if (h.path("required").asBoolean() && r.header(name) == null) {
                violations.add(where + ": required header " + name + " missing");
            }
        });
        r.headers().forEach(h -> {
            String name = h.getName().toLowerCase(Locale.ROOT);
            if ((name.startsWith("x-") || ANSWER_HEADERS.contains(name)) && !headers.containsKey(name)) {
                violations.add(where + ": header " + h.getName() + " not documented");
            }
        });
        JsonNode schema = response.path("content").path(type).path("schema");
        if ((PROBLEM.equals(type) || "application/json".equals(type)) && !schema.isMissingNode()) {
            JsonNode body = parse(r.asString());
            conform(body, schema, "", where);
            if (PROBLEM.equals(type) && body.path("status").asInt() != r.statusCode()) {
                violations.add(where + ": problem status " + body.path("status") + " is not the answer's");
            }
        }
    }

    /**
     * Records where a JSON body does not conform to its schema, for the parts of JSON Schema
     * the document uses: $ref, type (one or a list), enum, required, properties (no member
     * beyond them), items and oneOf.
     */
    private void conform(JsonNode value, JsonNode schemaOrRef, String at, String where) {
        JsonNode schema = resolve(schemaOrRef);
        if (schema.has("oneOf")) {
            long matching = 0;
            for (JsonNode alternative : schema.get("oneOf")) {
                List<String> before = new ArrayList<>(violations);
                conform(value, alternative, at, where);
                if (violations.size() == before.size()) {
                    matching++;
                }
                violations.retainAll(before);
            }
            if (matching != 1) {
                violations.add(where + ": " + at + " matches " + matching + " of oneOf: " + value);
            }
            return;
        }
        JsonNode types = schema.path("type");
        if (!types.isMissingNode()) {
            boolean typed = false;
            for (JsonNode t : types.isArray() ? types : JSON.createArrayNode().add(types)) {
                typed |= switch (t.asText()) {
                    case "object" -> value.isObject();
                    case "array" -> value.isArray();
                    case "string" -> value.isTextual();
                    case "integer" -> value.isIntegralNumber();
                    case "boolean" -> value.isBoolean();
                    case "null" -> value.isNull();
                    default -> true;
                };
            }
            if (!typed) {
                violations.add(where + ": " + at + " is not " + types + ": " + value);
                return;
            }
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode e : schema.get("enum")) {
                listed |= e.equals(value);
            }
            if (!listed) {
                violations.add(where + ": " + at + " " + value + " is not among " + schema.get("enum"));
            }
        }
        if (value.isObject() && schema.has("properties")) {
            schema.path("required").forEach(m -> {
                if (!value.has(m.asText())) {
                    violations.add(where + ": " + at + "/" + m.asText() + " is required, and missing");
                }
            });
            Iterator<Map.Entry<String, JsonNode>> members = value.fields();
            while (members.hasNext()) {
                Map.Entry<String, JsonNode> m = members.next();
                JsonNode property = schema.get("properties").get(m.getKey());
                if (property == null) {
                    violations.add(where + ": " + at + "/" + m.getKey() + " is not documented");
                } else {
                    conform(m.getValue(), property, at + "/" + m.getKey(), where);
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                conform(value.get(i), schema.get("items"), at + "/" + i, where);
            }
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /**
     * A request that fails authentication. Each takes one of this address's
     * AUTH_FAILURES_PER_MINUTE tries ({@link io.captier.security.AuthFailureThrottle}); once they
     * are used up the answer is 429 with Retry-After, which is checked like any other answer,
     * and the request is sent again after that wait.
     */
    private Response failingAuthentication(String op, Supplier<Response> request) {
        Response r = request.get();
        for (int i = 0; i < 5 && r.statusCode() == 429; i++) {
            check(op, r);
            sleepSeconds(Long.parseLong(r.header("Retry-After")));
            r = request.get();
        }
        return r;
    }

    private static void sleepSeconds(long seconds) {
        try {
            Thread.sleep(Duration.ofSeconds(seconds).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
