package dev.quota.server.http;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Refuses a request body declared as something the server does not read. Every body is read as
 * JSON in UTF-8, so one whose {@code Content-Type} says otherwise (a form, which is what
 * {@code curl -d} sends unless told, text, JSON in another charset) was written for another reader:
 * it is refused, 415 naming the header, before any of it is parsed, rather than read as JSON by
 * chance.
 *
 * <p>Accepted: {@code application/json} in any letter case, with any parameters, of which a
 * {@code charset} must be {@code utf-8}. Every other type is refused, {@code +json} types too: they
 * name formats with meanings of their own (a merge patch, a problem document) that the server would
 * read as a plain document. A body with no {@code Content-Type} is read as JSON, as HTTP lets a
 * recipient do with a body nobody labelled: JSON is all the API reads, and hand-written clients and
 * load scripts often send none.
 *
 * <p>Decisions pass here, so the value is scanned in place: no pattern, no allocation.
 */
final class BodyMediaType {
  static final String HEADER = "Content-Type";
  static final String TYPE_RULE = "must be application/json when the request has a body";
  static final String CHARSET_RULE = "must name charset utf-8 or none: the body is read as UTF-8";
  static final String ONCE_RULE = "must be given once";

  private static final String JSON = "application/json";
  private static final String CHARSET = "charset";
  private static final String UTF_8 = "utf-8";

  private BodyMediaType() {}

  /** Refuses {@code req}'s body if its {@code Content-Type} is given and is not JSON in UTF-8, or is given twice. */
  static void requireJson(HttpServletRequest req) {
    String declared = declared(req);
    if (declared == null) {
      return;
    }
    String rule = problem(declared);
    if (rule != null) {
      throw new ApiError(415, "unsupported-media-type", HEADER + ": " + rule, HEADER, rule);
    }
  }

  /**
   * The rule {@code value} breaks: {@link #TYPE_RULE} when it is not {@code application/json} (or
   * is malformed), {@link #CHARSET_RULE} when it names another charset; null when it is acceptable.
   * Media types are case-insensitive, as are parameter names and charset names (RFC 9110 8.3.1).
   */
  static String problem(String value) {
    int n = value.length();
    int i = spaces(value, 0);
    if (!value.regionMatches(true, i, JSON, 0, JSON.length())) {
      return TYPE_RULE;
    }
    i += JSON.length();
    // parameters = *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] )
    while (true) {
      i = spaces(value, i);
      if (i == n) {
        return null;
      }
      if (value.charAt(i) != ';') {
        return TYPE_RULE; // another subtype (application/jsonp), or a malformed list
      }
      i = spaces(value, i + 1);
      if (i == n || value.charAt(i) == ';') {
        continue; // an empty parameter
      }
      int nameStart = i;
      i = token(value, i);
      int nameEnd = i;
      if (nameEnd == nameStart || i == n || value.charAt(i) != '=') {
        return TYPE_RULE;
      }
      i++;
      int valueStart;
      int valueEnd;
      if (i < n && value.charAt(i) == '"') {
        valueStart = i + 1;
        valueEnd = quoted(value, valueStart);
        if (valueEnd < 0) {
          return TYPE_RULE;
        }
        i = valueEnd + 1;
      } else {
        valueStart = i;
        i = token(value, i);
        valueEnd = i;
        if (valueEnd == valueStart) {
          return TYPE_RULE;
        }
      }
      if (nameEnd - nameStart == CHARSET.length() && value.regionMatches(true, nameStart, CHARSET, 0, CHARSET.length())
          && !(valueEnd - valueStart == UTF_8.length() && value.regionMatches(true, valueStart, UTF_8, 0, UTF_8.length()))) {
        return CHARSET_RULE;
      }
    }
  }

  /**
   * The request's one {@code Content-Type}, or null if it has none. Two lines are refused: which of
   * them the body is in cannot be told.
   */
  private static String declared(HttpServletRequest req) {
    HttpFields fields = JettyFields.of(req);
    if (fields == null) {
      return declaredThroughServlet(req);
    }
    String value = null;
    for (int i = 0, n = fields.size(); i < n; i++) {
      HttpField field = fields.getField(i);
      if (field.getHeader() == HttpHeader.CONTENT_TYPE) {
        if (value != null) {
          throw ApiError.badInput(HEADER, ONCE_RULE);
        }
        value = field.getValue();
      }
    }
    return value;
  }

  private static String declaredThroughServlet(HttpServletRequest req) {
    Enumeration<String> lines = req.getHeaders(HEADER);
    String value = lines.hasMoreElements() ? lines.nextElement() : null;
    if (lines.hasMoreElements()) {
      throw ApiError.badInput(HEADER, ONCE_RULE);
    }
    return value;
  }

  /** Past optional whitespace (spaces and tabs) from {@code i}. */
  private static int spaces(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /** Past the token characters (RFC 9110 5.6.2) from {@code i}. */
  private static int token(String s, int i) {
    while (i < s.length() && isTokenChar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isTokenChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** The index of the quote that closes a quoted string whose content starts at {@code i}; -1 if none does. */
  private static int quoted(String s, int i) {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"') {
        return i;
      }
      i += c == '\\' ? 2 : 1;
    }
    return -1;
  }
}
