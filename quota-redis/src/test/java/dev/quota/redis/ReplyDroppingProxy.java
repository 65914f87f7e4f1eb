package dev.quota.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of one Redis node that forwards both ways, except that once asked
 * it drops the client's connection in place of forwarding the reply to the next {@code FCALL}: the
 * call ran on Redis, but the client never hears of it, as when a connection is lost mid-call.
 */
final class ReplyDroppingProxy implements AutoCloseable {
  private static final byte[] FCALL = "FCALL".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;
  private final int target;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "reply-dropping-proxy");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger dropped = new AtomicInteger();

  ReplyDroppingProxy(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** The reply to the next FCALL sent from now on is not forwarded: its client connection is dropped instead. */
  void dropNextFcallReply() {
    armed.set(true);
  }

  /** How many replies were dropped so far. */
  int dropped() {
    return dropped.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket redis = new Socket(InetAddress.getLoopbackAddress(), target);
        client.setTcpNoDelay(true);
        redis.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(redis);
        AtomicBoolean fcallInFlight = new AtomicBoolean(); // on this connection, sent while armed
        threads.execute(() -> pump(client, redis, chunk -> {
          if (armed.get() && contains(chunk, FCALL)) {
            fcallInFlight.set(true); // before it leaves, so before its reply can come
          }
          return true;
        }));
        threads.execute(() -> pump(redis, client, chunk -> {
          if (fcallInFlight.get() && armed.compareAndSet(true, false)) {
            dropped.incrementAndGet();
            return false;
          }
          return true;
        }));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private interface Forward {
    /** Whether to forward this chunk; false drops both sides of the connection instead. */
    boolean test(byte[] chunk);
  }

  private void pump(Socket from, Socket to, Forward forward) {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        byte[] chunk = Arrays.copyOf(buffer, n);
        if (!forward.test(chunk)) {
          break;
        }
        out.write(chunk);
        out.flush();
      }
    } catch (IOException closed) {
      // the other side went away: so does this one
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static boolean contains(byte[] chunk, byte[] word) {
    outer:
    for (int i = 0; i + word.length <= chunk.length; i++) {
      for (int j = 0; j < word.length; j++) {
        if (chunk[i + j] != word[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.remove(s);
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(this::closeQuietly);
    threads.shutdownNow();
  }
}
