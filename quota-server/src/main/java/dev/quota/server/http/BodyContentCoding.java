package dev.quota.server.http;

import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Refuses a request body declared in a content coding. The server decodes none (no gzip, deflate,
 * br...): a body so declared would be read as the bytes that arrived, parsed as compressed data or,
 * if the client labelled plain JSON by mistake, taken under a label that says it is something else.
 * Either way the reading and the label disagree, so it is refused, 415 naming the header, before any
 * of it is parsed, and the answer says {@code Accept-Encoding: identity}, as RFC 9110 15.5.16 asks of
 * a 415 for a coding.
 *
 * <p>Accepted: no {@code Content-Encoding}, or one listing only {@code identity} (no coding at all),
 * in any letter case, on any number of lines. Empty list elements are ignored (RFC 9110 5.6.1).
 *
 * <p>Decisions pass here, so the value is scanned in place: no split, no allocation.
 */
final class BodyContentCoding {
  static final String HEADER = "Content-Encoding";
  static final String RULE = "must be identity or none: the server does not decode request bodies, so send the body unencoded";

  private static final String IDENTITY = "identity";

  private BodyContentCoding() {}

  /** Refuses {@code ctx}'s body if its {@code Content-Encoding} names a coding other than identity. */
  static void requireIdentity(Context ctx) {
    if (!unencoded(ctx.req())) {
      // What the request could have used instead: only the body as it is.
      ctx.header("Accept-Encoding", IDENTITY);
      throw new ApiError(415, "unsupported-media-type", HEADER + ": " + RULE, HEADER, RULE);
    }
  }

  /** Whether every {@code Content-Encoding} line of {@code req} lists only {@code identity}. */
  private static boolean unencoded(HttpServletRequest req) {
    HttpFields fields = JettyFields.of(req);
    if (fields == null) {
      Enumeration<String> lines = req.getHeaders(HEADER);
      while (lines.hasMoreElements()) {
        if (!onlyIdentity(lines.nextElement())) {
          return false;
        }
      }
      return true;
    }
    for (int i = 0, n = fields.size(); i < n; i++) {
      HttpField field = fields.getField(i);
      if (field.getHeader() == HttpHeader.CONTENT_ENCODING && !onlyIdentity(field.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Whether the comma-separated list {@code value} names no coding but {@code identity} (codings are case-insensitive). */
  static boolean onlyIdentity(String value) {
    int n = value.length();
    int start = 0;
    while (start <= n) {
      int end = value.indexOf(',', start);
      if (end < 0) {
        end = n;
      }
      int s = start;
      int e = end;
      while (s < e && isSpace(value.charAt(s))) {
        s++;
      }
      while (e > s && isSpace(value.charAt(e - 1))) {
        e--;
      }
      if (e > s && !(e - s == IDENTITY.length() && value.regionMatches(true, s, IDENTITY, 0, IDENTITY.length()))) {
        return false;
      }
      start = end + 1;
    }
    return true;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }
}
