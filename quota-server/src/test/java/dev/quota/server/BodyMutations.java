package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.server.BodyShape.Container;
import dev.quota.server.BodyShape.Slot;
import dev.quota.server.FuzzCase.Expect;
import dev.quota.server.OpenApiOperations.Operation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mutations of a valid JSON body, guided by its schema: a required field dropped, a field of
 * another JSON type, values at and past their edges, too many items, unknown fields and odd map
 * keys, a field given twice, deep nesting, truncation, bytes that are not UTF-8 or not one JSON
 * object, a body too large and the wrong Content-Type. Each says whether the body is certainly bad
 * and which fields a refusal may name.
 */
final class BodyMutations {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Field names no schema has, and near misses of names it has. */
  private static final List<String> UNKNOWN_NAMES = List.of("zz", "Subjects", "subjects ", "__proto__", "constructor", "\u00e9", "",
      " ", "\\t", "a.b", "x[0]", "\\u0000", "selector", "limit", "reason");
  /** Keys of a map (a subject's scope, a meter's name) at the edges of a name, as written in JSON. */
  private static final List<String> KEYS = List.of("", " ", "User", "user ", " user", "a b", "\u00fc", "x".repeat(65),
      "x".repeat(200), "\\u0000", "a.b", "a:b", "a,b", "*", "1user", "_x", "-x", "user-x", "requests", "a\\u202eb");
  /** Raw bytes that are not UTF-8: a stray byte, an overlong encoding, a surrogate, a cut sequence, past U+10FFFF. */
  private static final byte[][] NOT_UTF8 = {{(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
      {(byte) 0xC3}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}};
  /** Control characters JSON requires escaped in a string. */
  private static final byte[] CONTROLS = {0x00, 0x01, 0x0A, 0x1B};
  private static final List<String> BAD_CONTENT_TYPES = List.of("text/plain", "application/x-www-form-urlencoded",
      "application/json; charset=iso-8859-1", "application/merge-patch+json", "multipart/form-data; boundary=x", "json",
      "application/jsonx", "*/*", "application/json; charset=utf-16");
  private static final List<String> FINE_CONTENT_TYPES = List.of("APPLICATION/JSON", "application/json; charset=UTF-8",
      "application/json;charset=utf-8", "application/json; foo=bar");
  /** How deep the server reads JSON: deeper is no document it reads at all. */
  private static final int MAX_DEPTH = 32;

  private final Random random;

  BodyMutations(Random random) {
    this.random = random;
  }

  /** One body being mutated: its tree, where its values stand, and the raw text spliced into it. */
  private record Mutation(Operation op, FuzzRequest base, ObjectNode body, BodyShape shape, RawJson raw) {
    FuzzCase done(String what, Expect expect) {
      return new FuzzCase(what, op, base.withBody(raw.render(body)), expect);
    }

    FuzzCase sent(String what, byte[] bytes, Expect expect) {
      return new FuzzCase(what, op, base.withBody(bytes), expect);
    }
  }

  /**
   * A mutation of {@code base}'s body, {@code body} (a fresh tree this changes); an operation that
   * documents no body is sent one.
   */
  FuzzCase mutate(Operation op, FuzzRequest base, ObjectNode body) {
    if (op.body() == null) {
      return unexpectedBody(op, base);
    }
    Mutation m = new Mutation(op, base, body, BodyShape.of(body, op.body()), new RawJson());
    int kind = random.nextInt(100);
    FuzzCase c = kind < 8 ? dropRequired(m)
        : kind < 26 ? otherType(m)
        : kind < 40 ? edges(m)
        : kind < 45 ? oversized(m)
        : kind < 58 ? anyString(m)
        : kind < 68 ? unknownFieldOrKey(m)
        : kind < 72 ? repeatedField(m)
        : kind < 76 ? nested(m)
        : kind < 82 ? truncated(m)
        : kind < 88 ? rawBytes(m)
        : kind < 93 ? notOneObject(m)
        : kind < 95 ? tooLarge(m)
        : null;
    return c != null ? c : contentType(m);
  }

  private FuzzCase dropRequired(Mutation m) {
    List<Slot> required = m.shape().slots.stream().filter(s -> s.required() && s.name() != null && s.value() != null).toList();
    if (required.isEmpty()) {
      return null;
    }
    Slot s = pick(required);
    ((ObjectNode) s.container()).remove(s.name());
    return m.done("drop required " + s.path(), Expect.refusedNaming(s.path()));
  }

  /** A value of another JSON type, or null (which an optional field reads as absent). */
  private FuzzCase otherType(Mutation m) {
    Slot s = pick(m.shape().slots);
    List<String> others = new ArrayList<>(List.of("string", "number", "boolean", "object", "array"));
    others.remove(type(s.schema()));
    String type = random.nextInt(6) == 0 ? "null" : pick(others);
    s.set(m.raw().value(valueOfType(type)));
    Expect expect = type.equals("null") ? (s.required() ? Expect.refusedNaming(s.path()) : Expect.ANY)
        : takes(s, type) ? Expect.ifRefusedNaming(Set.of(s.path())) : Expect.refusedNaming(s.path());
    return m.done(s.path() + " as " + type, expect);
  }

  /**
   * One to three values at their edges at once. A value may break a rule that weighs it against
   * another field (a viewer's subjects against its role, a cap against the budget), which may be
   * checked first: a refusal may name any field of the body.
   */
  private FuzzCase edges(Mutation m) {
    List<Slot> values = new ArrayList<>(m.shape().slots.stream().filter(x -> !type(x.schema()).equals("object")).toList());
    Set<String> paths = new TreeSet<>();
    List<String> what = new ArrayList<>();
    boolean malformed = false;
    boolean wrongType = false;
    for (int n = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1; n > 0 && !values.isEmpty(); n--) {
      Slot s = values.remove(random.nextInt(values.size()));
      // A value inside one already replaced is gone with it.
      values.removeIf(other -> ResponseRules.related(other.path(), Set.of(s.path())));
      String edge = edge(s);
      s.set(m.raw().value(edge));
      paths.add(s.path());
      what.add(s.path() + " = " + abbreviated(edge));
      malformed |= EdgeValues.MALFORMED_NUMBERS.contains(edge);
      wrongType |= !takes(s, edge.startsWith("\"") ? "string" : "number");
    }
    Expect expect;
    if (malformed) {
      // The parser reads in order: a number past every range before it names its field.
      Set<String> fields = new TreeSet<>(paths);
      fields.add("body");
      expect = new Expect(true, null, fields);
    } else if (wrongType && paths.size() == 1) {
      expect = Expect.refusedNaming(paths.iterator().next());
    } else {
      expect = new Expect(wrongType, null, m.shape().paths());
    }
    return m.done(String.join(", ", what), expect);
  }

  /** A value for {@code s} at an edge: of its own kind mostly, else any number or string, or no number at all. */
  private String edge(Slot s) {
    List<String> own = type(s.schema()).equals("string") ? EdgeValues.strings(s.lastName(), s.schema()) : EdgeValues.NUMBERS;
    int r = random.nextInt(10);
    if (r < 6 && !own.isEmpty()) {
      return pick(own);
    }
    if (r < 8) {
      return pick(EdgeValues.NUMBERS);
    }
    return r < 9 ? pick(EdgeValues.STRINGS) : pick(EdgeValues.MALFORMED_NUMBERS);
  }

  /** An array or object one past its most items or entries, or an array that repeats an item its schema wants unique. */
  private FuzzCase oversized(Mutation m) {
    List<Slot> bounded = m.shape().slots.stream().filter(s -> s.value() != null && s.value().size() > 0
        && (s.schema().has("maxItems") || s.schema().has("maxProperties") || s.schema().path("uniqueItems").asBoolean())).toList();
    if (bounded.isEmpty()) {
      return null;
    }
    Slot s = pick(bounded);
    if (s.value().isArray()) {
      ArrayNode a = (ArrayNode) s.value();
      boolean repeat = s.schema().path("uniqueItems").asBoolean() && random.nextBoolean();
      int target = repeat ? a.size() + 1 : s.schema().path("maxItems").asInt(a.size()) + 1;
      JsonNode first = a.get(0);
      while (a.size() < target) {
        a.add(first.deepCopy());
      }
      return m.done(s.path() + (repeat ? " repeats an item" : " with " + target + " items"), Expect.refusedNaming(s.path()));
    }
    ObjectNode o = (ObjectNode) s.value();
    int max = s.schema().path("maxProperties").asInt();
    JsonNode first = o.elements().next();
    for (int i = 0; o.size() <= max; i++) {
      o.set("k" + (char) ('a' + i % 26) + (char) ('a' + i / 26), first.deepCopy());
    }
    return m.done(s.path() + " with " + o.size() + " entries", Expect.refusedNaming(s.path()));
  }

  /** Text at the edges of any string (blank, padded, control and invisible characters, lengths) in any field. */
  private FuzzCase anyString(Mutation m) {
    Slot s = pick(m.shape().slots);
    String text = pick(EdgeValues.STRINGS);
    s.set(m.raw().value(text));
    return m.done(s.path() + " = " + abbreviated(text),
        takes(s, "string") ? Expect.ifRefusedNaming(m.shape().paths()) : Expect.refusedNaming(s.path()));
  }

  /** A field no schema names; in a map (subjects, meters), one of its keys at an edge instead, at times. */
  private FuzzCase unknownFieldOrKey(Mutation m) {
    Container c = pick(m.shape().containers);
    if (!c.closed() && c.node().size() > 0 && random.nextBoolean()) {
      String key = c.node().fieldNames().next();
      String edge = pick(KEYS);
      c.node().set(m.raw().name(edge), c.node().remove(key));
      return m.done(c.path() + " key '" + abbreviated(edge) + "'", Expect.ifRefusedNaming(Set.of(c.child(decoded(edge)), c.path())));
    }
    String name = pick(UNKNOWN_NAMES);
    if (c.schema().path("properties").has(name)) {
      name = name + "_";
    }
    c.node().set(m.raw().name(name), m.raw().value(valueOfType(pick(List.of("string", "number", "boolean", "object")))));
    String field = c.child(decoded(name));
    return m.done("unknown field '" + name + "' in " + c.describe(),
        c.closed() ? Expect.refusedNaming(field) : Expect.ifRefusedNaming(Set.of(field, c.path())));
  }

  private FuzzCase repeatedField(Mutation m) {
    List<Container> filled = m.shape().containers.stream().filter(c -> c.node().size() > 0).toList();
    if (filled.isEmpty()) {
      return null;
    }
    Container c = pick(filled);
    String name = c.node().fieldNames().next();
    c.node().put(m.raw().repeat(name, c.node().get(name).toString()), 0);
    return m.done("'" + name + "' twice in " + c.describe(), Expect.refusedNaming("body"));
  }

  /** Arrays nested within the parser's depth (a value of the wrong type) or past it (no document it reads). */
  private FuzzCase nested(Mutation m) {
    Slot s = pick(m.shape().slots);
    int depth = random.nextBoolean() ? 40 : 12;
    s.set(m.raw().value("[".repeat(depth) + "]".repeat(depth)));
    return m.done(s.path() + " nested " + depth + " deep", Expect.refusedNaming(depth > MAX_DEPTH ? "body" : s.path()));
  }

  private FuzzCase truncated(Mutation m) {
    byte[] whole = m.raw().render(m.body());
    int cut = random.nextInt(whole.length);
    return m.sent("cut after " + cut + " bytes", Arrays.copyOf(whole, cut),
        cut == 0 && !m.op().bodyRequired() ? Expect.ANY : Expect.refusedNaming("body"));
  }

  /** Bytes in a string that are not UTF-8, or a control character JSON wants escaped, sent raw. */
  private FuzzCase rawBytes(Mutation m) {
    List<Slot> texts = m.shape().slots.stream().filter(s -> s.value() != null && s.value().isTextual()).toList();
    if (texts.isEmpty()) {
      return null;
    }
    Slot s = pick(texts);
    byte[] bytes = random.nextInt(3) > 0 ? NOT_UTF8[random.nextInt(NOT_UTF8.length)] : new byte[] {CONTROLS[random.nextInt(CONTROLS.length)]};
    byte[] text = new byte[bytes.length + 4];
    text[0] = '"';
    text[1] = 'a';
    System.arraycopy(bytes, 0, text, 2, bytes.length);
    text[text.length - 2] = 'b';
    text[text.length - 1] = '"';
    s.set(m.raw().value(text));
    return m.done(s.path() + " with raw bytes " + FuzzRequest.printable(bytes, 20), Expect.refusedNaming("body"));
  }

  /** Another JSON value than one object, more than one, or one with something before or after it. */
  private FuzzCase notOneObject(Mutation m) {
    String whole = new String(m.raw().render(m.body()), StandardCharsets.UTF_8);
    List<String> refused = List.of("[]", "\"x\"", "1", "null", "true", "[" + whole + "]", whole + " x", whole + whole, whole + "}",
        "/* c */" + whole);
    List<String> taken = List.of("{}", " \n\t" + whole + "\r\n", "\ufeff" + whole);
    boolean bad = random.nextInt(4) > 0;
    String body = pick(bad ? refused : taken);
    return m.sent("body " + abbreviated(body), body.getBytes(StandardCharsets.UTF_8), bad ? Expect.refusedNaming("body") : Expect.ANY);
  }

  private FuzzCase tooLarge(Mutation m) {
    List<Slot> strings = m.shape().slots.stream().filter(x -> type(x.schema()).equals("string")).toList();
    if (strings.isEmpty()) {
      return null;
    }
    Slot s = pick(strings);
    s.set(m.raw().value("\"" + "k".repeat(70_000) + "\""));
    return m.done(s.path() + " of 70,000 characters", Expect.refusedWith(413, "body"));
  }

  private FuzzCase contentType(Mutation m) {
    FuzzRequest r = m.base().withoutHeader("Content-Type").withBody(m.raw().render(m.body()));
    int which = random.nextInt(4);
    if (which < 2) {
      String type = pick(BAD_CONTENT_TYPES);
      return new FuzzCase("Content-Type: " + type, m.op(), r.withHeader("Content-Type", type), Expect.refusedWith(415, "Content-Type"));
    }
    if (which == 2) {
      String type = pick(FINE_CONTENT_TYPES);
      return new FuzzCase("Content-Type: " + type, m.op(), r.withHeader("Content-Type", type), Expect.ANY);
    }
    return random.nextBoolean() ? new FuzzCase("no Content-Type", m.op(), r, Expect.ANY)
        : new FuzzCase("Content-Type twice", m.op(), r.withHeader("Content-Type", "application/json")
            .withHeader("Content-Type", "application/json"), Expect.refusedNaming("Content-Type"));
  }

  /** A body sent where the operation documents none: a DELETE refuses any, a POST reads one with no fields, a GET ignores it. */
  private FuzzCase unexpectedBody(Operation op, FuzzRequest base) {
    String body = pick(List.of("{\"x\":1}", "{}", "hello", "[1]", "{\"reason\":\"r\"}"));
    FuzzRequest r = base.withoutHeader("Content-Type").withBody(body.getBytes(StandardCharsets.UTF_8))
        .withHeader("Content-Type", "application/json");
    Expect expect = switch (op.method()) {
      case "DELETE" -> Expect.refusedNaming("body");
      case "POST", "PUT" -> body.equals("{}") ? Expect.ANY : Expect.refusedNaming(body.startsWith("{\"") ? body.substring(2, body.indexOf('"', 2)) : "body");
      default -> Expect.ANY;
    };
    return new FuzzCase("a body of " + body + " where none is documented", op, r, expect);
  }

  /**
   * The JSON type a schema describes: string, number (integer too), boolean, object or array; for
   * one of several, its first alternative's (a budget amount: a decimal string, or a number).
   */
  static String type(JsonNode schema) {
    String t = firstAlternative(schema).path("type").asText();
    if (t.equals("integer")) {
      return "number";
    }
    if (!t.isEmpty()) {
      return t;
    }
    return schema.has("properties") || schema.has("additionalProperties") ? "object" : schema.has("items") ? "array" : "any";
  }

  /** Whether {@code s} takes a value of JSON type {@code type}: its schema's, or any of its alternatives'. */
  private static boolean takes(Slot s, String type) {
    if (type(s.schema()).equals(type)) {
      return true;
    }
    for (JsonNode alternative : s.schema().path("oneOf")) {
      if (type(alternative).equals(type)) {
        return true;
      }
    }
    return false;
  }

  /** The schema itself, or the first of the alternatives it allows. */
  static JsonNode firstAlternative(JsonNode schema) {
    return schema.has("oneOf") ? schema.get("oneOf").get(0) : schema;
  }

  private String valueOfType(String type) {
    return switch (type) {
      case "string" -> pick(List.of("\"x\"", "\"1\"", "\"true\""));
      case "number" -> pick(List.of("1", "0", "1.5", "-1"));
      case "boolean" -> pick(List.of("true", "false"));
      case "object" -> pick(List.of("{}", "{\"a\":1}", "{\"user\":\"u1\"}"));
      case "array" -> pick(List.of("[]", "[\"x\"]", "[1]", "[{}]"));
      default -> "null";
    };
  }

  /** A name as the server reads it from its JSON text, escapes decoded. */
  private static String decoded(String asWritten) {
    try {
      return JSON.readTree("\"" + asWritten + "\"").textValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  private static String abbreviated(String s) {
    return s.length() > 60 ? s.substring(0, 40) + "...(" + s.length() + " characters)" : s;
  }
}
