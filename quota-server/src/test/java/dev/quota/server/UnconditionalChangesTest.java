package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Only a policy's PUT and DELETE compare a tag. A change of a key, an override or a subject's
 * counters carries none, so a condition sent to one is refused by the header's name and changes
 * nothing; ignored, {@code If-Match} let the change go ahead although no tag it named matched.
 */
class UnconditionalChangesTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();
  private static String overrideId;

  @BeforeAll
  static void setUp() {
    server.admin().post("/v1/keys", "{\"name\":\"kept\",\"role\":\"service\"}");
    overrideId = server.admin().post("/v1/overrides", "{\"selector\":\"user:ann\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"r\"}")
        .json().get("id").asText();
  }

  @ParameterizedTest(name = "{0} {1} {3}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "DELETE | /v1/keys/kept               | -                                                              | If-Match      | \"0123\"",
      "DELETE | /v1/keys/kept               | -                                                              | If-Match      | *",
      "DELETE | /v1/overrides/ID            | -                                                              | If-Match      | \"0123\"",
      "DELETE | /v1/overrides/ID            | -                                                              | If-None-Match | *",
      "POST   | /v1/keys                    | {\"name\":\"new\",\"role\":\"service\"}                          | If-None-Match | *",
      "POST   | /v1/overrides               | {\"selector\":\"user:bo\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"r\"} | If-Match | \"0123\"",
      "POST   | /v1/subjects/user/ann/reset | -                                                              | If-Match      | \"0123\""})
  void aConditionOnAChangeWithoutATagIsRefusedAndChangesNothing(String method, String path, String body, String header, String value) {
    String before = state();
    Api.Response r = server.admin().send(method.strip(), path.strip().replace("ID", overrideId), body == null ? null : body.strip(),
        header.strip(), value.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(header.strip());
    assertThat(r.json().get("rule").asText()).isEqualTo("is not supported here: only a policy's PUT and DELETE are conditional");
    assertThat(state()).isEqualTo(before);
  }

  /** Everything a refused change could have touched. */
  private static String state() {
    Api admin = server.admin();
    return admin.get("/v1/audit").body() + admin.get("/v1/keys").body() + admin.get("/v1/overrides?includeExpired=true").body();
  }
}
