package dev.quota.redis;

import dev.quota.store.Store;
import dev.quota.store.conformance.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.Nested;

/**
 * The shared store contract on a Redis store, run a second time in a nested class with every
 * decision made through {@code applyAsync}. A subclass supplies the store, its clock and how time
 * moves; the nested run takes all three from it.
 */
abstract class RedisStoreContract extends StoreContract {
  @Override
  protected long budgetCeiling() {
    return ExactRange.PAST;
  }

  /** The same contract with every decision made through {@code applyAsync}. */
  @Nested
  class ThroughApplyAsync extends StoreContract {
    private Store async;

    @Override
    protected long budgetCeiling() {
      return ExactRange.PAST;
    }

    @Override
    protected Store store() {
      if (async == null) { // the outer fixture's store exists once its @BeforeEach ran
        async = new ApplyingAsync(RedisStoreContract.this.store());
      }
      return async;
    }

    @Override
    protected void advance(Duration d) {
      RedisStoreContract.this.advance(d);
    }

    @Override
    protected long storeNowMs() {
      return RedisStoreContract.this.storeNowMs();
    }
  }
}
