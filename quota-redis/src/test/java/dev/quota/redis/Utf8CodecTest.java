package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8CodecTest {
  @Test
  void itsSizeIsExactAndItsBytesAreUtf8() {
    for (String s : new String[] {"", "plain", "zo\u00eb", "\ud83d\ude80 launch", "\u6771\u4eac", "a\u0000b"}) {
      byte[] expected = s.getBytes(StandardCharsets.UTF_8);
      ByteBuf buf = Unpooled.buffer();
      Utf8Codec.INSTANCE.encodeValue(s, buf);
      byte[] written = new byte[buf.readableBytes()];
      buf.readBytes(written);
      assertThat(written).isEqualTo(expected);
      assertThat(Utf8Codec.INSTANCE.estimateSize(s)).isEqualTo(expected.length);
      assertThat(Utf8Codec.INSTANCE.decodeValue(java.nio.ByteBuffer.wrap(expected))).isEqualTo(s);
    }
    assertThat(Utf8Codec.INSTANCE.isEstimateExact()).isTrue();
  }
}
