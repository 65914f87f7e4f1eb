package dev.quota.internal;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.time.zone.ZoneRulesProvider;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A time zone whose rules a test revises, as a new release of the time zone database does when a
 * country moves its clocks at short notice: a process started on the newer release reckons the
 * zone's recent days from other instants. Registered once per JVM (a rules provider cannot be
 * taken back); every test that uses it sets the release it wants first.
 */
public final class RevisedZone extends ZoneRulesProvider {
  public static final String ID = "Quota/Revised";
  private static final RevisedZone PROVIDER = new RevisedZone();

  static {
    ZoneRulesProvider.registerProvider(PROVIDER);
  }

  private volatile String release = "1";
  private volatile ZoneRules rules = ZoneOffset.UTC.getRules();

  private RevisedZone() {}

  /** The zone as release {@code release} of its rules has it: at {@code offset} all year. */
  public static ZoneId as(String release, ZoneOffset offset) {
    PROVIDER.release = release;
    PROVIDER.rules = offset.getRules();
    return ZoneId.of(ID);
  }

  @Override
  protected Set<String> provideZoneIds() {
    return Set.of(ID);
  }

  /** Never for caching: a zone keeps asking, so it follows a revision as a process started afresh would. */
  @Override
  protected ZoneRules provideRules(String zoneId, boolean forCaching) {
    return forCaching ? null : rules;
  }

  @Override
  protected NavigableMap<String, ZoneRules> provideVersions(String zoneId) {
    return new TreeMap<>(java.util.Map.of(release, rules));
  }
}
