package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A part left out of an engine, a request, a policy or a call is refused where it is given, naming
 * it, rather than failing later (or at once) with a NullPointerException that names nothing.
 */
class EngineBuilderValidationTest {
  private static void refused(Runnable given, String field) {
    assertThatThrownBy(given::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo(field));
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

  @Test
  void aNullArgumentToTheEngineOrItsAdminIsRefusedNamingIt() {
    refused(() -> Policy.builder("user:*").rateLimit(null).build(), "rateLimits[0]");
    try (Quota quota = Quota.builder().build()) {
      refused(() -> quota.check(null), "request");
      refused(() -> quota.reserve(null), "request");
      refused(() -> quota.reserveAsync(null), "request");
      refused(() -> quota.record(null), "usage");
      refused(() -> quota.prepare(null), "request");
      refused(() -> quota.usage(null), "subject");
      refused(() -> quota.overrideInForce(null), "subject");
      QuotaAdmin admin = quota.admin();
      refused(() -> admin.putPolicy(null, "ops", null), "policy");
      refused(() -> admin.createPolicy(null, "ops", null), "policy");
      refused(() -> admin.deletePolicy(null, "ops", null), "selector");
      refused(() -> admin.resetSubject(null, "ops", null), "subject");
      refused(() -> admin.audit(null), "query");
      assertThat(admin.audit(dev.quota.admin.AuditQuery.latest(10))).as("nothing audited").isEmpty();
    }
  }
}
