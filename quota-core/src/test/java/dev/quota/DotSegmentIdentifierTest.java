package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.MemoryConfigRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A subject named {@code .} or {@code ..} could be decided on but never read, reset or revoked
 * through the paths that name it, which clients resolve away: it is refused wherever a new
 * subject is given. One stored before the rule still charges what it was taken for.
 */
class DotSegmentIdentifierTest {
  private final Quota quota = Quota.builder().clock(Fixtures.clock()).config(new MemoryConfigRepository()).build();

  @ParameterizedTest
  @ValueSource(strings = {".", ".."})
  void aRequestNamingADotSegmentIsRefusedNamingItAndChangesNothing(String id) {
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(10, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("5"), null, null)).build(), ADMIN, "t");
    assertRefused(() -> quota.record(QuotaRequest.builder().user("bob").team(id).estimatedCost("1").build()), "subjects.team");
    assertRefused(() -> QuotaRequest.builder().subject("region", id).build(), "subjects.region");
    assertRefused(() -> Subject.of("user", id), "id");
    assertThatThrownBy(() -> Subject.parse("subjects[0]", "user:" + id))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("subjects[0]");
          assertThat(e.rule()).isEqualTo("the identifier " + Subject.DOT_SEGMENT_RULE);
        });
    assertThat(quota.ledger().spent(Map.of("user", "bob"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.ZERO);
  }

  @Test
  void dotsInsideOrBesideOtherCharactersAreNamesLikeOthers() {
    for (String id : List.of("...", ".alice", "alice.", "a..b")) {
      assertThat(quota.reserve(QuotaRequest.builder().user(id).build()).admitted()).as(id).isTrue();
    }
  }

  @Test
  void aStoredSubjectNamedSoIsStillRead() {
    QuotaRequest stored = QuotaRequest.rebuilt(Map.of("user", ".."), Money.of("1"), Map.of());
    assertThat(stored.subjects()).containsEntry("user", "..");
  }

  private static void assertRefused(Runnable r, String field) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.rule()).isEqualTo(Subject.DOT_SEGMENT_RULE);
        });
  }
}
