package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.api.RouteTable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The served OpenAPI document lists exactly the routes the server registers, with their roles and query parameters,
 * and the fields a decision and a subject's usage carry.
 */
class OpenApiAlignmentTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void documentedOperationsAreExactlyTheRegisteredOnes() {
    Api.Response r = server.admin().get("/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    JsonNode doc = r.json();
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    Set<String> documented = new TreeSet<>();
    Iterator<String> paths = doc.get("paths").fieldNames();
    while (paths.hasNext()) {
      String path = paths.next();
      Iterator<String> methods = doc.get("paths").get(path).fieldNames();
      while (methods.hasNext()) {
        documented.add(methods.next().toUpperCase(Locale.ROOT) + " " + path);
      }
    }
    Set<String> registered = new TreeSet<>(Set.of("GET /health", "GET /health/live"));
    for (RouteTable.Route route : server.server().routes()) {
      registered.add(route.method() + " " + route.path());
    }
    assertThat(documented).isEqualTo(registered);
  }

  /** A method a path has no operation for is answered 405, its Allow header the documented methods (and HEAD with GET). */
  @Test
  void allowListsTheDocumentedMethodsOfEachPath() {
    JsonNode doc = server.admin().get("/openapi.json").json();
    assertThat(doc.at("/components/responses/MethodNotAllowed/headers/Allow").isMissingNode()).isFalse();
    List<String> mismatches = new ArrayList<>();
    Iterator<String> paths = doc.get("paths").fieldNames();
    while (paths.hasNext()) {
      String path = paths.next();
      List<String> documented = new ArrayList<>();
      for (String method : List.of("get", "head", "post", "put", "delete")) {
        if (doc.get("paths").get(path).has(method) || method.equals("head") && doc.get("paths").get(path).has("get")) {
          documented.add(method.toUpperCase(Locale.ROOT));
        }
      }
      String concrete = MethodRoutingTest.concrete(path);
      Api.Response r = server.admin().send("PATCH", concrete, "{}");
      if (r.status() != 405 || !String.join(", ", documented).equals(r.header("Allow"))) {
        mismatches.add("PATCH " + concrete + " -> " + r.status() + " Allow: " + r.header("Allow") + ", documented " + documented);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  /** The query parameters each operation documents are exactly those its route declares, and so accepts. */
  @Test
  void documentedQueryParametersAreTheDeclaredOnes() {
    JsonNode paths = server.admin().get("/openapi.json").json().get("paths");
    List<String> mismatches = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      Set<String> documented = new TreeSet<>();
      for (JsonNode p : paths.get(route.path()).get(route.method().toLowerCase(Locale.ROOT)).path("parameters")) {
        if (p.get("in").asText().equals("query")) {
          documented.add(p.get("name").asText());
        }
      }
      if (!documented.equals(new TreeSet<>(route.query()))) {
        mismatches.add(route.method() + " " + route.path() + " declares " + new TreeSet<>(route.query()) + ", documented " + documented);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  /** Every field a decision, a 429 and the limits in them carry is a property of their documented schema. */
  @Test
  void decisionAndDenialFieldsAreDocumented() {
    JsonNode schemas = server.admin().get("/openapi.json").json().get("components").get("schemas");
    Set<String> decision = properties(schemas.get("Decision"));
    Set<String> denial = properties(schemas.get("Problem"));
    denial.addAll(properties(schemas.get("Denial").get("allOf").get(1)));
    Set<String> limit = properties(schemas.get("Limit"));
    server.admin().put("/v1/policies/user:documented", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    String body = "{\"subjects\":{\"user\":\"documented\"}}";

    Api.Response reserved = server.admin().post("/v1/reservations", body);
    Api.Response checked = server.admin().post("/v1/check", body);
    Api.Response denied = server.admin().post("/v1/reservations", body);

    assertThat(denied.status()).isEqualTo(429);
    List<String> undocumented = new ArrayList<>();
    undocumented(reserved.json(), decision, limit, undocumented);
    undocumented(checked.json(), decision, limit, undocumented);
    undocumented(denied.json(), denial, limit, undocumented);
    assertThat(reserved.json().has("binding")).isTrue();
    assertThat(checked.json().has("binding")).isTrue();
    assertThat(denied.json().has("binding")).isTrue();
    assertThat(undocumented).isEmpty();
  }

  /**
   * The rate-limit headers each decision answers with (a check that would be refused tells when to
   * retry as a 429 does) are among the headers documented for its status.
   */
  @Test
  void decisionHeadersAreDocumented() {
    JsonNode paths = server.admin().get("/openapi.json").json().get("paths");
    server.admin().put("/v1/policies/user:documented-headers", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    String body = "{\"subjects\":{\"user\":\"documented-headers\"}}";

    Api.Response reserved = server.admin().post("/v1/reservations", body);
    Api.Response checked = server.admin().post("/v1/check", body);
    Api.Response denied = server.admin().post("/v1/reservations", body);

    assertThat(checked.json().get("admitted").asBoolean()).isFalse();
    List<String> undocumented = new ArrayList<>();
    undocumentedHeaders(reserved, paths.at("/~1v1~1reservations/post/responses/201/headers"), "reserve 201", undocumented);
    undocumentedHeaders(checked, paths.at("/~1v1~1check/post/responses/200/headers"), "check 200", undocumented);
    undocumentedHeaders(denied, paths.at("/~1v1~1reservations/post/responses/429/headers"), "reserve 429", undocumented);
    assertThat(undocumented).isEmpty();
  }

  private static void undocumentedHeaders(Api.Response answer, JsonNode documented, String operation, List<String> out) {
    assertThat(answer.status()).as(operation + ": " + answer).isEqualTo(Integer.parseInt(operation.substring(operation.length() - 3)));
    for (String name : List.of("RateLimit-Policy", "RateLimit", "Retry-After")) {
      if (answer.header(name) != null && !documented.has(name)) {
        out.add(operation + " " + name);
      }
    }
  }

  /** Every field a subject's usage and the limits in it carry, a budget's period and calendar among them, is documented. */
  @Test
  void usageFieldsAreDocumented() {
    JsonNode schemas = server.admin().get("/openapi.json").json().get("components").get("schemas");
    server.admin().put("/v1/policies/user:documented-usage", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}],"
        + "\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"monthly\":\"9\",\"perRequest\":\"0.5\",\"timezone\":\"Asia/Tokyo\"}}");

    JsonNode usage = server.admin().get("/v1/usage/user/documented-usage").json();

    assertThat(usage.get("limits").findValuesAsText("kind")).hasSize(4);
    assertThat(usage.get("limits").findValuesAsText("timezone")).containsExactly("Asia/Tokyo", "Asia/Tokyo");
    List<String> undocumented = new ArrayList<>();
    undocumented(usage, properties(schemas.get("SubjectUsage")), properties(schemas.get("Limit")), undocumented);
    assertThat(undocumented).isEmpty();
  }

  private static void undocumented(JsonNode answer, Set<String> documented, Set<String> limit, List<String> out) {
    answer.fieldNames().forEachRemaining(name -> {
      if (!documented.contains(name)) {
        out.add(name);
      }
    });
    List<JsonNode> limits = new ArrayList<>();
    answer.path("limits").forEach(limits::add);
    answer.path("denying").forEach(limits::add);
    if (answer.has("binding")) {
      limits.add(answer.get("binding"));
    }
    for (JsonNode l : limits) {
      l.fieldNames().forEachRemaining(name -> {
        if (!limit.contains(name)) {
          out.add("limit." + name);
        }
      });
    }
  }

  /**
   * The JSON types the document gives each amount of a request are the ones the server reads: a
   * policy's (and so an override's) budget amounts a decimal string or a number, a decision's and a
   * usage record's a decimal string only.
   */
  @Test
  void amountTypesAreTheOnesRead() {
    JsonNode schemas = server.admin().get("/openapi.json").json().get("components").get("schemas");
    List<String> mismatches = new ArrayList<>();
    for (String amount : List.of("daily", "monthly", "perRequest")) {
      Api.Response put = server.admin().put("/v1/policies/user:documented-" + amount.toLowerCase(Locale.ROOT),
          "{\"budget\":{\"currency\":\"USD\",\"" + amount + "\":1e2}}");
      readAs(types(schemas.at("/Policy/properties/budget/properties/" + amount)), put, "budget." + amount, mismatches);
    }
    String subjects = "\"subjects\":{\"user\":\"documented-amounts\"}";
    readAs(types(schemas.at("/QuotaRequest/properties/estimatedCost")),
        server.admin().post("/v1/reservations", "{" + subjects + ",\"estimatedCost\":1}"), "reserve estimatedCost", mismatches);
    readAs(types(schemas.at("/CheckRequest/properties/estimatedCost")),
        server.admin().post("/v1/check", "{" + subjects + ",\"estimatedCost\":1}"), "check estimatedCost", mismatches);
    readAs(types(schemas.at("/UsageRecord/properties/cost")),
        server.admin().post("/v1/usage", "{" + subjects + ",\"cost\":1}"), "usage cost", mismatches);
    String reservation = server.admin().post("/v1/reservations", "{" + subjects + "}").json().get("reservationId").asText();
    readAs(types(schemas.at("/Commit/properties/actualCost")),
        server.admin().post("/v1/reservations/" + reservation + "/commit", "{\"actualCost\":1}"), "commit actualCost", mismatches);
    assertThat(mismatches).isEmpty();
  }

  /** Adds {@code what} to {@code out} unless the answer to a number sent for it agrees with its documented types. */
  private static void readAs(Set<String> documented, Api.Response answer, String what, List<String> out) {
    boolean read = answer.status() < 300;
    if (!documented.contains("string") || documented.contains("number") != read) {
      out.add(what + " documented " + documented + ", a number answered " + answer.status());
    }
  }

  /** The JSON types a schema allows, its own or those of its alternatives. */
  private static Set<String> types(JsonNode schema) {
    Set<String> types = new TreeSet<>();
    if (schema.has("type")) {
      types.add(schema.get("type").asText());
    }
    schema.path("oneOf").forEach(alternative -> types.addAll(types(alternative)));
    return types;
  }

  private static Set<String> properties(JsonNode schema) {
    Set<String> names = new TreeSet<>();
    schema.get("properties").fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void documentedRolesMatchTheRoutes() {
    JsonNode paths = server.admin().get("/openapi.json").json().get("paths");
    List<String> mismatches = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      JsonNode roles = paths.get(route.path()).get(route.method().toLowerCase(Locale.ROOT)).get("x-roles");
      Set<String> documented = new TreeSet<>();
      roles.forEach(n -> documented.add(n.asText()));
      Set<String> actual = new TreeSet<>();
      route.roles().forEach(x -> actual.add(x.wireName()));
      if (!documented.equals(actual)) {
        mismatches.add(route + " documented " + documented);
      }
    }
    assertThat(mismatches).isEmpty();
  }
}
