package dev.quota.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The rule for the address {@code serve} listens on, one place for every way it is given (a flag,
 * a variable, the file), so that {@code check-config} passes no host the server then cannot bind.
 * A host is checked by resolving it, never by sending anything to it.
 */
final class ListenHost {
  static final String RULE = "must be an IP address or a host name that resolves, such as 127.0.0.1, 0.0.0.0 or localhost";

  /** Digits and dots only: Java would take a number out of range ({@code 300.1.1.1}) for a name and ask DNS for it. */
  private static final Pattern DOTTED_DIGITS = Pattern.compile("[0-9.]+");
  private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  /** A host name of RFC 1123 labels: anything else (a space, an underscore) is no name any resolver should be asked. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

  private ListenHost() {}

  /** Null if the server can listen on {@code host} as far as its name goes, else the rule it breaks, with the value. */
  static String problem(String host) {
    return wellFormed(host) && resolves(host) ? null : RULE + " (got '" + host + "')";
  }

  /**
   * Null if {@code host} is written as an address or a name, else the rule it breaks: whether a name
   * resolves is known only on the machine the server runs on.
   */
  static String formProblem(String host) {
    return wellFormed(host) ? null : RULE + " (got '" + host + "')";
  }

  private static boolean wellFormed(String host) {
    if (DOTTED_DIGITS.matcher(host).matches()) {
      return IPV4.matcher(host).matches();
    }
    // An IPv6 literal (with ':') is parsed, not looked up; a name must look like one before it is.
    return host.indexOf(':') >= 0 || (host.length() <= 253 && NAME.matcher(host).matches());
  }

  private static boolean resolves(String host) {
    if (DOTTED_DIGITS.matcher(host).matches()) {
      return true;
    }
    try {
      InetAddress.getByName(host);
      return true;
    } catch (UnknownHostException | SecurityException e) {
      return false;
    }
  }
}
