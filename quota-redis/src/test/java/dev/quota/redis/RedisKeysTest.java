package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
  private final RedisKeys keys = new RedisKeys("q:");

  @Test
  void aSubjectIsTheHashTagOfItsCounters() {
    String subject = CounterKeys.subjectOf(Subject.of("user", "a}b{c"));
    assertThat(keys.counter(new CounterKey(subject, "c"))).isEqualTo("q:{user:a%7Db%7Bc}c");
  }

  @Test
  void callerIdsCannotOpenAHashTagOrCollide() {
    assertThat(keys.reservation("x{y}")).isEqualTo("q:res:x%7By%7D");
    assertThat(keys.reservation("%7B")).isNotEqualTo(keys.reservation("{"));
    assertThat(keys.idempotency("k")).isNotEqualTo(keys.reservation("k"));
  }

  @Test
  void patternsMatchOnlyLiterally() {
    assertThat(keys.subjectPattern("user:a*[b]?\\")).isEqualTo("q:{user:a\\*\\[b\\]\\?\\\\}*");
  }

  @Test
  void badPrefixesAndHandBuiltKeysAreRejected() {
    assertThatThrownBy(() -> new RedisKeys("a{b"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("prefix"));
    assertThatThrownBy(() -> keys.counter(new CounterKey("user:{x}", "c")))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("key.subject"));
  }
}
