package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange over a plain socket, byte for byte: for requests an HTTP client would
 * correct or refuse to send, and for responses whose exact bytes matter.
 */
final class RawHttp {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RawHttp() {}

  /** A response as it came: status, headers (names lower-cased) and the body's bytes. */
  record Response(int status, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }

    /** The body decoded strictly as UTF-8: invalid bytes fail the test instead of becoming U+FFFD. */
    String text() {
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(body)).toString();
      } catch (CharacterCodingException e) {
        throw new AssertionError("body is not UTF-8: " + new String(body, StandardCharsets.ISO_8859_1), e);
      }
    }

    JsonNode json() {
      try {
        return JSON.readTree(text());
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + text(), e);
      }
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  /** Sends {@code head} (request line and headers, without the blank line) and {@code body}, with Connection: close. */
  static Response exchange(int port, String head, byte[] body) {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    request.writeBytes(body);
    return exchange(port, request.toByteArray());
  }

  static Response exchange(int port, byte[] request) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      return parse(s.getInputStream().readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads the next response from a connection kept open, up to the end of its body (by its
   * Content-Length, or its last chunk), leaving what follows on the stream: for several exchanges
   * over one keep-alive connection.
   */
  static Response next(java.io.InputStream in) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    while (indexOf(raw.toByteArray(), "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0) < 0) {
      raw.write(readByte(in));
    }
    Response head = parse(raw.toByteArray());
    String length = head.header("content-length");
    if (length != null) {
      raw.writeBytes(in.readNBytes(Integer.parseInt(length)));
    } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
      byte[] last = "\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
      do {
        raw.write(readByte(in));
      } while (!endsWith(raw.toByteArray(), last));
    }
    return parse(raw.toByteArray());
  }

  private static int readByte(java.io.InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new java.io.EOFException("the connection closed before a whole response");
    }
    return b;
  }

  private static boolean endsWith(byte[] in, byte[] end) {
    return in.length >= end.length && indexOf(in, end, in.length - end.length) >= 0;
  }

  private static Response parse(byte[] raw) {
    int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
    if (end < 0) {
      throw new AssertionError("no complete response: " + new String(raw, StandardCharsets.ISO_8859_1));
    }
    String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    List<String> encoding = headers.get("transfer-encoding");
    return new Response(status, headers, encoding != null && encoding.contains("chunked") ? dechunk(body) : body);
  }

  private static byte[] dechunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (true) {
      int lineEnd = indexOf(chunked, new byte[] {'\r', '\n'}, at);
      int size = Integer.parseInt(new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toByteArray();
      }
      out.write(chunked, lineEnd + 2, size);
      at = lineEnd + 2 + size + 2;
    }
  }

  private static int indexOf(byte[] in, byte[] what, int from) {
    outer:
    for (int i = from; i <= in.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (in[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
