package dev.quota;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A part left out of an engine or a request is refused where it is given, naming it, not found missing later. */
class EngineBuilderValidationTest {
  private static void refused(Runnable given, String field) {
    assertThatThrownBy(given::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> org.assertj.core.api.Assertions.assertThat(e.field()).isEqualTo(field));
  }

  private static void refusedByBuilder(Consumer<Quota.Builder> given, String field) {
    refused(() -> given.accept(Quota.builder()), field);
  }

  @Test
  void aNullPartOfTheEngineIsRefusedNamingIt() {
    refusedByBuilder(b -> b.clock(null), "clock");
    refusedByBuilder(b -> b.config(null), "config");
    refusedByBuilder(b -> b.ledger(null), "ledger");
    refusedByBuilder(b -> b.alertHistory(null), "alertHistory");
    refusedByBuilder(b -> b.alertHandler(null), "alertHandler");
    refusedByBuilder(b -> b.listener(null), "listener");
    refusedByBuilder(b -> b.policyFormat(null), "policyFormat");
    try (Quota quota = Quota.builder().build()) {
      refused(() -> quota.addAlertHandler(null), "handler");
    }
  }

  @Test
  void aNullScopeOrMeterNameIsRefusedNamingTheMap() {
    refused(() -> QuotaRequest.builder().subject(null, "alice"), "subjects");
    refused(() -> QuotaRequest.builder().user("alice").meter(null, 1), "meters");
  }
}
