package dev.quota.server.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on a loopback port, over a raw socket, that reads each send whole, writes the
 * status line and headers it was given and then stalls: the body they announce never comes. It
 * counts the sends it got and the connections the sender then gave up on (closed).
 */
final class StalledAnswers implements AutoCloseable {
  private final ServerSocket socket;
  private final String head;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger sends = new AtomicInteger();
  private final AtomicInteger abandoned = new AtomicInteger();
  private final Thread acceptor;

  /** {@code status} with a body of 100 bytes announced, none of which is sent. */
  static StalledAnswers withStatus(int status) throws IOException {
    return new StalledAnswers("HTTP/1.1 " + status + " Stalled\r\nContent-Length: 100\r\n\r\n");
  }

  /** No answer at all: not even a status line. */
  static StalledAnswers silent() throws IOException {
    return new StalledAnswers("");
  }

  private StalledAnswers(String head) throws IOException {
    this.head = head;
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "stalled-receiver");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url() {
    return "http://127.0.0.1:" + socket.getLocalPort() + "/hook";
  }

  /** Sends read whole. */
  int sends() {
    return sends.get();
  }

  /** Connections the sender closed while the answer stalled. */
  int abandoned() {
    return abandoned.get();
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.add(s);
        Thread t = new Thread(() -> serve(s), "stalled-send");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      readRequest(in);
      sends.incrementAndGet();
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      // Stalls until the sender closes the connection (or the test ends).
      if (in.read() < 0) {
        abandoned.incrementAndGet();
      }
    } catch (IOException e) {
      abandoned.incrementAndGet(); // reset by the sender
    }
  }

  /** The request's head, then as many bytes of body as its Content-Length says. */
  private static void readRequest(InputStream in) throws IOException {
    StringBuilder headers = new StringBuilder();
    while (!headers.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed within the request");
      }
      headers.append((char) b);
    }
    int length = 0;
    for (String line : headers.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
