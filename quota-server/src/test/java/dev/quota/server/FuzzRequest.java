package dev.quota.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One request of the API fuzz test, byte for byte as it goes over the socket: a target may hold
 * bytes no HTTP client would send (raw UTF-8, a space, a bare '%'), a header may be given twice or
 * carry bytes that are not UTF-8, a body may be anything. Characters of {@link #target} and of
 * header values are bytes (ISO-8859-1), as on the wire.
 */
record FuzzRequest(String method, String target, List<String[]> headers, byte[] body, boolean chunked) {

  FuzzRequest {
    headers = List.copyOf(headers);
  }

  static FuzzRequest of(String method, String target, byte[] body) {
    return new FuzzRequest(method, target, List.of(), body, false);
  }

  /** The route path, without the query. */
  String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  FuzzRequest withMethod(String m) {
    return new FuzzRequest(m, target, headers, body, chunked);
  }

  FuzzRequest withTarget(String t) {
    return new FuzzRequest(method, t, headers, body, chunked);
  }

  FuzzRequest withBody(byte[] b) {
    return new FuzzRequest(method, target, headers, b, chunked);
  }

  FuzzRequest inChunks() {
    return new FuzzRequest(method, target, headers, body, true);
  }

  /** With {@code name: value} added (a second line if the name is already given). */
  FuzzRequest withHeader(String name, String value) {
    List<String[]> h = new ArrayList<>(headers);
    h.add(new String[] {name, value});
    return new FuzzRequest(method, target, h, body, chunked);
  }

  /** With every {@code name} header removed. */
  FuzzRequest withoutHeader(String name) {
    List<String[]> h = new ArrayList<>();
    for (String[] header : headers) {
      if (!header[0].equalsIgnoreCase(name)) {
        h.add(header);
      }
    }
    return new FuzzRequest(method, target, h, body, chunked);
  }

  String header(String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }

  /** {@code text} as UTF-8 bytes held one per character, which is how targets and header values are kept. */
  static String wire(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  RawHttp.Response send(int port) {
    StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1");
    for (String[] h : headers) {
      head.append("\r\n").append(h[0]).append(": ").append(h[1]);
    }
    byte[] framed = body;
    if (chunked) {
      head.append("\r\nTransfer-Encoding: chunked");
      framed = chunks(body);
    } else if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
      head.append("\r\nContent-Length: ").append(body.length);
    }
    return RawHttp.exchange(port, head.toString(), framed);
  }

  /** The body in chunks of up to 7 bytes, so a reader sees it in pieces. */
  private static byte[] chunks(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int at = 0; at < body.length; at += 7) {
      int n = Math.min(7, body.length - at);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  /** What to paste into a bug report: method, target, headers and body, bytes outside printable ASCII escaped. */
  String describe() {
    StringBuilder s = new StringBuilder(method).append(' ').append(printable(target.getBytes(StandardCharsets.ISO_8859_1), 600));
    for (String[] h : headers) {
      s.append("\n  ").append(h[0]).append(": ").append(printable(h[1].getBytes(StandardCharsets.ISO_8859_1), 300));
    }
    if (chunked) {
      s.append("\n  Transfer-Encoding: chunked");
    }
    if (body.length > 0) {
      s.append("\n  body (").append(body.length).append(" bytes): ").append(printable(body, 800));
    }
    return s.toString();
  }

  static String printable(byte[] bytes, int max) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < bytes.length && s.length() < max; i++) {
      int b = bytes[i] & 0xff;
      if (b >= 0x20 && b < 0x7f && b != '\\') {
        s.append((char) b);
      } else {
        s.append(String.format(Locale.ROOT, "\\x%02X", b));
      }
    }
    return s.length() >= max ? s + "...(" + bytes.length + " bytes)" : s.toString();
  }
}
