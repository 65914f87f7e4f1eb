package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

class PayloadTest {
  @Property(tries = 300)
  void anyIdentifiersSurviveTheRoundTrip(
      @ForAll @StringLength(min = 1, max = 40) String user, @ForAll @StringLength(min = 1, max = 40) String key) {
    Payload p = new Payload(Map.of("user", user, "tool", "a&b=c%d+e"), Money.of("0.05"), key);
    assertThat(Payload.decode(p.encode())).isEqualTo(p);
    Payload priced = new Payload(Map.of("user", user), Money.of("0.05"), key, "EUR");
    assertThat(Payload.decode(priced.encode())).isEqualTo(priced);
  }

  /** A reservation filed by a version that kept no currency is read as one without. */
  @Property(tries = 1)
  void aPayloadWithoutACurrencyHasNone() {
    assertThat(Payload.decode("~estimate=5&user=alice").currency()).isNull();
  }

  @Property(tries = 1)
  void theMetersOfAReservationSurviveTheRoundTrip() {
    Payload p = new Payload(
        Map.of("user", "alice"), Money.of("0.05"), null, "USD", new java.util.TreeMap<>(Map.of("requests", 1L, "tokens", 9007199254740991L)));
    assertThat(Payload.decode(p.encode())).isEqualTo(p);
    assertThat(Payload.decode("~estimate=5&user=alice").meters()).isEmpty();
  }

  /** A field a later version files is skipped, not taken for a subject and written to the ledger. */
  @Property(tries = 1)
  void aFieldThisVersionDoesNotKnowIsNotASubject() {
    assertThat(Payload.decode("~estimate=5&~later=x&user=alice").subjects()).isEqualTo(Map.of("user", "alice"));
  }
}
