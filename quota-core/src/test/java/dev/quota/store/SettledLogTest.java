package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.internal.Ids;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettledLogTest {
  private static final long HOUR = 3600_000L;

  @Test
  void answersRepeatConflictExpiryAndUnknown() {
    SettledLog log = new SettledLog(8, HOUR);
    log.add("r1", "commit|5", 700, false, 1_000);
    log.add("r2", "", 0, true, 1_000);
    assertThat(log.find("r1", "commit|5", 2_000)).isEqualTo(new SettledLog.Outcome(false, true, 700));
    assertThat(log.find("r1", "commit|6", 2_000)).isEqualTo(new SettledLog.Outcome(false, false, 700));
    assertThat(log.find("r2", "release", 2_000).expired()).isTrue();
    assertThat(log.find("r3", "commit|5", 2_000)).isNull();
  }

  @Test
  void forgetsAfterItsTimeToLive() {
    SettledLog log = new SettledLog(8, HOUR);
    log.add("r1", "release", 0, false, 1_000);
    assertThat(log.find("r1", "release", 1_000 + HOUR - 1)).isNotNull();
    assertThat(log.find("r1", "release", 1_000 + HOUR)).isNull();
  }

  @Test
  void remembersTheNewestUpToItsCapacityAndNothingOlder() {
    int capacity = 1_000;
    SettledLog log = new SettledLog(capacity, HOUR);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20 * capacity; i++) {
      String id = Ids.newId();
      ids.add(id);
      log.add(id, "commit|" + i, i, false, 5_000);
    }
    int found = 0;
    for (int i = ids.size() - capacity; i < ids.size(); i++) {
      SettledLog.Outcome o = log.find(ids.get(i), "commit|" + i, 5_000);
      if (o != null) {
        assertThat(o.sameSettlement()).isTrue();
        assertThat(o.heldNanos()).isEqualTo(i);
        found++;
      }
    }
    // Random ids now and then crowd a probe window with entries the ring still holds, and the
    // oldest of them gives way early (allowed: forgetting only turns "repeated" into "unknown"); a
    // run of random ids has lost two in a thousand, so the bound leaves room for that, not for a
    // log that forgets as a rule.
    assertThat(found).isGreaterThanOrEqualTo(capacity * 99 / 100);
    for (int i = 0; i < ids.size() - capacity; i++) {
      assertThat(log.find(ids.get(i), "commit|" + i, 5_000)).isNull();
    }
  }

  @Test
  void anIdSettledAgainIsAnsweredWithItsNewestOutcome() {
    SettledLog log = new SettledLog(8, HOUR);
    log.add("r1", "commit|5", 700, false, 1_000);
    log.add("r1", "", 0, true, 2_000);
    assertThat(log.find("r1", "commit|5", 3_000)).isEqualTo(new SettledLog.Outcome(true, false, 0));
  }

  @Test
  void idsWhoseHashesShareTheirUpperHalfAreToldApart() {
    SettledLog log = new SettledLog(64, HOUR);
    long upper = 0x1234_5678_0000_0000L;
    // the same home cell as well (they differ only above the index's mask): a lookup of either
    // meets the other's cell, tag and all, and only the ring can tell them apart
    long first = upper | 0x10;
    long second = upper | 0x10 | (1L << 20);
    log.add(first, "commit|1", 11, false, 1_000);
    assertThat(log.find(second, "commit|1", 2_000)).isNull();
    log.add(second, "commit|2", 22, false, 1_000);
    assertThat(log.find(first, "commit|1", 2_000)).isEqualTo(new SettledLog.Outcome(false, true, 11));
    assertThat(log.find(second, "commit|2", 2_000)).isEqualTo(new SettledLog.Outcome(false, true, 22));
  }
}
