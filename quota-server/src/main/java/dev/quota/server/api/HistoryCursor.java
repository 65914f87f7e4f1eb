package dev.quota.server.api;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertPosition;
import dev.quota.internal.Printable;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.Query;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The {@code cursor} of a history page: where the next page starts, as the sort key of the last
 * row of the page before (an alert's time and id, an audit entry's id), so that rows stored
 * between pages neither shift nor repeat what a client reads, as they do with {@code offset}.
 *
 * <p>Opaque to clients: base64url of the list's name and the key, one per line, so a cursor of the
 * alerts is not taken for the audit trail's. A cursor that is not one a page gave out is refused
 * with a 400 naming {@code cursor}, before anything reaches the database.
 */
final class HistoryCursor {
  static final String PARAMETER = "cursor";
  /** Longer than any cursor a page gives out: an alert's id is at most 128 characters. */
  private static final int MAX_LENGTH = 400;
  private static final int MAX_ALERT_ID_LENGTH = 128;
  private static final String ALERTS = "alerts";
  private static final String AUDIT = "audit";
  private static final String RULE = "must be a nextCursor given by a page of this list, as it was given";

  private HistoryCursor() {}

  static String after(Alert last) {
    return encode(ALERTS + "\n" + last.at() + "\n" + last.id());
  }

  static String afterAuditEntry(long id) {
    return encode(AUDIT + "\n" + id);
  }

  /** The position the request's cursor names in the alert history; null without a cursor. */
  static AlertPosition alertPosition(Context ctx) {
    String[] parts = decode(ctx, ALERTS, 3);
    if (parts == null) {
      return null;
    }
    // Only the text a page gives out: a time outside years 1 to 9999 or an id no alert has would
    // reach the database only to be refused there, or to fail (PostgreSQL refuses a NUL outright).
    Instant at = Query.moment(parts[1]);
    String id = parts[2];
    if (at == null || !at.toString().equals(parts[1])
        || id.isEmpty() || id.length() > MAX_ALERT_ID_LENGTH || !Printable.isPrintable(id)) {
      throw invalid();
    }
    return new AlertPosition(at, id);
  }

  /** The id of the audit entry the request's cursor names; null without a cursor. */
  static Long auditEntryId(Context ctx) {
    String[] parts = decode(ctx, AUDIT, 2);
    if (parts == null) {
      return null;
    }
    String id = parts[1];
    if (id.isEmpty() || id.length() > 18 || !id.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw invalid();
    }
    return Long.parseLong(id);
  }

  private static String encode(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor's lines, the first naming {@code list}; null when the request has no cursor. */
  private static String[] decode(Context ctx, String list, int lines) {
    String cursor = Query.string(ctx, PARAMETER, MAX_LENGTH);
    if (cursor == null) {
      return null;
    }
    String offset = ctx.queryParam("offset");
    if (offset != null && !offset.isEmpty()) {
      throw ApiError.badInput(PARAMETER, "must not be given with offset: the cursor says where the page starts");
    }
    String text;
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(cursor);
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw invalid();
    }
    String[] parts = text.split("\n", -1);
    if (parts.length != lines || !parts[0].equals(list)) {
      throw invalid();
    }
    return parts;
  }

  private static ApiError invalid() {
    return ApiError.badInput(PARAMETER, RULE);
  }
}
