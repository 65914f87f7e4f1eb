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
  void aPreparedNameWritesWhatTheNameWouldAndGrowsTheBufferWhenFull() {
    JsonBytes prepared = new JsonBytes(1);
    JsonBytes plain = new JsonBytes(1);
    prepared.startObject();
    plain.startObject();
    for (int i = 0; i < 50; i++) {
      prepared.field(N, "v" + i).field(N, i).field(N, i % 2 == 0);
      plain.field("n\"ame", "v" + i).field("n\"ame", i).field("n\"ame", i % 2 == 0);
    }
    assertThat(text(prepared.endObject())).isEqualTo(text(plain.endObject()));
  }

  private static String member(long v) {
    return text(new JsonBytes(2).startObject().field(N, v).endObject());
  }

  private static String text(JsonBytes j) {
    return new String(j.toByteArray(), StandardCharsets.UTF_8);
  }
}
