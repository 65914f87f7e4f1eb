package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.server.FuzzCase.Expect;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every answer of the API keeps, whatever it was sent: never a 5xx; a 4xx is a problem
 * document (RFC 9457) in UTF-8 whose status is the response's, and a 400, 413 or 415 names the
 * field and the rule; nothing in any header or body reads like the server's internals (a class,
 * an exception, a stack frame). Plus what the mutation itself expects ({@link Expect}).
 */
final class ResponseRules {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Text a client must never see: Java class and package names, exception names, stack frames. */
  private static final List<String> INTERNALS = List.of("Exception", "Throwable", "\tat ", "at dev.", "at java.", "at org.",
      "java.", "javax.", "jakarta.", "org.eclipse", "com.fasterxml", "io.javalin", "dev.quota.", ".java:", "Caused by",
      "NullPointer", "jackson", "Jackson");
  /** Statuses whose problem must name a field: bad input, a body too large, a body of another type. */
  private static final Set<Integer> NAMING = Set.of(400, 413, 415);

  private ResponseRules() {}

  /** Every rule {@code r}, the answer to {@code c}, breaks; empty when it keeps them all. */
  static List<String> broken(FuzzCase c, RawHttp.Response r) {
    List<String> broken = new ArrayList<>();
    int status = r.status();
    if (status >= 500) {
      broken.add("answered " + status);
    }
    for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
      for (String v : h.getValue()) {
        internals(h.getKey() + ": " + v).forEach(i -> broken.add("header " + h.getKey() + " shows internals: " + i));
      }
    }
    String body = new String(r.body(), StandardCharsets.UTF_8);
    if (!isDocument(c)) {
      internals(body).forEach(i -> broken.add("body shows internals: " + i));
    }
    Expect e = c.expect();
    if (e.refused() && (status < 400 || status == 429)) {
      broken.add("a bad request was taken (" + status + ")");
    }
    if (e.status() != null && status != e.status() && status < 500) {
      broken.add("answered " + status + " where " + e.status() + " was due");
    }
    if (status == 405 && r.header("Allow") == null) {
      broken.add("405 without Allow");
    }
    if (status >= 400 && !c.request().method().equals("HEAD")) {
      problem(c, r, broken);
    } else if (status / 100 == 2 && String.valueOf(r.header("Content-Type")).startsWith("application/json")) {
      try {
        JSON.readTree(r.text());
      } catch (IOException | AssertionError notJson) {
        broken.add("a " + status + " whose JSON body does not parse: " + notJson.getMessage());
      }
    }
    return broken;
  }

  /** The OpenAPI document and the metrics describe the server in words of their own; they are not checked for internals. */
  private static boolean isDocument(FuzzCase c) {
    String path = c.request().path();
    return (path.startsWith("/openapi.json") || path.startsWith("/metrics")) && c.request().method().equals("GET");
  }

  private static void problem(FuzzCase c, RawHttp.Response r, List<String> broken) {
    String type = r.header("Content-Type");
    if (type == null || !type.startsWith("application/problem+json")) {
      broken.add("a " + r.status() + " of Content-Type " + type + ", not a problem document");
      return;
    }
    JsonNode p;
    try {
      p = JSON.readTree(r.text());
    } catch (IOException | AssertionError e) {
      broken.add("the problem document is not JSON in UTF-8: " + e.getMessage());
      return;
    }
    if (!p.isObject()) {
      broken.add("the problem document is not an object");
      return;
    }
    if (!p.path("type").asText().startsWith("urn:quota:problem:")) {
      broken.add("the problem's type is " + p.path("type"));
    }
    if (p.path("status").asInt() != r.status()) {
      broken.add("the problem's status is " + p.path("status") + ", the response's " + r.status());
    }
    if (p.path("title").asText().isBlank() || p.path("detail").asText().isBlank()) {
      broken.add("the problem has no title or no detail");
    }
    String field = p.path("field").isTextual() ? p.get("field").asText() : null;
    if (p.has("field") && (field == null || field.isBlank())) {
      broken.add("the problem names a blank field: " + p.get("field"));
    } else if (field == null && NAMING.contains(r.status())) {
      broken.add("a " + r.status() + " that names no field");
    }
    if (field != null && p.path("rule").asText().isBlank()) {
      broken.add("the problem names field " + field + " and no rule");
    }
    if (field != null && !field.isBlank() && r.status() == 400 && !related(field, c.expect().fields())) {
      broken.add("the problem names field '" + field + "' where one of " + c.expect().fields() + " was due");
    }
  }

  /** Whether {@code field} is one of {@code due}, inside one of them or one of them is inside it; any field when none is due. */
  static boolean related(String field, Set<String> due) {
    if (due == null) {
      return true;
    }
    for (String d : due) {
      if (field.equals(d) || inside(field, d) || inside(d, field)) {
        return true;
      }
    }
    return false;
  }

  private static boolean inside(String inner, String outer) {
    return inner.startsWith(outer + ".") || inner.startsWith(outer + "[");
  }

  private static List<String> internals(String text) {
    return INTERNALS.stream().filter(text::contains).toList();
  }
}
