package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A viewer sees the recent denials of counters that are for one of its subjects, compared by scope
 * and id: an id holding colons neither passes for another subject nor hides the viewer's own. (An
 * id holding ',', the separator of a pair's subjects, is refused before any decision.)
 */
class DenialVisibilityTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @BeforeAll
  static void denials() {
    server.admin().put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    server.admin().put("/v1/policies/tool:*", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    denyTheSecond("{\"subjects\":{\"tool\":\"secret-tool:user:alice\"}}");
    denyTheSecond("{\"subjects\":{\"user\":\"a:b\"}}");
    denyTheSecond("{\"subjects\":{\"user\":\"alice\",\"tool\":\"t1\"}}");
  }

  @Test
  void anIdThatSpellsAnotherSubjectDoesNotShowItsDenialsToThatSubject() {
    Api alice = server.key("alice-view", "viewer", "user:alice");
    assertThat(subjects(alice)).containsExactly("user:alice");
    // The same key may not read that tool's usage either.
    assertThat(alice.get("/v1/usage/tool/secret-tool:user:alice").status()).isEqualTo(403);
  }

  @Test
  void aViewerWhoseIdHoldsAColonSeesItsOwnDenials() {
    Api ab = server.key("ab-view", "viewer", "user:a:b");
    assertThat(subjects(ab)).containsExactly("user:a:b");
    assertThat(ab.get("/v1/denials").json().get("total").asLong()).isEqualTo(1);
  }

  @Test
  void anAdminSeesEveryDenialWithItsSubjectAsDecisionsNameIt() {
    assertThat(subjects(server.admin()))
        .containsExactlyInAnyOrder("tool:secret-tool:user:alice", "user:a:b", "user:alice", "tool:t1");
  }

  private static List<String> subjects(Api client) {
    Api.Response r = client.get("/v1/denials");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode denials = r.json().get("denials");
    return denials.findValuesAsText("subject");
  }

  private static void denyTheSecond(String body) {
    assertThat(server.admin().post("/v1/reservations", body).status()).isEqualTo(201);
    Api.Response denied = server.admin().post("/v1/reservations", body);
    assertThat(denied.status()).as(denied.toString()).isEqualTo(429);
  }
}
