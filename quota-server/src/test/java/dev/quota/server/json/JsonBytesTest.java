package dev.quota.server.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Numbers and prepared names come out as the general path writes them. */
class JsonBytesTest {
  private static final JsonBytes.Name N = JsonBytes.name("n\"ame");

  @Test
  void wholeNumbersAreWrittenAsLongToStringWritesThem() {
    long[] edges = {0, 1, -1, 9, 10, -10, 99, 100, 1_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
    for (long v : edges) {
      assertThat(member(v)).isEqualTo("{\"n\\\"ame\":" + v + "}");
    }
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 100_000; i++) {
      long v = random.nextLong() >> random.nextInt(64);
      assertThat(member(v)).isEqualTo("{\"n\\\"ame\":" + Long.toString(v) + "}");
    }
  }

  @Test
  void aPreparedNameIsWrittenEscapedWithItsColonAndTheBufferGrowsWhenFull() {
    JsonBytes j = new JsonBytes(1);
    StringBuilder expected = new StringBuilder("{");
    j.startObject();
    for (int i = 0; i < 50; i++) {
      j.field(N, "v" + i).field(N, i).field(N, i % 2 == 0);
      expected.append(i == 0 ? "" : ",").append("\"n\\\"ame\":\"v").append(i).append("\",")
          .append("\"n\\\"ame\":").append(i).append(",")
          .append("\"n\\\"ame\":").append(i % 2 == 0);
    }
    assertThat(text(j.endObject())).isEqualTo(expected.append("}").toString());
  }

  private static String member(long v) {
    return text(new JsonBytes(2).startObject().field(N, v).endObject());
  }

  private static String text(JsonBytes j) {
    return new String(j.toByteArray(), StandardCharsets.UTF_8);
  }
}
