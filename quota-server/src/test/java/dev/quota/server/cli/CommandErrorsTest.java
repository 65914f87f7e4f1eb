package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quota.server.Backends;
import dev.quota.server.alerts.Backoff;
import dev.quota.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A command that fails says why in one line and exits non-zero: never a stack trace. */
class CommandErrorsTest {
  @TempDir Path dir;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static void assertNoTrace(CliRun o) {
    assertThat(o.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aServerThatCannotBeReachedIsNamedWithTheReason() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    CliRun o = run("policy", "list", "--url", "http://127.0.0.1:" + closed, "--key", "k".repeat(20));
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err()).contains("cannot reach http://127.0.0.1:" + closed + ": connection refused");
    assertNoTrace(o);
  }

  /** A host name that does not resolve is named as such: it was reported as a refused connection. */
  @Test
  void aServerWhoseNameDoesNotResolveIsNamedAsSuch() {
    CliRun o = run("policy", "list", "--url", "http://no-such-host.invalid:1", "--key", "k".repeat(20));
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err()).contains("cannot reach http://no-such-host.invalid:1: the host name cannot be resolved");
    assertNoTrace(o);
  }

  /**
   * A command given no key names every way to give one: it named --key and QUOTA_KEY but not
   * QUOTA_ADMIN_KEY, which it reads too, nor --data-dir, where it looks for the admin key.
   */
  @Test
  void aCommandGivenNoKeyNamesEveryWayToGiveOne() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("QUOTA_KEY") == null && System.getenv("QUOTA_ADMIN_KEY") == null,
        "a key in the environment would be sent");
    // The name each command's errors start with, then its arguments.
    for (String[] command : new String[][] {{"usage", "usage", "user", "alice"}, {"list", "policy", "list"}, {"report", "report"}}) {
      List<String> args = new ArrayList<>(List.of(command).subList(1, command.length));
      args.addAll(List.of("--url", "http://127.0.0.1:1", "--data-dir", dir.toString()));
      CliRun o = run(args.toArray(String[]::new));
      assertThat(o.exit()).isEqualTo(1);
      assertThat(o.err().lines()).containsExactly(command[0] + ": no API key: pass --key, set QUOTA_KEY or QUOTA_ADMIN_KEY, or point --data-dir (env QUOTA_DATA_DIR, default ./quota-data)"
          + " at the server's data directory, whose admin.key holds the admin key (" + dir.resolve("admin.key") + ": no such file)");
    }
  }

  /**
   * A database that refuses the connection is named with its URL: the start said only "connection
   * refused", which does not tell the database from Redis.
   */
  @Test
  void aDatabaseThatRefusesIsNamedWithItsUrl() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closed + "/quota";
    CliRun o = run("serve", "--port", "0", "--data-dir", dir.toString(), "--database", url);
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err()).contains("cannot open the backends: database unreachable at " + url + ": ").contains("refused");
    assertNoTrace(o);
  }

  /**
   * A command that needs a subcommand and got none is a usage error: it printed the usage and
   * exited 0, so a script that lost its arguments carried on as if the command had run.
   */
  @ParameterizedTest
  @CsvSource({"'', quota", "policy, quota policy"})
  void aMissingSubcommandIsAUsageError(String args, String name) {
    CliRun o = run(args.isEmpty() ? new String[0] : args.split(" "));
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("Missing required subcommand").contains("Usage: " + name + " [-hV] [COMMAND]");
    assertNoTrace(o);
  }

  @Test
  void aUrlThatIsNotHttpIsRefusedByName() {
    for (String url : new String[] {"ftp://x", "not a url"}) {
      CliRun o = run("policy", "list", "--url", url, "--key", "k".repeat(20));
      assertThat(o.exit()).isEqualTo(2);
      assertThat(o.err()).contains("--url: must be an http or https URL, got '" + url + "'");
      assertNoTrace(o);
    }
  }

  /**
   * An argument the server would refuse is refused before anything is sent, naming the argument:
   * {@code usage user ''} reached the server as a 404 for the route /v1/usage/user/. The server
   * named here is not listening, so a call would have said it cannot be reached.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "usage user ''                               | usage: id: must not be empty",
      "usage user a,tool:x                         | usage: id: must not contain ','",
      "usage User alice                            | usage: scope: must be 1-32 characters",
      "usage user *                                | usage: id: must not be *",
      "usage user 'alice '                         | usage: id: must not begin or end with whitespace",
      "report --scope user --id ' alice'           | report: --id: must not begin or end with whitespace",
      "report --id alice                           | report: --id: needs --scope",
      "report --scope user --id ''                 | report: --id: must not be empty",
      "report --scope user --from ''               | report: --from: must not be empty",
      "report --from 2030-13-01                    | report: --from: must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date",
      "report --to yesterday                       | report: --to: must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date",
      "report --from 10000-01-01                   | report: --from: must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date",
      "report --timezone Mars/Olympus_Mons         | report: --timezone: must be an IANA time zone such as Europe/Berlin, UTC, or a fixed offset from UTC such as +05:30 or UTC-03:00",
      "report --timezone ''                        | report: --timezone: must not be empty",
      "report --group-by provder                   | report: --group-by: must be one of provider, tool, subject, day, month",
      "report --group-by subject                   | report: --group-by: subject needs --scope",
      "report --format xml                         | report: --format: must be one of json, csv",
      "policy get nocolon                          | get: selector: each part must be written scope:identifier",
      "policy delete user:x --reason ' '           | delete: --reason: must not be blank",
      "policy apply -f quota.yaml --reason ''      | apply: --reason: must not be blank"})
  void anArgumentTheServerWouldRefuseIsNamedBeforeAnyCall(String args, String message) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    List<String> argv = new ArrayList<>();
    Matcher words = Pattern.compile("'([^']*)'|(\\S+)").matcher(args);
    while (words.find()) {
      argv.add(words.group(1) != null ? words.group(1) : words.group(2));
    }
    argv.addAll(List.of("--url", "http://127.0.0.1:" + closed, "--key", "k".repeat(20)));
    CliRun o = run(argv.toArray(String[]::new));
    assertThat(o.exit()).as(o.err()).isEqualTo(2);
    assertThat(o.err()).contains(message.strip()).doesNotContain("cannot reach");
    assertNoTrace(o);
  }

  /** A valid file is OK, with what it declares counted in words that fit the count: it said "1 policies, 1 webhooks". */
  @Test
  void checkConfigSaysOkCountingWhatTheFileDeclares() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "webhooks:\n  - {url: 'http://127.0.0.1:9/a', secret: s}\npolicies:\n  \"user:*\": {concurrency: 2}\n");
    CliRun one = run("check-config", file.toString());
    assertThat(one.exit()).isZero();
    assertThat(one.out().lines()).containsExactly(file + ": OK (1 policy, 1 webhook)");
    Files.writeString(file, "policies:\n  \"user:*\": {concurrency: 2}\n  \"team:*\": {concurrency: 3}\n");
    CliRun two = run("check-config", file.toString());
    assertThat(two.out().lines()).containsExactly(file + ": OK (2 policies, 0 webhooks)");
  }

  /** In the order of their lines: the checks run setting by setting, and printed line 4 before line 1. */
  @Test
  void checkConfigListsEveryProblemOnALineOfItsOwn() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "prot: 80\npolicies:\n  \"team:*\":\n    budget: {currency: USD, daily: 1e3}\n");
    CliRun o = run("check-config", file.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err().lines()).containsExactly(
        file + ": line 1: prot: is not a known setting (known: dataDir, database, databaseStatementTimeout, host, ledgerRawRetention, policies, port, redis, "
            + "redisPrefix, redisTimeout, webhookAttempts, webhookBackoff, webhooks)",
        file + ": line 4: policies.team:*.budget.daily: write numbers as plain decimals such as 16 or 10.50, or quote them (got 1e3)");
    assertNoTrace(o);
  }

  /** policy apply lists a file's problems as check-config does: the second and later lacked the file's name. */
  @Test
  void policyApplyListsEveryProblemOnALineOfItsOwnNamingTheFile() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "prot: 80\npolicies:\n  \"team:*\":\n    budget: {currency: USD, daily: 1e3}\n");
    CliRun o = run("policy", "apply", "-f", file.toString(), "--url", "http://127.0.0.1:1", "--key", "k".repeat(20));
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err().lines()).containsExactly(
        file + ": line 1: prot: is not a known setting (known: dataDir, database, databaseStatementTimeout, host, ledgerRawRetention, policies, port, redis, "
            + "redisPrefix, redisTimeout, webhookAttempts, webhookBackoff, webhooks)",
        file + ": line 4: policies.team:*.budget.daily: write numbers as plain decimals such as 16 or 10.50, or quote them (got 1e3)");
    assertNoTrace(o);
  }

  /**
   * policy apply pointed at something that is not a Quota server says so and exits 1: it answered
   * with the JSON parser's words, a null dereference's, or the listed policy's fault as a usage error.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "<html>hi</html>                                              | the answer to GET /v1/policies is not a list of policies",
      "{\"x\":1}                                                   | the answer to GET /v1/policies is not a list of policies",
      "{\"policies\":[{\"selector\":\"user:*\",\"rateLimits\":\"x\"}]} | the server listed user:* in a form this command cannot read"})
  void policyApplyAgainstSomethingElseSaysSo(String listing, String message) throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "policies:\n  \"user:*\":\n    concurrency: 2\n");
    com.sun.net.httpserver.HttpServer other = com.sun.net.httpserver.HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    other.createContext("/", exchange -> {
      byte[] body = listing.strip().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    other.start();
    try {
      CliRun o = run("policy", "apply", "-f", file.toString(), "--url", "http://127.0.0.1:" + other.getAddress().getPort(),
          "--key", "k".repeat(20));
      assertThat(o.exit()).as(o.err()).isEqualTo(1);
      assertThat(o.err()).startsWith("apply: " + message.strip()).doesNotContain("Cannot invoke").doesNotContain("Source:");
      assertNoTrace(o);
    } finally {
      other.stop(0);
    }
  }

  /** serve lists a file's problems as check-config does: they did not name the file, and only the first had the prefix. */
  @Test
  void serveListsEveryProblemOfItsFileOnALineOfItsOwnNamingTheFile() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "prot: 80\npolicies:\n  \"team:*\":\n    budget: {currency: USD, daily: 1e3}\n");
    CliRun o = run("serve", "--config", file.toString(), "--port", "0", "--data-dir", dir.resolve("data").toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err().lines()).containsExactly(
        "configuration error: " + file + ": line 1: prot: is not a known setting (known: dataDir, database, databaseStatementTimeout, host, ledgerRawRetention, "
            + "policies, port, redis, redisPrefix, redisTimeout, webhookAttempts, webhookBackoff, webhooks)",
        "configuration error: " + file + ": line 4: policies.team:*.budget.daily: write numbers as plain decimals such as 16 or 10.50, "
            + "or quote them (got 1e3)");
    assertThat(dir.resolve("data")).doesNotExist();
    assertNoTrace(o);
  }

  /** A statement bound outside its range is refused by check-config and at start, naming the setting and its rule. */
  @Test
  void aDatabaseStatementTimeoutOutOfRangeIsRefusedByCheckConfigAndServe() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "port: 0\ndatabaseStatementTimeout: PT31M\n");
    String rule = "line 2: databaseStatementTimeout: must be an ISO-8601 duration between PT1S and PT30M, such as PT5M";
    CliRun checked = run("check-config", file.toString());
    assertThat(checked.exit()).isEqualTo(2);
    assertThat(checked.err().lines()).containsExactly(file + ": " + rule);
    CliRun served = run("serve", "--config", file.toString(), "--data-dir", dir.resolve("data").toString());
    assertThat(served.exit()).isEqualTo(2);
    assertThat(served.err().lines()).containsExactly("configuration error: " + file + ": " + rule);
    assertThat(dir.resolve("data")).doesNotExist();
    assertNoTrace(served);
  }

  /**
   * Backend URLs serve refuses are refused by check-config too, naming their lines: check-config
   * called such a file OK, and serve then refused it without a line.
   */
  @Test
  void backendUrlsOfTheWrongKindAreRefusedByCheckConfigAsByServe() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "port: 0\nredis: http://127.0.0.1:6379\ndatabase: postgres://127.0.0.1/quota\n");
    List<String> rules = List.of(
        file + ": line 2: redis: must be a redis://, rediss:// or redis-cluster:// URL",
        file + ": line 3: database: must be a jdbc:postgresql: or jdbc:h2: URL");
    CliRun checked = run("check-config", file.toString());
    assertThat(checked.exit()).isEqualTo(2);
    assertThat(checked.err().lines()).containsExactlyElementsOf(rules);
    CliRun served = run("serve", "--config", file.toString(), "--data-dir", dir.resolve("data").toString());
    assertThat(served.exit()).isEqualTo(2);
    assertThat(served.err().lines()).containsExactlyElementsOf(rules.stream().map(r -> "configuration error: " + r).toList());
    assertThat(dir.resolve("data")).doesNotExist();
    assertNoTrace(served);
  }

  /**
   * A Redis key prefix with a brace, which would break the subject's hash tag in every counter key,
   * was passed by check-config and refused only as the store opened, as "prefix", after the start
   * had written the admin key into the data directory.
   */
  @Test
  void aRedisPrefixWithABraceIsRefusedByCheckConfigAsByServe() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "port: 0\nredis: redis://127.0.0.1:6379\nredisPrefix: \"team{a}:\"\n");
    String rule = file + ": line 3: redisPrefix: must not contain { or } (the store puts each subject between braces, as the Redis Cluster hash tag)";
    assertRefusedByCheckConfigAndServe(file, rule);
  }

  /**
   * A blank Redis key prefix, empty or spaces, was taken for the default ({@code quota:}) by both,
   * so the server wrote its keys under a prefix nobody set, without a word.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", " "})
  void aBlankRedisPrefixIsRefusedByCheckConfigAsByServe(String blank) throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "port: 0\nredis: redis://127.0.0.1:6379\nredisPrefix: \"" + blank + "\"\n");
    String rule = file + ": line 3: redisPrefix: must not be blank (leave the setting out for the default, quota:)";
    assertRefusedByCheckConfigAndServe(file, rule);
  }

  /**
   * A listen host that is neither an IP address nor a name that resolves passed check-config and
   * failed only at serve, as it bound the port, after the data directory had been written.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"300.1.1.1", "bad host", "1.2.3"})
  void aHostThatCannotBeListenedOnIsRefusedByCheckConfigAsByServe(String host) throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "port: 0\nhost: \"" + host + "\"\n");
    String rule = file + ": line 2: host: must be an IP address or a host name that resolves, such as 127.0.0.1, 0.0.0.0 or localhost"
        + " (got '" + host + "')";
    assertRefusedByCheckConfigAndServe(file, rule);
  }

  /** Given as a flag, the host is named as the flag; a name that resolves (here to loopback) is taken. */
  @Test
  void aHostFlagThatCannotBeListenedOnIsNamedAsTheFlag() throws Exception {
    CliRun o = run("serve", "--host", "300.1.1.1", "--port", "0", "--data-dir", dir.resolve("data").toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err().lines()).containsExactly("configuration error: --host: must be an IP address or a host name that resolves,"
        + " such as 127.0.0.1, 0.0.0.0 or localhost (got '300.1.1.1')");
    assertThat(dir.resolve("data")).doesNotExist();

    Path file = Files.writeString(dir.resolve("quota.yaml"), "host: localhost\n");
    CliRun checked = run("check-config", file.toString());
    assertThat(checked.exit()).as(checked.err()).isZero();
  }

  /**
   * A database URL whose currentSchema the server cannot create was passed by check-config and
   * refused only as the database opened, as "jdbc url", after the start had written the admin key.
   */
  @Test
  void aDatabaseSchemaNameTheServerCannotCreateIsRefusedByCheckConfigAsByServe() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "port: 0\ndatabase: \"jdbc:postgresql://127.0.0.1:5432/quota?currentSchema=Team-A\"\n");
    String rule = file + ": line 2: database: currentSchema must name a schema of lowercase letters, digits and underscores, got 'Team-A'";
    assertRefusedByCheckConfigAndServe(file, rule);
  }

  /** Both check-config and serve refuse {@code file} with {@code rule} (exit 2), and serve writes no data directory. */
  private void assertRefusedByCheckConfigAndServe(Path file, String rule) {
    CliRun checked = run("check-config", file.toString());
    assertThat(checked.exit()).isEqualTo(2);
    assertThat(checked.err().lines()).containsExactly(rule);
    CliRun served = run("serve", "--config", file.toString(), "--data-dir", dir.resolve("data").toString());
    assertThat(served.exit()).isEqualTo(2);
    assertThat(served.err().lines()).containsExactly("configuration error: " + rule);
    assertThat(dir.resolve("data")).doesNotExist();
    assertNoTrace(served);
  }

  @Test
  void aPortOutOfRangeIsAConfigurationError() {
    CliRun o = run("serve", "--port", "99999", "--data-dir", dir.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("--port: must be a whole number between 0 and 65535");
  }

  /**
   * A data directory whose alert journal cannot be read (here a directory where the file belongs)
   * stops the start with the reason, and leaves the directory free: the backends opened before
   * are closed, so the ledger spool's lock goes with them.
   */
  @Test
  void aJournalThatCannotBeReadStopsTheStartWithTheReasonAndFreesTheDataDirectory() throws Exception {
    Files.createDirectories(dir.resolve("alerts.journal"));
    CliRun o = run("serve", "--port", "0", "--data-dir", dir.toString());
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err()).contains("cannot start: cannot read or rewrite the journal " + dir.resolve("alerts.journal"));
    assertNoTrace(o);

    Files.delete(dir.resolve("alerts.journal"));
    Backends again = openBackends();
    try {
      assertThat(again.ledger()).isNotNull();
    } finally {
      again.closeUnstarted();
    }
  }

  /**
   * A data directory that cannot be written stops the start saying so, before anything is opened
   * there: it said only that the admin key file could not be read or created, or, with a key, let
   * the embedded database print its stack traces and report the directory as "already in use".
   */
  @Test
  void aDataDirectoryThatCannotBeWrittenIsNamedWithTheReason() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "");
    CliRun o = run("serve", "--port", "0", "--data-dir", file.toString());
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err().lines()).containsExactly("cannot start: the data directory " + file + " cannot be written: it is a file, not a directory");
    assertNoTrace(o);
  }

  /** A directory the file system will not make (here in /proc) is named with that reason, not only its path again. */
  @Test
  void aDataDirectoryThatCannotBeCreatedSaysSo() throws Exception {
    Path nowhere = Path.of("/proc/quota-data-dir-test");
    assumeTrue(Files.isDirectory(Path.of("/proc")) && !Files.exists(nowhere), "needs a /proc that refuses new directories");
    CliRun o = run("serve", "--port", "0", "--data-dir", nowhere.toString());
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err().lines())
        .containsExactly("cannot start: the data directory " + nowhere + " cannot be written: it does not exist, and cannot be created there");
    assertNoTrace(o);
  }

  /**
   * A second server started on a data directory another one uses was told only that the ledger
   * spool could not be opened, not that another process holds it.
   */
  @Test
  void aDataDirectoryInUseByAnotherServerIsNamedAsSuch() throws Exception {
    Backends first = openBackends();
    try {
      CliRun o = run("serve", "--port", "0", "--data-dir", dir.toString());
      assertThat(o.exit()).isEqualTo(1);
      assertThat(o.err().lines()).singleElement().asString()
          .startsWith("cannot open the backends: cannot open the ledger spool in " + dir.resolve("ledger-spool"))
          .endsWith("is in use by another process");
      assertNoTrace(o);
    } finally {
      first.closeUnstarted();
    }
  }

  /**
   * The backends of a server on {@code dir}, opened as a start opens them. No engine takes them, so
   * the caller closes them with {@link Backends#closeUnstarted}: closing only the database left the
   * ledger's threads and spool working in a directory the test was about to delete.
   */
  private Backends openBackends() {
    return Backends.open(
        new ServerConfig("127.0.0.1", 0, dir, null, null, null, "k".repeat(20), List.of(), Backoff.DEFAULT),
        Clock.systemUTC());
  }

  /**
   * An empty admin.key, as a start that died between creating the file and writing the key left
   * it, was taken as a blank admin key and locked the operator out. The timeout only turns a start
   * that wrongly succeeds (and would serve until stopped) into a failure.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void anEmptyAdminKeyFileStopsTheStartSayingHowToRecover() throws Exception {
    Path file = dir.resolve("admin.key");
    Files.writeString(file, "");
    CliRun o = run("serve", "--port", "0", "--data-dir", dir.toString());
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err().lines()).containsExactly("cannot start: the admin key file " + file.toAbsolutePath()
        + " is empty: delete it to have a new key generated at the next start, or put the key in it, or set QUOTA_ADMIN_KEY");
    assertNoTrace(o);
  }

  @Test
  void aPortInUseIsNamedAsSuch() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun o = run("serve", "--port", Integer.toString(busy.getLocalPort()), "--data-dir", dir.toString());
      assertThat(o.exit()).isEqualTo(1);
      assertThat(o.err()).contains("cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": the address is in use");
      assertNoTrace(o);
    }
  }
}
