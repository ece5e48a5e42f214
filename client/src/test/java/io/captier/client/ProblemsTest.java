package io.captier.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every problem type of README "API" (and NGINX's no-instance) as its exception. */
class ProblemsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest(name = "{1} {0}")
    @CsvSource({
            "bad-key,                400, BadRequestException,           false",
            "bad-header,             400, BadRequestException,           false",
            "bad-path,               400, BadRequestException,           false",
            "bad-request,            400, BadRequestException,           false",
            "bad-session,            400, BadSessionException,           false",
            "unauthenticated,        401, UnauthenticatedException,      false",
            "forbidden,              403, ForbiddenException,            false",
            "not-found,              404, NotFoundException,             false",
            "no-such-resource,       404, BadRequestException,           false",
            "method-not-allowed,     405, BadRequestException,           false",
            "not-acceptable,         406, BadRequestException,           false",
            "precondition-failed,    412, PreconditionFailedException,   false",
            "value-too-large,        413, ValueTooLargeException,        false",
            "uri-too-long,           414, BadRequestException,           false",
            "unsupported-media-type, 415, BadRequestException,           false",
            "idempotency-key-reused, 422, IdempotencyKeyReusedException, false",
            "rate-limited,           429, RateLimitedException,          true",
            "headers-too-large,      431, BadRequestException,           false",
            "internal,               500, InternalErrorException,        false",
            "no-instance,            502, NoInstanceException,           true",
            "unavailable,            503, UnavailableException,          true",
            "session-behind,         503, SessionBehindException,        true",
            "outcome-unknown,        503, OutcomeUnknownException,       true",
    })
    void eachProblemTypeIsItsException(String name, int status, String exception, boolean retryable) {
        String body = "{\"type\":\"urn:captier:problem:" + name + "\",\"title\":\"T\",\"status\":" + status
                + ",\"detail\":\"D\",\"extra\":\"x\"}";
        CaptierException e = map(status, body, Map.of("Content-Type", "application/problem+json"));

        assertEquals(exception, e.getClass().getSimpleName());
        assertEquals(status, e.status());
        assertEquals("urn:captier:problem:" + name, e.type().orElseThrow());
        assertEquals(name, e.problemName().orElseThrow());
        assertEquals("T", e.title());
        assertEquals("D", e.detail());
        assertEquals("x", e.member("extra").orElseThrow().asText(), "captier's own members are kept");
        assertEquals(retryable, e.retryable());
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("D"), e.getMessage());
    }

    @Test
    void theSubclassesFollowTheFamilies() {
        assertTrue(BadRequestException.class.isAssignableFrom(BadSessionException.class));
        assertTrue(BadRequestException.class.isAssignableFrom(ValueTooLargeException.class));
        assertTrue(UnavailableException.class.isAssignableFrom(SessionBehindException.class));
    }

    @Test
    void preconditionFailedCarriesTheCurrentVersionAboveTwoToThe53() {
        PreconditionFailedException e = (PreconditionFailedException) map(412,
                "{\"type\":\"urn:captier:problem:precondition-failed\",\"status\":412,"
                        + "\"current_version\":\"7331234567890123457\",\"exists\":true}", Map.of());
        assertEquals(7331234567890123457L, e.currentVersion().getAsLong());
        assertTrue(e.exists());

        PreconditionFailedException none = (PreconditionFailedException) map(412,
                "{\"type\":\"urn:captier:problem:precondition-failed\",\"status\":412,\"current_version\":null,\"exists\":false}",
                Map.of());
        assertTrue(none.currentVersion().isEmpty());
        assertFalse(none.exists());
    }

    @Test
    void notFoundCarriesTheTombstone() {
        NotFoundException e = (NotFoundException) map(404, "{\"type\":\"urn:captier:problem:not-found\",\"status\":404,"
                + "\"source\":\"redis-replica\",\"staleness_ms\":120,\"deleted\":true,\"version\":\"7331234567890123457\"}", Map.of());
        assertTrue(e.deleted());
        assertEquals(7331234567890123457L, e.tombstoneVersion().getAsLong());
        assertEquals("redis-replica", e.source().orElseThrow());
        assertEquals(120, e.stalenessMs().getAsLong());

        NotFoundException never = (NotFoundException) map(404, "{\"type\":\"urn:captier:problem:not-found\"}", Map.of());
        assertFalse(never.deleted());
        assertTrue(never.tombstoneVersion().isEmpty());
    }

    @Test
    void unavailableSaysItsOutcomeAndWhenToComeBack() {
        UnavailableException e = (UnavailableException) map(503, "{\"type\":\"urn:captier:problem:unavailable\","
                + "\"outcome\":\"not-applied\"}", Map.of("Retry-After", "2"));
        assertEquals("not-applied", e.outcome().orElseThrow());
        assertEquals(Duration.ofSeconds(2), e.retryAfter().orElseThrow());
    }

    @ParameterizedTest(name = "bare {0} -> {1}")
    @CsvSource({
            "400, BadRequestException",
            "401, UnauthenticatedException",
            "403, ForbiddenException",
            "404, CaptierException",
            "405, BadRequestException",
            "412, CaptierException",
            "413, ValueTooLargeException",
            "429, RateLimitedException",
            "500, InternalErrorException",
            "502, NoInstanceException",
            "503, NoInstanceException",
            "504, NoInstanceException",
            "302, CaptierException",
    })
    void anAnswerThatIsNoCaptierProblemIsMappedByItsStatus(int status, String exception) {
        CaptierException e = map(status, "<html>Bad Gateway</html>", Map.of("Content-Type", "text/html"));
        assertEquals(exception, e.getClass().getSimpleName());
        assertEquals(status, e.status());
        assertTrue(e.type().isEmpty());
        assertEquals("HTTP " + status, e.title());
    }

    @Test
    void aBare404IsNeverNotFound() {
        // A wrong base URL must not read as an absent key.
        assertFalse(map(404, "", Map.of()) instanceof NotFoundException);
        assertFalse(map(404, "{\"type\":\"about:blank\",\"status\":404}", Map.of()) instanceof NotFoundException);
    }

    @Test
    void anUnknownCaptierTypeKeepsEverything() {
        CaptierException e = map(418, "{\"type\":\"urn:captier:problem:teapot\",\"title\":\"Tea\",\"status\":418}", Map.of());
        assertSame(BadRequestException.class, e.getClass());
        assertEquals("teapot", e.problemName().orElseThrow());
        assertEquals("Tea", e.problem().get("title").asText());
    }

    @Test
    void nginxNoInstanceIsRetryableWithItsRetryAfter() {
        String nginx = "{\"type\":\"urn:captier:problem:no-instance\",\"title\":\"No instance answered\",\"status\":502,"
                + "\"detail\":\"no captier instance of this pool answered in time\"}\n";
        CaptierException e = map(502, nginx, Map.of("Retry-After", "1", "Content-Type", "application/problem+json"));
        assertTrue(e instanceof NoInstanceException);
        assertTrue(e.retryable());
        assertEquals(Duration.ofSeconds(1), e.retryAfter().orElseThrow());
    }

    private static CaptierException map(int status, String body, Map<String, String> headers) {
        Map<String, List<String>> h = new java.util.HashMap<>();
        headers.forEach((k, v) -> h.put(k, List.of(v)));
        return Problems.toException(status, HttpHeaders.of(h, (a, b) -> true), body.getBytes(StandardCharsets.UTF_8), NOW);
    }
}
