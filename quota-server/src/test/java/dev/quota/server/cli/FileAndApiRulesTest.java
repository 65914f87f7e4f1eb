package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Api;
import dev.quota.server.SharedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * check-config refuses a policy with the rule text the API answers for the same policy, as the
 * README says. An unknown field was "(allowed: ...)" in the file's order, where the API, for a
 * policy's own fields, answers "(known: ...)" sorted.
 */
class FileAndApiRulesTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "mod                 | {\"concurrency\":1,\"mod\":\"shadow\"}                                      | '{concurrency: 1, mod: shadow}'",
      "budget.foo          | {\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\",\"foo\":1}}            | '{budget: {currency: USD, daily: \"1.00\", foo: 1}}'",
      "rateLimits[0].burst | {\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\",\"burst\":2}]}            | '{rateLimits: [{limit: 1, window: PT1M, burst: 2}]}'"})
  void anUnknownFieldIsRefusedWithTheApisRule(String name, String json, String yaml) throws Exception {
    Api.Response api = server.admin().put("/v1/policies/user:rules", json.strip());
    assertThat(api.status()).as(api.toString()).isEqualTo(400);
    String field = api.json().get("field").asText();
    String rule = api.json().get("rule").asText();

    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "policies:\n  \"user:rules\": " + yaml.strip().replaceAll("^'|'$", "") + "\n");
    CliRun checked = CliRun.of("check-config", file.toString());
    assertThat(checked.exit()).isEqualTo(2);
    assertThat(checked.err().lines()).containsExactly(file + ": line 2: policies.user:rules: " + field + ": " + rule);
  }
}
