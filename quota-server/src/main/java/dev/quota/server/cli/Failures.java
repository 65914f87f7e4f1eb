package dev.quota.server.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.UnresolvedAddressException;

/** What went wrong, in one line an operator can act on: the innermost cause that says something. */
final class Failures {
  private Failures() {}

  /** A failure a command explains fully in its message. */
  static class CommandFailed extends RuntimeException {
    CommandFailed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A failure of what the user gave, refused by the command or by the server (HTTP 400): a usage
   * error, exit 2 as for picocli's own and for settings refused, so a script tells it from a server
   * that could not be reached or failed.
   */
  static final class InputRefused extends CommandFailed {
    InputRefused(String message) {
      super(message);
    }
  }

  /**
   * The innermost cause that has words of its own (an unresolved host wrapped in a connect
   * failure is about the name, not a refusal), else the outermost message: it carries the context
   * (which backend, which URL) the causes under it lack.
   */
  static String describe(Throwable e) {
    if (e instanceof CommandFailed) {
      return e.getMessage();
    }
    String said = null;
    String own = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      own = ownWords(t) != null ? ownWords(t) : own;
      if (said == null && t.getMessage() != null && !t.getMessage().isBlank()) {
        said = t.getMessage();
      }
    }
    return own != null ? own : said != null ? said : e.getClass().getSimpleName();
  }

  /**
   * Why {@code host:port} cannot be listened on, found by binding it once more: the reason the
   * socket gives (address in use, unknown host), or {@code failure} itself if it binds now.
   */
  static Throwable whyCannotListen(String host, int port, Throwable failure) {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      return new UnresolvedAddressException();
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(address);
      return failure;
    } catch (IOException | RuntimeException e) {
      return e;
    }
  }

  /** Closes what a failed start left open; its own failure adds nothing to the one reported. */
  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already failing: the first error is the one worth reporting
    }
  }

  /** Causes whose own message is missing or unhelpful (Jetty's "STOPPED", a bare "null"). */
  private static String ownWords(Throwable t) {
    if (t instanceof BindException) {
      return "the address is in use or cannot be bound (" + t.getMessage() + ")";
    }
    if (t instanceof ConnectException && (t.getMessage() == null || t.getMessage().isBlank())) {
      // The HTTP client's refusal says nothing; one with a message (a timeout, a driver's) is left to speak.
      return "connection refused";
    }
    if (t instanceof UnresolvedAddressException) {
      return "the host name cannot be resolved";
    }
    return null;
  }
}
