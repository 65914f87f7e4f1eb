package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An identifier that begins or ends with whitespace ({@code "alice "}) is another identifier than
 * the one meant, and would count apart from it: it is refused wherever one is given, naming the
 * field and the rule, and nothing changes. Nothing is trimmed. What was stored before the rule
 * still loads and applies.
 */
class PaddedIdentifierTest {
  private static final String RULE = "must not begin or end with whitespace";
  /** Whitespace of several kinds: ASCII space, no-break space, em space, narrow no-break space, ideographic space. */
  private static final List<String> BLANKS = List.of(" ", "\u00a0", "\u2003", "\u202f", "\u3000");

  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final Quota quota = Quota.builder().clock(clock).config(config).build();
  private final QuotaAdmin admin = quota.admin();

  @BeforeEach
  void policies() {
    for (String scope : List.of("user", "team", "project", "tool", "provider", "custom")) {
      admin.putPolicy(Policy.builder(scope + ":*").rateLimit(10, Duration.ofHours(1))
          .budget(Budget.of("USD", Money.of("5"), null, null)).build(), ADMIN, "t");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"user", "team", "project", "tool", "provider", "custom"})
  void aRequestNamingAPaddedSubjectOfAnyScopeIsRefusedNamingItAndChangesNothing(String scope) {
    for (String blank : BLANKS) {
      for (String id : List.of("alice" + blank, blank + "alice", blank + "alice" + blank)) {
        QuotaRequest.Builder request = QuotaRequest.builder().subject(scope, id).estimatedCost("1");
        if (!scope.equals("user")) {
          request.user("bob");
        }
        assertRefused(request::build, "subjects." + scope);
        QuotaRequest.Builder withKey = QuotaRequest.builder().subject(scope, id).idempotencyKey("k");
        assertRefused(withKey::build, "subjects." + scope);
      }
    }
    assertRefused(() -> quota.check(QuotaRequest.builder().subject(scope, "alice ").build()), "subjects." + scope);
    assertRefused(() -> quota.reserve(QuotaRequest.builder().subject(scope, "alice ").estimatedCost("1").build()),
        "subjects." + scope);
    assertRefused(() -> quota.record(QuotaRequest.builder().subject(scope, " alice").estimatedCost("1").build()),
        "subjects." + scope);
    assertRefused(() -> quota.prepare(QuotaRequest.builder().subject(scope, "alice\u00a0").build()), "subjects." + scope);

    assertThat(quota.ledger().spent(Map.of(scope, "alice "), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.ZERO);
    assertThat(quota.ledger().spent(Map.of(scope, "alice"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.ZERO);
    assertThat(quota.usage(Subject.of(scope, "alice"))).allMatch(l -> l.used() == 0);
  }

  @Test
  void anIdentifierMayHoldWhitespaceInsideIt() {
    assertThat(quota.reserve(QuotaRequest.builder().user("Alice Smith").team("search\u00a0eu").build()).admitted()).isTrue();
    assertThat(Subject.of("user", "Alice Smith").id()).isEqualTo("Alice Smith");
    assertThat(Selector.parse("user:Alice Smith").toString()).isEqualTo("user:Alice Smith");
  }

  /** Tabs and line breaks were refused before as unprintable; they still are, by that rule. */
  @Test
  void controlCharactersAtTheEndsKeepTheirOwnRule() {
    for (String id : List.of("alice\t", "\nalice", "alice\r\n")) {
      assertThatThrownBy(() -> QuotaRequest.builder().user(id).build())
          .isInstanceOfSatisfying(ValidationException.class, e -> {
            assertThat(e.field()).isEqualTo("subjects.user");
            assertThat(e.rule()).isEqualTo("must contain only printable characters");
          });
    }
  }

  @Test
  void anIdempotencyKeyWithWhitespaceAtAnEndIsRefusedAndClaimsNothing() {
    for (String key : List.of("req-42 ", " req-42", "req-42\u3000")) {
      assertRefused(() -> quota.record(
          QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey(key).build()), "idempotencyKey");
    }
    assertThat(quota.ledger().spent(Map.of("user", "u"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.ZERO);
    // Inside a key, a space is part of it.
    assertThat(quota.record(QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey("req 42").build()).admitted())
        .isTrue();
  }

  @Test
  void aSubjectGivenAloneNamesItsField() {
    assertRefused(() -> Subject.of("user", "alice "), "id");
    assertRefused(() -> new Subject("team", "\u2003search"), "id");
    assertRefused(() -> Subject.parse("user:alice "), "id");
    assertRefused(() -> Subject.parse("user: alice"), "id");
    assertThatThrownBy(() -> Subject.parse("subjects[1]", "user:alice "))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("subjects[1]");
          assertThat(e.rule()).startsWith("the identifier " + RULE);
        });
    assertRefused(() -> Subject.validateSubjectId("--id", "alice "), "--id");
    assertRefused(() -> Subject.validateId("idempotencyKey", " k"), "idempotencyKey");
  }

  @Test
  void aPolicyOrOverrideForAPaddedSelectorIsRefusedAndNothingIsSavedOrAudited() {
    int audited = admin.audit(AuditQuery.latest(100)).size();
    int policies = admin.policies().size();
    for (String selector : List.of("user:alice ", "user: alice", "user:*,tool:search ", "tool:search\u00a0,user:*")) {
      assertRefused(() -> Selector.parse(selector), "selector.id");
      assertRefused(() -> Policy.builder(selector), "selector.id");
    }
    assertRefused(() -> Selector.of("user", "alice "), "selector.id");
    assertRefused(() -> Selector.pair("user", "*", "tool", " x"), "selector.id");
    assertRefused(() -> Selector.of(List.of(new Selector.Part("user", "alice "))), "selector.id");

    // A selector read as stored lets the padding through; a new policy or override is still not bound to it.
    Policy padded = Policy.builder(Selector.parseStored("user:alice ")).rateLimit(1, Duration.ofHours(1)).build();
    assertRefused(() -> admin.putPolicy(padded, ADMIN, "r"), "selector.id");
    assertRefused(() -> admin.createPolicy(padded, ADMIN, "r"), "selector.id");
    assertRefused(() -> admin.replacePolicy(padded, p -> true, ADMIN, "r"), "selector.id");
    assertRefused(() -> admin.createOverride(
        Selector.parseStored("user:alice "), null, clock.instant().plusSeconds(60), ADMIN, "r"), "selector.id");
    assertRefused(() -> admin.createOverride(
        Selector.parseStored("user:alice "), padded, clock.instant().plusSeconds(60), ADMIN, "r"), "selector.id");

    assertThat(admin.policies()).hasSize(policies);
    assertThat(admin.overrides()).isEmpty();
    assertThat(admin.audit(AuditQuery.latest(100))).hasSize(audited);
  }

  @Test
  void aReservationIdWithWhitespaceAtAnEndIsRefusedAndSettlesNothing() {
    Decision d = quota.reserve(QuotaRequest.builder().user("u").estimatedCost("1").build());
    assertRefused(() -> quota.commit(d.reservationId() + " ", Money.of("1"), Map.of()), "reservationId");
    assertRefused(() -> quota.release(" " + d.reservationId()), "reservationId");
    assertThat(quota.ledger().spent(Map.of("user", "u"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.ZERO);
    assertThat(quota.commit(d.reservationId(), Money.of("1"), Map.of()).repeated()).isFalse();
  }

  /**
   * Policies stored before the rule are read with {@link Selector#parseStored}: the engine loads
   * them beside the others, and each can be read and deleted by the selector it was stored under.
   */
  @Test
  void aPolicyStoredWithAPaddedSelectorStillLoadsAndCanBeDeleted() {
    Selector stored = Selector.parseStored("tool:search ,user:*");
    assertThat(stored.toString()).isEqualTo("tool:search ,user:*");
    assertThat(stored.parts().get(0).id()).isEqualTo("search ");
    // As an earlier version stored it: straight into the repository, with no admin rule between.
    config.putPolicy(Policy.builder(Selector.parseStored("user:alice ")).rateLimit(1, Duration.ofHours(1)).build(),
        before -> new AuditEntry(0, clock.instant(), ADMIN, "policy.create", "user:alice ", null, "{}", ""));
    quota.reloadConfig();

    assertThat(admin.policies()).extracting(p -> p.selector().toString()).contains("user:alice ");
    assertThat(quota.reserve(QuotaRequest.builder().user("alice").build()).admitted()).isTrue();
    assertThat(admin.policy(Selector.parseStored("user:alice "))).isPresent();
    admin.deletePolicy(Selector.parseStored("user:alice "), ADMIN, "cleaning up a padded selector");
    assertThat(admin.policies()).extracting(p -> p.selector().toString()).doesNotContain("user:alice ");
  }

  /**
   * A reservation an earlier version made for {@code user:"alice "} is settled after the rule came:
   * its commit is ledgered with the subjects it was made for, and the alert it raises on the team's
   * budget is sent. (A rebuilt request stands in for that version's reservation: no request made
   * now can name the subject.)
   */
  @Test
  void aReservationMadeForAPaddedSubjectBeforeTheRuleStillCommitsAndAlerts() throws InterruptedException {
    Map<String, String> subjects = Map.of("user", "alice ", "team", "search");
    Decision d = quota.reserve(QuotaRequest.rebuilt(subjects, Money.of("0.50"), Map.of()));
    assertThat(d.admitted()).isTrue();

    assertThat(quota.commit(d.reservationId(), Money.of("4.25"), Map.of()).repeated()).isFalse();

    assertThat(quota.ledger().spent(subjects, Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.of("4.25"));
    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(quota.alertHistory().query("team:search", null, null, null, 0, 10))
        .extracting(a -> a.threshold().toPlainString()).containsExactly("0.8");
  }

  private static void assertRefused(Runnable r, String field) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.rule()).isEqualTo(Subject.PADDING_RULE);
        });
  }
}
