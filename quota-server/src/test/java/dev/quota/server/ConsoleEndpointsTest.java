package dev.quota.server;

import dev.quota.store.conformance.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The endpoints the management console relies on: who a key is, recent denials (scoped to a
 * viewer's subjects) and overrides with and without expired ones. Time is a test clock.
 */
class ConsoleEndpointsTest {
  static final Instant START = Instant.parse("2030-03-04T10:15:00Z");
  static final MutableClock clock = new MutableClock(START);
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @Test
  void whoamiNamesRoleAndSubjects() {
    JsonNode admin = server.admin().get("/v1/whoami").json();
    assertThat(admin.get("role").asText()).isEqualTo("admin");
    assertThat(admin.get("subjects")).isEmpty();
    JsonNode service = server.key("who-svc", "service").get("/v1/whoami").json();
    assertThat(service.get("role").asText()).isEqualTo("service");
    assertThat(service.get("name").asText()).isEqualTo("who-svc");
    JsonNode viewer = server.key("who-view", "viewer", "user:alice", "team:t9").get("/v1/whoami").json();
    assertThat(viewer.get("role").asText()).isEqualTo("viewer");
    assertThat(texts(viewer.get("subjects"))).containsExactly("team:t9", "user:alice");
    assertThat(server.anonymous().get("/v1/whoami").status()).isEqualTo(401);
  }

  @Test
  void denialsAreFoldedPerMinuteAndScopedToTheViewer() {
    assertThat(server.admin().put("/v1/policies/team:*", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}").status()).isEqualTo(201);
    Instant before = clock.instant();
    for (String team : List.of("red", "red", "red", "blue", "blue")) {
      server.admin().post("/v1/reservations", "{\"subjects\":{\"team\":\"" + team + "\"}}");
    }
    // red: 1 admitted, 2 denied; blue: 1 admitted, 1 denied. A later minute starts a new record.
    clock.advance(Duration.ofMinutes(2));
    assertThat(server.admin().post("/v1/reservations", "{\"subjects\":{\"team\":\"red\"}}").status()).isEqualTo(429);

    JsonNode all = server.admin().get("/v1/denials?from=" + before).json();
    assertThat(all.get("total").asLong()).isEqualTo(4);
    assertThat(all.get("denials")).hasSize(3);
    JsonNode newest = all.get("denials").get(0);
    assertThat(newest.get("subject").asText()).isEqualTo("team:red");
    assertThat(newest.get("policy").asText()).isEqualTo("team:*");
    assertThat(newest.get("kind").asText()).isEqualTo("rate");
    assertThat(newest.get("count").asLong()).isEqualTo(1);
    assertThat(newest.get("at").asText()).isEqualTo(clock.instant().toString());
    assertThat(all.get("denials").get(1).get("count").asLong() + all.get("denials").get(2).get("count").asLong()).isEqualTo(3);

    JsonNode recent = server.admin().get("/v1/denials?from=" + clock.instant().minusSeconds(30) + "&limit=5").json();
    assertThat(recent.get("total").asLong()).isEqualTo(1);

    Api blueViewer = server.key("blue-view", "viewer", "team:blue");
    JsonNode blue = blueViewer.get("/v1/denials?from=" + before).json();
    assertThat(blue.get("total").asLong()).isEqualTo(1);
    assertThat(blue.get("denials").findValuesAsText("subject")).containsOnly("team:blue");
    assertThat(server.key("den-svc", "service").get("/v1/denials").status()).isEqualTo(403);
    assertThat(server.admin().get("/v1/denials?limit=0").status()).isEqualTo(400);
    assertThat(server.admin().get("/v1/denials?from=yesterday").json().get("detail").asText()).contains("from");
  }

  @Test
  void aSubjectsUsageNamesTheOverrideInForceAndKeepsTheAdminsNotesFromOtherKeys() {
    assertThat(server.admin().put("/v1/policies/project:*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(201);
    Api.Response created = server.admin().post("/v1/overrides",
        "{\"selector\":\"project:apollo\",\"limits\":{\"rateLimits\":[{\"limit\":50,\"window\":\"PT1M\"}]},"
            + "\"duration\":\"PT1H\",\"reason\":\"launch with customer X\"}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);

    JsonNode byAdmin = server.admin().get("/v1/usage/project/apollo").json();
    assertThat(byAdmin.get("override").get("id").asText()).isEqualTo(created.json().get("id").asText());
    assertThat(byAdmin.get("override").get("reason").asText()).isEqualTo("launch with customer X");
    assertThat(byAdmin.get("limits").get(0).get("limit").asLong()).isEqualTo(50);

    JsonNode byViewer = server.key("apollo-view", "viewer", "project:apollo").get("/v1/usage/project/apollo").json();
    JsonNode seen = byViewer.get("override");
    assertThat(seen.get("selector").asText()).isEqualTo("project:apollo");
    assertThat(seen.get("bypass").asBoolean()).isFalse();
    assertThat(seen.get("expiresAt").asText()).isEqualTo(clock.instant().plus(Duration.ofHours(1)).toString());
    assertThat(seen.has("reason")).isFalse();
    assertThat(seen.has("actor")).isFalse();

    assertThat(server.admin().get("/v1/usage/project/gemini").json().has("override")).isFalse();
    clock.advance(Duration.ofMinutes(61));
    assertThat(server.admin().get("/v1/usage/project/apollo").json().has("override")).isFalse();
  }

  @Test
  void expiredOverridesAreListedOnlyOnRequest() {
    Api.Response created = server.admin().post("/v1/overrides",
        "{\"selector\":\"user:short\",\"bypass\":true,\"duration\":\"PT10M\",\"reason\":\"incident 7\"}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String id = created.json().get("id").asText();
    assertThat(ids(server.admin().get("/v1/overrides"))).contains(id);
    clock.advance(Duration.ofMinutes(11));
    assertThat(ids(server.admin().get("/v1/overrides"))).doesNotContain(id);
    assertThat(ids(server.admin().get("/v1/overrides?includeExpired=false"))).doesNotContain(id);
    assertThat(ids(server.admin().get("/v1/overrides?includeExpired=true"))).contains(id);
    Api.Response bad = server.admin().get("/v1/overrides?includeExpired=yes");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("detail").asText()).contains("includeExpired");
  }

  private static List<String> ids(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("overrides").findValuesAsText("id");
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
