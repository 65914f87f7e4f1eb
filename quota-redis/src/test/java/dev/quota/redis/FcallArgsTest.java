package dev.quota.redis;

import static dev.quota.redis.ScriptCodec.Form.LIKE;
import static dev.quota.redis.ScriptCodec.Form.REPEAT;
import static dev.quota.redis.ScriptCodec.Form.WHOLE;
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

  /** An apply call as the codec lays it out: epoch, expiries, idempotency, record, then a counter. */
  private static ScriptCodec.Call reserve(String id, String deadline, String counter) {
    return new ScriptCodec.Call(
        new String[] {"q:epoch", "q:expiries", "q:epoch", "q:res:" + id, counter},
        new String[] {"apply", "0", "reserve", "60000", "", "0:1:9:" + counter, deadline, "1", "0", "1", "7", "R", "1",
            "w", "100", "60000", "1", "requests", id});
  }

  @Test
  void aDecisionForTheSamePlanAsTheLastSentWholeGoesAsARepeat() {
    ScriptCodec.Call first = reserve("r1", "1700", "q:{u1}c");
    ScriptCodec.Call again = reserve("r2", "1702", "q:{u1}c");
    ScriptCodec.Call other = reserve("r3", "1702", "q:{u2}c");
    ScriptCodec.Call thenAgain = reserve("r4", "0", "q:{u1}c");
    List<ScriptCodec.Call> calls = List.of(first, again, other, again, thenAgain);
    // a like leaves the first the last sent whole, so the later ones still repeat it
    assertThat(DecisionBatcher.forms(calls)).containsExactly(WHOLE, REPEAT, LIKE, REPEAT, REPEAT);

    ScriptCodec.Call batch = DecisionBatcher.combine(calls);
    // whole, the repeat's record key, the like's record and counter keys, then two repeats' record keys
    assertThat(batch.keys()).containsExactly(
        "q:epoch", "q:expiries", "q:epoch", "q:res:r1", "q:{u1}c", "q:res:r2", "q:res:r3", "q:{u2}c", "q:res:r2", "q:res:r4");
    // after "batch" and the count: the first decision's counts and 19 arguments, then the repeat's
    int repeatAt = 2 + 2 + first.args().length;
    assertThat(List.of(batch.args()).subList(repeatAt, repeatAt + 4)).containsExactly("1", "2", "1702", "r2");
    // then the like's: its deadline, reservation id and record body
    assertThat(List.of(batch.args()).subList(repeatAt + 4, repeatAt + 9))
        .containsExactly("2", "3", "1702", "r3", "0:1:9:q:{u2}c");
    assertThat(batch.args()[batch.args().length - 2]).isEqualTo("0");
    assertThat(batch.args()[batch.args().length - 1]).isEqualTo("r4");
    assertSameBytes(calls, batch);
  }

  @Test
  void aDecisionThatDiffersOnlyInItsCountersRecordDeadlineAndIdGoesAsALikeAnythingElseWhole() {
    ScriptCodec.Call first = reserve("r1", "1700", "q:{u1}c");
    for (int i = 1; i < first.args().length - 1; i++) {
      if (i == 6) {
        continue; // the deadline
      }
      String[] args = first.args().clone();
      args[i] = args[i] + "x";
      ScriptCodec.Call changed = new ScriptCodec.Call(reserve("r2", "1700", "q:{u1}c").keys(), args);
      assertThat(DecisionBatcher.forms(List.of(first, changed))).as("argument %d", i)
          .containsExactly(WHOLE, i == 5 ? LIKE : WHOLE); // 5: the record body
    }
    for (int k = 0; k < first.keys().length; k++) {
      if (k == 3) {
        continue; // the record
      }
      String[] keys = first.keys().clone();
      keys[k] = keys[k] + "x";
      ScriptCodec.Call changed = new ScriptCodec.Call(keys, first.args());
      assertThat(DecisionBatcher.forms(List.of(first, changed))).as("key %d", k)
          .containsExactly(WHOLE, k == 4 ? LIKE : WHOLE); // 4: the counter
    }
    // a plan of other ops (here, another count of them) is no like
    ScriptCodec.Call twoOps = new ScriptCodec.Call(
        new String[] {"q:epoch", "q:expiries", "q:epoch", "q:res:r2", "q:{u1}c", "q:{u1}d"}, first.args());
    assertThat(DecisionBatcher.forms(List.of(first, twoOps))).containsExactly(WHOLE, WHOLE);
    // only apply calls go short
    ScriptCodec.Call settle = new ScriptCodec.Call(first.keys(), first.args().clone());
    settle.args()[0] = "settle";
    assertThat(DecisionBatcher.forms(List.of(settle, settle))).containsExactly(WHOLE, WHOLE);
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
