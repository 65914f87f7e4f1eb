package dev.quota.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of a real server that a test can {@link #cut} (stop listening
 * and drop every open connection, as if the database went away) and {@link #restore} on the
 * same port, or whose server's replies it can {@link #holdReplies hold} while the connections
 * stay open (as a server that stopped, or a network that drops packets, leaves its clients).
 */
final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;
  /** Guards {@link #repliesHeld}; pumps of replies wait on it while replies are held. */
  private final Object replies = new Object();
  private boolean repliesHeld;

  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = listen(0);
    this.port = server.getLocalPort();
  }

  int port() {
    return port;
  }

  synchronized void cut() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
    sockets.clear();
  }

  /**
   * From now on what the server sends is kept from the clients (requests still reach it), until
   * {@link #releaseReplies}: a client waiting for an answer sees nothing come.
   */
  void holdReplies() {
    synchronized (replies) {
      repliesHeld = true;
    }
  }

  /** Lets replies through again, those held first; a client that gave up has closed its socket. */
  void releaseReplies() {
    synchronized (replies) {
      repliesHeld = false;
      replies.notifyAll();
    }
  }

  private void awaitRepliesLetThrough() throws InterruptedException {
    synchronized (replies) {
      while (repliesHeld) {
        replies.wait();
      }
    }
  }

  synchronized void restore() throws IOException {
    if (server.isClosed()) {
      server = listen(port);
    }
  }

  private ServerSocket listen(int onPort) throws IOException {
    ServerSocket ss = new ServerSocket();
    ss.setReuseAddress(true);
    ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
    Thread t = new Thread(() -> accept(ss), "proxy-accept");
    t.setDaemon(true);
    t.start();
    return ss;
  }

  private void accept(ServerSocket ss) {
    while (!ss.isClosed()) {
      try {
        Socket client = ss.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        synchronized (this) {
          // A connection accepted just before a cut must not outlive it.
          if (ss.isClosed()) {
            client.close();
            upstream.close();
            continue;
          }
          sockets.add(client);
          sockets.add(upstream);
        }
        pump(client, upstream, false);
        pump(upstream, client, true);
      } catch (IOException e) {
        // closed by cut(), or the target refused: the client sees a dropped connection
      }
    }
  }

  private void pump(Socket from, Socket to, boolean carriesReplies) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16384];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  if (carriesReplies) {
                    awaitRepliesLetThrough();
                  }
                  out.write(buf, 0, n);
                }
              } catch (IOException e) {
                // connection dropped
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    releaseReplies();
    cut();
  }
}
