package dev.quota.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Selector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The YAML file: one negative case per kind of mistake, each naming its line. */
class ConfigFileTest {
  @Test
  void readsSettingsAndPolicies() {
    ConfigFile f = ConfigFile.parse("""
        port: 9090
        redis: redis://127.0.0.1:6379
        policies:
          "user:*":
            rateLimits: [{limit: 60, window: PT1M}]
            budget: {currency: USD, daily: "10.00"}
          "user:*,tool:image_gen":
            concurrency: 2
        """);
    assertThat(f.port()).isEqualTo(9090);
    assertThat(f.policies()).containsKeys(Selector.parse("user:*"), Selector.parse("tool:image_gen,user:*"));
  }

  @Test
  void unknownSettingNamesItsLine() {
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\nprot: 2\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageStartingWith("line 2: prot: is not a known setting");
  }

  @Test
  void badLimitNamesItsLine() {
    assertThatThrownBy(() -> ConfigFile.parse("""
        policies:
          "user:*":
            rateLimits:
              - limit: 60
                window: PT1M
              - limit: -1
                window: PT1M
        """))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageContaining("rateLimits[1].limit")
        .satisfies(e -> assertThat(((ConfigFile.Invalid) e).line()).isEqualTo(6));
  }

  @Test
  void badAmountNamesItsLine() {
    assertThatThrownBy(() -> ConfigFile.parse("""
        policies:
          "team:*":
            budget:
              currency: USD
              daily: "1.0000000001"
        """))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageContaining("budget.daily")
        .satisfies(e -> assertThat(((ConfigFile.Invalid) e).line()).isEqualTo(5));
  }

  @Test
  void badSelectorAndSyntaxNameTheirLines() {
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  nocolon:\n    concurrency: 1\n"))
        .hasMessageStartingWith("line 2:").hasMessageContaining("selector");
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\npolicies: [\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> ConfigFile.parse("port: 99999\n")).hasMessageStartingWith("line 1: port");
  }

  /** A selector whose identifier a space begins or ends would bind a policy no request meets: refused, not trimmed. */
  @Test
  void aSelectorPaddedWithWhitespaceIsRefusedWithItsLine() {
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\npolicies:\n  \"user:alice \":\n    concurrency: 1\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 3: policies.user:alice : selector.id: must not begin or end with whitespace,"
            + " which would make it another identifier than the same text without it");
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*, tool:search\":\n    concurrency: 1\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageContaining("selector.scope");
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"tool:\u3000search,user:*\":\n    concurrency: 1\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageContaining("selector.id: must not begin or end with whitespace");
  }

  @Test
  void numbersMustBeWrittenAsPlainDecimals() {
    for (String written : new String[] {"0x10", "1e3", "+5", "1_000", ".5"}) {
      assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    budget: {currency: USD, monthly: " + written + "}\n"))
          .as(written)
          .isInstanceOf(ConfigFile.Invalid.class)
          .hasMessage("line 3: policies.user:*.budget.monthly: write numbers as plain decimals such as 16 or 10.50, or quote them (got "
              + written + ")");
    }
    // Not a number to YAML: the amount's own rule refuses it.
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    budget: {currency: USD, monthly: 0o17}\n"))
        .hasMessageContaining("budget.monthly: must be a plain non-negative decimal");
    assertThatThrownBy(() -> ConfigFile.parse("port: 0x1F90\n")).hasMessageStartingWith("line 1: port: write numbers as plain decimals");
    ConfigFile plain = ConfigFile.parse(
        "port: 8080\npolicies:\n  \"user:*\":\n    rateLimits: [{limit: 60, window: PT1M}]\n    budget: {currency: USD, daily: 10.50, monthly: \"100\"}\n");
    assertThat(plain.port()).isEqualTo(8080);
    assertThat(plain.policies()).hasSize(1);
  }

  /** YAML reads 010 as the octal 8: a limit, an amount or a port written with a leading zero is refused, not read as another number. */
  @Test
  void aNumberWithALeadingZeroIsRefusedNotReadAsOctal() {
    for (String written : new String[] {"010", "0010", "-010", "00", "010.50", "00.5"}) {
      assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    budget: {currency: USD, monthly: " + written + "}\n"))
          .as(written)
          .isInstanceOf(ConfigFile.Invalid.class)
          .hasMessageStartingWith("line 3: policies.user:*.budget.monthly: write numbers as plain decimals such as 16 or 10.50, or quote them (got "
              + written + ")");
    }
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    rateLimits: [{limit: 010, window: PT1M}]\n"))
        .hasMessage("line 3: policies.user:*.rateLimits[0].limit: write numbers as plain decimals such as 16 or 10.50, or quote them (got 010)");
    assertThatThrownBy(() -> ConfigFile.parse("port: 017\n")).hasMessageStartingWith("line 1: port: write numbers as plain decimals");
    // Not octal, so not a number to YAML: the port's own rule refuses it.
    assertThatThrownBy(() -> ConfigFile.parse("port: 08080\n")).hasMessage("line 1: port: must be a whole number between 0 and 65535");
    assertThatThrownBy(() -> ConfigFile.parse("webhookAttempts: 010\n"))
        .hasMessageStartingWith("line 1: webhookAttempts: write numbers as plain decimals");
    ConfigFile zeros = ConfigFile.parse(
        "port: 0\npolicies:\n  \"user:*\":\n    budget: {currency: USD, daily: 0.50, monthly: 100}\n    alertThresholds: [0.5]\n");
    assertThat(zeros.port()).isZero();
    assertThat(zeros.policies().get(Selector.parse("user:*")).budget().daily()).isEqualTo(dev.quota.Money.of("0.50"));
  }

  /** The reader takes the first YAML document only: a second, after ---, is refused, not ignored with its policies. */
  @Test
  void aSecondYamlDocumentIsRefusedNotIgnored() {
    assertThatThrownBy(() -> ConfigFile.parse("""
        policies:
          "user:*": {concurrency: 1}
        ---
        policies:
          "team:*": {concurrency: 2}
        """))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 4: a second YAML document (after ---) would not be read: keep every setting and policy in one");
    // One document, marked as such, and a trailing marker with nothing after it are read as they are.
    assertThat(ConfigFile.parse("---\npolicies:\n  \"user:*\": {concurrency: 1}\n...\n").policies()).hasSize(1);
    assertThat(ConfigFile.parse("policies:\n  \"user:*\": {concurrency: 1}\n---\n").policies()).hasSize(1);
  }

  /** A policy that is no mapping is refused in the file's terms, not as a request "body" that "must be a JSON object". */
  @Test
  void aPolicyThatIsNoMappingIsRefusedInTheFilesTerms() {
    for (String written : new String[] {"~", "3", "[concurrency: 1]", "shadow"}) {
      assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"team:*\": " + written + "\n"))
          .as(written)
          .isInstanceOf(ConfigFile.Invalid.class)
          .hasMessage("line 2: policies.team:*: must be a mapping of policy fields"
              + " (alertThresholds, budget, concurrency, failMode, mode, rateLimits)");
    }
  }

  /** An amount written as a YAML number is read exactly, as the API reads a JSON number, never through a double. */
  @Test
  void anAmountWrittenAsANumberIsReadExactly() {
    ConfigFile f = ConfigFile.parse("policies:\n  \"team:*\":\n    budget: {currency: USD, daily: 9007199.254740991, monthly: 1234567.000000001}\n");
    dev.quota.Budget budget = f.policies().get(Selector.parse("team:*")).budget();
    assertThat(budget.daily()).isEqualTo(dev.quota.Money.MAX);
    assertThat(budget.monthly()).isEqualTo(dev.quota.Money.of("1234567.000000001"));
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"team:*\":\n    budget: {currency: USD, daily: 0.1000000000000000001}\n"))
        .hasMessage("line 3: policies.team:*: budget.daily: must have at most 9 decimal places");
  }

  /**
   * The parser reads an alias as its anchor's name, not as the value anchored: {@code mode: *enforce}
   * under {@code &enforce shadow} would be the mode enforce. Aliases are refused where they stand.
   */
  /** A value misread (1e3 read as the double 1000.0, an alias as its anchor's name) is one problem, not also the rule it then breaks. */
  @Test
  void aMisreadValueIsListedOnceNotAlsoForWhatItWasReadAs() {
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    rateLimits: [{limit: 1e3, window: PT1M}]\n"))
        .isInstanceOfSatisfying(ConfigFile.Invalid.class, e -> assertThat(e.problems()).containsExactly(
            "line 3: policies.user:*.rateLimits[0].limit: write numbers as plain decimals such as 16 or 10.50, or quote them (got 1e3)"));
    assertThatThrownBy(() -> ConfigFile.parse("""
        policies:
          "team:a": {concurrency: &n 3}
          "team:b": {concurrency: *n}
        """))
        .isInstanceOfSatisfying(ConfigFile.Invalid.class, e -> assertThat(e.problems()).containsExactly(
            "line 3: policies.team:b.concurrency: YAML aliases (*n) are not supported: write the value out"));
    // Other lines' problems are still listed.
    assertThatThrownBy(() -> ConfigFile.parse("prot: 1\npolicies:\n  \"user:*\":\n    rateLimits: [{limit: 1e3, window: PT1M}]\n"))
        .isInstanceOfSatisfying(ConfigFile.Invalid.class, e -> assertThat(e.problems()).hasSize(2)
            .anySatisfy(p -> assertThat(p).startsWith("line 1: prot: is not a known setting")));
  }

  @Test
  void aYamlAliasIsRefusedNotReadAsItsAnchorsName() {
    assertThatThrownBy(() -> ConfigFile.parse("""
        policies:
          "team:a": {concurrency: 3, mode: &enforce shadow}
          "team:b": {concurrency: 3, mode: *enforce}
        """))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 3: policies.team:b.mode: YAML aliases (*enforce) are not supported: write the value out");
    assertThatThrownBy(() -> ConfigFile.parse("""
        policies:
          "team:a": &shared
            concurrency: 3
          "team:b": *shared
        """))
        .isInstanceOf(ConfigFile.Invalid.class)
        .satisfies(e -> assertThat(((ConfigFile.Invalid) e).problems())
            .contains("line 4: policies.team:b: YAML aliases (*shared) are not supported: write the value out"));
    // An anchor no alias uses changes nothing.
    assertThat(ConfigFile.parse("policies:\n  \"team:a\": {concurrency: &n 3}\n").policies()).hasSize(1);
  }

  @Test
  void everyProblemOfAFileIsListedWithItsLineInFileOrder() {
    String yaml = "prot: 80\n"
        + "webhookAttempts: 0\n"
        + "policies:\n"
        + "  \"user:*\":\n"
        + "    rateLimits: [{limit: 0, window: PT1M}]\n"
        + "  \"team:*\":\n"
        + "    budget: {currency: USD, daily: 1e3}\n";
    assertThatThrownBy(() -> ConfigFile.parse(yaml))
        .isInstanceOf(ConfigFile.Invalid.class)
        .satisfies(e -> {
          ConfigFile.Invalid invalid = (ConfigFile.Invalid) e;
          assertThat(invalid.line()).isEqualTo(1);
          assertThat(invalid.problems()).satisfiesExactly(
              p -> assertThat(p).startsWith("line 1: prot: is not a known setting"),
              p -> assertThat(p).isEqualTo("line 2: webhookAttempts: must be a whole number between 1 and 20"),
              p -> assertThat(p).startsWith("line 5: policies.user:*").contains("limit"),
              p -> assertThat(p).startsWith("line 7: policies.team:*.budget.daily: write numbers as plain decimals"));
        });
  }

  /** Problems on one line keep the order they were found in; one with no line goes after those with one. */
  @Test
  void problemsAreListedByLineThoseWithoutOneLast() {
    ConfigFile.Invalid all = ConfigFile.Invalid.of(List.of(new ConfigFile.Invalid(22, "c"), new ConfigFile.Invalid(0, "x"),
        new ConfigFile.Invalid(18, "a"), new ConfigFile.Invalid(0, "y"), new ConfigFile.Invalid(18, "b")));
    assertThat(all.problems()).containsExactly("line 18: a", "line 18: b", "line 22: c", "x", "y");
    assertThat(all.line()).isEqualTo(18);
    assertThat(all).hasMessage("line 18: a\nline 18: b\nline 22: c\nx\ny");
  }

  @Test
  void everyProblemOfOnePolicyIsListedWithItsLine() {
    String yaml = "policies:\n"
        + "  \"user:*\":\n"
        + "    rateLimits:\n"
        + "      - {limit: 0, window: PT1M}\n"
        + "    concurrency: 0\n"
        + "    mode: dry\n";
    assertThatThrownBy(() -> ConfigFile.parse(yaml))
        .isInstanceOf(ConfigFile.Invalid.class)
        .satisfies(e -> assertThat(((ConfigFile.Invalid) e).problems()).satisfiesExactly(
            p -> assertThat(p).startsWith("line 4: policies.user:*: rateLimits[0].limit: must be between 1 and"),
            p -> assertThat(p).startsWith("line 5: policies.user:*: concurrency: must be between 1 and"),
            p -> assertThat(p).startsWith("line 6: policies.user:*: mode: must be")));
  }

  @Test
  void aKeyGivenTwiceIsRefusedWithItsLine() {
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    concurrency: 1\n  \"user:*\":\n    concurrency: 2\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageStartingWith("line 4:")
        .hasMessageContaining("Duplicate field 'user:*'");
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\nport: 2\n")).hasMessageStartingWith("line 2:");
  }

  @Test
  void aFileThatIsNotTextSaysSo(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path bin = dir.resolve("bin.yaml");
    java.nio.file.Files.write(bin, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0x80});
    assertThatThrownBy(() -> ConfigFile.read(bin)).hasMessageContaining("it is not UTF-8 text");
  }

  /** A missing file says so: the reason given was only the file's name again. */
  @Test
  void aMissingFileSaysSo(@org.junit.jupiter.api.io.TempDir Path dir) {
    Path missing = dir.resolve("quota.yaml");
    assertThatThrownBy(() -> ConfigFile.read(missing))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage(missing + ": cannot read: no such file");
  }

  /** Given as variables, a prefix with a brace and a schema name the server cannot create are refused naming the variable. */
  @Test
  void backendSettingsFromVariablesAreCheckedAsTheFileIs() {
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_PREFIX", "a}")))
        .hasMessage("QUOTA_REDIS_PREFIX: must not contain { or } (the store puts each subject between braces, as the Redis Cluster hash tag)");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(),
        Map.of("QUOTA_DATABASE_URL", "jdbc:postgresql://127.0.0.1/quota?user=q&currentSchema=")))
        .hasMessage("QUOTA_DATABASE_URL: currentSchema must name a schema of lowercase letters, digits and underscores, got ''");
    assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(null, null, null, null, "jdbc:postgresql://127.0.0.1/quota?currentSchema=A", null), Map.of()))
        .hasMessageStartingWith("--database: ");
  }

  /**
   * An admin key a client could never present is refused at start, naming the rule: one of spaces
   * was taken as unset (the key file was used unannounced), a padded one lost its spaces in the
   * Authorization header, a non-ASCII one its characters. Empty is unset, as a container passes a
   * variable its host did not set.
   */
  @Test
  void anAdminKeyNoClientCouldPresentIsRefused() {
    Map<String, String> refused = new java.util.LinkedHashMap<>();
    refused.put("   ", "must not be blank (leave it unset or empty to use the key in the data directory's admin.key)");
    refused.put("short-key", "must be at least 16 characters");
    refused.put("0123456789abcdef ", "must not start or end with a space (an HTTP header loses them, so the key could never match)");
    refused.put(" 0123456789abcdef", "must not start or end with a space (an HTTP header loses them, so the key could never match)");
    refused.put("0123456789abcdéf", "must be printable ASCII (it is sent in an HTTP header); character 15 is not");
    refused.put("0123456789\tabcdef", "must be printable ASCII (it is sent in an HTTP header); character 11 is not");
    refused.forEach((key, rule) ->
        assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_ADMIN_KEY", key)))
            .as("key '%s'", key).isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_ADMIN_KEY: " + rule));

    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_ADMIN_KEY", "")).adminKey()).isNull();
    String accepted = "0123456789 abc~!";
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_ADMIN_KEY", accepted)).adminKey())
        .isEqualTo(accepted);
  }

  /** A prefix variable set blank was passed over for the file's prefix or the default; serve now refuses it, naming it. */
  @Test
  void aBlankRedisPrefixVariableIsRefusedNotReplacedByTheDefault(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String rule = "QUOTA_REDIS_PREFIX: must not be blank (leave the setting out for the default, quota:)";
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_PREFIX", " ")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage(rule);
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_PREFIX", "")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage(rule);
    Path file = java.nio.file.Files.writeString(dir.resolve("quota.yaml"), "redisPrefix: \"team-a:\"\n");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString(), "QUOTA_REDIS_PREFIX", " ")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage(rule);
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString())).redisPrefix()).isEqualTo("team-a:");
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of()).redisPrefix()).isEqualTo("quota:");
  }

  /** A listen host from a variable is checked as the file's is, naming the variable; IP literals and loopback names are taken. */
  @Test
  void aHostVariableThatCannotBeListenedOnIsRefusedNamingIt() {
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_HOST", "bad host")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("QUOTA_HOST: must be an IP address or a host name that resolves, such as 127.0.0.1, 0.0.0.0 or localhost (got 'bad host')");
    for (String host : List.of("127.0.0.1", "0.0.0.0", "::1", "localhost")) {
      assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_HOST", host)).host()).isEqualTo(host);
    }
  }

  /** A policy in the file names its zone by the API's rule: a legacy name is refused on its line, as the API refuses it. */
  @Test
  void aPolicyInALegacyTimeZoneIsRefusedOnItsLine() {
    assertThatThrownBy(() -> ConfigFile.parse("policies:\n  \"user:*\":\n    budget: {currency: USD, daily: \"1\", timezone: \"GMT+2\"}\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 3: policies.user:*: budget.timezone: " + dev.quota.internal.TimeZones.RULE
            + ": 'GMT+2' is a legacy name, write a region (America/New_York) or an offset (-05:00) instead");
  }

  @Test
  void flagsBeatEnvironmentBeatFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "port: 9000\ndataDir: /from-file\n");
    ServerConfig fromFile = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString()));
    assertThat(fromFile.port()).isEqualTo(9000);
    assertThat(fromFile.dataDir()).isEqualTo(Path.of("/from-file"));
    ServerConfig fromEnv = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString(), "QUOTA_PORT", "9001"));
    assertThat(fromEnv.port()).isEqualTo(9001);
    ServerConfig fromFlag = ConfigLoader.load(new ConfigLoader.Flags(file, 9002, null, null, null, null), Map.of("QUOTA_PORT", "9001"));
    assertThat(fromFlag.port()).isEqualTo(9002);
    ServerConfig defaults = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
    assertThat(defaults.host()).isEqualTo("127.0.0.1");
    assertThat(defaults.port()).isEqualTo(8080);
    assertThat(defaults.dataDir()).isEqualTo(Path.of("quota-data"));
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_PORT", "eighty")))
        .hasMessageContaining("QUOTA_PORT");
  }

  @Test
  void webhookRetriesAreReadAndBadOnesNameTheirLine() {
    ConfigFile f = ConfigFile.parse("webhooks:\n  - {url: 'http://127.0.0.1:9/a', secret: s3}\nwebhookAttempts: 4\nwebhookBackoff: PT0.5S\n");
    assertThat(f.webhookBackoff().attempts()).isEqualTo(4);
    assertThat(f.webhookBackoff().first()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(ConfigFile.parse("").webhookBackoff()).isEqualTo(dev.quota.server.alerts.Backoff.DEFAULT);
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\nwebhookAttempts: 0\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("line 2: webhookAttempts: must be a whole number between 1 and 20");
    assertThatThrownBy(() -> ConfigFile.parse("webhookBackoff: 5s\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageStartingWith("line 1: webhookBackoff: must be an ISO-8601 duration");
    assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  - url: http://127.0.0.1:9/a\n    secret: ''\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageContaining("webhooks[0].secret: must not be empty");
  }

  /** Both retry settings wrong: both are listed. A bad webhookAttempts hid the webhookBackoff after it. */
  @Test
  void badWebhookAttemptsAndBackoffAreBothListed() {
    assertThatThrownBy(() -> ConfigFile.parse("webhookAttempts: 0\nwebhookBackoff: 5s\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .satisfies(e -> assertThat(((ConfigFile.Invalid) e).problems()).containsExactly(
            "line 1: webhookAttempts: must be a whole number between 1 and 20",
            "line 2: webhookBackoff: must be an ISO-8601 duration between PT0.001S and PT1M, such as PT1S"));
  }

  /** The Redis timeout: the file's, the environment's over it, else 500 ms. */
  @Test
  void theRedisTimeoutIsReadFromTheFileAndTheEnvironment(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    assertThat(ConfigFile.parse("redisTimeout: PT0.25S\n").duration(ServerConfig.REDIS_TIMEOUT)).isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(ConfigFile.parse("").duration(ServerConfig.REDIS_TIMEOUT)).isNull();

    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "redisTimeout: PT2S\n");
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString())).redisTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString(), "QUOTA_REDIS_TIMEOUT", "PT0.05S"))
        .redisTimeout()).isEqualTo(java.time.Duration.ofMillis(50));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of()).redisTimeout()).isEqualTo(java.time.Duration.ofMillis(500));
  }

  /** A Redis timeout that is not a duration, or is too short or too long to serve, is refused naming its line or variable. */
  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT-1S", "PT0.009S", "PT5.001S", "P1D", "500", "500ms", "'500'", "[PT1S]"})
  void aRedisTimeoutOutOfBoundsIsRefusedByName(String value) {
    String rule = "redisTimeout: must be an ISO-8601 duration between PT0.01S and PT5S, such as PT0.5S";
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\nredisTimeout: " + value + "\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("line 2: " + rule);
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_TIMEOUT", value)))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_REDIS_TIMEOUT: must be an ISO-8601 duration between PT0.01S and PT5S,"
            + " such as PT0.5S");
  }

  /** The bounds themselves are accepted. */
  @ParameterizedTest
  @ValueSource(strings = {"PT0.01S", "PT5S", "pt0.5s"})
  void aRedisTimeoutAtItsBoundsIsAccepted(String value) {
    assertThat(ConfigFile.parse("redisTimeout: " + value + "\n").duration(ServerConfig.REDIS_TIMEOUT))
        .isEqualTo(java.time.Duration.parse(value));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_TIMEOUT", value)).redisTimeout())
        .isEqualTo(java.time.Duration.parse(value));
  }

  /** The ledger's raw retention: the file's, the environment's over it, else 32 days. */
  @Test
  void theLedgerRawRetentionIsReadFromTheFileAndTheEnvironment(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "ledgerRawRetention: P90D\n");
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString())).ledgerRawRetention())
        .isEqualTo(java.time.Duration.ofDays(90));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString(), "QUOTA_LEDGER_RAW_RETENTION", "P400D"))
        .ledgerRawRetention()).isEqualTo(java.time.Duration.ofDays(400));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_LEDGER_RAW_RETENTION", "PT768H")).ledgerRawRetention())
        .isEqualTo(java.time.Duration.ofDays(32));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of()).ledgerRawRetention()).isEqualTo(java.time.Duration.ofDays(32));
  }

  /**
   * A raw retention shorter than a monthly budget period would let a budget rebuilt from the ledger
   * miss the month's first days: refused, as is one past the rollups' 400 days, naming its line or variable.
   */
  @ParameterizedTest
  @ValueSource(strings = {"P31D", "PT767H", "P1D", "P401D", "32", "32d", "P1M"})
  void aLedgerRawRetentionOutOfBoundsIsRefusedByName(String value) {
    String rule = ": must be an ISO-8601 duration between P32D and P400D, such as P90D";
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\nledgerRawRetention: " + value + "\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("line 2: ledgerRawRetention" + rule);
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_LEDGER_RAW_RETENTION", value)))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_LEDGER_RAW_RETENTION" + rule);
  }

  /** The shared pool's statement bound: the file's, the environment's over it, else 60 s. */
  @Test
  void theDatabaseStatementTimeoutIsReadFromTheFileAndTheEnvironment(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "databaseStatementTimeout: PT5M\n");
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString())).databaseStatementTimeout())
        .isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString(), "QUOTA_DATABASE_STATEMENT_TIMEOUT", "PT90S"))
        .databaseStatementTimeout()).isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of()).databaseStatementTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
  }

  /** A statement bound too short for a lookup, or long enough to let a few reports take the pool, is refused naming its line or variable. */
  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT-1S", "PT0.999S", "PT30M0.001S", "PT1H", "P1D", "60", "60s", "[PT1M]"})
  void aDatabaseStatementTimeoutOutOfBoundsIsRefusedByName(String value) {
    String rule = ": must be an ISO-8601 duration between PT1S and PT30M, such as PT5M";
    assertThatThrownBy(() -> ConfigFile.parse("port: 1\ndatabaseStatementTimeout: " + value + "\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("line 2: databaseStatementTimeout" + rule);
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_DATABASE_STATEMENT_TIMEOUT", value)))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_DATABASE_STATEMENT_TIMEOUT" + rule);
  }

  /** The bounds themselves are accepted. */
  @ParameterizedTest
  @ValueSource(strings = {"PT1S", "PT30M", "pt60s"})
  void aDatabaseStatementTimeoutAtItsBoundsIsAccepted(String value) {
    assertThat(ConfigFile.parse("databaseStatementTimeout: " + value + "\n").duration(ServerConfig.DATABASE_STATEMENT_TIMEOUT))
        .isEqualTo(java.time.Duration.parse(value));
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_DATABASE_STATEMENT_TIMEOUT", value)).databaseStatementTimeout())
        .isEqualTo(java.time.Duration.parse(value));
  }

  /**
   * A webhook URL that only starts like one is refused by its field, in the file and in the
   * environment: {@code http://exa mple.com/} passed check-config and then stopped the server at
   * start with the URI parser's words, and {@code http:///path} names no host to deliver to.
   */
  @ParameterizedTest
  @ValueSource(strings = {"http://", "http://exa mple.com/a", "http:///path", "https://x:99999/a"})
  void aWebhookUrlThatCannotBeDeliveredToIsRefusedByItsField(String url) {
    assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  - secret: s3\n    url: '" + url + "'\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 3: webhooks[0].url: must be an http or https URL with a host, such as https://example.com/quota-alerts"
            + " (got '" + url + "')");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(),
            Map.of("QUOTA_WEBHOOK_URLS", "http://127.0.0.1:9/a," + url, "QUOTA_WEBHOOK_SECRET", "s3cret")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageContaining("QUOTA_WEBHOOK_URLS: each entry must be an http or https URL with a host")
        .hasMessageContaining("(got '" + url.trim() + "')");
  }

  /**
   * A refused webhook URL is quoted with its user info, query and fragment masked: they may carry
   * credentials, and check-config and a refused start print the message to the terminal and the
   * log. The whole URL was quoted, password and token included.
   */
  @Test
  void aRefusedWebhookUrlIsQuotedWithoutItsCredentials() {
    String url = "http://bob:hunter2@alerts.example:99999/hook?token=T0KEN#frag";
    String shown = "http://***@alerts.example:99999/hook?***";
    assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  - secret: s3\n    url: '" + url + "'\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 3: webhooks[0].url: " + ServerConfig.Webhook.URL_RULE + " (got '" + shown + "')");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(),
            Map.of("QUOTA_WEBHOOK_URLS", "http://127.0.0.1:9/a," + url, "QUOTA_WEBHOOK_SECRET", "s3cret")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageContaining("(got '" + shown + "')")
        .hasMessageNotContaining("hunter2").hasMessageNotContaining("T0KEN");

    String twice = "https://ops:pa55@alerts.example/hook#sig=F7";
    assertThatThrownBy(() -> ConfigFile.parse(
            "webhooks:\n  - url: '" + twice + "'\n    secret: one\n  - url: '" + twice + "'\n    secret: two\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 4: webhooks[1].url: must not repeat webhooks[0].url (https://***@alerts.example/hook#***)");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(),
            Map.of("QUOTA_WEBHOOK_URLS", twice + "," + twice, "QUOTA_WEBHOOK_SECRET", "s3cret")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageContaining("QUOTA_WEBHOOK_URLS: must not list a URL twice (https://***@alerts.example/hook#***)");
  }

  /** Text that does not parse as a URL is masked all the same: a space in the host after a password. */
  @Test
  void aWebhookUrlThatDoesNotParseIsQuotedWithoutItsCredentials() {
    assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  - secret: s3\n    url: 'https://u:p w@exa mple.com/a?k=v'\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageEndingWith("(got 'https://***@exa mple.com/a?***')");
  }

  /**
   * Every webhook's problems are listed, as every other setting's are: the first refused entry
   * stopped the check, so check-config named one mistake and hid the next, met only on the next run.
   */
  @Test
  void everyProblemOfEveryWebhookIsListed() {
    String yaml = "webhooks:\n"
        + "  - url: http://127.0.0.1:9/a\n    secret: one\n"
        + "  - url: 'ftp://alerts.example/b'\n    secret: ''\n"
        + "  - url: http://127.0.0.1:9/a\n    secret: two\n    timeout: PT5S\n"
        + "  - url: https://alerts.example/c\n"
        + "  - url: https://alerts.example/d\n    secret: four\n";
    assertThatThrownBy(() -> ConfigFile.parse(yaml))
        .isInstanceOfSatisfying(ConfigFile.Invalid.class, e -> assertThat(e.problems()).containsExactly(
            "line 4: webhooks[1].url: " + ServerConfig.Webhook.URL_RULE + " (got 'ftp://alerts.example/b')",
            "line 5: webhooks[1].secret: must not be empty",
            "line 6: webhooks[2].url: must not repeat webhooks[0].url (http://127.0.0.1:9/a)",
            "line 8: webhooks[2].timeout: is not a known field (known: secret, url)",
            "line 9: webhooks[3]: must have a url and a secret"));
  }

  /** A key a webhook entry does not know is refused by name, as a policy's are, not dropped unseen. */
  @Test
  void anUnknownKeyInAWebhookIsRefusedByName() {
    assertThatThrownBy(() -> ConfigFile.parse("webhooks:\n  - url: http://127.0.0.1:9/a\n    secret: s3\n    timeout: PT5S\n"))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 4: webhooks[0].timeout: is not a known field (known: secret, url)");
  }

  /** A Redis or database URL of the wrong kind is refused naming where it was given: the flag, the variable or the file's key. */
  @Test
  void aBackendUrlOfTheWrongKindNamesWhereItWasGiven() {
    assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(null, null, null, "foo://bar", null, null), Map.of()))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("--redis: must be a redis://, rediss:// or redis-cluster:// URL");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_URL", "localhost:6379")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_REDIS_URL: must be a redis://, rediss:// or redis-cluster:// URL");
    assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(null, null, null, null, "jdbc:mysql://x/y", null), Map.of()))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("--database: must be a jdbc:postgresql: or jdbc:h2: URL");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_DATABASE_URL", "postgres://x/y")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_DATABASE_URL: must be a jdbc:postgresql: or jdbc:h2: URL");
  }

  /**
   * An H2 URL may leave out the settings the server needs (they are added), but not set one to
   * another value: a delayed write, H2's default, loses acknowledged spend when the server is killed.
   */
  @Test
  void anH2UrlThatDelaysWritesIsRefused() {
    assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(null, null, null, null, "jdbc:h2:file:/q/quota;write_delay=500", null), Map.of()))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("--database: an H2 URL must leave out WRITE_DELAY or set it to 0, got 500"
            + " (a delayed write loses acknowledged spend when the server is killed)");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_DATABASE_URL", "jdbc:h2:file:/q/quota;MODE=MySQL")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("QUOTA_DATABASE_URL: an H2 URL must leave out MODE or set it to PostgreSQL, got MySQL");
    assertThat(ConfigLoader.load(new ConfigLoader.Flags(null, null, null, null, "jdbc:h2:file:/q/quota;WRITE_DELAY=0", null), Map.of())
        .databaseUrl()).isEqualTo("jdbc:h2:file:/q/quota;WRITE_DELAY=0");
  }

  /** Every kind of URL the Redis store opens is taken, from the flag, the variable and the file: Redis Cluster's was refused. */
  @ParameterizedTest
  @ValueSource(strings = {"redis://127.0.0.1:6379/0", "rediss://cache.example:6380", "redis-cluster://10.0.0.1:7000,10.0.0.2:7000",
      "redis://127.0.0.1", "redis://:secret@127.0.0.1:6379", "rediss://user:pw@cache.example:6380/2", "redis://[::1]:6379",
      "redis://127.0.0.1:6379?timeout=5s", "redis-cluster://10.0.0.1:7000, 10.0.0.2:7000", "redis-cluster://cache.example"})
  void everyRedisUrlTheStoreOpensIsAccepted(String url, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    assertThat(ConfigLoader.load(new ConfigLoader.Flags(null, null, null, url, null, null), Map.of()).redisUrl()).isEqualTo(url);
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_URL", url)).redisUrl()).isEqualTo(url);
    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "redis: " + url + "\n");
    assertThat(ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString())).redisUrl()).isEqualTo(url);
  }

  /**
   * A Redis URL whose host, port or database the store cannot use is refused naming where it was
   * given: {@code redis://127.0.0.1:abc} started a server whose every call to Redis failed, and
   * {@code redis://} or {@code redis-cluster://,} stopped the start with the store's own words
   * ("uri: ...", "RedisURIs must not be empty"), as a backend failure rather than a setting's.
   */
  @ParameterizedTest
  @ValueSource(strings = {"redis://", "redis://127.0.0.1:abc", "redis://127.0.0.1:0", "redis://127.0.0.1:99999", "redis://:6379",
      "redis://127.0.0.1:6379/abc", "rediss://127.0.0.1:-5", "redis://127.0.0.1 :6379"})
  void aRedisUrlWithoutAUsableHostPortOrDatabaseIsRefusedByName(String url, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String rule = "must name a host, and a port from 1 to 65535 and a database number if any, such as redis://127.0.0.1:6379/0";
    assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(null, null, null, url, null, null), Map.of()))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("--redis: " + rule);
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_REDIS_URL", url)))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("QUOTA_REDIS_URL: " + rule);
    assertThatThrownBy(() -> ConfigFile.parse("port: 0\nredis: '" + url + "'\n"))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessage("line 2: redis: " + rule);
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis-cluster://", "redis-cluster://,", "redis-cluster://10.0.0.1:7000,", "redis-cluster://10.0.0.1:abc",
      "redis-cluster://10.0.0.1:7000/0", "redis-cluster://10.0.0.1:7000;10.0.0.2:7000"})
  void aRedisClusterUrlWithoutUsableNodesIsRefusedByName(String url) {
    assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Flags(null, null, null, url, null, null), Map.of()))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("--redis: must list the cluster's nodes as host:port, such as redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
  }

  @Test
  void theSameWebhookUrlTwiceIsRefusedByItsField() {
    String yaml = "webhooks:\n  - url: http://127.0.0.1:9/a\n    secret: one\n  - url: http://127.0.0.1:9/a\n    secret: two\n";
    assertThatThrownBy(() -> ConfigFile.parse(yaml))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("line 4: webhooks[1].url: must not repeat webhooks[0].url (http://127.0.0.1:9/a)");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(),
            Map.of("QUOTA_WEBHOOK_URLS", "http://127.0.0.1:9/a, http://127.0.0.1:9/a", "QUOTA_WEBHOOK_SECRET", "s3cret")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessageContaining("QUOTA_WEBHOOK_URLS: must not list a URL twice (http://127.0.0.1:9/a)");
  }

  @Test
  void webhookUrlsFromTheEnvironmentNeedASecret() {
    ServerConfig c = ConfigLoader.load(ConfigLoader.Flags.none(),
        Map.of("QUOTA_WEBHOOK_URLS", "http://127.0.0.1:9/a, https://alerts.example/b", "QUOTA_WEBHOOK_SECRET", "s3cret"));
    assertThat(c.webhooks()).containsExactly(
        new ServerConfig.Webhook("http://127.0.0.1:9/a", "s3cret"), new ServerConfig.Webhook("https://alerts.example/b", "s3cret"));
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_WEBHOOK_URLS", "http://127.0.0.1:9/a")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageContaining("QUOTA_WEBHOOK_SECRET: is required");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(),
        Map.of("QUOTA_WEBHOOK_URLS", "ftp://x", "QUOTA_WEBHOOK_SECRET", "s")))
        .isInstanceOf(ConfigFile.Invalid.class).hasMessageContaining("QUOTA_WEBHOOK_URLS: each entry must be an http or https URL");
  }

  /**
   * A secret set without the URLs it signs for was ignored: the file's webhooks kept their own
   * secrets while the operator took the variable's to be in use.
   */
  @Test
  void aWebhookSecretWithoutWebhookUrlsIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "webhooks:\n  - url: http://127.0.0.1:9/a\n    secret: from-file\n");
    assertThatThrownBy(() -> ConfigLoader.load(ConfigLoader.Flags.none(), Map.of("QUOTA_CONFIG", file.toString(), "QUOTA_WEBHOOK_SECRET", "s3cret")))
        .isInstanceOf(ConfigFile.Invalid.class)
        .hasMessage("QUOTA_WEBHOOK_SECRET: is used only with QUOTA_WEBHOOK_URLS, which is not set (webhooks in the file have their own secret)");
  }
}
