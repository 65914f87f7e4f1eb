package dev.quota.server.cli;

import dev.quota.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code quota}: the command line. */
@Command(
    name = "quota",
    mixinStandardHelpOptions = true,
    version = "quota 0.1.0",
    description = "Exact rate limits and cost budgets for tool and LLM calls.",
    // help: "quota help" was refused as an unknown command, suggesting check-config.
    subcommands = {ServeCommand.class, PolicyCommand.class, OverrideCommand.class, UsageCommand.class, ResetCommand.class,
        ReportCommand.class, AuditCommand.class, KeyCommand.class, CheckConfigCommand.class, HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setHelpFactory(WholeWordsHelp::new);
    // A command that fails says why in one line a problem; a stack trace tells an operator nothing they can act on.
    cli.setExecutionExceptionHandler((e, command, parsed) -> {
      Failures.describe(e).lines().forEach(line -> command.getErr().println(command.getCommandName() + ": " + line));
      // An argument refused, by the command before calling anything or by the server it called, is a
      // usage error, as picocli's own are.
      return e instanceof ValidationException || e instanceof Failures.InputRefused ? 2 : 1;
    });
    return cli.execute(args);
  }

  /** No command given: a usage error (exit 2, usage on stderr), so a script that lost its arguments does not pass. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
