package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.api.RouteTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A method a path has no route for is a 405 problem with an Allow header listing the methods the
 * path has (after auth: no key is still a 401); only a path with no routes at all is a 404. HEAD is
 * a GET without the body wherever there is a GET, and answered as any other method elsewhere.
 */
class MethodRoutingTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "PUT     | /v1/check                   | POST",
      "GET     | /v1/check                   | POST",
      "OPTIONS | /v1/check                   | POST",
      "POST    | /v1/policies                | GET, HEAD",
      "DELETE  | /v1/policies                | GET, HEAD",
      "PATCH   | /v1/policies/user:x         | GET, HEAD, PUT, DELETE",
      "PUT     | /v1/keys/svc1               | DELETE",
      "GET     | /v1/reservations/x/commit   | POST",
      "GET     | /v1/usage                   | POST",
      "PUT     | /metrics                    | GET, HEAD",
      "PUT     | /health                     | GET, HEAD"})
  void aMethodThePathHasNoRouteForIs405WithAllow(String method, String path, String allow) {
    Api.Response r = server.admin().send(method, path, method.equals("GET") || method.equals("OPTIONS") ? null : "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo(allow);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:method-not-allowed");
    assertThat(r.json().get("status").asInt()).isEqualTo(405);
  }

  /** The console's files answer GET and HEAD; another method on one was a 404, as if no file were there. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "DELETE  | /",
      "POST    | /index.html",
      "PUT     | /app.css",
      "PATCH   | /js/main.js",
      "DELETE  | /js/pages/policies.js",
      "OPTIONS | /favicon.svg"})
  void aMethodOtherThanGetOnAConsoleFileIs405WithAllow(String method, String path) {
    Api.Response r = server.anonymous().send(method, path, method.equals("OPTIONS") ? null : "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:method-not-allowed");
    assertThat(r.json().get("detail").asText()).isEqualTo(method + " is not allowed on " + path + "; allowed: GET, HEAD");
    assertThat(server.anonymous().get(path).status()).isEqualTo(200);
  }

  /** Only a file that is there allows GET: other paths outside the API stay 404 for every method. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "DELETE  | /no-such-page.html",
      "POST    | /js/nothing.js",
      "PUT     | /logback.xml",
      "DELETE  | /v1/index.html"})
  void aMethodOnAPathThatIsNoFileIsStill404(String method, String path) {
    Api.Response r = server.admin().send(method, path, "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(404);
    assertThat(r.header("Allow")).isNull();
    assertThat(r.contentType()).startsWith("application/problem+json");
  }

  @Test
  void everyRoutedPathListsExactlyItsMethods() {
    List<String> wrong = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      Set<String> expected = new LinkedHashSet<>();
      for (String m : List.of("GET", "HEAD", "POST", "PUT", "DELETE")) {
        boolean routed = server.server().routes().stream().anyMatch(x -> x.path().equals(route.path())
            && (x.method().equals(m) || m.equals("HEAD") && x.method().equals("GET")));
        if (routed) {
          expected.add(m);
        }
      }
      Api.Response r = server.admin().send("PATCH", concrete(route.path()), "{}");
      if (r.status() != 405 || !String.join(", ", expected).equals(r.header("Allow"))) {
        wrong.add(route.path() + " -> " + r.status() + " Allow: " + r.header("Allow") + ", expected " + expected);
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void authComesFirst() {
    assertThat(server.anonymous().send("PUT", "/v1/check", "{}").status()).isEqualTo(401);
    assertThat(server.anonymous().get("/v1/check").status()).isEqualTo(401);
    assertThat(server.anonymous().send("OPTIONS", "/v1/policies", null).status()).isEqualTo(401);
  }

  @Test
  void aPathWithNoRoutesIsStill404() {
    for (String method : List.of("GET", "PUT", "POST", "DELETE", "OPTIONS")) {
      Api.Response r = server.admin().send(method, "/v1/nothing", method.equals("GET") || method.equals("OPTIONS") ? null : "{}");
      assertThat(r.status()).as(method + " " + r).isEqualTo(404);
      assertThat(r.header("Allow")).isNull();
      assertThat(r.contentType()).startsWith("application/problem+json");
    }
    assertThat(server.admin().send("PUT", "/nothing", "{}").status()).isEqualTo(404);
  }

  /** HEAD on a path without a GET route is answered as any other method there would be: 405 or 404, and no body. */
  @ParameterizedTest(name = "HEAD {0}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "/v1/check                 | 405 | POST",
      "/v1/reservations/x/commit | 405 | POST",
      "/v1/keys/svc1             | 405 | DELETE",
      "/v1/nothing               | 404 | -",
      "/nothing                  | 404 | -",
      "/v1/keys                  | 200 | -",
      "/                         | 200 | -"})
  void headIsAnsweredAsTheGetWouldBeWithoutABody(String path, int status, String allow) {
    RawHttp.Response r = RawHttp.exchange(server.server().port(),
        "HEAD " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY, new byte[0]);
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Allow")).isEqualTo(allow);
    assertThat(r.body()).isEmpty();
    if (status == 200) {
      // the length the GET's body has
      assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(server.admin().get(path).body().getBytes(StandardCharsets.UTF_8).length));
    }
  }

  @Test
  void headChecksTheRoleAsGetDoes() {
    Api viewer = server.key("viewer-head", "viewer", "user:u1");
    assertThat(viewer.send("HEAD", "/v1/keys", null).status()).isEqualTo(403);
    assertThat(viewer.send("HEAD", "/v1/usage/user/u2", null).status()).isEqualTo(403);
    assertThat(viewer.send("HEAD", "/v1/usage/user/u1", null).status()).isEqualTo(200);
    assertThat(server.anonymous().send("HEAD", "/v1/nothing", null).status()).isEqualTo(401);
  }

  static String concrete(String path) {
    return path.replace("{selector}", "team:t1").replace("{scope}", "team").replace("{id}", "t1").replace("{reservationId}", "t1")
        .replace("{name}", "nobody");
  }

  /**
   * A request is routed by its own method: one that names another in X-HTTP-Method-Override is
   * refused by the header's name and changes nothing. The framework used to route by the header, so
   * a GET of a policy with "X-HTTP-Method-Override: DELETE" deleted it.
   */
  @ParameterizedTest(name = "{0} as {1}")
  @CsvSource(delimiter = '|', value = {
      "GET  | DELETE | X-HTTP-Method-Override",
      "HEAD | DELETE | x-http-method-override",
      "POST | DELETE | X-HTTP-Method-Override",
      "GET  | PUT    | X-HTTP-Method-Override",
      "GET  | FOO    | X-HTTP-Method-Override"})
  void aMethodOverrideHeaderIsRefusedAndChangesNothing(String method, String named, String header) {
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/team:overridden", "{\"concurrency\":1}").status()).isBetween(200, 201);
    String before = admin.get("/v1/policies/team:overridden").body() + admin.get("/v1/audit").body();

    Api.Response r = admin.send(method, "/v1/policies/team:overridden", method.equals("POST") ? "{\"concurrency\":2}" : null,
        header, named);

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    if (!method.equals("HEAD")) {
      assertThat(r.json().get("field").asText()).isEqualTo("X-HTTP-Method-Override");
      assertThat(r.json().get("rule").asText()).isEqualTo("is not supported: send the request with the method it means");
    }
    assertThat(admin.get("/v1/policies/team:overridden").body() + admin.get("/v1/audit").body()).isEqualTo(before);
  }
}
