package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

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

  /** It took one word: {@code help override create} showed override's usage, and exited 0. */
  @Test
  void helpWithACommandAndItsSubcommandShowsTheSubcommandsUsage() {
    CliRun o = CliRun.of("help", "override", "create");
    assertThat(o.exit()).as(o.err()).isZero();
    assertThat(o.out()).startsWith("Usage: quota override create ").contains("--duration");
    assertThat(o.out()).isEqualTo(CliRun.of("override", "create", "--help").out());
  }

  @Test
  void helpWithAnUnknownSubcommandIsAUsageErrorNamingIt() {
    CliRun unknown = CliRun.of("help", "override", "frobnicate");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("'frobnicate' of override").contains("create").doesNotContain("\tat ");
    CliRun none = CliRun.of("help", "serve", "now");
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("'now'").contains("serve has no subcommands");
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

  /**
   * Every word of every command's and option's description is whole in its help, however the lines
   * wrap: "default http://127.0.0.1:8080" was broken after "127.", which then read as a URL of its own.
   */
  @Test
  void helpBreaksNoWordOrUrl() {
    List<String> broken = new ArrayList<>();
    commands(new CommandLine(new Main()), List.of(), (path, words) -> {
      CliRun o = CliRun.of(concat(path, "--help"));
      Set<String> shown = Arrays.stream(o.out().split("\\s+")).collect(Collectors.toSet());
      words.stream().filter(w -> !shown.contains(w)).forEach(w -> broken.add(String.join(" ", path) + ": " + w));
    });
    assertThat(broken).isEmpty();
  }

  /** Calls {@code each} with the path of {@code cli} and of every command under it, and the words of their descriptions. */
  private static void commands(CommandLine cli, List<String> path, java.util.function.BiConsumer<List<String>, List<String>> each) {
    List<String> texts = new ArrayList<>(Arrays.asList(cli.getCommandSpec().usageMessage().description()));
    List<ArgSpec> args = new ArrayList<>(cli.getCommandSpec().options());
    args.addAll(cli.getCommandSpec().positionalParameters());
    args.forEach(a -> texts.addAll(Arrays.asList(a.description())));
    // A word with a variable or a format is shown as it expands, not as written.
    List<String> words = texts.stream().flatMap(t -> Arrays.stream(t.split("\\s+")))
        .filter(w -> !w.isEmpty() && !w.contains("${") && !w.contains("%")).toList();
    each.accept(path, words);
    cli.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        commands(sub, concatList(path, name), each);
      }
    });
  }

  private static List<String> concatList(List<String> path, String name) {
    List<String> all = new ArrayList<>(path);
    all.add(name);
    return all;
  }

  private static String[] concat(List<String> path, String last) {
    return concatList(path, last).toArray(String[]::new);
  }
}
