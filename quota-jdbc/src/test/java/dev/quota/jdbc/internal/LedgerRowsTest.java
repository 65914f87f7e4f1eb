package dev.quota.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Money;
import dev.quota.ValidationException;
import dev.quota.jdbc.json.JsonFields;
import dev.quota.ledger.UsageEntry;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LedgerRowsTest {
  @Test
  void metersJsonIsWhatAJsonWriterProducesWithSortedKeys() {
    Map<String, Long> meters = Map.of("tokens", 800L, "requests", 1L, "a_0", Long.MAX_VALUE, "z", 0L);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    new TreeMap<>(meters).forEach(o::put);

    assertThat(LedgerRows.metersJson(meters)).isEqualTo(JsonFields.write(o));
    assertThat(LedgerRows.parseMeters(LedgerRows.metersJson(meters))).isEqualTo(meters);
    assertThat(LedgerRows.metersJson(Map.of())).isEqualTo("{}");
  }

  @Test
  void aSpoolLineCarriesTheReservationTimeAndALineWrittenWithoutOneStillReads() {
    Instant at = Instant.parse("2025-03-10T12:00:00.123456789Z");
    UsageEntry commit = new UsageEntry(
        "e1", at, Map.of("user", "alice"), Money.of("1.5"), Map.of("tokens", 3L), "r-1", null, Money.ZERO,
        at.minusSeconds(90));
    UsageEntry recorded = new UsageEntry("e2", at, Map.of("user", "alice"), Money.of("1"), Map.of(), null, "k-2", null);

    assertThat(LedgerRows.fromSpoolLine(LedgerRows.toSpoolLine(commit))).isEqualTo(commit);
    assertThat(LedgerRows.fromSpoolLine(LedgerRows.toSpoolLine(recorded))).isEqualTo(recorded);
    assertThat(LedgerRows.toSpoolLine(recorded)).doesNotContain("reservedAt");
    // As a version that did not keep reservation times spooled a commit.
    String older = "{\"id\":\"e3\",\"at\":\"2025-03-10T12:00:00Z\",\"subjects\":{\"user\":\"alice\"},"
        + "\"amount\":\"2\",\"meters\":{},\"reservationId\":\"r-3\",\"idempotencyKey\":null,\"overrun\":\"0\"}";
    assertThat(LedgerRows.fromSpoolLine(older)).isEqualTo(new UsageEntry(
        "e3", Instant.parse("2025-03-10T12:00:00Z"), Map.of("user", "alice"), Money.of("2"), Map.of(), "r-3", null,
        Money.ZERO));
  }

  @Test
  void aSpoolLineCarriesTheCurrencyAndALineWrittenWithoutOneHasNone() {
    Instant at = Instant.parse("2025-03-10T12:00:00Z");
    UsageEntry priced = new UsageEntry(
        "e1", at, Map.of("team", "eu"), Money.of("1.5"), Map.of(), "r-1", null, Money.ZERO, at.minusSeconds(9), "EUR");
    UsageEntry unpriced = new UsageEntry("e2", at, Map.of("team", "eu"), Money.of("1"), Map.of(), null, "k-2", null);

    assertThat(LedgerRows.fromSpoolLine(LedgerRows.toSpoolLine(priced))).isEqualTo(priced);
    assertThat(LedgerRows.fromSpoolLine(LedgerRows.toSpoolLine(unpriced)).currency()).isNull();
    assertThat(LedgerRows.toSpoolLine(unpriced)).doesNotContain("currency");
  }

  @Test
  void aCurrencyThatIsNoCodeIsRefusedNamingTheField() {
    UsageEntry lowercase = new UsageEntry(
        "e1", Instant.parse("2025-03-10T12:00:00Z"), Map.of("team", "eu"), Money.of("1"), Map.of(), null, null,
        Money.ZERO, null, "eur");
    assertThatThrownBy(() -> LedgerRows.validate(lowercase))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("currency"));
  }

  @Test
  void subjectsTextIsSortedLinesBetweenNewlines() {
    Map<String, String> subjects = Map.of("user", "u:1", "team", "t", "provider", "openai");
    assertThat(LedgerRows.subjectsText(subjects)).isEqualTo("\nprovider:openai\nteam:t\nuser:u:1\n");
    assertThat(LedgerRows.parseSubjects(LedgerRows.subjectsText(subjects))).isEqualTo(subjects);
  }
}
