package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operations the server's OpenAPI document describes, each with its roles, its parameters and
 * its request body's schema, every {@code $ref} resolved: what the fuzz test derives its requests
 * from, so an operation added to the document is fuzzed without the test being told.
 */
final class OpenApiOperations {
  private static final List<String> METHODS = List.of("get", "head", "post", "put", "delete");

  private OpenApiOperations() {}

  record Parameter(String name, String in, JsonNode schema) {}

  /** @param roles the roles that may call it; empty for an operation outside the API (health), which needs no key */
  record Operation(String method, String path, Set<String> roles, List<Parameter> parameters, JsonNode body, boolean bodyRequired) {
    List<Parameter> in(String where) {
      return parameters.stream().filter(p -> p.in().equals(where)).toList();
    }

    boolean isPublic() {
      return roles.isEmpty();
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  static List<Operation> of(JsonNode doc) {
    List<Operation> ops = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (String method : METHODS) {
        JsonNode op = path.getValue().get(method);
        if (op == null) {
          continue;
        }
        Set<String> roles = new TreeSet<>();
        op.path("x-roles").forEach(r -> roles.add(r.asText()));
        List<Parameter> parameters = new ArrayList<>();
        for (JsonNode p : op.path("parameters")) {
          JsonNode resolved = resolve(doc, p, 0);
          parameters.add(new Parameter(resolved.get("name").asText(), resolved.get("in").asText(), resolved.path("schema")));
        }
        JsonNode body = op.path("requestBody").path("content").path("application/json").path("schema");
        ops.add(new Operation(method.toUpperCase(Locale.ROOT), path.getKey(), roles, List.copyOf(parameters),
            body.isMissingNode() ? null : resolve(doc, body, 0), op.path("requestBody").path("required").asBoolean(false)));
      }
    }
    return List.copyOf(ops);
  }

  /** A copy of {@code node} with every {@code $ref} replaced by the schema it names. */
  private static JsonNode resolve(JsonNode doc, JsonNode node, int depth) {
    if (depth > 20) {
      throw new IllegalStateException("the OpenAPI document refers to itself more than 20 levels deep");
    }
    if (node.isObject() && node.has("$ref")) {
      String ref = node.get("$ref").asText();
      return resolve(doc, doc.at(ref.substring(1)), depth + 1);
    }
    if (node.isObject()) {
      ObjectNode copy = ((ObjectNode) node).objectNode();
      node.fields().forEachRemaining(e -> copy.set(e.getKey(), resolve(doc, e.getValue(), depth + 1)));
      return copy;
    }
    if (node.isArray()) {
      var copy = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> copy.add(resolve(doc, n, depth + 1)));
      return copy;
    }
    return node;
  }
}
