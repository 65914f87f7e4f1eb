package dev.quota.server.http;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps decimal numbers in request bodies to exponents no field could need. The parser reads a
 * number's value only when the tree asks for it, so an exponent past what {@link BigDecimal} holds
 * ({@code 1e2147483648}) fails there, outside the parser's syntax errors; and one it does hold
 * ({@code 1e-999999999}) can pass every field rule yet overflow later arithmetic. Either is
 * refused by the field it was written in.
 */
final class JsonNumbers extends JsonNodeFactory {
  private static final long serialVersionUID = 1L;
  static final int MAX_EXPONENT = 1000;
  static final String RULE = "must be a number with an exponent between -" + MAX_EXPONENT + " and " + MAX_EXPONENT;

  /** Thrown while a tree is built; {@link JsonBody} names the field from the parser's position. */
  static final class OutOfRange extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutOfRange() {
      super(RULE, null, false, false);
    }
  }

  @Override
  public ValueNode numberNode(BigDecimal v) {
    if (v != null && (v.scale() > MAX_EXPONENT || v.scale() < -MAX_EXPONENT)) {
      throw new OutOfRange();
    }
    return super.numberNode(v);
  }

  /** The field the parser is in, as the API names fields ({@code rateLimits[0].limit}); {@code body} for the body itself. */
  static String field(JsonStreamContext context) {
    Deque<JsonStreamContext> chain = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      chain.push(c);
    }
    StringBuilder path = new StringBuilder();
    for (JsonStreamContext c : chain) {
      if (c.inArray()) {
        path.append(path.length() == 0 ? "body" : "").append('[').append(Math.max(c.getCurrentIndex(), 0)).append(']');
      } else if (c.getCurrentName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(c.getCurrentName());
      }
    }
    return path.length() == 0 ? "body" : path.toString();
  }
}
