package dev.quota.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuMeterTest {
  @Test
  void readsEachCoresBusyAndAllTicksLeavingIdleAndIoWaitOut() {
    CpuMeter.Sample s = CpuMeter.cores(List.of(
        "cpu  47514 0 8913 46713 393 0 873 29 0 0",
        "cpu0 25897 0 4024 21957 47 0 506 11 0 0",
        "cpu1 21616 3 4888 24755 346 1 367 18 5 0",
        "intr 833619 0 0"));

    assertThat(s.coreAll()).containsExactly(
        25897L + 4024 + 21957 + 47 + 506 + 11,
        21616L + 3 + 4888 + 24755 + 346 + 1 + 367 + 18);
    assertThat(s.coreBusy()).containsExactly(25897L + 4024 + 506 + 11, 21616L + 3 + 4888 + 1 + 367 + 18);
  }

  @Test
  void readsUserAndSystemTicksPastACommandNameWithSpacesAndParentheses() {
    String stat = "4242 (java (quota) x) S 1 4242 4242 0 -1 4194560 98 0 0 0 1234 567 3 4 20 0 31 0 1000 0 0";

    assertThat(CpuMeter.processTicks(stat)).isEqualTo(1234 + 567);
  }

  @Test
  void sharesAndProcessTimeAreDifferencesBetweenSamples() {
    CpuMeter.Sample before = new CpuMeter.Sample(new long[] {100, 50}, new long[] {200, 200}, 10);
    CpuMeter.Sample after = new CpuMeter.Sample(new long[] {200, 75}, new long[] {300, 300}, 60);

    CpuMeter.Usage u = CpuMeter.between(before, after);

    assertThat(u.coreBusyShare()).containsExactly(1.0, 0.25);
    assertThat(u.processMicros()).isEqualTo(50 * 10_000L);
  }

  @Test
  void aProcessThatCouldNotBeReadHasNoFigure() {
    CpuMeter.Sample before = new CpuMeter.Sample(new long[] {1}, new long[] {2}, -1);
    CpuMeter.Sample after = new CpuMeter.Sample(new long[] {2}, new long[] {4}, 70);

    assertThat(CpuMeter.between(before, after).processMicros()).isEqualTo(-1);
  }

  @Test
  void thisProcessShowsTheCpuItSpends() throws Exception {
    long pid = ProcessHandle.current().pid();
    CpuMeter.Sample before = CpuMeter.take(pid);
    long spent = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    long x = 0;
    // Burn at least 50 ms of this thread's CPU, counted by the JVM rather than by the clock.
    while (ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos() - spent < 50_000_000L) {
      for (int i = 0; i < 100_000; i++) {
        x += i * 31L ^ x;
      }
    }
    CpuMeter.Usage u = CpuMeter.between(before, CpuMeter.take(pid));

    assertThat(x).isNotZero();
    assertThat(u.processMicros()).isGreaterThanOrEqualTo(30_000L); // 50 ms, less a tick at each end
    assertThat(u.coreBusyShare()).isNotEmpty();
    for (double share : u.coreBusyShare()) {
      assertThat(share).isBetween(0.0, 1.0);
    }
  }
}
