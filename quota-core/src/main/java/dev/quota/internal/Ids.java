package dev.quota.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Identifiers for reservations, ledger rows and alerts. */
public final class Ids {
  private static final byte[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".getBytes(StandardCharsets.US_ASCII);

  private Ids() {}

  /** 128 random bits as 26 base-32 characters: unguessable, URL-safe, and cheap to make. */
  public static String newId() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long hi = rnd.nextLong();
    long lo = rnd.nextLong();
    // Bytes, not chars: a Latin-1 string copies bytes as they are; chars it would compress one by one.
    byte[] out = new byte[26];
    for (int i = 0; i < 26; i++) {
      int bits;
      if (i < 12) {
        bits = (int) ((hi >>> (59 - 5 * i)) & 31);
      } else if (i == 12) {
        bits = (int) (((hi & 15) << 1) | (lo >>> 63));
      } else {
        bits = (int) ((lo >>> (58 - 5 * (i - 13))) & 31);
      }
      out[i] = ALPHABET[bits];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }
}
