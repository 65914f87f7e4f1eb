package dev.quota.server.api;

import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import dev.quota.server.http.QueryParameters;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;

/**
 * The reason an administrative change gives for the audit trail: in its body where it has one, as
 * {@code ?reason=} or in the {@code Quota-Reason} header. A reason is optional; one given follows
 * {@link AuditText#requireReason} wherever it is given (a blank one is refused, naming where it was
 * given), and it is given in one place only. An override's reason is required ({@link #required}).
 */
final class Reasons {
  /** The query parameters of an operation that takes a reason. */
  static final QueryParameters QUERY = QueryParameters.of("reason");
  static final String HEADER = "Quota-Reason";

  private Reasons() {}

  /** The reason given in the query or the header; null when none is. */
  static String of(Context ctx) {
    return of(ctx, null);
  }

  /** The reason given in the body ({@code inBody}, null if it gives none), the query or the header; null when none is. */
  static String of(Context ctx, String inBody) {
    Given g = given(ctx, inBody);
    AuditText.requireReason(g.field(), g.reason());
    return g.reason();
  }

  /**
   * The reason of a change that requires one (an override), given in the body or the header: one
   * not given, or blank, is refused saying that a reason is required, where a change whose reason
   * is optional says it may be left out.
   */
  static String required(Context ctx, String inBody) {
    Given g = given(ctx, inBody);
    ValidationException.require(g.reason() != null, "reason", "is required: give it in the body or the " + HEADER + " header");
    AuditText.requireGivenReason(g.field(), g.reason());
    return g.reason();
  }

  /** The reason as given, unchecked, and the name of where it was given. */
  private record Given(String field, String reason) {}

  /**
   * The header's text as the UTF-8 a client sends: the server reads each byte of a header as one
   * ISO-8859-1 character, so "café" arrived as "cafÃ©" and was written into the audit trail so. Bytes
   * that are not UTF-8 are refused, never guessed at.
   */
  static String utf8(String asRead) {
    boolean ascii = true;
    for (int i = 0; i < asRead.length(); i++) {
      char c = asRead.charAt(i);
      if (c > 0xFF) {
        return asRead; // decoded already: no single byte reads as this
      }
      ascii &= c < 0x80;
    }
    if (ascii) {
      return asRead;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(asRead.getBytes(StandardCharsets.ISO_8859_1)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ValidationException(HEADER, "must be UTF-8 text");
    }
  }

  private static Given given(Context ctx, String inBody) {
    String inQuery = ctx.queryParam("reason");
    // Every line of the header, not the first alone: a second line would otherwise be dropped unseen.
    List<String> inHeaders = Collections.list(ctx.req().getHeaders(HEADER));
    String inHeader = inHeaders.isEmpty() ? null : utf8(inHeaders.get(0));
    int given = (inBody != null ? 1 : 0) + (inQuery != null ? 1 : 0) + inHeaders.size();
    ValidationException.require(given <= 1, "reason", "give it once: in the body, as ?reason= or in the " + HEADER + " header");
    return inHeader != null ? new Given(HEADER, inHeader) : new Given("reason", inBody != null ? inBody : inQuery);
  }
}
