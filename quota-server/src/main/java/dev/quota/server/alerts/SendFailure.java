package dev.quota.server.alerts;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * What went wrong with a send that got no status, said so an operator can act on it, with where:
 * {@code connection refused: 127.0.0.1:9099}, {@code unknown host: hooks.example}, {@code could not
 * connect within PT10S: hooks.example:443}, {@code TLS with hooks.example:443 failed: ...}. The
 * JDK's client reports a refused connection, or a host it cannot resolve, as a {@link
 * ConnectException} with no message, which was all a delivery recorded. The text is stored and
 * shown by the API, so it never carries the URL's user info or query, which may hold credentials.
 */
final class SendFailure {
  private SendFailure() {}

  /** The failure of a send to {@code url}, given {@code timeout}, from the error its answer ended with. */
  static String describe(Throwable error, URI url, Duration timeout) {
    String where = url.getHost() + ":" + port(url);
    if (find(error, HttpConnectTimeoutException.class) != null) {
      return "could not connect within " + timeout + ": " + where;
    }
    if (find(error, HttpTimeoutException.class) != null) {
      return "no answer within " + timeout;
    }
    if (find(error, UnresolvedAddressException.class) != null || find(error, UnknownHostException.class) != null) {
      return "unknown host: " + url.getHost();
    }
    SSLException tls = find(error, SSLException.class);
    if (tls != null) {
      return "TLS with " + where + " failed" + detail(tls, url);
    }
    if (find(error, ConnectException.class) != null) {
      String detail = firstMessage(error);
      // Refused is the one way a loopback or LAN connect fails that the client leaves unsaid.
      return detail == null ? "connection refused: " + where : "could not connect to " + where + ": " + safe(detail, url);
    }
    return error.getClass().getSimpleName() + detail(error, url) + " (" + where + ")";
  }

  private static int port(URI url) {
    return url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
  }

  private static String detail(Throwable t, URI url) {
    String m = firstMessage(t);
    return m == null ? "" : ": " + safe(m, url);
  }

  /** The first message along the cause chain, if any. */
  private static String firstMessage(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        return c.getMessage();
      }
    }
    return null;
  }

  /** {@code message} without the URL's query or user info, should a library have quoted the URL. */
  private static String safe(String message, URI url) {
    String out = message;
    for (String secret : new String[] {url.getRawQuery(), url.getQuery(), url.getRawUserInfo(), url.getUserInfo()}) {
      if (secret != null && !secret.isEmpty()) {
        out = out.replace(secret, "…");
      }
    }
    return out;
  }

  private static <T extends Throwable> T find(Throwable error, Class<T> type) {
    for (Throwable c = error; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
