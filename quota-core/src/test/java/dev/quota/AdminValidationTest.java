package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.admin.Override;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * An administrative action checks everything before it changes anything: a refused one leaves
 * no policy, override, audit entry or reset counter behind.
 */
class AdminValidationTest {
  private static final String EMOJI = "\uD83D\uDE00";

  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final Quota quota = Quota.builder().clock(clock).config(config).build();
  private final QuotaAdmin admin = quota.admin();

  private static Policy onePerHour(String selector) {
    return Policy.builder(selector).rateLimit(1, Duration.ofHours(1)).build();
  }

  @Test
  void anOverrideMayLastUpToItsMaximumLifetimeAndNoLonger() {
    Instant now = clock.instant();
    assertRefused(
        () -> admin.createOverride(Selector.parse("user:a"), null, now.plus(Override.MAX_LIFETIME).plusMillis(1), ADMIN, "r"),
        "expiresAt", "must be at most 3650 days (about 10 years) from now");
    assertRefused(
        () -> admin.createOverride(Selector.parse("user:a"), null, Instant.parse("+999999999-12-31T23:59:59Z"), ADMIN, "r"),
        "expiresAt", "must be at most 3650 days (about 10 years) from now");
    assertRefused(() -> admin.createOverride(Selector.parse("user:a"), null, now, ADMIN, "r"), "expiresAt", "must be in the future");
    assertThat(config.overrides()).isEmpty();
    assertThat(admin.audit(AuditQuery.latest(10))).isEmpty();

    Override longest = admin.createOverride(Selector.parse("user:a"), null, now.plus(Override.MAX_LIFETIME), ADMIN, "r").result();
    assertThat(config.overrides()).containsExactly(longest);
  }

  @Test
  void reasonsAndActorsWithControlCharactersAreRefusedBeforeAnythingChanges() {
    admin.putPolicy(onePerHour("user:*"), ADMIN, "initial");
    Override o = admin.createOverride(Selector.parse("team:a"), null, clock.instant().plusSeconds(60), ADMIN, "initial").result();
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isTrue();
    int auditBefore = admin.audit(AuditQuery.latest(100)).size();
    Instant later = clock.instant().plusSeconds(60);

    for (String bad : List.of("nul \u0000 here", "esc \u001b[31m red", "line\nbreak", "bell\u0007")) {
      assertRefused(() -> admin.putPolicy(onePerHour("user:x"), ADMIN, bad), "reason", "must contain only printable characters");
      assertRefused(() -> admin.createPolicy(onePerHour("user:x"), ADMIN, bad), "reason", "must contain only printable characters");
      assertRefused(() -> admin.createPolicy(onePerHour("user:x"), bad, "r"), "actor", "must contain only printable characters");
      assertRefused(() -> admin.deletePolicy(Selector.parse("user:*"), ADMIN, bad), "reason", "must contain only printable characters");
      assertRefused(() -> admin.createOverride(Selector.parse("user:x"), null, later, ADMIN, bad), "reason", "must contain only printable characters");
      assertRefused(() -> admin.revokeOverride(o.id(), ADMIN, bad), "reason", "must contain only printable characters");
      assertRefused(() -> admin.resetSubject(Subject.of("user", "u"), ADMIN, bad), "reason", "must contain only printable characters");
      assertRefused(() -> admin.putPolicy(onePerHour("user:x"), bad, "r"), "actor", "must contain only printable characters");
      assertRefused(() -> admin.resetSubject(Subject.of("user", "u"), bad, "r"), "actor", "must contain only printable characters");
    }

    assertThat(admin.policies()).containsExactly(onePerHour("user:*"));
    assertThat(admin.overrides()).containsExactly(o);
    assertThat(admin.audit(AuditQuery.latest(100))).hasSize(auditBefore);
    // The counter was not reset: the hour's one request is still spent.
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isFalse();
  }

  /**
   * A reason is optional, but one given must say something: a blank one read in the trail as a
   * reason given, and only overrides refused it. None given is recorded as none.
   */
  @Test
  void aBlankReasonIsRefusedByEveryActionAndNoneGivenIsRecordedAsNone() {
    admin.putPolicy(onePerHour("user:*"), ADMIN, null);
    Override o = admin.createOverride(Selector.parse("team:a"), null, clock.instant().plusSeconds(60), ADMIN, "initial").result();
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isTrue();
    int auditBefore = admin.audit(AuditQuery.latest(100)).size();
    Instant later = clock.instant().plusSeconds(60);
    String rule = "must not be blank: give a reason, or leave it out to give none";

    assertRefused(() -> admin.createOverride(Selector.parse("user:x"), null, later, ADMIN, null), "reason",
        "is required: an override must say why");
    for (String blank : List.of("", " ", "\u2003")) {
      assertRefused(() -> admin.putPolicy(onePerHour("user:x"), ADMIN, blank), "reason", rule);
      assertRefused(() -> admin.createPolicy(onePerHour("user:x"), ADMIN, blank), "reason", rule);
      assertRefused(() -> admin.deletePolicy(Selector.parse("user:*"), ADMIN, blank), "reason", rule);
      assertRefused(() -> admin.createOverride(Selector.parse("user:x"), null, later, ADMIN, blank), "reason",
          "must not be blank: an override requires a reason");
      assertRefused(() -> admin.revokeOverride(o.id(), ADMIN, blank), "reason", rule);
      assertRefused(() -> admin.resetSubject(Subject.of("user", "u"), ADMIN, blank), "reason", rule);
    }

    assertThat(admin.audit(AuditQuery.latest(100))).hasSize(auditBefore);
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isFalse();
    admin.resetSubject(Subject.of("user", "u"), ADMIN, null);
    assertThat(admin.audit(AuditQuery.latest(1)).get(0).reason()).isEqualTo(dev.quota.admin.AuditText.NO_REASON);
  }

  /**
   * A budget built through the Java API with a legacy zone (SystemV/EST5, GMT+2, EST5EDT, Etc/GMT+5)
   * was stored, where the HTTP API and the configuration file refuse it; EST, a legacy name Java
   * itself does not read, cannot even be built. Every write refuses them alike, naming the zone.
   */
  @Test
  void aBudgetInALegacyTimeZoneIsRefusedByEveryWriteAsTheHttpApiRefusesIt() {
    for (String legacy : List.of("SystemV/EST5", "GMT+2", "EST5EDT", "Etc/GMT+5", "CET")) {
      java.time.ZoneId zone = java.time.ZoneId.of(legacy);
      Policy p = Policy.builder("user:*").budget(new Budget("USD", Money.of("1"), null, null, zone, null, 1)).build();
      String rule = dev.quota.internal.TimeZones.RULE + ": '" + zone.getId() + "' is a legacy name, write a region (America/New_York)"
          + " or an offset (-05:00) instead";
      assertRefused(() -> admin.putPolicy(p, ADMIN, "r"), "budget.timezone", rule);
      assertRefused(() -> admin.createPolicy(p, ADMIN, "r"), "budget.timezone", rule);
      assertRefused(() -> admin.replacePolicy(p, any -> true, ADMIN, "r"), "budget.timezone", rule);
      assertRefused(() -> admin.createOverride(Selector.parse("user:a"), p, clock.instant().plusSeconds(60), ADMIN, "r"),
          "budget.timezone", rule);
    }
    assertThat(config.policies()).isEmpty();
    assertThat(config.overrides()).isEmpty();
    assertThat(admin.audit(AuditQuery.latest(10))).isEmpty();

    for (String accepted : List.of("Europe/Berlin", "US/Eastern", "UTC", "Z", "+05:30", "UTC-03:00")) {
      java.time.ZoneId zone = java.time.ZoneId.of(accepted);
      admin.putPolicy(Policy.builder("user:*").budget(new Budget("USD", Money.of("1"), null, null, zone, null, 1)).build(), ADMIN, "r");
      assertThat(admin.policy(Selector.parse("user:*")).orElseThrow().budget().zone()).isEqualTo(zone);
    }
  }

  /**
   * createOverride took the reason before the actor, where every other admin method takes the
   * actor first: both are strings, so a call written in the others' order compiled and recorded
   * the actor as the reason and the reason as the actor.
   */
  @Test
  void anOverrideTakesTheActorBeforeTheReasonAsEveryOtherAdminMethodDoes() {
    Override o = admin.createOverride(Selector.parse("user:a"), null, clock.instant().plusSeconds(60), "ops@example.com", "incident 42")
        .result();
    assertThat(o.actor()).isEqualTo("ops@example.com");
    assertThat(o.reason()).isEqualTo("incident 42");
    assertThat(admin.audit(AuditQuery.latest(1))).singleElement().satisfies(e -> {
      assertThat(e.actor()).isEqualTo("ops@example.com");
      assertThat(e.reason()).isEqualTo("incident 42");
    });
  }

  @Test
  void reasonsAndActorsAreCountedInCharactersNotUtf16Units() {
    String longestReason = EMOJI.repeat(1000);
    String longestActor = EMOJI.repeat(200);
    admin.putPolicy(onePerHour("user:*"), longestActor, longestReason);
    admin.createOverride(Selector.parse("user:a"), null, clock.instant().plusSeconds(60), longestActor, longestReason);
    assertThat(admin.audit(AuditQuery.latest(10))).allSatisfy(e -> {
      assertThat(e.reason()).isEqualTo(longestReason);
      assertThat(e.actor()).isEqualTo(longestActor);
    });

    assertRefused(() -> admin.putPolicy(onePerHour("user:*"), ADMIN, longestReason + EMOJI), "reason", "must be at most 1000 characters");
    assertRefused(() -> admin.putPolicy(onePerHour("user:*"), longestActor + EMOJI, "r"), "actor", "must be at most 200 characters");
    assertThat(admin.audit(AuditQuery.latest(10))).hasSize(2);
  }

  /**
   * An earlier version stored an override expiring in the year 999,999,999, past what epoch
   * milliseconds hold; loading it then failed, so no policy change applied and no engine could
   * start over that configuration.
   */
  @Test
  void anOverrideStoredWithAnExpiryPastTheEnginesRangeStopsNeitherStartingNorOtherChanges() {
    Instant farFuture = Instant.parse("+999999999-12-31T23:59:59Z");
    MemoryConfigRepository stored = new MemoryConfigRepository();
    stored.putPolicy(onePerHour("user:*"), replaced -> entry("policy.create"));
    stored.putOverride(
        new Override("o1", Selector.parse("user:poison"), null, true, farFuture, "r", ADMIN, clock.instant()),
        entry("override.create"));

    Quota restarted = Quota.builder().clock(clock).config(stored).build();

    // The override is in force as stored: the bypass lets user:poison past the hourly limit.
    assertThat(restarted.reserve(Fixtures.user("poison")).admitted()).isTrue();
    assertThat(restarted.reserve(Fixtures.user("poison")).admitted()).isTrue();
    // Other changes still apply.
    restarted.admin().putPolicy(onePerHour("team:*"), ADMIN, "teams too");
    QuotaRequest team = QuotaRequest.builder().team("t").build();
    assertThat(restarted.reserve(team).admitted()).isTrue();
    assertThat(restarted.reserve(team).admitted()).isFalse();
    clock.advance(Duration.ofDays(365 * 1000));
    restarted.reloadConfig();
    assertThat(restarted.reserve(Fixtures.user("poison")).admitted()).isTrue();
  }

  private dev.quota.admin.AuditEntry entry(String action) {
    return new dev.quota.admin.AuditEntry(0, clock.instant(), ADMIN, action, "t", null, null, "r");
  }

  private static void assertRefused(Executable action, String field, String rule) {
    assertThatThrownBy(action::execute)
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.rule()).isEqualTo(rule);
        });
  }
}
