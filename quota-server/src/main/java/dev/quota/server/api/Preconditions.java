package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.PolicyMismatchException;
import dev.quota.Selector;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.Problems;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The conditional request headers (RFC 9110, section 13) a policy write honours. A PUT takes
 * {@code If-None-Match: *}, "create only", refused with 412 if the selector already has a policy,
 * or {@code If-Match} ({@link IfMatch}), "replace only this version", refused with 412 unless the
 * selector's policy has one of the tags given ({@code *}: any policy); a DELETE takes
 * {@code If-Match} alike. Anything else, {@code If-None-Match} with another value or on a DELETE,
 * a malformed {@code If-Match}, or both headers at once, is refused with 400 naming the header,
 * never ignored: a client that sends a condition relies on it to keep its write from replacing a
 * change it has not seen.
 */
final class Preconditions {
  static final String IF_NONE_MATCH = "If-None-Match";

  private Preconditions() {}

  /** True if a PUT asks to create only ({@code If-None-Match: *}); refuses it beside {@code If-Match}. */
  static boolean createOnly(Context ctx) {
    List<String> given = values(ctx, IF_NONE_MATCH);
    if (given.isEmpty()) {
      return false;
    }
    if (!values(ctx, IfMatch.HEADER).isEmpty()) {
      throw ApiError.badInput(IfMatch.HEADER,
          "cannot be combined with If-None-Match: a PUT either creates only (If-None-Match: *) or replaces only (If-Match)");
    }
    if (given.size() != 1 || !given.get(0).strip().equals("*")) {
      throw ApiError.badInput(IF_NONE_MATCH, "must be * (create only); to replace only a version you have seen, use If-Match");
    }
    return true;
  }

  /** The {@code If-Match} condition of a write, if it gives one. */
  static Optional<IfMatch> ifMatch(Context ctx) {
    List<String> given = values(ctx, IfMatch.HEADER);
    return given.isEmpty() ? Optional.empty() : Optional.of(IfMatch.parse(given));
  }

  /** The {@code If-Match} condition of a DELETE, which takes no {@code If-None-Match}. */
  static Optional<IfMatch> forDelete(Context ctx) {
    if (!values(ctx, IF_NONE_MATCH).isEmpty()) {
      throw ApiError.badInput(IF_NONE_MATCH, "is not supported here: a DELETE takes If-Match, only a create (PUT) takes If-None-Match: *");
    }
    return ifMatch(ctx);
  }

  /**
   * Refuses a condition sent to a change that has none to compare (keys, overrides, resets carry no
   * tag): ignored, {@code If-Match} would let the change go ahead although nothing it names matched.
   */
  static void requireNone(Context ctx) {
    for (String header : List.of(IfMatch.HEADER, IF_NONE_MATCH)) {
      if (!values(ctx, header).isEmpty()) {
        throw ApiError.badInput(header, "is not supported here: only a policy's PUT and DELETE are conditional");
      }
    }
  }

  /**
   * Answers 412: {@code selector} already has a policy. The problem names the selector in its
   * detail and as {@code selector}, in its canonical spelling, so a client can link to that policy.
   */
  static void taken(Context ctx, Selector selector) {
    refuse(ctx, IF_NONE_MATCH, "a policy for " + selector + " already exists", selector, Optional.empty());
  }

  /**
   * Answers 412: the selector's policy is not one {@code If-Match} names, or it has none. The
   * problem says which, gives the current tag as {@code etag} when there is a policy, so a client
   * can fetch it and compare, and names the selector as {@link #taken} does.
   */
  static void mismatched(Context ctx, PolicyMismatchException found) {
    Selector selector = found.selector();
    Optional<String> current = found.current().map(PolicyTag::of);
    String rule = current
        .map(tag -> "the policy for " + selector + " has ETag " + tag + ", which If-Match does not name")
        .orElse("no policy for " + selector + " exists");
    refuse(ctx, IfMatch.HEADER, rule, selector, current);
  }

  /** 412 naming {@code header} and its {@code rule}, the selector, and the policy's current tag if given. */
  private static void refuse(Context ctx, String header, String rule, Selector selector, Optional<String> etag) {
    ObjectNode body = Problems.problem(412, "precondition-failed", rule + "; nothing was changed", header, rule);
    body.put("instance", ctx.path());
    body.put("selector", selector.toString());
    etag.ifPresent(tag -> body.put("etag", tag));
    ctx.status(412).contentType(Problems.CONTENT_TYPE).result(Problems.bytes(body));
  }

  /** Every line of the header as sent, so a second line is seen rather than dropped. */
  private static List<String> values(Context ctx, String header) {
    return Collections.list(ctx.req().getHeaders(header));
  }
}
