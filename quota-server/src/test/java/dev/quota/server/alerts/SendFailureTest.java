package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * {@link SendFailure}: each way a send ends without a status, as the JDK's client reports it, says
 * what happened and where, and never carries the URL's user info or query. A refused connection
 * over a real socket is {@link RefusedConnectionErrorTest}'s.
 */
class SendFailureTest {
  private static final URI URL = URI.create("https://hook-user:pa55word@hooks.example/quota?token=t0k3n");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @Test
  void eachFailureSaysWhatHappenedAndWhere() {
    assertThat(describe(connect(new ClosedChannelException()))).isEqualTo("connection refused: hooks.example:443");
    assertThat(describe(connect(new UnresolvedAddressException()))).isEqualTo("unknown host: hooks.example");
    assertThat(describe(new HttpConnectTimeoutException("HTTP connect timed out")))
        .isEqualTo("could not connect within PT10S: hooks.example:443");
    assertThat(describe(new HttpTimeoutException("request timed out"))).isEqualTo("no answer within PT10S");
    assertThat(describe(new SSLHandshakeException("No subject alternative DNS name matching hooks.example found.")))
        .isEqualTo("TLS with hooks.example:443 failed: No subject alternative DNS name matching hooks.example found.");
    assertThat(SendFailure.describe(connect(new ClosedChannelException()), URI.create("http://127.0.0.1/hook"), TIMEOUT))
        .isEqualTo("connection refused: 127.0.0.1:80");
  }

  @Test
  void aMessageQuotingTheUrlLosesItsUserInfoAndQuery() {
    String said = describe(new IOException("could not send to " + URL));
    assertThat(said).startsWith("IOException: could not send to https://").endsWith("(hooks.example:443)");
    assertThat(said).doesNotContain("t0k3n").doesNotContain("pa55word").doesNotContain("hook-user");
  }

  private static String describe(Throwable error) {
    return SendFailure.describe(error, URL, TIMEOUT);
  }

  /** What the JDK's client ends a send with when it cannot connect: a ConnectException with no message. */
  private static ConnectException connect(Throwable cause) {
    ConnectException e = new ConnectException();
    e.initCause(cause);
    return e;
  }
}
