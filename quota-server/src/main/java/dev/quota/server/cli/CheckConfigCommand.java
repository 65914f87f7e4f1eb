package dev.quota.server.cli;

import dev.quota.server.config.ConfigFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code quota check-config FILE}: validates a configuration file offline. */
@Command(name = "check-config", mixinStandardHelpOptions = true, description = "Validate a YAML configuration file offline.")
final class CheckConfigCommand implements Callable<Integer> {
  @Parameters(description = "The YAML file") Path file;

  @Override
  public Integer call() {
    try {
      ConfigFile f = ConfigFile.read(file);
      System.out.println(file + ": OK (" + count(f.policies().size(), "policy", "policies") + ", "
          + count(f.webhooks().size(), "webhook", "webhooks") + ")");
      return 0;
    } catch (ConfigFile.Invalid e) {
      e.problems().forEach(System.err::println);
      return 2;
    }
  }

  private static String count(int n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
