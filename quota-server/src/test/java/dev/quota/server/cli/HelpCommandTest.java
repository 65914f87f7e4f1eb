package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code quota help [COMMAND]}: the usage, on standard output, exit 0. */
class HelpCommandTest {
  /** It was refused as an unknown command (exit 2), with "Did you mean: quota check-config?". */
  @Test
  void helpAloneListsTheCommands() {
    CliRun o = CliRun.of("help");
    assertThat(o.exit()).as(o.err()).isZero();
    assertThat(o.out()).startsWith("Usage: quota [-hV] [COMMAND]")
        .contains("serve ", "policy ", "override ", "usage ", "reset ", "report ", "audit ", "key ", "check-config ", "help ");
    assertThat(o.err()).isEmpty();
  }

  @Test
  void helpWithACommandShowsThatCommandsUsage() {
    CliRun o = CliRun.of("help", "serve");
    assertThat(o.exit()).as(o.err()).isZero();
    assertThat(o.out()).startsWith("Usage: quota serve ").contains("--port=<port>");
  }

  /** Every place a client command takes its key from is in its help, in the order it looks: the option, then each variable. */
  @Test
  void aClientCommandsHelpNamesEveryVariableItTakesTheKeyFrom() {
    CliRun o = CliRun.of("help", "usage");
    assertThat(o.exit()).as(o.err()).isZero();
    String key = o.out().substring(o.out().lastIndexOf("--key=<key>")).replaceAll("\\s+", " ");
    assertThat(key).containsSubsequence("QUOTA_KEY", "QUOTA_ADMIN_KEY", "admin.key");
  }

  @Test
  void helpWithAnUnknownCommandIsAUsageError() {
    CliRun o = CliRun.of("help", "frobnicate");
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("frobnicate").doesNotContain("\tat ");
  }
}
