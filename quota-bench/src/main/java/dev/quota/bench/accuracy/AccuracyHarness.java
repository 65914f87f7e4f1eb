package dev.quota.bench.accuracy;

import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import dev.quota.bench.limiters.Limiters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Workload C: replays arrival traces on one key through each limiter and judges every decision
 * against an {@link ExactSlidingLog} fed with that limiter's own admissions. An over-admission is
 * an admission that put more than the limit into some one-second interval; an under-admission is a
 * denial the exact log would have admitted. A token bucket or a fixed window is not meant to be a
 * sliding window, so their over-admissions measure how far their contract is from it, not a bug.
 */
public final class AccuracyHarness {
  private AccuracyHarness() {}

  /** One limiter on one trace. */
  public record Result(
      String trace,
      String limiter,
      long limit,
      int requests,
      long admitted,
      long exactAdmitted,
      long overAdmissions,
      long underAdmissions,
      long peakInWindow,
      long overAdmissionsAtMs) {}

  public static final List<String> LIMITERS =
      List.of("quota", "quota-tb", "bucket4j", "resilience4j", "guava");

  public static List<Result> run(int seconds) {
    List<Result> out = new ArrayList<>();
    for (Workload.Load load : Workload.Load.values()) {
      Workload w = new Workload(1, Workload.Distribution.UNIFORM, load, 1);
      long limit = w.limits(0)[0];
      Map<String, long[]> traces = new LinkedHashMap<>();
      traces.put("poisson 0.8x", Trace.poisson(limit, 0.8, seconds, 1));
      traces.put("poisson 1.5x", Trace.poisson(limit, 1.5, seconds, 2));
      traces.put("bursty 4x on/off", Trace.bursty(limit, seconds, 3));
      traces.put("window boundary 2x", Trace.boundary(limit, seconds));
      for (Map.Entry<String, long[]> t : traces.entrySet()) {
        long exact = exactAlone(t.getValue(), limit);
        for (String name : LIMITERS) {
          out.add(replay(t.getKey(), name, w, limit, t.getValue(), exact));
        }
      }
    }
    return out;
  }

  static long exactAlone(long[] arrivals, long limit) {
    ExactSlidingLog log = new ExactSlidingLog(limit, Trace.SECOND);
    long admitted = 0;
    for (long t : arrivals) {
      if (log.wouldAdmit(t)) {
        log.record(t);
        admitted++;
      }
    }
    return admitted;
  }

  static Result replay(String trace, String name, Workload w, long limit, long[] arrivals, long exact) {
    SimulatedTime time = new SimulatedTime();
    long start = time.nanos();
    ExactSlidingLog judge = new ExactSlidingLog(limit, Trace.SECOND);
    // The same judgement on arrival times cut to whole milliseconds, the resolution of Quota's clock.
    ExactSlidingLog judgeMs = new ExactSlidingLog(limit, Trace.SECOND);
    long overMs = 0;
    long admitted = 0;
    long over = 0;
    long under = 0;
    long peak = 0;
    try (Limiter limiter = Limiters.create(name, w, time)) {
      for (long t : arrivals) {
        time.set(start + t);
        boolean fits = judge.wouldAdmit(t);
        long ms = t / 1_000_000 * 1_000_000;
        boolean fitsMs = judgeMs.wouldAdmit(ms);
        boolean ok = limiter.tryAcquire(0);
        if (ok) {
          admitted++;
          judge.record(t);
          judgeMs.record(ms);
          if (!fitsMs) {
            overMs++;
          }
          peak = Math.max(peak, judge.countAt(t));
          if (!fits) {
            over++;
          }
        } else if (fits) {
          under++;
        }
      }
    }
    return new Result(trace, name, limit, arrivals.length, admitted, exact, over, under, peak, overMs);
  }
}
