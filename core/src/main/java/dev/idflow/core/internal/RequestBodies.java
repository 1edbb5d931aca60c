package dev.idflow.core.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.idflow.core.api.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Map;

/**
 * Reads JSON request bodies strictly (no "300" for an integer, no 10.5 for an integer, no number for
 * a string) and turns every mapping problem into a 422 naming the field and the expected type.
 */
public final class RequestBodies {
    /** Deeper JSON than this is refused: no request of the API needs more than a few levels. */
    public static final int MAX_NESTING_DEPTH = 64;
    /** Longer numbers than this are refused: a 1200-digit number only costs time to parse and convert. */
    public static final int MAX_NUMBER_DIGITS = 100;

    /** The one strict reader of every JSON request body, the consumer API's and the client API's. */
    private static final JsonMapper STRICT = strictMapper();
    /** One reader per body type, made once: a request pays no per-call reader set-up. */
    private static final ClassValue<ObjectReader> READERS = new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
            return STRICT.readerFor(type);
        }
    };

    private final int maxBytes;

    public RequestBodies(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    private static JsonMapper strictMapper() {
        JsonMapper mapper = ((JsonMapper) Json.mapper()).rebuild()
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        // the rebuilt mapper has its own copy of the factory: this leaves the shared one alone
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxNumberLength(MAX_NUMBER_DIGITS)
                .maxStringLength(20_000_000)
                .build());
        for (LogicalType type : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
            mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        for (CoercionInputShape shape : new CoercionInputShape[] {
                CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean}) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    public <T> T read(InputStream body, Class<T> type) {
        byte[] bytes = readLimited(body);
        if (bytes.length == 0) {
            throw ApiException.invalid("body: a JSON object is required");
        }
        ObjectNode tree = object(bytes, "body");
        try {
            ObjectReader reader = READERS.get(type);
            return reader.readValue(tree);
        } catch (MismatchedInputException e) {
            throw ApiException.invalid(path(e) + ": " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw ApiException.invalid(path(e) + ": has an invalid value");
        } catch (IOException e) {
            throw ApiException.invalid("body: could not be read");
        }
    }

    /**
     * {@code bytes} as a JSON object, read strictly (no duplicate fields, no nesting deeper than
     * {@value #MAX_NESTING_DEPTH}, no number longer than {@value #MAX_NUMBER_DIGITS} digits); anything
     * else is a 422 naming {@code field} and the rule broken.
     */
    public static ObjectNode object(byte[] bytes, String field) {
        JsonNode tree;
        try {
            tree = STRICT.readTree(bytes);
        } catch (StreamConstraintsException e) {
            throw ApiException.invalid(field + ": " + brokenLimit(e));
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.startsWith("Duplicate field")) {
                throw ApiException.invalid(field + ": a field appears twice (" + message
                        .replaceAll("[^A-Za-z0-9_ '-]", "") + ")");
            }
            // a parser's error may come without a location: say where only when it is known
            JsonLocation at = e.getLocation();
            throw ApiException.invalid(field + ": is not valid JSON" + (at == null || at.getLineNr() < 0 ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiException.invalid(field + ": could not be read");
        }
        if (tree == null || !tree.isObject()) {
            throw ApiException.invalid(field + ": must be a JSON object");
        }
        return (ObjectNode) tree;
    }

    private static String brokenLimit(StreamConstraintsException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("nesting depth")) {
            return "must not be nested deeper than " + MAX_NESTING_DEPTH + " levels";
        }
        if (message.startsWith("Number")) {
            return "a number must have at most " + MAX_NUMBER_DIGITS + " digits";
        }
        if (message.startsWith("String")) {
            return "a string is too long";
        }
        return "exceeds a limit of this server (nesting depth, number or string length)";
    }

    private byte[] readLimited(InputStream body) {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw ApiException.invalid("body: must be at most " + maxBytes + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw ApiException.invalid("body: could not be read");
        }
    }

    static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.length() == 0 ? "body" : out.toString();
    }

    static String expected(Class<?> type) {
        if (type == null) {
            return "has the wrong type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "must be an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "must be true or false";
        }
        if (type == String.class) {
            return "must be a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "must be an array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord() || JsonNode.class.isAssignableFrom(type)) {
            return "must be an object";
        }
        return "has the wrong type";
    }
}
