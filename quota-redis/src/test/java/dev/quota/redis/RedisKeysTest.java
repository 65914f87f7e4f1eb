package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.RateOp;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
  private final RedisKeys keys = new RedisKeys("q:");

  @Test
  void aSubjectIsTheHashTagOfItsCounters() {
    String subject = CounterKeys.subjectOf(Subject.of("user", "a}b{c"));
    assertThat(keys.counter(new CounterKey(subject, "c"))).isEqualTo("q:{user:a%7Db%7Bc}c");
  }

  @Test
  void aSlidingWindowKeyNamesItsLayoutAndOtherCountersKeepTheirs() {
    String subject = CounterKeys.subjectOf(Subject.of("user", "a"));
    RateLimit window = RateLimit.perWindow(10, Duration.ofMinutes(1));
    RateLimit bucket = new RateLimit(RateLimit.REQUESTS, 10, Duration.ofMinutes(1), Algorithm.TOKEN_BUCKET);
    RateOp w = new RateOp(CounterKeys.rate(subject, window), true, "w", window, 1);
    RateOp b = new RateOp(CounterKeys.rate(subject, bucket), true, "b", bucket, 1);
    assertThat(keys.counter(w)).isEqualTo("q:{user:a}2" + w.key().name()).isNotEqualTo(keys.counter(w.key()));
    assertThat(keys.counter(b)).isEqualTo(keys.counter(b.key()));
    assertThat(RedisKeys.slot(keys.counter(w))).isEqualTo(RedisKeys.slot(keys.counter(b)));
  }

  @Test
  void callerIdsCannotOpenAHashTagOrCollide() {
    assertThat(keys.reservation("x{y}")).isEqualTo("q:res:x%7By%7D");
    assertThat(keys.reservation("%7B")).isNotEqualTo(keys.reservation("{"));
    assertThat(keys.idempotency("k")).isNotEqualTo(keys.reservation("k"));
  }

  @Test
  void patternsMatchOnlyLiterally() {
    assertThat(new RedisKeys("q*[1]?\\:").everything()).isEqualTo("q\\*\\[1\\]\\?\\\\:*");
  }

  /** The script finds the names in use beside the epoch marker it is given: 'names' for 'epoch'. */
  @Test
  void theNamesInUseSitBesideTheEpochMarkerInItsSlot() {
    assertThat(keys.names()).isEqualTo(keys.epoch().replaceFirst("epoch$", "names"));
    String counter = keys.counter(CounterKeys.concurrency("user:a"));
    int slot = RedisKeys.slot(counter);
    assertThat(keys.names(slot)).isEqualTo(keys.epoch(slot).replaceFirst("epoch$", "names"));
    assertThat(RedisKeys.slot(keys.names(slot))).isEqualTo(slot).isEqualTo(RedisKeys.slot(keys.resetMark("user:a")));
  }

  @Test
  void badPrefixesAndHandBuiltKeysAreRejected() {
    assertThatThrownBy(() -> new RedisKeys("a{b"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("prefix"));
    assertThatThrownBy(() -> keys.counter(new CounterKey("user:{x}", "c")))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("key.subject"));
  }
}
