package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.server.OpenApiOperations.Operation;
import dev.quota.server.OpenApiOperations.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A valid request for every operation, which the fuzz test mutates, and what those requests name
 * that must exist: the policy of {@link #SELECTOR}, a held reservation, an override and a key to
 * revoke, each made again when an accepted request used it up. A body comes from {@link #BODIES}
 * or, for an operation not listed there, from its schema's examples and defaults; the fuzz test
 * first checks that each of these requests is accepted, so a new operation whose derived body is
 * not valid fails that check and asks for an entry here.
 */
final class ValidRequests {
  static final String SELECTOR = "team:t1";
  static final String VICTIM_KEY = "fuzz-victim";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Bodies that use every field their schema has, so each can be mutated where it stands. */
  private static final Map<String, String> BODIES = Map.of(
      "POST /v1/check", "{\"subjects\":{\"user\":\"u1\",\"team\":\"t1\"},\"estimatedCost\":\"0.01\",\"meters\":{\"tokens\":10}}",
      "POST /v1/reservations",
      "{\"subjects\":{\"user\":\"u1\",\"team\":\"t1\"},\"estimatedCost\":\"0.01\",\"meters\":{\"tokens\":10},\"ttl\":\"PT5M\"}",
      "POST /v1/reservations/{reservationId}/commit", "{\"actualCost\":\"0.01\",\"meters\":{\"tokens\":5}}",
      "POST /v1/usage",
      "{\"subjects\":{\"user\":\"u1\",\"tool\":\"web_search\",\"provider\":\"openai\"},\"cost\":\"0.02\",\"meters\":{\"tokens\":100}}",
      "PUT /v1/policies/{selector}", "{\"rateLimits\":[{\"meter\":\"requests\",\"limit\":100000,\"window\":\"PT1H\","
          + "\"algorithm\":\"sliding_window\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1000\",\"monthly\":\"20000\","
          + "\"perRequest\":\"5\",\"timezone\":\"UTC\",\"resetTime\":\"00:00\",\"resetDay\":1},\"concurrency\":100000,"
          + "\"alertThresholds\":[0.5,0.9],\"mode\":\"enforce\",\"failMode\":\"closed\"}",
      "POST /v1/overrides", "{\"selector\":\"user:u1\",\"limits\":{\"rateLimits\":[{\"limit\":100000,\"window\":\"PT1H\"}],"
          + "\"budget\":{\"currency\":\"USD\",\"daily\":\"1000\"}},\"duration\":\"PT1H\",\"reason\":\"fuzz\"}",
      "POST /v1/subjects/{scope}/{id}/reset", "{\"reason\":\"fuzz\"}",
      "POST /v1/keys", "{\"name\":\"fuzz-key-#\",\"role\":\"viewer\",\"subjects\":[\"user:u1\"],\"reason\":\"fuzz\"}");

  private final Api admin;
  private final Clock clock;
  private final Map<String, String> keys = new LinkedHashMap<>();
  private String reservation;
  private String override;
  /** An alert's id: the alert history keeps every alert, so one fired at setup stays valid. */
  private String alert;
  private int named;

  ValidRequests(Api admin, Clock clock) {
    this.admin = admin;
    this.clock = clock;
  }

  /** The policies decisions meet, a key of each role, and the fixtures. */
  void setUp() {
    require(admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1000000,\"window\":\"PT1H\"}],"
        + "\"budget\":{\"currency\":\"USD\",\"daily\":\"100000\"}}"), "the policy of user:*");
    // The held reservation's slot and charge show in this policy's counters, so a refused commit or
    // release that settled it anyway is seen.
    require(admin.put("/v1/policies/project:held", "{\"concurrency\":1000,\"budget\":{\"currency\":\"USD\",\"daily\":\"100000\"}}"),
        "the policy of project:held");
    keys.put("admin", TestServer.ADMIN_KEY);
    keys.put("service", issue("fuzz-service", "service", null));
    keys.put("viewer", issue("fuzz-viewer", "viewer", "user:u1"));
    keys.put("viewer of another subject", issue("fuzz-viewer-other", "viewer", "user:someone-else"));
    renewPolicy();
    renewReservation();
    renewOverride();
    renewKey();
    fireAlert();
  }

  /** The key of {@code role}: admin, service, viewer (of user:u1) or viewer of another subject. */
  String key(String role) {
    return keys.get(role);
  }

  List<String> roles() {
    return List.copyOf(keys.keySet());
  }

  /** The operation's valid request, by the admin key, without query parameters. */
  FuzzRequest base(Operation op) {
    String target = op.path();
    for (Parameter p : op.in("path")) {
      target = target.replace("{" + p.name() + "}", pathValue(op, p.name()));
    }
    ObjectNode body = body(op);
    FuzzRequest r = FuzzRequest.of(op.method(), target, body == null ? new byte[0] : bytes(body));
    if (body != null) {
      r = r.withHeader("Content-Type", "application/json");
    }
    return op.isPublic() ? r : r.withHeader("Authorization", "Bearer " + TestServer.ADMIN_KEY);
  }

  /** The operation's valid body, a fresh tree to mutate; null when it takes none. */
  ObjectNode body(Operation op) {
    String listed = BODIES.get(op.toString());
    if (listed != null) {
      // A key's name is taken once issued: each request names another.
      listed = listed.replace("#", Integer.toString(++named));
      try {
        return (ObjectNode) JSON.readTree(listed);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return op.body() == null ? null : (ObjectNode) example(op.body());
  }

  static byte[] bytes(JsonNode body) {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  String pathValue(Operation op, String name) {
    return switch (name) {
      case "reservationId" -> reservation;
      case "selector" -> SELECTOR;
      case "scope" -> "user";
      case "id" -> op.path().startsWith("/v1/overrides") ? override : op.path().startsWith("/v1/alerts") ? alert : "u1";
      case "name" -> VICTIM_KEY;
      default -> "x1";
    };
  }

  /** A valid value of a query parameter or header, as sent (percent-encoded where it needs to be). */
  String value(Parameter p, Random random) {
    JsonNode schema = p.schema();
    if (schema.has("enum")) {
      return schema.get("enum").get(random.nextInt(schema.get("enum").size())).asText();
    }
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    return switch (p.name()) {
      case "scope" -> "user";
      case "id" -> "u1";
      case "subject" -> "user:u1";
      case "policy" -> "user:*";
      case "from" -> today.minusDays(7).toString();
      case "to" -> today.plusDays(1).toString();
      case "timezone" -> "Europe/Paris";
      case "actor" -> "admin";
      case "target" -> "user";
      case "reason" -> "fuzz";
      default -> switch (schema.path("type").asText()) {
        case "integer" -> Long.toString(schema.path("minimum").asLong(1) + random.nextInt(3));
        case "boolean" -> Boolean.toString(random.nextBoolean());
        default -> "x";
      };
    };
  }

  /**
   * Makes again what {@code accepted}, an accepted request, may have used up: the reservation it
   * settled, the override or the key it revoked, the policy it deleted.
   */
  void renewAfter(FuzzRequest accepted) {
    String path = accepted.path();
    if (path.startsWith("/v1/reservations/") && (reservation == null || path.contains(reservation))) {
      renewReservation();
    } else if (accepted.method().equals("DELETE") && path.startsWith("/v1/overrides/")) {
      renewOverride();
    } else if (accepted.method().equals("DELETE") && path.startsWith("/v1/keys/")) {
      renewKey();
    } else if (accepted.method().equals("DELETE") && path.startsWith("/v1/policies/")) {
      renewPolicy();
    }
  }

  private void renewPolicy() {
    Api.Response r = admin.send("PUT", "/v1/policies/" + SELECTOR, "{\"concurrency\":100000}", "If-None-Match", "*");
    if (r.status() != 201 && r.status() != 412) {
      throw new AssertionError("cannot put the policy of " + SELECTOR + ": " + r);
    }
  }

  /** A reservation held for a day, of a subject whose policy nothing else touches. */
  private void renewReservation() {
    Api.Response r = admin.post("/v1/reservations", "{\"subjects\":{\"project\":\"held\"},\"ttl\":\"PT24H\"}");
    reservation = r.status() == 201 ? r.json().get("reservationId").asText() : "none-held";
  }

  private void renewOverride() {
    Api.Response r = require(admin.post("/v1/overrides",
        "{\"selector\":\"project:spare\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"fixture\"}"), "an override");
    override = r.json().get("id").asText();
  }

  /** A budget alert of a subject of its own (80% of a daily budget of 1.00), for the operations that name one. */
  private void fireAlert() {
    require(admin.put("/v1/policies/user:fuzz-alerted", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}"),
        "the policy of user:fuzz-alerted");
    require(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"fuzz-alerted\"},\"cost\":\"0.85\"}"), "a charge that alerts");
    Api.Response r = require(admin.get("/v1/alerts?subject=user:fuzz-alerted"), "the alert's id");
    alert = r.json().get("alerts").get(0).get("id").asText();
  }

  private void renewKey() {
    Api.Response r = admin.post("/v1/keys", "{\"name\":\"" + VICTIM_KEY + "\",\"role\":\"service\"}");
    if (r.status() != 201 && r.status() != 409) {
      throw new AssertionError("cannot issue " + VICTIM_KEY + ": " + r);
    }
  }

  private String issue(String name, String role, String subject) {
    String subjects = subject == null ? "" : ",\"subjects\":[\"" + subject + "\"]";
    return require(admin.post("/v1/keys", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"" + subjects + "}"), name)
        .json().get("key").asText();
  }

  private static Api.Response require(Api.Response r, String what) {
    if (r.status() / 100 != 2) {
      throw new AssertionError("cannot set up " + what + ": " + r);
    }
    return r;
  }

  /** A value the schema describes: its example, default or first enum value, else the least it allows. */
  static JsonNode example(JsonNode schema) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    for (String given : List.of("example", "default")) {
      if (schema.has(given)) {
        return schema.get(given).deepCopy();
      }
    }
    if (schema.has("enum")) {
      return schema.get("enum").get(0).deepCopy();
    }
    switch (schema.path("type").asText()) {
      case "object" -> {
        ObjectNode o = f.objectNode();
        Iterator<Map.Entry<String, JsonNode>> props = schema.path("properties").fields();
        while (props.hasNext()) {
          Map.Entry<String, JsonNode> p = props.next();
          o.set(p.getKey(), example(p.getValue()));
        }
        return o;
      }
      case "array" -> {
        ArrayNode a = f.arrayNode();
        a.add(example(schema.path("items")));
        return a;
      }
      case "integer" -> {
        return f.numberNode(schema.path("minimum").asLong(1));
      }
      case "number" -> {
        return f.numberNode(0.5);
      }
      case "boolean" -> {
        return f.booleanNode(true);
      }
      default -> {
        return f.textNode("x1");
      }
    }
  }
}
