package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Selector;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.Problems;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;

/**
 * The conditional request headers (RFC 9110, section 13) a policy write honours. Policies carry no
 * entity tag, so the one condition a write can be given is {@code If-None-Match: *}, "create only":
 * refused with 412 if the selector already has a policy. Any other {@code If-None-Match} and any
 * {@code If-Match} is refused with 400 naming the header, never ignored: a client that sends a
 * condition relies on it to keep its write from replacing a change it has not seen.
 */
final class Preconditions {
  static final String IF_NONE_MATCH = "If-None-Match";
  static final String IF_MATCH = "If-Match";

  private Preconditions() {}

  /** True if the request asks to create only ({@code If-None-Match: *}), false if it gives no condition. */
  static boolean createOnly(Context ctx) {
    refuseIfMatch(ctx);
    List<String> given = values(ctx, IF_NONE_MATCH);
    if (given.isEmpty()) {
      return false;
    }
    if (given.size() != 1 || !given.get(0).strip().equals("*")) {
      throw ApiError.badInput(IF_NONE_MATCH, "must be * (create only): policies have no entity tags to match");
    }
    return true;
  }

  /** Refuses any condition, for a write that honours none. */
  static void requireNone(Context ctx) {
    refuseIfMatch(ctx);
    if (!values(ctx, IF_NONE_MATCH).isEmpty()) {
      throw ApiError.badInput(IF_NONE_MATCH, "is not supported here: only a create (PUT) takes If-None-Match: *");
    }
  }

  /**
   * Answers 412: {@code selector} already has a policy. The problem names the selector in its
   * detail and as {@code selector}, in its canonical spelling, so a client can link to that policy.
   */
  static void taken(Context ctx, Selector selector) {
    String rule = "a policy for " + selector + " already exists";
    ObjectNode body = Problems.problem(412, "precondition-failed", rule + "; nothing was changed", IF_NONE_MATCH, rule);
    body.put("instance", ctx.path());
    body.put("selector", selector.toString());
    ctx.status(412).contentType(Problems.CONTENT_TYPE).result(Problems.bytes(body));
  }

  private static void refuseIfMatch(Context ctx) {
    if (!values(ctx, IF_MATCH).isEmpty()) {
      throw ApiError.badInput(IF_MATCH, "is not supported: policies have no entity tags; use If-None-Match: * to create only");
    }
  }

  /** Every line of the header as sent, so a second line is seen rather than dropped. */
  private static List<String> values(Context ctx, String header) {
    return Collections.list(ctx.req().getHeaders(header));
  }
}
