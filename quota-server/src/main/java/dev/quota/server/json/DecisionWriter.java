package dev.quota.server.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quota.Decision;
import dev.quota.LimitStatus;
import dev.quota.Money;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;

/**
 * Writes a {@link Decision} in the wire format of {@link Wire#decision}, byte for byte, straight to
 * a stream: decisions are the hot path, and building a node tree, then a string, then bytes costs
 * more than the decision itself on the in-memory store.
 */
public final class DecisionWriter {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private DecisionWriter() {}

  /** Writes {@code d} to {@code out}, which stays open. */
  public static void write(Decision d, OutputStream out) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(d, g);
    }
  }

  static void write(Decision d, JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("admitted", d.admitted());
    if (d.reservationId() != null) {
      g.writeStringField("reservationId", d.reservationId());
      g.writeStringField("expiresAt", WireText.instant(d.expiresAt()));
    }
    if (d.retryAt() != null) {
      g.writeStringField("retryAt", WireText.instant(d.retryAt()));
    }
    if (d.failOpen()) {
      g.writeBooleanField("failOpen", true);
    }
    if (d.replayed()) {
      g.writeBooleanField("replayed", true);
    }
    g.writeFieldName("limits");
    limits(d.limits(), g);
    if (!d.admitted()) {
      g.writeFieldName("denying");
      limits(d.denying(), g);
    }
    g.writeEndObject();
  }

  private static void limits(List<LimitStatus> limits, JsonGenerator g) throws IOException {
    g.writeStartArray();
    for (LimitStatus l : limits) {
      limit(l, g);
    }
    g.writeEndArray();
  }

  private static void limit(LimitStatus l, JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("policy", l.selector().toString());
    g.writeStringField("subject", l.subject());
    g.writeStringField("kind", l.kind().wireName());
    if (l.meter() != null) {
      g.writeStringField("meter", l.meter());
    }
    if (l.window() != null) {
      g.writeStringField("window", l.window().toString());
    }
    if (l.kind().isMoney()) {
      g.writeStringField("currency", l.currency());
      g.writeStringField("limit", WireText.money(l.limit()));
      g.writeStringField("used", WireText.money(Math.min(l.used(), Money.MAX_NANOS)));
      g.writeStringField("remaining", WireText.money(l.remaining()));
    } else {
      g.writeNumberField("limit", l.limit());
      g.writeNumberField("used", l.used());
      g.writeNumberField("remaining", l.remaining());
    }
    instant("resetAt", l.resetAt(), g);
    instant("retryAt", l.retryAt(), g);
    g.writeBooleanField("allowed", l.allowed());
    g.writeStringField("mode", l.mode().wireName());
    g.writeEndObject();
  }

  private static void instant(String name, Instant at, JsonGenerator g) throws IOException {
    if (at != null) {
      g.writeStringField(name, WireText.instant(at));
    }
  }
}
