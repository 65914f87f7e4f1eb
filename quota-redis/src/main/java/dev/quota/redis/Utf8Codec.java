package dev.quota.redis;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;

/**
 * UTF-8 strings that Lettuce writes straight into the command's buffer. Lettuce's own
 * {@code StringCodec.UTF8} only estimates an argument's encoded size, so it encodes every argument
 * into a temporary buffer first and copies it; a decision sends dozens of arguments. Netty counts
 * UTF-8 bytes exactly, which lets Lettuce skip the temporary buffer.
 */
final class Utf8Codec implements RedisCodec<String, String>, ToByteBufEncoder<String, String> {
  static final Utf8Codec INSTANCE = new Utf8Codec();

  private Utf8Codec() {}

  @Override
  public boolean isEstimateExact() {
    return true;
  }

  @Override
  public int estimateSize(Object value) {
    return value == null ? 0 : ByteBufUtil.utf8Bytes((CharSequence) value);
  }

  @Override
  public void encodeKey(String key, ByteBuf target) {
    encode(key, target);
  }

  @Override
  public void encodeValue(String value, ByteBuf target) {
    encode(value, target);
  }

  private static void encode(String s, ByteBuf target) {
    if (s != null) {
      ByteBufUtil.writeUtf8(target, s);
    }
  }

  @Override
  public String decodeKey(ByteBuffer bytes) {
    return StringCodec.UTF8.decodeKey(bytes);
  }

  @Override
  public String decodeValue(ByteBuffer bytes) {
    return StringCodec.UTF8.decodeValue(bytes);
  }

  @Override
  public ByteBuffer encodeKey(String key) {
    return StringCodec.UTF8.encodeKey(key);
  }

  @Override
  public ByteBuffer encodeValue(String value) {
    return StringCodec.UTF8.encodeValue(value);
  }
}
