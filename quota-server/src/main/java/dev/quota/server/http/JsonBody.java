package dev.quota.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;

/**
 * Reads a request body as a JSON object, strictly: at most {@link #MAX_BYTES}, duplicate keys and
 * trailing content refused, and then only through {@link Fields}, which refuses unknown fields and
 * wrong types by name. Nothing is bound reflectively, so no body can reach a setter it should not.
 */
public final class JsonBody {
  public static final int MAX_BYTES = 64 * 1024;
  static final int MAX_DEPTH = 32;
  static final int MAX_NUMBER_LENGTH = 64;

  static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(new JsonNumbers())
          .build();

  static {
    STRICT.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).maxStringLength(MAX_BYTES).build());
  }

  private JsonBody() {}

  /** The body as an object whose keys must all be in {@code allowed}. An empty body is an empty object only if {@code emptyOk}. */
  public static Fields read(Context ctx, Set<String> allowed, boolean emptyOk) {
    return fields(bytes(ctx), allowed, emptyOk);
  }

  /**
   * {@link #read} for a request whose every problem is listed together: each field not in {@code
   * allowed} is noted in {@code problems}, and the body is read on, rather than refused at the first.
   */
  public static Fields read(Context ctx, Set<String> allowed, BodyProblems problems) {
    return read(ctx, allowed, false, problems);
  }

  /** {@link #read(Context, Set, BodyProblems)}, where an empty body is an empty object only if {@code emptyOk}. */
  public static Fields read(Context ctx, Set<String> allowed, boolean emptyOk, BodyProblems problems) {
    byte[] bytes = bytes(ctx);
    if (bytes.length == 0) {
      if (emptyOk) {
        return new Fields(STRICT.createObjectNode(), "", allowed, problems);
      }
      throw ApiError.badInput("body", "must be a JSON object");
    }
    return new Fields(parse(bytes), "", allowed, problems);
  }

  /**
   * The body as a JSON object whose fields are all left for its reader to check, with its other
   * problems; an empty body is refused.
   */
  public static ObjectNode object(Context ctx) {
    byte[] bytes = bytes(ctx);
    if (bytes.length == 0) {
      throw ApiError.badInput("body", "must be a JSON object");
    }
    return parse(bytes);
  }

  /** {@link #read} for a body already in hand. */
  public static Fields fields(byte[] bytes, Set<String> allowed, boolean emptyOk) {
    if (bytes.length == 0) {
      if (emptyOk) {
        return new Fields(STRICT.createObjectNode(), "", allowed);
      }
      throw ApiError.badInput("body", "must be a JSON object");
    }
    return new Fields(parse(bytes), "", allowed);
  }

  public static ObjectNode parse(byte[] bytes) {
    JsonNode node;
    try (JsonParser p = parser(bytes)) {
      try {
        node = STRICT.readTree(p);
      } catch (JsonProcessingException e) {
        throw MalformedJson.of(e, e.getLocation() != null ? e.getLocation() : p.currentLocation());
      } catch (NumberFormatException | JsonNumbers.OutOfRange e) {
        // A number's value is read only now, with the parser still in the field that holds it.
        throw ApiError.badInput(JsonNumbers.field(p.getParsingContext()), JsonNumbers.RULE);
      }
    } catch (IOException e) {
      throw ApiError.badInput("body", "could not be read");
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badInput("body", "must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /**
   * A strict parser of {@code bytes}, which are refused first if they are not UTF-8 ({@link Utf8Body}):
   * the parser would otherwise take a body that starts like UTF-16 or UTF-32 for one. Every body is
   * parsed through here.
   */
  static JsonParser parser(byte[] bytes) throws IOException {
    Utf8Body.require(bytes);
    return STRICT.createParser(bytes);
  }

  /**
   * The body, as {@link #rawBytes}, of a request that sends JSON: one that is not empty is refused
   * (415) if its {@code Content-Encoding} names a coding ({@link BodyContentCoding}), or if its
   * {@code Content-Type} names anything but JSON in UTF-8 ({@link BodyMediaType}). Every route that
   * reads a body reads it here, so none can take compressed bytes, a form or text for JSON.
   */
  public static byte[] bytes(Context ctx) {
    byte[] body = rawBytes(ctx);
    if (body.length > 0) {
      // A coding is undone before the media type means anything, so it is the first thing wrong.
      BodyContentCoding.requireIdentity(ctx);
      BodyMediaType.requireJson(ctx.req());
    }
    return body;
  }

  /**
   * The raw body, whatever it is declared as, at most {@link #MAX_BYTES}. A body with a declared
   * length is read straight into an array of that length (reading through the framework costs two
   * 8 KiB buffers per request); a chunked body is read up to one byte past the limit. A body that
   * cannot be read whole is a 400; one not whole within its deadline a 408 ({@link BodyDeadline}).
   */
  public static byte[] rawBytes(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > MAX_BYTES) {
      throw tooLarge();
    }
    if (declared >= 0) {
      return readDeclared(ctx, (int) declared);
    }
    // One byte past the limit tells a body over it, without reading the rest.
    byte[] bytes = new byte[MAX_BYTES + 1];
    int read = readWithin(ctx, bytes);
    if (read > MAX_BYTES) {
      throw tooLarge();
    }
    return Arrays.copyOf(bytes, read);
  }

  private static byte[] readDeclared(Context ctx, int length) {
    // The server frames the body by its declared length, so the stream ends there.
    byte[] bytes = new byte[length];
    int read = readWithin(ctx, bytes);
    return read == length ? bytes : Arrays.copyOf(bytes, read);
  }

  private static int readWithin(Context ctx, byte[] into) {
    try {
      return BodyDeadline.read(ctx, into, into.length);
    } catch (IOException e) {
      // Jetty reports malformed chunks as an early end of the stream.
      throw unreadable();
    }
  }

  private static ApiError unreadable() {
    return ApiError.badInput("body", "could not be read: the request ended early or its chunked encoding is malformed");
  }

  static ApiError tooLarge() {
    return new ApiError(413, "body-too-large", "body: must be at most 65536 bytes", "body", "must be at most 65536 bytes");
  }
}
