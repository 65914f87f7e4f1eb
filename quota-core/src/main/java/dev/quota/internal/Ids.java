package dev.quota.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Identifiers for reservations, ledger rows and alerts. */
public final class Ids {
  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  private Ids() {}

  /** 128 random bits as 26 base-32 characters: unguessable, URL-safe, and cheap to make. */
  public static String newId() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long hi = rnd.nextLong();
    long lo = rnd.nextLong();
    char[] out = new char[26];
    for (int i = 0; i < 26; i++) {
      int bits;
      if (i < 12) {
        bits = (int) ((hi >>> (59 - 5 * i)) & 31);
      } else if (i == 12) {
        bits = (int) (((hi & 15) << 1) | (lo >>> 63));
      } else {
        bits = (int) ((lo >>> (58 - 5 * (i - 13))) & 31);
      }
      out[i] = ALPHABET.charAt(bits);
    }
    return new String(out);
  }
}
