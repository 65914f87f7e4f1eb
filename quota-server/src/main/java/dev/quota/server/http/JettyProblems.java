package dev.quota.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Problem documents for what Jetty refuses itself, before a request reaches a route: a request
 * line or header it cannot parse (a malformed percent-escape, an encoded NUL or an ambiguous
 * segment in the path, a negative or repeated Content-Length, a missing Host), headers past
 * {@link #MAX_HEADER_BYTES} (431) and the like, which Jetty otherwise answers with an HTML page.
 * Jetty's reason is only matched against, never passed on; the problem names the part of the
 * request at fault where the reason tells which. A request Jetty refuses because the server is
 * stopping is answered {@code shutting-down} with {@code Retry-After}, as the routes answer one
 * that finds the engine closed.
 */
public final class JettyProblems extends ErrorHandler {
  /**
   * Request line and headers together; the server's HTTP configuration is set to this. A valid
   * request line can be long: a {@code ?reason=} of 1,000 characters, each up to 4 UTF-8 bytes and
   * each byte percent-encoded as 3, is 12,000 bytes, and the longest pair selector in the path is
   * 3,139 more (two 128-character identifiers encoded the same way). Jetty's default of 8 KiB
   * answered such a valid request 414; 32 KiB holds the longest and leaves over 16 KiB for headers.
   */
  public static final int MAX_HEADER_BYTES = 32 * 1024;

  /** A message Jetty could not accept as a request: answered, then the connection is closed. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
    return ByteBuffer.wrap(Problems.bytes(problem(status, reason)));
  }

  /** Any other error Jetty answers on its own (none is expected: routes answer their own errors). */
  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    baseRequest.setHandled(true);
    if (response.getStatus() == HttpStatus.SERVICE_UNAVAILABLE_503) {
      response.setHeader("Retry-After", Problems.SHUTTING_DOWN_RETRY_AFTER);
    }
    byte[] body = Problems.bytes(problem(response.getStatus(), null));
    response.setContentType(Problems.CONTENT_TYPE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  static ObjectNode problem(int status, String reason) {
    String r = reason == null ? "" : reason;
    if (status == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431) {
      return bad(status, "headers-too-large", "headers", "must be at most " + MAX_HEADER_BYTES + " bytes in total");
    }
    if (status == HttpStatus.URI_TOO_LONG_414) {
      return bad(status, "path-too-long", "path", "must be at most " + MAX_HEADER_BYTES + " bytes with its query");
    }
    if (status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) {
      return bad(status, "version-not-supported", "version", "must be HTTP/1.0 or HTTP/1.1");
    }
    if (status == HttpStatus.SERVICE_UNAVAILABLE_503) {
      // Jetty refuses a request itself with 503 only while the server stops: one that arrives on a
      // connection kept open once the graceful stop began, and is never handed to a route.
      return Problems.problem(status, Problems.SHUTTING_DOWN, Problems.SHUTTING_DOWN_DETAIL, null, null);
    }
    if (status == HttpStatus.UPGRADE_REQUIRED_426) {
      // The HTTP/2 preface (PRI * HTTP/2.0) sent to a server that speaks HTTP/1.1 only.
      return bad(status, "version-not-supported", "version", "must be HTTP/1.0 or HTTP/1.1");
    }
    if (status != HttpStatus.BAD_REQUEST_400) {
      return Problems.problem(status, "http-" + status, "the request was refused: " + HttpStatus.getMessage(status), null, null);
    }
    if (r.contains("Content-Length")) {
      return bad(status, "invalid-request", "Content-Length", "must be given at most once, as a whole number of bytes");
    }
    if (r.contains("Transfer-Encoding")) {
      return bad(status, "invalid-request", "Transfer-Encoding", "must name chunked once, last");
    }
    if (r.contains("Host")) {
      return bad(status, "invalid-request", "Host", "must be given once");
    }
    if (r.isEmpty() || r.equals(HttpStatus.getMessage(status))) {
      // Jetty gives no reason of its own when it refuses the path, a Content-Length too large to
      // count or an Upgrade header: the rule names each, as it cannot tell which it was.
      return bad(status, "invalid-request", "request", "must be well-formed HTTP; a path must not hold a malformed "
          + "percent-escape, an encoded NUL or an ambiguous segment such as ..%2F, a Content-Length must be below 2^63, "
          + "and Upgrade needs Connection: Upgrade");
    }
    return bad(status, "invalid-request", "request", "must be well-formed HTTP/1.1");
  }

  private static ObjectNode bad(int status, String type, String field, String rule) {
    return Problems.problem(status, type, field + ": " + rule, field, rule);
  }
}
