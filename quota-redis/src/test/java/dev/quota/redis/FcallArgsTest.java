package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batcher's arguments are exactly those Lettuce would send for the same FCALL. */
class FcallArgsTest {
  private static final ScriptCodec.Call FIRST = new ScriptCodec.Call(
      new String[] {"q:epoch", "q:{u1}2requests", "q:{zo\u00eb}\ud83d\ude80"},
      new String[] {"apply", "0", "", "1234567890123", "a\u0000b", "\u6771\u4eac"});
  private static final ScriptCodec.Call SECOND = new ScriptCodec.Call(
      new String[] {"q:{t9}2requests"}, new String[] {"apply", "9007199254740991", "x"});
  private static final ScriptCodec.Call EMPTY = new ScriptCodec.Call(new String[0], new String[0]);

  @Test
  void aLoneDecisionIsAPlainCall() {
    assertSameBytes(List.of(FIRST), FIRST);
    assertSameBytes(List.of(EMPTY), EMPTY);
  }

  @Test
  void lengthsAndCountsOfEveryWidthAreWrittenAsLettuceWritesThem() {
    String[] args = new String[1_000];
    for (int i = 0; i < args.length; i++) {
      args[i] = "x".repeat(i * 37 % 1_200) + i;
    }
    ScriptCodec.Call wide = new ScriptCodec.Call(new String[] {"q:{u1}2requests"}, args);
    assertSameBytes(List.of(wide), wide);
    assertSameBytes(List.of(wide, SECOND), DecisionBatcher.combine(List.of(wide, SECOND)));
  }

  @Test
  void severalDecisionsAreTheScriptsBatchCall() {
    List<ScriptCodec.Call> calls = List.of(FIRST, SECOND, EMPTY, FIRST);
    assertSameBytes(calls, DecisionBatcher.combine(calls));
    // ten or more decisions: counts of two digits
    List<ScriptCodec.Call> many = java.util.Collections.nCopies(12, SECOND);
    assertSameBytes(many, DecisionBatcher.combine(many));
  }

  private static void assertSameBytes(List<ScriptCodec.Call> calls, ScriptCodec.Call expected) {
    CommandArgs<String, String> lettuce = new CommandArgs<>(StringCodec.UTF8)
        .add("quota_f").add(expected.keys().length).addKeys(expected.keys()).addValues(expected.args());
    FcallArgs ours = new FcallArgs("quota_f", calls);
    assertThat(ours.count()).isEqualTo(lettuce.count());
    assertThat(bytes(ours)).isEqualTo(bytes(lettuce));
  }

  private static byte[] bytes(CommandArgs<String, String> args) {
    ByteBuf buf = Unpooled.buffer();
    args.encode(buf);
    byte[] b = new byte[buf.readableBytes()];
    buf.readBytes(b);
    return b;
  }
}
