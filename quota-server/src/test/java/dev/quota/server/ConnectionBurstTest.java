package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's listen queue holds a burst of clients connecting at once. The JDK's default of 50
 * overflows under such a burst, and the kernel then resets connections the server never saw; the
 * queue the kernel actually granted is read back from the listening socket with {@code ss}.
 */
class ConnectionBurstTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void theListenQueueHoldsABurstOfAThousandConnections() throws Exception {
    int port = server.server().port();
    Process ss = new ProcessBuilder("ss", "-Hltn", "sport = :" + port).redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(ss.waitFor()).isZero();
    // "LISTEN 0 1024 127.0.0.1:PORT 0.0.0.0:*": for a listening socket, Send-Q is its backlog.
    String[] columns = out.split("\\s+");
    assertThat(columns).as(out).hasSizeGreaterThan(3);
    // Read as a stream: a file of /proc reports a size of 0, which readString trusts.
    int somaxconn;
    try (var in = Files.newBufferedReader(Path.of("/proc/sys/net/core/somaxconn"))) {
      somaxconn = Integer.parseInt(in.readLine().trim());
    }
    assertThat(Integer.parseInt(columns[2])).as(out).isEqualTo(Math.min(1024, somaxconn));
  }
}
