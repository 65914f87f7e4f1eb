package dev.quota.store;

import java.util.Arrays;

/**
 * Reservation ids as two longs, so a held reservation keeps no id string. The engine's ids (see
 * {@code dev.quota.internal.Ids}) are 26 base-32 digits: 25 carrying 125 bits and a last digit
 * those bits determine. Such an id is <em>compact</em>: {@link #high} and {@link #low} hold its
 * bits exactly, so two compact ids are equal exactly when their longs are. Any other string is
 * kept as it is, with a hash in {@link #high} to find it by.
 */
final class ReservationIds {
  private static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
  private static final int LENGTH = 26;
  /** Digit value by character, -1 for characters outside the alphabet. */
  private static final byte[] DIGIT = new byte[128];

  static {
    Arrays.fill(DIGIT, (byte) -1);
    for (int i = 0; i < ALPHABET.length(); i++) {
      DIGIT[ALPHABET.charAt(i)] = (byte) i;
    }
  }

  private ReservationIds() {}

  /** True if {@code id} is held as its bits alone: the engine's form, digit for digit. */
  static boolean isCompact(String id) {
    if (id.length() != LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH - 1; i++) {
      if (digit(id.charAt(i)) < 0) {
        return false;
      }
    }
    return id.charAt(LENGTH - 1) == ALPHABET.charAt(lastDigit(lowBits(id)));
  }

  /**
   * The first 64 bits of a compact id; for any other id, a hash of its characters.
   *
   * @param compact {@link #isCompact}{@code (id)}, passed in so the id is parsed once
   */
  static long high(String id, boolean compact) {
    if (!compact) {
      return hash(id);
    }
    long h = 0;
    for (int i = 0; i < 12; i++) {
      h = (h << 5) | digit(id.charAt(i));
    }
    return (h << 4) | (digit(id.charAt(12)) >>> 1);
  }

  /** The next 61 bits of a compact id, left-aligned; 0 for any other id. */
  static long low(String id, boolean compact) {
    return compact ? lowBits(id) : 0;
  }

  /** {@link #low} of an id whose first 25 characters are digits. */
  private static long lowBits(String id) {
    long l = digit(id.charAt(12)) & 1;
    for (int i = 13; i < LENGTH - 1; i++) {
      l = (l << 5) | digit(id.charAt(i));
    }
    return l << 3;
  }

  /** The compact id of these bits (the inverse of {@link #high} and {@link #low}). */
  static String text(long high, long low) {
    char[] out = new char[LENGTH];
    for (int i = 0; i < 12; i++) {
      out[i] = ALPHABET.charAt((int) ((high >>> (59 - 5 * i)) & 31));
    }
    out[12] = ALPHABET.charAt((int) (((high & 15) << 1) | (low >>> 63)));
    for (int i = 13; i < LENGTH - 1; i++) {
      out[i] = ALPHABET.charAt((int) ((low >>> (58 - 5 * (i - 13))) & 31));
    }
    out[LENGTH - 1] = ALPHABET.charAt(lastDigit(low));
    return new String(out);
  }

  /** A 64-bit hash of an id given as {@link #high} and {@link #low}, spread over every bit. */
  static long hash(long high, long low) {
    long h = high * 0x9e3779b97f4a7c15L ^ low;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** The engine's last digit repeats the two top bits of the low half. */
  private static int lastDigit(long low) {
    return (int) (low >>> 62);
  }

  private static int digit(char c) {
    return c < 128 ? DIGIT[c] : -1;
  }

  /** A 64-bit hash of any string: FNV-1a over the chars, then a finalizer so that nearby ones spread. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }
}
