package io.captier.drill.history;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.captier.mode.Durability;
import io.captier.mode.Mode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Saves a {@link History} as JSON and reads it back, so that a drill can be re-checked
 * (or a checker fixed and re-run) without running the drill again. Modes and durabilities
 * are written under their wire names ("consistent", "replicated-buffer"), as the service
 * says them.
 */
public final class HistoryJson {

    private static final ObjectMapper MAPPER = newMapper();

    private HistoryJson() {
    }

    /** The mapper the drill's files are written with (the report uses it too). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String toJson(History history) {
        try {
            return MAPPER.writeValueAsString(history);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static History fromJson(String json) {
        try {
            return MAPPER.readValue(json, History.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(History history, Path file) {
        try {
            MAPPER.writeValue(file.toFile(), history);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static History read(Path file) {
        try {
            return MAPPER.readValue(file.toFile(), History.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectMapper newMapper() {
        SimpleModule wireNames = new SimpleModule("captier-wire-names");
        wireName(wireNames, Mode.class, Mode::wireName);
        wireName(wireNames, Durability.class, Durability::wireName);
        ObjectMapper mapper = new ObjectMapper().registerModule(wireNames)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        // Records carry their data in components; helpers such as Op.isRead() are not data.
        mapper.setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);
        return mapper;
    }

    private static <E extends Enum<E>> void wireName(SimpleModule module, Class<E> type, Function<E, String> name) {
        module.addSerializer(type, new JsonSerializer<E>() {
            @Override
            public void serialize(E value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(name.apply(value));
            }
        });
        module.addDeserializer(type, new JsonDeserializer<E>() {
            @Override
            public E deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                String text = p.getValueAsString();
                return Arrays.stream(type.getEnumConstants()).filter(e -> name.apply(e).equals(text)).findFirst()
                        .orElseThrow(() -> ctxt.weirdStringException(text, type, "not a wire name"));
            }
        });
    }
}
