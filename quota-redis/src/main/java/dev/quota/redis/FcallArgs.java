package dev.quota.redis;

import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;

/**
 * The arguments of one FCALL of the quota function, written straight from the decisions' calls
 * into the command's buffer: a plain call for one decision, the script's {@code batch} call (laid
 * out as {@link DecisionBatcher#combine}) for several. A batch carries hundreds of arguments;
 * Lettuce's own arguments would first copy them into combined arrays, then wrap each in an object
 * and format each length as a new string. The bytes sent are the same.
 */
final class FcallArgs extends CommandArgs<String, String> {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final String BATCH = "batch";

  private final String function;
  private final List<ScriptCodec.Call> calls;
  /** Per call of a batch, how it goes ({@link DecisionBatcher#forms}); null for one call. */
  private final ScriptCodec.Form[] forms;
  private final int keyCount;
  private final int count;

  FcallArgs(String function, List<ScriptCodec.Call> calls) {
    super(Utf8Codec.INSTANCE);
    this.function = function;
    this.calls = calls;
    this.forms = calls.size() > 1 ? DecisionBatcher.forms(calls) : null;
    int keys = 0;
    int args = 0;
    for (int i = 0; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      ScriptCodec.Form form = form(i);
      keys += c.sentKeys(form);
      args += c.sentArgs(form);
    }
    if (calls.size() > 1) {
      args += 2 + 2 * calls.size(); // "batch", the number of decisions; per decision its key and argument counts
    }
    this.keyCount = keys;
    this.count = 2 + keys + args; // the function's name and the number of keys first
  }

  private ScriptCodec.Form form(int i) {
    return forms == null ? ScriptCodec.Form.WHOLE : forms[i];
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public void encode(ByteBuf buf) {
    // One growth up front: the buffer would otherwise grow, and copy, several times per batch.
    buf.ensureWritable(estimatedBytes());
    text(buf, function);
    number(buf, keyCount);
    if (calls.size() == 1) {
      ScriptCodec.Call c = calls.get(0);
      for (String k : c.keys()) {
        text(buf, k);
      }
      for (String a : c.args()) {
        text(buf, a);
      }
      return;
    }
    for (int i = 0; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      ScriptCodec.Form form = forms[i];
      for (int j = 0, n = c.sentKeys(form); j < n; j++) {
        text(buf, c.sentKey(form, j));
      }
    }
    text(buf, BATCH);
    number(buf, calls.size());
    for (int i = 0; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      ScriptCodec.Form form = forms[i];
      int n = c.sentArgs(form);
      number(buf, c.sentKeys(form));
      number(buf, n);
      for (int j = 0; j < n; j++) {
        text(buf, c.sentArg(form, j));
      }
    }
  }

  /** The encoded size if every character takes one byte (each string's header and CRLFs included). */
  private int estimatedBytes() {
    int bytes = 64 + 32 * calls.size();
    for (int i = 0; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      ScriptCodec.Form form = form(i);
      for (int j = 0, n = c.sentKeys(form); j < n; j++) {
        bytes += c.sentKey(form, j).length() + 16;
      }
      for (int j = 0, n = c.sentArgs(form); j < n; j++) {
        bytes += c.sentArg(form, j).length() + 16;
      }
    }
    return bytes;
  }

  /** A bulk string: {@code $length CRLF bytes CRLF}, the length in UTF-8 bytes. */
  private static void text(ByteBuf buf, String s) {
    int bytes = ByteBufUtil.utf8Bytes(s);
    buf.ensureWritable(bytes + 16);
    buf.writeByte('$');
    decimal(buf, bytes);
    buf.writeBytes(CRLF);
    ByteBufUtil.writeUtf8(buf, s);
    buf.writeBytes(CRLF);
  }

  /** A number as a bulk string, formatted without a temporary string. */
  private static void number(ByteBuf buf, long n) {
    buf.writeByte('$');
    decimal(buf, digits(n));
    buf.writeBytes(CRLF);
    decimal(buf, n);
    buf.writeBytes(CRLF);
  }

  private static int digits(long n) {
    int d = 1;
    for (long p = 10; n >= p && d < 19; p *= 10) {
      d++;
    }
    return d;
  }

  /**
   * A non-negative number in ASCII digits, placed from the last digit back: a division by the
   * constant 10 compiles to a multiplication, where dividing by a running power of ten did not,
   * and every argument's length goes through here.
   */
  private static void decimal(ByteBuf buf, long n) {
    int start = buf.writerIndex();
    int end = start + digits(n);
    buf.ensureWritable(end - start);
    for (int at = end - 1; at >= start; at--) {
      buf.setByte(at, (int) ('0' + n % 10));
      n /= 10;
    }
    buf.writerIndex(end);
  }

  @Override
  public String toString() {
    return "FcallArgs[" + function + ", " + calls.size() + " decisions, " + count + " arguments]";
  }

  @Override
  public String toCommandString() {
    return toString();
  }
}
