package io.captier.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's reading of wrk's output (texts as wrk 4.1 prints them here). */
class WrkTest {

    private static final String CLEAN = """
            Running 1s test @ http://127.0.0.1:5002/health/live
              2 threads and 8 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.10ms    1.67ms  18.52ms   91.57%
                Req/Sec     5.59k     1.95k    8.30k    63.64%
              Latency Distribution
                 50%  661.00us
                 75%    0.95ms
                 90%    2.32ms
                 99%    9.18ms
              12242 requests in 1.10s, 2.35MB read
            Requests/sec:  11133.35
            Transfer/sec:      2.13MB
            """;

    private static final String FAILURES = """
            Running 2s test @ http://127.0.0.1:5002/read/nokey-x
              2 threads and 8 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency    11.25ms   25.34ms    1.21s    93.77%
                Req/Sec   746.62    262.42     1.17k    72.50%
              Latency Distribution
                 50%    4.33ms
                 75%    6.96ms
                 90%   17.11ms
                 99%  152.50ms
              3000 requests in 2.00s, 1.39MB read
              Socket errors: connect 0, read 2, write 0, timeout 8
              Non-2xx or 3xx responses: 990
            Requests/sec:   1500.00
            Transfer/sec:    709.67KB
            """;

    @Test
    void readsThroughputAndPercentilesInMilliseconds() {
        Map<String, Object> m = Wrk.parse(CLEAN);
        assertEquals(12242L, m.get("requests"));
        assertEquals(0L, m.get("failed"));
        assertEquals(1.1, (double) m.get("seconds"), 1e-9);
        assertEquals(11129.091, (double) m.get("throughput"), 0.001);
        assertEquals(0.661, (double) m.get("p50_ms"), 1e-9);
        assertEquals(9.18, (double) m.get("p99_ms"), 1e-9);
        assertEquals(18.52, (double) m.get("max_ms"), 1e-9);
    }

    @Test
    void nonSuccessAnswersAndSocketErrorsAreFailuresAndNotThroughput() {
        Map<String, Object> m = Wrk.parse(FAILURES);
        assertEquals(1000L, m.get("failed"));
        assertEquals(1000.0, (double) m.get("throughput"), 1e-9);
        assertEquals(152.5, (double) m.get("p99_ms"), 1e-9);
        assertEquals(1210.0, (double) m.get("max_ms"), 1e-9);
    }

    @Test
    void outputWithoutAResultIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n"));
        assertTrue(e.getMessage().contains("Connection refused"));
        assertThrows(IllegalStateException.class, () -> Wrk.parse(CLEAN.replaceAll("(?m)^\\s+(50|99)%.*\\n", "")));
    }

    @Test
    void theScriptSendsTheKeyAndDrawsPreloadedKeys() {
        String lua = Wrk.Script.write("w").lua(1000);
        assertTrue(lua.contains("wrk.method = \"POST\""), lua);
        assertTrue(lua.contains("wrk.headers[\"Authorization\"] = \"Bearer "), lua);
        assertTrue(lua.contains("\"/write/bench-\" .. math.random(0, 999)"), lua);
        assertTrue(Wrk.Script.get("l", "/health/live").lua(1000).contains("wrk.format(nil, \"/health/live\")"));
    }

    @Test
    void aPeerThatIsNotTheServiceGetsNoAuthorizationHeader() {
        String lua = Wrk.Script.anonymousRead("webdis_hgetall@8", "/HGETALL/captier:kv:bench-").lua(1000);
        assertTrue(lua.contains("wrk.method = \"GET\""), lua);
        assertFalse(lua.contains("Authorization"), lua);
        assertFalse(lua.contains("wrk.body"), lua);
        assertTrue(lua.contains("wrk.format(nil, \"/HGETALL/captier:kv:bench-\" .. math.random(0, 999))"), lua);
        assertTrue(Wrk.Script.read("r").lua(1000).contains("wrk.headers[\"Authorization\"] = \"Bearer "));
    }
}
