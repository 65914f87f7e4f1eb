package dev.quota.redis;

import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterOp;
import io.netty.buffer.ByteBufUtil;
import java.util.List;

/**
 * The body of the record the script files for a reservation it applies: everything but the
 * times, which only the script knows (layout in {@code quota.lua}, at {@code parse_active}).
 * Prepared here so that the script files it with one concatenation: a decision costs Redis less
 * the less Lua it runs.
 */
final class ReservationRecord {
  private ReservationRecord() {}

  /**
   * @param counterKeys the counter key of each op, in order
   * @param opFields the script fields of each op ({@link ScriptCodec#fields}), in order
   * @param heldNanos the budget the reservation holds (its largest budget amount)
   * @param payload the caller's payload, or null
   */
  static String body(List<String> counterKeys, List<List<String>> opFields, long heldNanos, String payload) {
    StringBuilder sb = new StringBuilder(64 + 96 * counterKeys.size());
    sb.append(heldNanos).append(':').append(counterKeys.size()).append(':');
    for (int i = 0; i < counterKeys.size(); i++) {
      sized(sb, counterKeys.get(i));
      sized(sb, String.join("\0", opFields.get(i)));
    }
    if (payload != null) {
      sized(sb, payload);
    }
    return sb.toString();
  }

  /** As {@link #body(List, List, long, String)}, for the counter keys from {@code keys[from]} on. */
  static String body(String[] keys, int from, ScriptCodec.OpFields[] opFields, long heldNanos, String payload) {
    int n = keys.length - from;
    int size = 24;
    for (int i = 0; i < n; i++) {
      size += keys[from + i].length() + 8 + opFields[i].sizedText().length();
    }
    StringBuilder sb = new StringBuilder(size + (payload == null ? 0 : payload.length() + 8));
    sb.append(heldNanos).append(':').append(n).append(':');
    for (int i = 0; i < n; i++) {
      sized(sb, keys[from + i]);
      sb.append(opFields[i].sizedText());
    }
    if (payload != null) {
      sized(sb, payload);
    }
    return sb.toString();
  }

  /** A record body without payload ({@code head}, from {@link #body}) with {@code payload} (or none) added. */
  static String withPayload(String head, String payload) {
    return payload == null ? head : head + ByteBufUtil.utf8Bytes(payload) + ":" + payload;
  }

  /** {@code text} preceded by its length and a colon, as the record files it. */
  static String sized(String text) {
    return ByteBufUtil.utf8Bytes(text) + ":" + text;
  }

  /** The budget a reservation holds: its largest budget amount. */
  static long held(List<CounterOp> ops) {
    long held = 0;
    for (CounterOp op : ops) {
      if (op instanceof BudgetOp b) {
        held = Math.max(held, b.amountNanos());
      }
    }
    return held;
  }

  /** Length in bytes as the connection encodes the text (UTF-8), so the script can cut it out. */
  private static void sized(StringBuilder sb, String text) {
    sb.append(ByteBufUtil.utf8Bytes(text)).append(':').append(text);
  }
}
