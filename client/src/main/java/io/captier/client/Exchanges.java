package io.captier.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sends a {@link Call} until it has an answer that is final: a success, a failure that
 * changes nothing when repeated, or the last of {@code maxAttempts}. Thread-safe: it holds
 * no state of its own besides the shared {@link Session}.
 *
 * <p>Retried: no answer at all ({@link ConnectionFailedException}), 429
 * {@code rate-limited}, 502 {@code no-instance}, 503 {@code unavailable},
 * {@code session-behind} and {@code outcome-unknown}. A write is retried only because it
 * carries the same {@code Idempotency-Key} on every attempt, which the service applies at
 * most once and answers with the first answer (README "API").
 */
final class Exchanges {

    private final HttpClient http;
    private final String base;
    private final String authorization;
    private final Duration requestTimeout;
    private final Session session;
    private final Backoff backoff;
    private final int maxAttempts;

    Exchanges(HttpClient http, URI base, String apiKey, Duration requestTimeout, Session session, Backoff backoff,
              int maxAttempts) {
        this.http = http;
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.authorization = "Bearer " + apiKey;
        this.requestTimeout = requestTimeout;
        this.session = session;
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
    }

    /**
     * @return the 2xx answer
     * @throws CaptierException the final failure; for a write whose outcome one attempt left
     *         open and no later attempt settled, {@link OutcomeUnknownException}
     */
    Answer execute(Call call) {
        boolean outcomeOpen = false;
        for (int attempt = 1; ; attempt++) {
            CaptierException failure;
            HttpRequest request = request(call);
            try {
                HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                // Every answer may carry a newer token, a 404 or a 503 too: keep it.
                session.receive(r.headers());
                if (r.statusCode() >= 200 && r.statusCode() < 300) {
                    return new Answer(r.statusCode(), r.headers(), r.body(), attempt);
                }
                failure = Problems.toException(r.statusCode(), r.headers(), r.body(), Instant.now());
            } catch (IOException e) {
                failure = ConnectionFailedException.of(e, request.uri());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new ConnectionFailedException("interrupted while waiting for the answer", e, true, false);
            }
            outcomeOpen |= call.write() && leavesOutcomeOpen(failure);
            failure.context(call.idempotencyKey(), attempt);
            Optional<Duration> wait = failure.retryable() && attempt < maxAttempts
                    ? backoff.next(attempt, failure.retryAfter()) : Optional.empty();
            if (wait.isEmpty()) {
                throw finalFailure(call, failure, outcomeOpen, attempt);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(wait.get().toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                CaptierException f = finalFailure(call, failure, outcomeOpen, attempt);
                f.addSuppressed(e);
                throw f;
            }
        }
    }

    /** A failure after which the write may have been applied, or not. */
    private static boolean leavesOutcomeOpen(CaptierException f) {
        return f instanceof OutcomeUnknownException || f instanceof NoInstanceException
                || (f instanceof ConnectionFailedException c && c.requestMaybeSent());
    }

    /**
     * The failure to throw. A 4xx other than 429 is the service's verdict on the request as a
     * whole (with the same Idempotency-Key it would have replayed an applied attempt), so it
     * stands; anything else after an open outcome leaves the write's outcome open.
     */
    private static CaptierException finalFailure(Call call, CaptierException last, boolean outcomeOpen, int attempts) {
        boolean definite = last.status() >= 400 && last.status() < 500 && last.status() != 429;
        if (!call.write() || !outcomeOpen || definite || last instanceof OutcomeUnknownException) {
            return last;
        }
        OutcomeUnknownException unknown = OutcomeUnknownException.after(last);
        unknown.context(call.idempotencyKey(), attempts);
        return unknown;
    }

    /**
     * One attempt, for a probe: the answer's status, or 0 when none came.
     */
    int probe(Call call) {
        try {
            return http.send(request(call), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private HttpRequest request(Call call) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + call.path()))
                .timeout(requestTimeout)
                .header("User-Agent", "captier-client/0.1");
        if (call.authenticated()) {
            b.header("Authorization", authorization);
        }
        // Sent on every attempt as it is now: a retry carries whatever an answer meanwhile brought.
        if (call.carriesSession()) {
            session.current().ifPresent(t -> b.header(Session.HEADER, t));
        }
        if (call.write()) {
            b.header("Idempotency-Key", call.idempotencyKey());
        }
        call.headers().forEach(b::header);
        b.method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(call.body()));
        return b.build();
    }
}
