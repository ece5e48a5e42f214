package io.captier.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's ratios, targets and exit decision, on synthetic results (no servers). */
class ReportTest {

    /**
     * Every phase at 8 and 64 connections, each ratio at 64 exactly on its target's bound, and at 8
     * comfortably met. Throughputs differ per concurrency so a ratio taken against the other
     * concurrency's baseline would show.
     */
    private static Map<String, Object> results() {
        Map<String, Object> t = new LinkedHashMap<>();
        // at 8: all met
        t.put("raw_redis_set@8", phase(30000, 0.2));
        t.put("raw_redis_get@8", phase(40000, 0.5));
        t.put("raw_pg_upsert@8", phase(5000, 3.0));
        t.put("raw_pg_read@8", phase(20000, 1.0));
        t.put("webdis_hgetall@8", phase(10000, 2.0));
        t.put("available_read@8", phase(20000, 1.0));
        t.put("available_live@8", phase(30000, 0.5));
        t.put("available_write@8", phase(4000, 4.0));
        t.put("consistent_read@8", phase(12000, 1.5));
        t.put("consistent_write@8", phase(4000, 6.0));
        // at 64: every ratio target exactly at its bound
        t.put("raw_redis_set@64", phase(60000, 1.0));
        t.put("raw_redis_get@64", phase(80000, 2.0));
        t.put("raw_pg_upsert@64", phase(10000, 10.0));
        t.put("raw_pg_read@64", phase(30000, 5.0));
        t.put("webdis_hgetall@64", phase(32000, 8.0));
        t.put("available_read@64", phase(32000, 8.0));     // 1.00 x webdis, p99 1.00 x, 0.40 x raw GET
        t.put("available_write@64", phase(7000, 12.0));
        t.put("consistent_read@64", phase(15000, 9.0));    // 0.50 x raw read
        t.put("consistent_write@64", phase(7000, 20.0));   // 0.70 x raw upsert
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("machine", Map.of("cores", 2));
        r.put("settings", Map.of("concurrencies", List.of(8, 64), "seconds_per_phase", 10.0, "warmup_seconds", 30.0));
        r.put("throughput", t);
        return r;
    }

    private static Map<String, Object> phase(double throughput, double p99) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("throughput", throughput);
        m.put("p50_ms", p99 / 4);
        m.put("p99_ms", p99);
        m.put("load_average", "1.00");
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ratio(Map<String, Object> results, String phase, String kind) {
        return ((Map<String, Map<String, Map<String, Object>>>) results.get("ratios")).get(phase).get(kind);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> target(Map<String, Object> results, String name) {
        return ((Map<String, Map<String, Object>>) results.get("targets")).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> throughput(Map<String, Object> results, String phase) {
        return ((Map<String, Map<String, Object>>) results.get("throughput")).get(phase);
    }

    @Test
    @SuppressWarnings("unchecked")
    void ratiosAreTakenPerConcurrencyAgainstTheirOwnBaseline() {
        Map<String, Object> r = results();
        Report.addRatios(r);
        assertEquals(List.of(8, 64), Report.concurrencies((Map<String, ?>) r.get("throughput")));

        Map<String, Object> vsWebdis8 = ratio(r, "available_read@8", "webdis");
        assertEquals("webdis_hgetall@8", vsWebdis8.get("baseline"));
        assertEquals(2.0, (double) vsWebdis8.get("throughput_ratio"), 1e-9);
        assertEquals(0.5, (double) vsWebdis8.get("p99_ratio"), 1e-9);
        Map<String, Object> vsRaw8 = ratio(r, "available_read@8", "raw");
        assertEquals("raw_redis_get@8", vsRaw8.get("baseline"));
        assertEquals(0.5, (double) vsRaw8.get("throughput_ratio"), 1e-9);
        assertEquals(2.0, (double) vsRaw8.get("p99_ratio"), 1e-9);

        assertEquals("raw_redis_get@64", ratio(r, "available_read@64", "raw").get("baseline"));
        assertEquals(0.4, (double) ratio(r, "available_read@64", "raw").get("throughput_ratio"), 1e-9);
        assertEquals("raw_pg_upsert@8", ratio(r, "available_write@8", "raw").get("baseline"));
        assertEquals(0.8, (double) ratio(r, "available_write@8", "raw").get("throughput_ratio"), 1e-9);
        assertEquals("raw_pg_read@8", ratio(r, "consistent_read@8", "raw").get("baseline"));
        assertEquals(0.6, (double) ratio(r, "consistent_read@8", "raw").get("throughput_ratio"), 1e-9);
        assertEquals("raw_pg_upsert@64", ratio(r, "consistent_write@64", "raw").get("baseline"));
        assertEquals(0.7, (double) ratio(r, "consistent_write@64", "raw").get("throughput_ratio"), 1e-9);
        assertEquals(2.0, (double) ratio(r, "consistent_write@64", "raw").get("p99_ratio"), 1e-9);
        // Only the read of the available profile has webdis as a peer.
        assertNull(ratio(r, "consistent_read@8", "webdis"));
    }

    @Test
    void everyRatioTargetIsJudgedAtEveryConcurrencyAndMetAtItsBound() {
        Map<String, Object> r = results();
        Report.addRatios(r);
        for (int c : List.of(8, 64)) {
            for (String name : List.of("available read throughput >= 1.00 x webdis HGETALL",
                    "available read p99 <= webdis HGETALL p99",
                    "available read throughput >= 0.40 x raw Redis GET",
                    "consistent read throughput >= 0.50 x raw PostgreSQL read",
                    "consistent write throughput >= 0.70 x raw PostgreSQL upsert")) {
                assertEquals(true, target(r, name + " @" + c).get("met"), name + " @" + c);
            }
        }
        assertEquals(1.0, (double) target(r, "available read p99 <= webdis HGETALL p99 @64").get("value"), 1e-9);
        assertEquals(List.of(), Report.missed(r));
        assertEquals(0, Report.exitStatus(r, false));
    }

    @Test
    void justBelowAThroughputBoundOrJustAboveTheP99BoundIsMissed() {
        Map<String, Object> r = results();
        throughput(r, "available_read@64").put("throughput", 31980.0);   // 0.999 x webdis; 0.39975: 0.4 x raw GET
        throughput(r, "consistent_read@64").put("throughput", 14980.0);  // 0.499 x raw read
        throughput(r, "available_read@8").put("p99_ms", 2.01);           // 1.005 x webdis' p99
        throughput(r, "consistent_write@64").put("throughput", 6999.0);  // 0.6999: shown as 0.7 and judged so
        Report.addRatios(r);

        assertEquals(false, target(r, "available read throughput >= 1.00 x webdis HGETALL @64").get("met"));
        assertEquals(true, target(r, "available read throughput >= 0.40 x raw Redis GET @64").get("met"));
        assertEquals(0.999, (double) target(r, "available read throughput >= 1.00 x webdis HGETALL @64").get("value"), 1e-9);
        assertEquals(false, target(r, "consistent read throughput >= 0.50 x raw PostgreSQL read @64").get("met"));
        assertEquals(false, target(r, "available read p99 <= webdis HGETALL p99 @8").get("met"));
        assertEquals(true, target(r, "available read throughput >= 1.00 x webdis HGETALL @8").get("met"));
        assertEquals(true, target(r, "consistent write throughput >= 0.70 x raw PostgreSQL upsert @64").get("met"));
        assertEquals(List.of("available read p99 <= webdis HGETALL p99 @8",
                "available read throughput >= 1.00 x webdis HGETALL @64",
                "consistent read throughput >= 0.50 x raw PostgreSQL read @64"), Report.missed(r));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aBaselineMissingAtAConcurrencyIsAMissedTargetNotASkippedOne() {
        Map<String, Object> r = results();
        ((Map<String, Object>) r.get("throughput")).remove("webdis_hgetall@64");
        Report.addRatios(r);
        Map<String, Object> t = target(r, "available read throughput >= 1.00 x webdis HGETALL @64");
        assertEquals(false, t.get("met"));
        assertEquals("not measured", t.get("value"));
        assertNull(ratio(r, "available_read@64", "webdis"));

        Map<String, Object> zero = results();
        throughput(zero, "raw_pg_read@8").put("throughput", 0.0);  // every pgbench transaction failed
        Report.addRatios(zero);
        assertEquals(List.of("consistent read throughput >= 0.50 x raw PostgreSQL read @8"), Report.missed(zero));
    }

    @Test
    void aMissedTargetFailsTheRunUnlessReportOnly() {
        Map<String, Object> r = results();
        throughput(r, "consistent_write@8").put("throughput", 3490.0);  // 0.698 x raw upsert
        Report.addRatios(r);
        assertEquals(List.of("consistent write throughput >= 0.70 x raw PostgreSQL upsert @8"), Report.missed(r));
        assertEquals(Report.EXIT_MISSED, Report.exitStatus(r, false));
        assertTrue(Report.exitStatus(r, false) != 0);
        assertEquals(0, Report.exitStatus(r, true));
    }

    @Test
    void startUpAndFailoverTargetsStay() {
        Map<String, Object> r = results();
        Map<String, Object> startup = new LinkedHashMap<>();
        startup.put("jvm17", Map.of("first_read_ms_min", 1000.0, "cpu_ms_to_first_read_min", 2000.0));
        startup.put("jvm25", Map.of("first_read_ms_min", 900.0, "cpu_ms_to_first_read_min", 1800.0));
        startup.put("jvm25_aot", Map.of("first_read_ms_min", 660.0, "cpu_ms_to_first_read_min", 1000.0));
        r.put("startup", startup);
        r.put("failover_redis_available", Map.of("failed_requests", 0));
        Report.addRatios(r);
        assertEquals(false, target(r, "AOT-cache start-up <= 0.65 x plain JVM (JDK 17) start-up").get("met"));
        assertEquals(true, target(r, "available: zero failed requests during a Redis master failover").get("met"));
        assertEquals(List.of("AOT-cache start-up <= 0.65 x plain JVM (JDK 17) start-up"), Report.missed(r));
        assertEquals(Report.EXIT_MISSED, Report.exitStatus(r, false));
    }

    @Test
    void theTableGroupsByConcurrencyAndShowsBothPeers() {
        Map<String, Object> r = results();
        throughput(r, "available_read@64").put("throughput", 31900.0);
        Report.addRatios(r);
        String table = Report.table(r);
        int at8 = table.indexOf("at 8 connections");
        int at64 = table.indexOf("at 64 connections");
        assertTrue(at8 >= 0 && at64 > at8, table);
        assertTrue(table.contains("captier / webdis") && table.contains("captier / raw store"), table);
        String read8 = table.substring(at8, at64).lines().filter(l -> l.startsWith("available_read ")).findFirst()
                .orElseThrow();
        assertTrue(read8.matches("available_read\\s+20000\\s+0\\.25\\s+1\\.00\\s+2\\.0\\s+0\\.5\\s+raw_redis_get\\s+0\\.5\\s+2\\.0\\s+1\\.00"),
                read8);
        assertFalse(table.substring(at64).contains("available_live"), "the HTTP floor runs at the first concurrency only");
        assertTrue(table.contains("MISSED available read throughput >= 1.00 x webdis HGETALL @64"), table);
    }
}
