package dev.quota.server.json;

import dev.quota.Algorithm;
import dev.quota.Decision;
import dev.quota.LimitStatus;
import dev.quota.Mode;
import java.time.Instant;
import java.util.List;

/**
 * Writes a {@link Decision} in the wire format of {@link Wire#decision}, byte for byte, straight
 * into bytes: decisions are the hot path, and a node tree, or even a streaming generator set up
 * for each response, costs more than the decision itself on the in-memory store.
 */
public final class DecisionWriter {
  /** Room for a decision over a few limits without growing. */
  private static final int INITIAL_BYTES = 1024;
  // Member names, as JSON text made once.
  private static final JsonBytes.Name ADMITTED = JsonBytes.name("admitted");
  private static final JsonBytes.Name ALGORITHM = JsonBytes.name("algorithm");
  private static final JsonBytes.Name ALLOWED = JsonBytes.name("allowed");
  private static final JsonBytes.Name BINDING = JsonBytes.name("binding");
  private static final JsonBytes.Name CURRENCY = JsonBytes.name("currency");
  private static final JsonBytes.Name DENYING = JsonBytes.name("denying");
  private static final JsonBytes.Name EXPIRES_AT = JsonBytes.name("expiresAt");
  private static final JsonBytes.Name FAIL_OPEN = JsonBytes.name("failOpen");
  private static final JsonBytes.Name FROM_OVERRIDE = JsonBytes.name("fromOverride");
  private static final JsonBytes.Name KIND = JsonBytes.name("kind");
  private static final JsonBytes.Name LIMIT = JsonBytes.name("limit");
  private static final JsonBytes.Name LIMITS = JsonBytes.name("limits");
  private static final JsonBytes.Name METER = JsonBytes.name("meter");
  private static final JsonBytes.Name MODE = JsonBytes.name("mode");
  private static final JsonBytes.Name POLICY = JsonBytes.name("policy");
  private static final JsonBytes.Name REMAINING = JsonBytes.name("remaining");
  private static final JsonBytes.Name REPLAYED = JsonBytes.name("replayed");
  private static final JsonBytes.Name RESERVATION_ID = JsonBytes.name("reservationId");
  private static final JsonBytes.Name RESET_AT = JsonBytes.name("resetAt");
  private static final JsonBytes.Name RETRY_AT = JsonBytes.name("retryAt");
  private static final JsonBytes.Name SUBJECT = JsonBytes.name("subject");
  private static final JsonBytes.Name USED = JsonBytes.name("used");
  private static final JsonBytes.Name WINDOW = JsonBytes.name("window");

  private DecisionWriter() {}

  /** The decision as UTF-8 JSON text. */
  public static byte[] bytes(Decision d) {
    JsonBytes j = new JsonBytes(INITIAL_BYTES);
    j.startObject();
    j.field(ADMITTED, d.admitted());
    if (d.reservationId() != null) {
      j.field(RESERVATION_ID, d.reservationId());
      j.field(EXPIRES_AT, WireText.instant(d.expiresAt()));
    }
    if (d.retryAt() != null) {
      j.field(RETRY_AT, WireText.instant(d.retryAt()));
    }
    if (d.failOpen()) {
      j.field(FAIL_OPEN, true);
    }
    if (d.replayed()) {
      j.field(REPLAYED, true);
    }
    j.field(LIMITS);
    limits(d.limits(), j);
    LimitStatus binding = d.binding();
    if (binding != null) {
      j.field(BINDING);
      limit(binding, j);
    }
    if (!d.admitted()) {
      j.field(DENYING);
      limits(d.denying(), j);
    }
    return j.endObject().toByteArray();
  }

  private static void limits(List<LimitStatus> limits, JsonBytes j) {
    j.startArray();
    for (LimitStatus l : limits) {
      j.element();
      limit(l, j);
    }
    j.endArray();
  }

  private static void limit(LimitStatus l, JsonBytes j) {
    j.startObject();
    j.field(POLICY, l.selector().toString());
    j.field(SUBJECT, l.subject());
    j.field(KIND, l.kind().wireName());
    if (l.meter() != null) {
      j.field(METER, l.meter());
    }
    if (l.window() != null) {
      j.field(WINDOW, WindowText.of(l.window()));
    }
    if (l.algorithm() == Algorithm.TOKEN_BUCKET) { // as Wire#limit
      j.field(ALGORITHM, l.algorithm().wireName());
    }
    if (l.kind().isMoney()) {
      j.field(CURRENCY, l.currency());
      j.field(LIMIT, WireText.money(l.limit()));
      j.field(USED, WireText.money(l.used()));
      j.field(REMAINING, WireText.money(l.remaining()));
    } else {
      j.field(LIMIT, l.limit());
      j.field(USED, l.used());
      j.field(REMAINING, l.remaining());
    }
    instant(RESET_AT, l.resetAt(), j);
    if (l.mode() == Mode.ENFORCE) { // as Wire#limit: a shadow limit never makes a caller wait
      instant(RETRY_AT, l.retryAt(), j);
    }
    j.field(ALLOWED, l.allowed());
    j.field(MODE, l.mode().wireName());
    if (l.fromOverride()) { // as Wire#limit
      j.field(FROM_OVERRIDE, true);
    }
    j.endObject();
  }

  private static void instant(JsonBytes.Name name, Instant at, JsonBytes j) {
    if (at != null) {
      j.field(name, WireText.instant(at));
    }
  }
}
