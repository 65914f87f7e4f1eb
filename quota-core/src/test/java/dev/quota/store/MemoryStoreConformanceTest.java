package dev.quota.store;

import dev.quota.store.conformance.MutableClock;
import dev.quota.store.conformance.StoreContract;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;

class MemoryStoreConformanceTest extends StoreContract {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00.123Z"));
  private MemoryStore store;

  @BeforeEach
  void newStore() {
    store = new MemoryStore(clock);
  }

  @Override
  protected Store store() {
    return store;
  }

  @Override
  protected void advance(Duration d) {
    clock.advance(d);
  }

  @Override
  protected void dropCountersAtRest() {
    store.sweep();
  }

  @Override
  protected long storeNowMs() {
    return clock.millis();
  }
}
