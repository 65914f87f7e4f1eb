package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.api.RouteTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every role against every registered endpoint: a role the route does not admit gets 403, one it
 * admits gets past auth (any status but 401/403), no key gets 401. Viewers are also refused reads
 * of subjects they are not bound to.
 */
class RoleMatrixTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();
  static Map<String, Api> clients;

  @BeforeAll
  static void clients() {
    server.admin().put("/v1/policies/team:t1", "{\"concurrency\":5}");
    clients = Map.of(
        "admin", server.admin(),
        "service", server.key("svc", "service"),
        "viewer", server.key("view", "viewer", "team:t1", "user:u1"));
  }

  @Test
  void everyRoleAgainstEveryEndpoint() {
    List<String> failures = new ArrayList<>();
    for (RouteTable.Route route : server.server().routes()) {
      String path = concrete(route.path());
      String body = route.method().equals("GET") || route.method().equals("DELETE") ? null : "{}";
      Api.Response anon = server.anonymous().send(route.method(), path, body);
      if (anon.status() != 401) {
        failures.add("no key: " + route.method() + " " + path + " -> " + anon.status());
      }
      for (Map.Entry<String, Api> c : clients.entrySet()) {
        boolean allowed = route.roles().stream().anyMatch(r -> r.wireName().equals(c.getKey()));
        if (c.getKey().equals("admin") && route.method().equals("DELETE")) {
          continue; // would revoke the keys and policies the other rows use; covered elsewhere
        }
        Api.Response r = c.getValue().send(route.method(), path, body);
        boolean passedAuth = r.status() != 401 && r.status() != 403;
        if (allowed != passedAuth || r.status() >= 500) {
          failures.add(c.getKey() + ": " + route.method() + " " + path + " -> " + r);
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  /** A request with two keys is refused whichever comes first, not answered as the first key's. */
  @Test
  void aRequestWithTwoKeysIsRefused() {
    String viewerKey = "Bearer " + server.admin().post("/v1/keys", "{\"name\":\"second\",\"role\":\"viewer\",\"subjects\":[\"user:u1\"]}")
        .json().get("key").asText();
    for (String[] keys : List.of(new String[] {viewerKey, "Bearer " + TestServer.ADMIN_KEY},
        new String[] {"Bearer " + TestServer.ADMIN_KEY, viewerKey})) {
      Api.Response r = server.anonymous().send("GET", "/v1/whoami", null, "Authorization", keys[0], "Authorization", keys[1]);
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      assertThat(r.json().get("field").asText()).isEqualTo("Authorization");
      assertThat(r.json().get("rule").asText()).isEqualTo("must be given once, with one key");
    }
  }

  /** The router ignores a trailing slash, so auth must too: the slash variant needs the same key and role. */
  @Test
  void aTrailingSlashNeedsTheSameKeyAndRole() {
    List<String> failures = new ArrayList<>();
    Map<String, Api> callers = new java.util.HashMap<>(clients);
    callers.put("no key", server.anonymous());
    for (RouteTable.Route route : server.server().routes()) {
      String path = concrete(route.path());
      int query = path.indexOf('?');
      String slashed = query < 0 ? path + "/" : path.substring(0, query) + "/" + path.substring(query);
      String body = route.method().equals("GET") || route.method().equals("DELETE") ? null : "{}";
      for (Map.Entry<String, Api> c : callers.entrySet()) {
        if (c.getKey().equals("admin") && route.method().equals("DELETE")) {
          continue; // would revoke the keys and policies the other rows use
        }
        int plain = c.getValue().send(route.method(), path, body).status();
        Api.Response r = c.getValue().send(route.method(), slashed, body);
        if (r.status() != plain) {
          failures.add(c.getKey() + ": " + route.method() + " " + slashed + " -> " + r + ", without the slash " + plain);
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(server.admin().get("/metrics/").status()).isEqualTo(200);
    assertThat(server.admin().get("/openapi.json/").status()).isEqualTo(200);
    assertThat(server.anonymous().get("/metrics/").status()).isEqualTo(401);
  }

  /** HEAD is GET without the body: the same status, after the same key and role checks. */
  @Test
  void headOfEveryGetRouteAnswersAsTheGetDoesForEveryRole() {
    List<String> failures = new ArrayList<>();
    Map<String, Api> callers = new java.util.HashMap<>(clients);
    callers.put("no key", server.anonymous());
    for (RouteTable.Route route : server.server().routes()) {
      if (!route.method().equals("GET")) {
        continue;
      }
      String path = concrete(route.path());
      for (Map.Entry<String, Api> c : callers.entrySet()) {
        Api.Response get = c.getValue().get(path);
        Api.Response head = c.getValue().send("HEAD", path, null);
        if (head.status() != get.status() || !head.body().isEmpty()
            || !java.util.Objects.equals(head.contentType(), get.contentType())) {
          failures.add(c.getKey() + ": HEAD " + path + " -> " + head.status() + " " + head.contentType()
              + ", GET -> " + get.status() + " " + get.contentType());
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void viewersReadOnlyTheirOwnSubjects() {
    Api viewer = clients.get("viewer");
    assertThat(viewer.get("/v1/usage/team/t1").status()).isEqualTo(200);
    assertThat(viewer.get("/v1/usage/user/u1").status()).isEqualTo(200);
    assertThat(viewer.get("/v1/usage/team/t2").status()).isEqualTo(403);
    assertThat(viewer.get("/v1/usage/user/u2").status()).isEqualTo(403);
    assertThat(viewer.get("/v1/reports/costs?scope=team&id=t1").status()).isEqualTo(200);
    assertThat(viewer.get("/v1/reports/costs?scope=team&id=t2").status()).isEqualTo(403);
    assertThat(viewer.get("/v1/reports/costs?scope=team").status()).isEqualTo(403);
    assertThat(viewer.get("/v1/reports/costs").status()).isEqualTo(403);
    assertThat(viewer.post("/v1/reservations", "{\"subjects\":{\"team\":\"t1\"}}").status()).isEqualTo(403);
    assertThat(viewer.get("/v1/policies").status()).isEqualTo(403);
    assertThat(viewer.get("/v1/whoami").json().get("role").asText()).isEqualTo("viewer");
    assertThat(viewer.get("/v1/denials").status()).isEqualTo(200);
  }

  @Test
  void servicesDecideButCannotAdminister() {
    Api service = clients.get("service");
    assertThat(service.post("/v1/reservations", "{\"subjects\":{\"team\":\"t1\"}}").status()).isEqualTo(201);
    assertThat(service.put("/v1/policies/team:t1", "{\"concurrency\":500}").status()).isEqualTo(403);
    assertThat(service.get("/v1/reports/costs").status()).isEqualTo(403);
    assertThat(server.admin().get("/v1/policies/team:t1").json().get("concurrency").asInt()).isEqualTo(5);
  }

  private static String concrete(String path) {
    if (path.equals("/v1/reports/costs")) {
      return path + "?scope=team&id=t1";
    }
    return path.replace("{selector}", "team:t1").replace("{scope}", "team").replace("{id}", "t1").replace("{reservationId}", "t1")
        .replace("{name}", "nobody");
  }
}
