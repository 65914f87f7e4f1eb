package dev.quota.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in plain words why a body is not JSON. The parser's own messages name its classes and
 * feature flags, which mean nothing to a client and tell it which library we run, so none of its
 * text is passed on: a message is recognised by how it starts and replaced by one of ours, and
 * only what the client itself sent (a character, a token, a field name) is quoted back.
 */
final class MalformedJson {
  private static final Pattern CHARACTER = Pattern.compile("^Unexpected character \\(.*?\\(code (\\d+)");
  private static final Pattern QUOTED = Pattern.compile("'([^']{0,64})'");

  private MalformedJson() {}

  /** 400 on {@code body}: "malformed JSON at line L, column C: reason". */
  static ApiError of(JsonProcessingException e, JsonLocation where) {
    String at = where == null || where.getLineNr() < 1 ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    return ApiError.badInput("body", "malformed JSON" + at + ": " + reason(e));
  }

  static String reason(JsonProcessingException e) {
    String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      return limit(m);
    }
    if (m.startsWith("Trailing token")) {
      return "more content follows the JSON value";
    }
    if (m.startsWith("Unexpected end-of-input")) {
      return "the body ends before the JSON value is complete";
    }
    if (m.startsWith("Duplicate field")) {
      String name = quoted(m);
      return name == null ? "a field appears more than once" : "field " + name + " appears more than once";
    }
    if (m.startsWith("Unexpected close marker")) {
      return "a closing bracket does not match an open one";
    }
    if (m.contains("in numeric value") || m.startsWith("Invalid numeric value") || m.startsWith("Numeric value")) {
      return "invalid number";
    }
    if (m.startsWith("Non-standard token") || m.startsWith("Unrecognized token")) {
      String token = quoted(m);
      return token == null ? "unrecognised token" : token + " is not a JSON value";
    }
    if (m.startsWith("Illegal unquoted character")) {
      return "a control character in a string must be escaped";
    }
    if (m.startsWith("Unrecognized character escape")) {
      return "invalid escape sequence in a string";
    }
    if (m.startsWith("Invalid UTF-8")) {
      return "the body is not valid UTF-8";
    }
    if (m.startsWith("Illegal character")) {
      return "unexpected control character";
    }
    Matcher c = CHARACTER.matcher(m);
    if (c.find()) {
      return "unexpected character " + character(Integer.parseInt(c.group(1))) + expected(m);
    }
    return "not valid JSON";
  }

  /** The parser's size limits, which {@link JsonBody} sets. */
  private static String limit(String m) {
    if (m.startsWith("Number value length")) {
      return "a number is longer than " + JsonBody.MAX_NUMBER_LENGTH + " characters";
    }
    if (m.startsWith("Document nesting depth")) {
      return "nested more than " + JsonBody.MAX_DEPTH + " levels deep";
    }
    if (m.startsWith("Name length")) {
      return "a field name is too long";
    }
    if (m.startsWith("String value length")) {
      return "a string is too long";
    }
    return "the document is too large";
  }

  private static String expected(String m) {
    if (m.contains("double-quote to start field name")) {
      return ", expected a field name in double quotes";
    }
    if (m.contains("colon to separate field name and value")) {
      return ", expected ':'";
    }
    if (m.contains("comma to separate Object entries")) {
      return ", expected ',' or '}'";
    }
    if (m.contains("comma to separate Array entries")) {
      return ", expected ',' or ']'";
    }
    if (m.contains("expected a valid value")) {
      return ", expected a value (string, number, object, array, true, false or null)";
    }
    return "";
  }

  private static String character(int code) {
    return code > 0x20 && code < 0x7f || Character.isLetterOrDigit(code)
        ? "'" + Character.toString(code) + "'"
        : String.format("U+%04X", code);
  }

  /** The first quoted word of the parser's message, which is what the client sent; null if it is over 64 characters. */
  private static String quoted(String m) {
    Matcher q = QUOTED.matcher(m);
    return q.find() ? "'" + q.group(1) + "'" : null;
  }
}
