package dev.quota.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import dev.quota.server.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The command line run in this JVM, as a user would run it in a terminal: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {
  /** {@code args} run against {@code server} with the administrator's key. */
  static CliRun asAdmin(TestServer server, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", "http://127.0.0.1:" + server.server().port(), "--key", TestServer.ADMIN_KEY));
    return of(all.toArray(String[]::new));
  }

  static CliRun of(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int exit = Main.run(args);
      return new CliRun(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
