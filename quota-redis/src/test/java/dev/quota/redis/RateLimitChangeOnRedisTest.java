package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * On Redis as in memory, a rate limit given another window or algorithm starts each subject's new
 * counter from what the old one counted, in the decision's own call: a change hands out no fresh
 * allowance. On Redis Cluster a user and a team live in different slots, and each new counter finds
 * its predecessor in its own. The engine and Redis share one moved clock (Redis time plus an offset).
 */
class RateLimitChangeOnRedisTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  abstract static class Scenarios {
    final AtomicLong offset = new AtomicLong();
    RedisStore store;
    Quota quota;

    abstract RedisStore.Builder builder();

    void start() {
      store = builder().prefix("qa-e:test:ratechange:" + UUID.randomUUID() + ":").timeout(Duration.ofSeconds(2))
          .testClockOffset(offset::get).build();
      quota = Quota.builder().clock(new RedisTimeClock(offset)).store(store).build();
    }

    @AfterEach
    void drop() {
      store.deleteAll();
      quota.close();
      store.close();
    }

    private void limit(RateLimit r) {
      for (String selector : new String[] {"user:*", "team:*"}) {
        quota.admin().putPolicy(Policy.builder(selector).rateLimit(r).build(), "admin@test", "change");
      }
    }

    private int admitted(String user, String team, int calls) {
      int n = 0;
      for (int i = 0; i < calls; i++) {
        n += quota.reserve(QuotaRequest.builder().user(user).team(team).build()).admitted() ? 1 : 0;
      }
      return n;
    }

    @Test
    void aWindowTurnedIntoABucketLeavesItWhatTheWindowHadLeft() {
      start();
      limit(RateLimit.perWindow(10, MINUTE));
      assertThat(admitted("alice", "search", 6)).isEqualTo(6);
      limit(new RateLimit(RateLimit.REQUESTS, 10, MINUTE, Algorithm.TOKEN_BUCKET));
      assertThat(admitted("alice", "search", 10)).isEqualTo(4);
      // the team's counter carried its own use: bob's calls count against it
      assertThat(admitted("bob", "search", 10)).isZero();
    }

    @Test
    void aLongerWindowCountsWhatTheShorterOneCounted() {
      start();
      limit(RateLimit.perWindow(10, MINUTE));
      assertThat(admitted("alice", "search", 10)).isEqualTo(10);
      limit(RateLimit.perWindow(20, Duration.ofHours(1)));
      assertThat(admitted("alice", "search", 20)).isEqualTo(10);
      offset.addAndGet(Duration.ofMinutes(2).toMillis());
      assertThat(admitted("alice", "search", 1)).isZero(); // the carried ten stay in the hour's window
    }

    @Test
    void aShorterWindowCountsOnlyWhatTheLongerOneCountedWithinIt() {
      start();
      limit(RateLimit.perWindow(1000, Duration.ofHours(1)));
      assertThat(admitted("alice", "search", 50)).isEqualTo(50);
      offset.addAndGet(Duration.ofMinutes(2).toMillis());
      assertThat(admitted("alice", "search", 3)).isEqualTo(3);
      offset.addAndGet(Duration.ofSeconds(30).toMillis());
      limit(RateLimit.perWindow(10, MINUTE));
      // the three of the last minute count, the fifty before not
      assertThat(admitted("alice", "search", 10)).isEqualTo(7);
    }

    @Test
    void aWindowThatEmptiedAfterTheChangeDoesNotCarryTheOldUseAgain() {
      start();
      limit(new RateLimit(RateLimit.REQUESTS, 100, Duration.ofHours(1), Algorithm.TOKEN_BUCKET));
      assertThat(admitted("alice", "search", 100)).isEqualTo(100);
      limit(RateLimit.perWindow(10, MINUTE));
      assertThat(admitted("alice", "search", 1)).isZero(); // a minute's worth of the bucket's use
      offset.addAndGet(MINUTE.plusSeconds(1).toMillis());
      // a check finds the new windows empty, and Redis deletes them
      assertThat(quota.check(QuotaRequest.builder().user("alice").team("search").build()).admitted()).isTrue();
      assertThat(admitted("alice", "search", 11)).isEqualTo(10);
    }

    @Test
    void aBucketTurnedIntoAWindowCountsWhatTheBucketLacked() {
      start();
      limit(new RateLimit(RateLimit.REQUESTS, 10, MINUTE, Algorithm.TOKEN_BUCKET));
      assertThat(admitted("alice", "search", 10)).isEqualTo(10);
      limit(RateLimit.perWindow(10, Duration.ofMinutes(2)));
      assertThat(admitted("alice", "search", 10)).isZero();
      assertThat(admitted("carol", "maps", 10)).isEqualTo(10);
    }
  }

  @Nested
  class SingleNode extends Scenarios {
    @Override
    RedisStore.Builder builder() {
      return RedisStore.builder();
    }
  }

  @Nested
  class Cluster extends Scenarios {
    @Override
    RedisStore.Builder builder() {
      return RedisStore.builder().uri(cluster.uri());
    }
  }

  private static RedisClusterProcess cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new RedisClusterProcess();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }
}
