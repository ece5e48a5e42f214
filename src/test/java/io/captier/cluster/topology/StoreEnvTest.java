package io.captier.cluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.captier.cluster.topology.Topology.Kind;
import io.captier.cluster.topology.Topology.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stores' variables every topology hands its instances, in the form the service reads them. */
class StoreEnvTest {

    @Test
    void postgresNodesMakeTheUrlAndSentinelsTheSentinelList() {
        List<Node> nodes = List.of(new Node("pg-a", Kind.POSTGRES, 5001),
                new Node("pg-b", Kind.POSTGRES, "10.1.1.12", 5002), new Node("redis-a", Kind.REDIS, 5003),
                new Node("sentinel-a", Kind.SENTINEL, 5004), new Node("sentinel-b", Kind.SENTINEL, 5005));
        assertEquals(Map.of("DATABASE_URL", "jdbc:postgresql://127.0.0.1:5001,10.1.1.12:5002/captier",
                "DATABASE_USER", "captier", "DATABASE_PASSWORD", "pw",
                "REDIS_SENTINELS", "127.0.0.1:5004,127.0.0.1:5005",
                "REDIS_MASTER_NAME", "captier", "REDIS_PASSWORD", "rpw"),
                StoreEnv.of(nodes, "captier", "captier", "pw", "captier", "rpw"));
    }
}
