package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.UnrecordingConfig;
import dev.quota.store.conformance.MutableClock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * An admin change is stored, with its audit entry, and then applied by the engine's reload. When
 * that reload fails (here: the repository refuses to record the budget counters the change names),
 * the change is answered as stored and not applied, not as failed: sent again it would be refused
 * as a conflict or a stale precondition. The engine decides as before until a reload succeeds.
 */
class ChangeStoredWhenReloadFailsTest {
  private final MutableClock clock = Fixtures.clock();
  private final UnrecordingConfig config = new UnrecordingConfig();
  private final List<RuntimeException> notApplied = new CopyOnWriteArrayList<>();
  private final Quota quota = Quota.builder().clock(clock).config(config).listener(new QuotaListener() {
    @java.lang.Override
    public void onChangeNotApplied(RuntimeException error) {
      notApplied.add(error);
    }
  }).build();
  private final QuotaAdmin admin = quota.admin();

  private static Policy dailyBudget(String selector, String amount) {
    return Policy.builder(selector).budget(Budget.of("USD", Money.of(amount), null, null)).build();
  }

  private boolean admits(String user, String cost) {
    return quota.check(Fixtures.userCost(user, cost)).admitted();
  }

  @Test
  void aPolicyWhoseReloadFailsIsStoredAuditedAndAppliedByTheNextReload() {
    config.refuseRecording(true);

    Change<Optional<Policy>> put = admin.putPolicy(dailyBudget("user:*", "1.00"), ADMIN, "budget");

    assertThat(put.applied()).isFalse();
    assertThat(put.result()).isEmpty();
    assertThat(put.reloadFailure()).hasMessage("the budget counters cannot be recorded");
    assertThat(notApplied).containsExactly(put.reloadFailure());
    assertThat(admin.policies()).containsExactly(dailyBudget("user:*", "1.00"));
    AuditEntry audited = admin.audit(AuditQuery.latest(10)).get(0);
    assertThat(audited.action()).isEqualTo("policy.create");
    assertThat(audited.target()).isEqualTo("user:*");
    // Not in force here yet: no budget limits alice.
    assertThat(admits("alice", "2.00")).isTrue();

    config.refuseRecording(false);
    quota.reloadConfig();

    assertThat(admits("alice", "2.00")).isFalse();
    assertThat(admits("alice", "1.00")).isTrue();
    assertThat(notApplied).hasSize(1);
  }

  @Test
  void everyChangeIsAnsweredAsStoredWhetherOrNotTheEngineAppliedIt() {
    config.refuseRecording(true);

    // While a budget is stored the engine cannot take up its counters, so none of these applies.
    List<Change<?>> refused = List.of(
        admin.createPolicy(dailyBudget("user:*", "1.00"), ADMIN, "create"),
        admin.replacePolicy(dailyBudget("user:*", "2.00"), p -> true, ADMIN, "replace"),
        admin.putPolicy(dailyBudget("team:a", "5.00"), ADMIN, "put"),
        admin.deletePolicy(Selector.parse("team:a"), p -> true, ADMIN, "delete if"));
    Change<dev.quota.admin.Override> override = admin.createOverride(
        Selector.parse("user:bob"), dailyBudget("user:bob", "3.00"), clock.instant().plusSeconds(600), ADMIN, "override");
    Change<Void> revoked = admin.revokeOverride(override.result().id(), ADMIN, "revoke");

    assertThat(refused).noneMatch(Change::applied);
    assertThat(override.applied()).isFalse();
    assertThat(revoked.applied()).isFalse();
    assertThat(refused.get(1).result()).isEqualTo(dailyBudget("user:*", "1.00"));
    assertThat(refused.get(3).result()).isEqualTo(dailyBudget("team:a", "5.00"));
    assertThat(notApplied).hasSize(6);
    assertThat(admin.policies()).containsExactly(dailyBudget("user:*", "2.00"));
    assertThat(admin.overrides()).isEmpty();
    assertThat(admin.audit(AuditQuery.latest(10))).extracting(AuditEntry::action).containsExactly(
        "override.revoke", "override.create", "policy.delete", "policy.create", "policy.update", "policy.create");

    // With no budget left the reload records nothing, so this one is applied.
    Change<Void> deleted = admin.deletePolicy(Selector.parse("user:*"), ADMIN, "delete");
    assertThat(deleted.applied()).isTrue();
    assertThat(deleted.reloadFailure()).isNull();
    assertThat(notApplied).hasSize(6);
    assertThat(admits("alice", "100.00")).isTrue();
  }
}
