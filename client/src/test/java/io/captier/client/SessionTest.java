package io.captier.client;

import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionTest {

    @Test
    void keepsTheLastTokenReceivedAndIgnoresAnswersWithoutOne() {
        Session s = new Session(null);
        assertTrue(s.current().isEmpty());
        s.receive(headers("t1"));
        assertEquals("t1", s.current().orElseThrow());
        s.receive(HttpHeaders.of(Map.of(), (a, b) -> true));
        s.receive(headers(" "));
        assertEquals("t1", s.current().orElseThrow());
        s.receive(headers("t2"));
        assertEquals("t2", s.current().orElseThrow());
        s.reset();
        assertTrue(s.current().isEmpty());
    }

    @Test
    void startsFromAGivenToken() {
        assertEquals("given", new Session("given").current().orElseThrow());
        assertTrue(new Session("  ").current().isEmpty());
    }

    @Test
    void concurrentAnswersLeaveOneOfTheReceivedTokensNeverATornOne() throws Exception {
        Session s = new Session(null);
        Set<String> issued = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < 8; t++) {
            int thread = t;
            pool.submit(() -> {
                start.await();
                for (int i = 0; i < 2_000; i++) {
                    String seen = s.current().orElse(null);
                    assertTrue(seen == null || issued.contains(seen), "sends only what it received");
                    String token = "t-" + thread + "-" + i;
                    issued.add(token);
                    s.receive(headers(token));
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertTrue(issued.contains(s.current().orElseThrow()));
    }

    private static HttpHeaders headers(String token) {
        return HttpHeaders.of(Map.of("X-Session-Token", List.of(token)), (a, b) -> true);
    }
}
