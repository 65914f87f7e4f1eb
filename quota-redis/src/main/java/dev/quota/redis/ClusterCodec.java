package dev.quota.redis;

import dev.quota.ValidationException;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** KEYS and ARGV of the script's Redis Cluster calls ({@code group}, {@code compensate}, ...). */
final class ClusterCodec {
  /** Where a {@code group} call carries its deadline. */
  static final int GROUP_DEADLINE = 7;

  private final RedisKeys keys;

  ClusterCodec(RedisKeys keys) {
    this.keys = keys;
  }

  /** The part of {@code plan} whose counters lie in {@code slot}; files a reservation part if it reserves. */
  ScriptCodec.Call group(int slot, Plan plan, List<CounterOp> ops, long expiresAtMs, long heldNanos, long offsetMs) {
    boolean reserve = plan.kind() == Plan.Kind.RESERVE;
    List<String> k = new ArrayList<>(3 + ops.size());
    k.add(keys.epoch(slot));
    k.add(keys.expiries(slot));
    k.add(reserve ? keys.reservation(slot, plan.reservationId()) : keys.epoch(slot));
    List<String> a = new ArrayList<>(10 + ops.size() * 9);
    a.add("group");
    a.add(Long.toString(offsetMs));
    a.add(plan.kind().name().toLowerCase(Locale.ROOT));
    a.add(Long.toString(reserve ? ExactRange.check("ttlMs", plan.ttlMs()) : 0));
    a.add(Long.toString(expiresAtMs));
    int recordAt = a.size();
    a.add(""); // the part record's body, filled in below
    a.add(ScriptCodec.seedBudgets(plan));
    a.add("0"); // the deadline (GROUP_DEADLINE): none until set just before it is sent
    a.add(Integer.toString(ops.size()));
    List<List<String>> opFields = new ArrayList<>(ops.size());
    for (CounterOp op : ops) {
      k.add(keys.counter(op));
      List<String> f = ScriptCodec.fields(op);
      opFields.add(f);
      a.add(Integer.toString(f.size()));
      a.addAll(f);
    }
    if (reserve) {
      // the payload lives in the home record only
      a.set(recordAt, ReservationRecord.body(k.subList(3, k.size()), opFields, heldNanos, null));
    }
    return new ScriptCodec.Call(k.toArray(String[]::new), a.toArray(String[]::new));
  }

  ScriptCodec.Call compensate(int slot, String reservationId, long tombstoneMs, long offsetMs) {
    return new ScriptCodec.Call(
        new String[] {keys.expiries(slot), keys.reservation(slot, reservationId), keys.epoch(slot)},
        new String[] {"compensate", Long.toString(offsetMs), Long.toString(tombstoneMs)});
  }

  ScriptCodec.Call home(Plan plan, long expiresAtMs, long heldNanos, long keepMs, List<Integer> slots, long offsetMs) {
    StringBuilder groups = new StringBuilder();
    for (int s : slots) {
      groups.append(groups.length() == 0 ? "" : ",").append(s);
    }
    return new ScriptCodec.Call(
        new String[] {keys.reservation(plan.reservationId())},
        new String[] {"home", Long.toString(offsetMs), Long.toString(expiresAtMs), Long.toString(heldNanos),
          plan.payload() == null ? "" : plan.payload(), plan.payload() == null ? "0" : "1",
          Long.toString(keepMs), groups.toString(), "0"});
  }

  ScriptCodec.Call claim(String reservationId, boolean commit, long actualCostNanos, String fingerprint,
      Map<String, Long> meters, long offsetMs) {
    return new ScriptCodec.Call(
        new String[] {keys.reservation(reservationId)},
        new String[] {"claim", Long.toString(offsetMs), commit ? "1" : "0",
          Long.toString(ExactRange.check("actualCostNanos", actualCostNanos)), fingerprint, meters(meters), "0"});
  }

  ScriptCodec.Call idemClaim(String idempotencyKey, String fingerprint, long pendingMs, long offsetMs) {
    return new ScriptCodec.Call(
        new String[] {keys.idempotency(idempotencyKey)},
        new String[] {"idem_claim", Long.toString(offsetMs), nonNull(fingerprint), Long.toString(pendingMs), "0"});
  }

  /** Files the plan's answer under its idempotency key, or with {@code words} empty drops the claim. */
  ScriptCodec.Call idemFinish(String idempotencyKey, String fingerprint, String words, long offsetMs) {
    return new ScriptCodec.Call(
        new String[] {keys.idempotency(idempotencyKey)},
        new String[] {"idem_finish", Long.toString(offsetMs), nonNull(fingerprint), words});
  }

  /** Meters as kept with a settled reservation: name NUL value NUL ..., sorted by name. */
  static String meters(Map<String, Long> meters) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Long> m : new TreeMap<>(meters).entrySet()) {
      String name = m.getKey();
      ValidationException.require(name.indexOf('\0') < 0, "actualMeters", "names must not contain NUL");
      if (sb.length() > 0) {
        sb.append('\0');
      }
      sb.append(name).append('\0').append(ExactRange.check("actualMeters." + name, m.getValue()));
    }
    return sb.toString();
  }

  static Map<String, Long> meters(String text) {
    Map<String, Long> out = new TreeMap<>();
    if (!text.isEmpty()) {
      String[] f = text.split("\0", -1);
      for (int i = 0; i + 1 < f.length; i += 2) {
        out.put(f[i], Long.parseLong(f[i + 1]));
      }
    }
    return out;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
