package io.captier.store.postgres;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseUrlTest {

    @Test
    void splitsAMultiHostUrl() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db-a:5433,db-b/captier?sslmode=require&targetServerType=any");
        assertEquals(List.of(new DatabaseUrl.HostPort("db-a", 5433), new DatabaseUrl.HostPort("db-b", 5432)), url.hosts());
        assertEquals("captier", url.database());
        assertEquals(Map.of("sslmode", "require"), url.parameters(), "captier chooses the target server type itself");
    }

    @Test
    void buildsASingleHostUrlWithItsOwnParameters() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://a:1,b:2/db?sslmode=disable");
        String single = url.forHost(url.hosts().get(1), Map.of("targetServerType", "primary"));
        assertTrue(single.startsWith("jdbc:postgresql://b:2/db?"), single);
        assertTrue(single.contains("sslmode=disable") && single.contains("targetServerType=primary"), single);
    }

    @Test
    void refusesWhatIsNoPostgresUrl() {
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("postgres://a/db"));
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("jdbc:postgresql://a:1"));
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("jdbc:postgresql://:1/db"));
    }
}
