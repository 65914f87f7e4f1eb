package dev.quota.internal;

import dev.quota.ValidationException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.regex.Pattern;

/**
 * The time zones a budget's calendar and a cost report's range are read in:
 *
 * <ul>
 *   <li>an IANA region, {@code Area/Location} ({@code Europe/Berlin}, {@code America/New_York}),
 *       which follows its daylight saving time;
 *   <li>{@code UTC} (or a name of it: {@code Z}, {@code GMT}, {@code Etc/UTC}...);
 *   <li>a fixed offset from UTC, {@code +05:30} or {@code UTC-03:00}, which never moves.
 * </ul>
 *
 * <p>Legacy names are refused, all alike: single words ({@code EST}, {@code CET}, {@code EST5EDT}),
 * which read as a region but are a fixed offset or a rule of their own; {@code SystemV/...}, which
 * the IANA database dropped; and {@code GMT+2}, {@code UT+2} and {@code Etc/GMT+2}, whose sign is
 * read one way here and the other elsewhere ({@code Etc/GMT+2} is two hours behind UTC). Offsets
 * are kept because a user who knows only the offset of their billing day should not have to find a
 * region that happens to share it.
 *
 * <p>Earlier versions took whatever {@link ZoneId#of} reads, so a stored policy may name a legacy
 * zone: {@link #parseStored} still reads it, and only new writes are held to the rule.
 */
public final class TimeZones {
  /** The rule a refused time zone is reported with; it lists every accepted form. */
  public static final String RULE =
      "must be an IANA time zone such as Europe/Berlin, UTC, or a fixed offset from UTC such as +05:30 or UTC-03:00";

  /** How {@link ZoneId#of} names an offset given after {@code UTC}: {@code UTC+2} becomes {@code UTC+02:00}. */
  private static final Pattern UTC_OFFSET = Pattern.compile("UTC[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?");

  private TimeZones() {}

  /**
   * The zone {@code text} names, by the rule above: for what is written now.
   *
   * @throws ValidationException naming {@code field} with {@link #RULE} when it names none, or a
   *     legacy one
   */
  public static ZoneId parse(String field, String text) {
    ZoneId zone = parseStored(field, text);
    if (!accepted(zone)) {
      throw new ValidationException(field, legacy(text));
    }
    return zone;
  }

  /**
   * The zone {@code text} names, as earlier versions took it (any {@link ZoneId#of} reads): for
   * what is stored, which must keep loading.
   *
   * @throws ValidationException naming {@code field} with {@link #RULE} when it names none
   */
  public static ZoneId parseStored(String field, String text) {
    try {
      return ZoneId.of(text);
    } catch (DateTimeException e) {
      throw new ValidationException(field, ZoneId.SHORT_IDS.containsKey(text) ? legacy(text) : RULE);
    }
  }

  /**
   * Refuses {@code zone}, given through the Java API, where {@link #parse} would refuse its name.
   *
   * @throws ValidationException naming {@code field}
   */
  public static void requireAccepted(String field, ZoneId zone) {
    if (zone != null && !accepted(zone)) {
      throw new ValidationException(field, legacy(zone.getId()));
    }
  }

  private static boolean accepted(ZoneId zone) {
    if (zone instanceof ZoneOffset || zone.normalized().equals(ZoneOffset.UTC)) {
      return true;
    }
    String id = zone.getId();
    if (UTC_OFFSET.matcher(id).matches()) {
      return true;
    }
    return id.indexOf('/') > 0 && !id.startsWith("SystemV/") && !id.startsWith("Etc/");
  }

  /** The rule, saying why a name that looks like a zone is refused and what to write instead. */
  private static String legacy(String name) {
    return RULE + ": '" + name + "' is a legacy name, write a region (America/New_York) or an offset (-05:00) instead";
  }
}
