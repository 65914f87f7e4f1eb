package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.api.RouteTable;
import java.util.ArrayList;
import java.util.List;

/** The routes that read a request body, each sent one with a header that every one of them must refuse. */
final class BodyRoutes {
  private BodyRoutes() {}

  /**
   * Sends {@code {}} to every POST and PUT route of {@code server} with {@code header: value}, and
   * asserts that each answers 415 naming {@code header}, and that the routes tried include those
   * known to read a body (so a route table that lost them cannot pass by trying nothing).
   */
  static void assertEachRefuses(SharedServer server, String header, String value) {
    List<String> checked = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      if (!route.method().equals("POST") && !route.method().equals("PUT")) {
        continue;
      }
      checked.add(route.method() + " " + route.path());
      Api.Response r = server.admin().send(route.method(), MethodRoutingTest.concrete(route.path()), "{}", header, value);
      if (r.status() != 415 || !header.equals(r.json().path("field").asText())) {
        mismatches.add(route.method() + " " + route.path() + " -> " + r);
      }
    }
    assertThat(checked).contains("POST /v1/check", "POST /v1/reservations", "POST /v1/reservations/{reservationId}/commit",
        "POST /v1/reservations/{reservationId}/release", "POST /v1/usage", "PUT /v1/policies/{selector}", "POST /v1/overrides",
        "POST /v1/keys", "POST /v1/subjects/{scope}/{id}/reset");
    assertThat(mismatches).isEmpty();
  }
}
