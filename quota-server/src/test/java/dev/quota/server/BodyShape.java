package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where values stand in a body, read against its schema: every field present, every field the
 * schema allows that is absent, every array item, and every object, each with its schema and its
 * path as problems name it ({@code limits.rateLimits[0].window}).
 */
final class BodyShape {
  /** A place a value stands or may stand: an object's field or an array's item. */
  record Slot(String path, JsonNode container, String name, int index, JsonNode schema, boolean required) {
    JsonNode value() {
      return name != null ? container.get(name) : container.get(index);
    }

    void set(JsonNode v) {
      if (name != null) {
        ((ObjectNode) container).set(name, v);
      } else {
        ((ArrayNode) container).set(index, v);
      }
    }

    /** The last name of its path, which says what the field is where the schema does not: {@code window}, {@code subjects[0]}. */
    String lastName() {
      return path.substring(path.lastIndexOf('.') + 1);
    }
  }

  /** An object of the body and its schema. */
  record Container(String path, ObjectNode node, JsonNode schema) {
    String child(String name) {
      return BodyShape.child(path, name);
    }

    /** Whether it takes only the fields its schema names; a map (subjects, meters) takes any. */
    boolean closed() {
      return schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean();
    }

    String describe() {
      return path.isEmpty() ? "the body" : path;
    }
  }

  final List<Slot> slots = new ArrayList<>();
  final List<Container> containers = new ArrayList<>();

  private BodyShape() {}

  static BodyShape of(ObjectNode body, JsonNode schema) {
    BodyShape shape = new BodyShape();
    shape.walk(body, schema, "");
    return shape;
  }

  /**
   * The field {@code name} inside {@code parent}, as problems name it: a name that is empty or
   * blank is written as its JSON string ({@code ""}, {@code limits." "}, a tab as {@code "\u0009"}).
   */
  static String child(String parent, String name) {
    String segment = name;
    if (name.isBlank()) {
      StringBuilder quoted = new StringBuilder("\"");
      name.chars().forEach(c -> quoted.append(c < 0x20 ? String.format("\\u%04x", c) : Character.toString(c)));
      segment = quoted.append('"').toString();
    }
    return parent.isEmpty() ? segment : parent + "." + segment;
  }

  /** The path of every slot. */
  Set<String> paths() {
    Set<String> paths = new TreeSet<>();
    slots.forEach(s -> paths.add(s.path()));
    return paths;
  }

  private void walk(JsonNode node, JsonNode schema, String prefix) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      containers.add(new Container(prefix, o, schema));
      Set<String> required = new HashSet<>();
      schema.path("required").forEach(r -> required.add(r.asText()));
      JsonNode props = schema.path("properties");
      Iterator<String> names = props.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        field(o, prefix, name, props.get(name), required.contains(name));
      }
      JsonNode extra = schema.path("additionalProperties");
      if (extra.isObject()) {
        List<String> present = new ArrayList<>();
        o.fieldNames().forEachRemaining(present::add);
        present.stream().filter(name -> !props.has(name)).forEach(name -> field(o, prefix, name, extra, false));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String path = prefix + "[" + i + "]";
        slots.add(new Slot(path, node, null, i, schema.path("items"), true));
        walk(node.get(i), schema.path("items"), path);
      }
    }
  }

  private void field(ObjectNode o, String prefix, String name, JsonNode schema, boolean required) {
    String path = child(prefix, name);
    slots.add(new Slot(path, o, name, -1, schema, required));
    if (o.has(name)) {
      walk(o.get(name), schema, path);
    }
  }
}
