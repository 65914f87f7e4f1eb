package dev.quota.server.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Parameters;

/**
 * {@code quota help [COMMAND [SUBCOMMAND]]}: the usage of the command named, however deep. The one
 * picocli brings takes a single word, so {@code help override create} showed {@code override}'s
 * usage and exited 0, as if it had been asked for.
 */
@Command(name = "help", helpCommand = true, description = "Shows the usage of quota, or of the command named (as: help override create).")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, and its subcommand if it has them.")
  private List<String> path = new ArrayList<>();

  private CommandLine self;
  private Help.ColorScheme colors;
  private PrintWriter out;

  @Override
  public void init(CommandLine helpCommandLine, Help.ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
    this.self = helpCommandLine;
    this.colors = colorScheme;
    this.out = outWriter;
  }

  @Override
  public void run() {
    CommandLine target = self.getParent();
    for (String word : path) {
      CommandLine next = target.getSubcommands().get(word);
      if (next == null) {
        String of = target == self.getParent() ? "" : " of " + target.getCommandName();
        throw new CommandLine.ParameterException(self, target.getSubcommands().isEmpty()
            ? "Unknown command: '" + word + "': " + target.getCommandName() + " has no subcommands"
            : "Unknown command: '" + word + "'" + of + " (known: " + String.join(", ", target.getSubcommands().keySet()) + ")");
      }
      target = next;
    }
    target.usage(out, colors);
  }
}
