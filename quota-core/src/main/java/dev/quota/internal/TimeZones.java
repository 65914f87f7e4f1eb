package dev.quota.internal;

import dev.quota.ValidationException;
import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * The time zones a budget's calendar and a cost report's range are read in, as {@link ZoneId#of}
 * reads them: an IANA region ({@code Europe/Berlin}), which follows its daylight saving time;
 * {@code UTC} (or {@code Z}, {@code GMT}); or a fixed offset from UTC ({@code +05:30}, {@code
 * UTC-03:00}), which never moves. Offsets are kept because a user who knows only the offset of
 * their billing day should not have to find a region that happens to share it, and policies that
 * name one are stored and must stay readable.
 */
public final class TimeZones {
  /** The rule a refused time zone is reported with; it lists every accepted form. */
  public static final String RULE =
      "must be an IANA time zone such as Europe/Berlin, UTC, or a fixed offset from UTC such as +05:30 or UTC-03:00";

  private TimeZones() {}

  /**
   * The zone {@code text} names.
   *
   * @throws ValidationException naming {@code field} with {@link #RULE} when it names none
   */
  public static ZoneId parse(String field, String text) {
    try {
      return ZoneId.of(text);
    } catch (DateTimeException e) {
      throw new ValidationException(field, RULE);
    }
  }
}
