package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.api.RouteTable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every route takes the query parameters it declares, each once and with a value: another, a
 * repeated or an empty one is refused by name (400) before anything is read or changed, where it
 * was ignored, resolved to its first value or read as absent. A path parameter that is not
 * percent-encoded UTF-8 is refused by name, where it was read with U+FFFD in place of its bytes.
 */
class RequestParametersTest {
  private static final String VALID_FOR_EVERY_PARAMETER = "1";

  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @BeforeAll
  static void spend() {
    server.admin().put("/v1/policies/user:*?reason=setup", "{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1H\"}]}");
    server.admin().post("/v1/usage", "{\"subjects\":{\"user\":\"ann\",\"team\":\"red\"},\"cost\":\"0.50\"}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/v1/reports/costs?limit=abc                        | limit  | is not a known parameter (known: format, from, groupBy, id, scope, timezone, to)",
      "/v1/reports/costs?scope=user&scope=team            | scope  | must be given at most once",
      "/v1/reports/costs?format=csv&format=json           | format | must be given at most once",
      "/v1/reports/costs?scope=user&%73cope=team          | scope  | must be given at most once",
      "/v1/reports/costs?scope=user&id=                   | id     | must not be empty: give a value or leave the parameter out",
      "/v1/reports/costs?scope=user&id                    | id     | must not be empty",
      "/v1/reports/costs?=user                            | query  | each parameter must have a name",
      "/v1/alerts?subject=user:ann&subject=user:bob       | subject| must be given at most once",
      "/v1/audit?actor=admin&Actor=x                      | Actor  | is not a known parameter (known: action, actor, cursor, from, limit, offset, target, to)",
      "/v1/overrides?includeExpired=true&includeExpired=false | includeExpired | must be given at most once",
      "/v1/policies?offset=10                             | offset | is not a known parameter: this operation takes no query parameters",
      "/v1/usage/user/ann?from=2030-01-01                 | from   | is not a known parameter: this operation takes no query parameters",
      "/health?verbose=true                               | verbose| is not a known parameter: this operation takes no query parameters"})
  void aParameterNotDeclaredRepeatedOrEmptyIsRefusedByName(String path, String field, String rule) {
    Api.Response r = server.admin().get(path.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo(field.strip());
    assertThat(r.json().get("rule").asText()).startsWith(rule.strip());
  }

  /** {@code ?reason=a&reason=b} recorded a; now nothing is created and nothing is audited. */
  @Test
  void aRepeatedReasonChangesNothing() {
    String before = server.admin().get("/v1/policies").body() + server.admin().get("/v1/audit").body();
    Api.Response r = server.admin().put("/v1/policies/team:red?reason=a&reason=b", "{\"concurrency\":1}");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("reason");
    assertThat(server.admin().get("/v1/policies").body() + server.admin().get("/v1/audit").body()).isEqualTo(before);
  }

  /** Each route, asked with a parameter it does not take, refuses it before its handler runs. */
  @Test
  void everyRouteRefusesAParameterItDoesNotDeclare() {
    List<String> mismatches = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      Api.Response r = send(route, "?bogus=1");
      if (r.status() != 400 || !"bogus".equals(r.json().path("field").asText())) {
        mismatches.add(route.method() + " " + route.path() + " -> " + r);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  /** Each parameter a route declares is refused given twice, and given empty, naming it. */
  @Test
  void everyDeclaredParameterIsRefusedRepeatedOrEmpty() {
    List<String> mismatches = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      for (String name : route.query()) {
        String twice = "?" + name + "=" + VALID_FOR_EVERY_PARAMETER + "&" + name + "=" + VALID_FOR_EVERY_PARAMETER;
        for (String query : List.of(twice, "?" + name + "=")) {
          Api.Response r = send(route, query);
          if (r.status() != 400 || !name.equals(r.json().path("field").asText())) {
            mismatches.add(route.method() + " " + route.path() + query + " -> " + r);
          }
        }
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void theConsolesOwnQueriesAreStillAnswered() {
    assertThat(server.admin().get("/v1/reports/costs?scope=user&id=ann&groupBy=provider&format=json&timezone=UTC").status()).isEqualTo(200);
    assertThat(server.admin().get("/v1/alerts?subject=user:ann&limit=50&offset=50").status()).isEqualTo(200);
    // A '+' is a space in a query and an empty pair says nothing.
    assertThat(server.admin().get("/v1/audit?actor=a+b&&limit=5&").status()).isEqualTo(200);
  }

  /**
   * Bytes that are not UTF-8 in a path parameter were read as U+FFFD: another subject than the one
   * sent. The parameter is named as every other error about it names it: a reservation's id as
   * {@code reservationId}, which it was not.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "GET    | /v1/usage/user/%FF              | id",
      "GET    | /v1/usage/user/a%C3             | id",
      "GET    | /v1/usage/%FF/ann               | scope",
      "POST   | /v1/subjects/user/%FF/reset     | id",
      "GET    | /v1/policies/user:%E9           | selector",
      "DELETE | /v1/keys/%FF                    | name",
      "POST   | /v1/reservations/%FF/release    | reservationId",
      "POST   | /v1/reservations/%C3%28/commit  | reservationId"})
  void aPathParameterThatIsNotUtf8IsRefusedByName(String method, String path, String field) {
    String audit = server.admin().get("/v1/audit").body();
    Api.Response r = server.admin().send(method.strip(), path.strip(), method.strip().equals("GET") ? null : "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field.strip());
    assertThat(r.json().get("rule").asText()).isEqualTo(
        "must be percent-encoded UTF-8: each '%' takes two hex digits, and the bytes they encode must be UTF-8");
    assertThat(server.admin().get("/v1/audit").body()).isEqualTo(audit);
  }

  @Test
  void aPathParameterInUtf8IsStillAnswered() {
    Api.Response r = server.admin().get("/v1/usage/user/%C3%A9");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("subject").asText()).isEqualTo("user:\u00e9");
  }

  private static Api.Response send(RouteTable.Route route, String query) {
    String path = MethodRoutingTest.concrete(route.path()) + query;
    boolean hasBody = route.method().equals("POST") || route.method().equals("PUT");
    return server.admin().send(route.method(), path, hasBody ? "{}" : null);
  }
}
