package dev.quota.jdbc;

import dev.quota.ValidationException;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertHistory;
import dev.quota.jdbc.internal.Jdbc;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Fired alerts in the database, each with the state of its webhook delivery so a sender can
 * resume after a restart: new alerts are {@code pending}; the sender marks them {@code delivered},
 * or records a failed attempt (still {@code pending}, or {@code failed} once it gives up).
 * Appending an alert id twice keeps the first.
 *
 * <p>Several servers share one database, so a pending alert is <em>claimed</em> by the history
 * (the server process) delivering it, until a time the holder keeps renewing ({@link
 * #renewClaims}). An alert is born claimed by the history that stores it, so the server that fired
 * it delivers it. A server that stops releases its claims ({@link #releaseClaims}); one that dies
 * lets them lapse; either way another server takes the alert over ({@link #claimAbandoned}).
 * Claims are taken by a conditional update of one row, so two servers do not both take the same
 * alert, short of one losing its claim while it still sends (delivery is at least once).
 */
public final class JdbcAlertHistory implements AlertHistory {
  /** Where an alert's webhook delivery stands. */
  public enum DeliveryState {
    PENDING,
    DELIVERED,
    /** Some webhooks took it; at least one used up its attempts. */
    PARTIAL,
    FAILED,
    /** No webhook is configured for it. */
    NONE;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Delivery bookkeeping of one alert. */
  public record Delivery(DeliveryState state, int attempts, String lastError, Instant deliveredAt) {}

  private static final String COLUMNS =
      "id, at, policy, subject, period, period_start, threshold, used_amount, limit_amount, currency";

  /**
   * How long a claim holds without renewal: the holder renews well within it, so only a stopped or
   * dead server's alerts lapse.
   */
  public static final Duration CLAIM_LEASE = Duration.ofMinutes(5);

  private final DataSource ds;
  private final DeliveryState initialState;
  /** Who this process is in {@code claimed_by}. */
  private final String claimant = UUID.randomUUID().toString();

  /** Alerts start {@code pending}: a webhook sender will pick them up. */
  public JdbcAlertHistory(Database database) {
    this(database, DeliveryState.PENDING);
  }

  /** {@code initialState} {@code NONE} when no webhook is configured. */
  public JdbcAlertHistory(Database database, DeliveryState initialState) {
    this.ds = database.dataSource();
    this.initialState = Objects.requireNonNull(initialState, "initialState");
  }

  @java.lang.Override
  public void append(Alert a) {
    ValidationException.require(a != null && a.id() != null && !a.id().isEmpty(), "alert.id", "is required");
    requireAmount("alert.threshold", a.threshold());
    requireAmount("alert.used", a.used());
    requireAmount("alert.limit", a.limit());
    Jdbc.inTransaction(ds, "storing alert " + a.id(), c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO alert (" + COLUMNS + ", delivery_state, delivery_attempts, claimed_by, claimed_until)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING")) {
        ps.setString(1, a.id());
        Jdbc.setInstant(ps, 2, a.at());
        ps.setString(3, a.policy());
        ps.setString(4, a.subject());
        ps.setString(5, a.period());
        Jdbc.setInstant(ps, 6, a.periodStart());
        ps.setBigDecimal(7, a.threshold());
        ps.setBigDecimal(8, a.used());
        ps.setBigDecimal(9, a.limit());
        ps.setString(10, a.currency());
        ps.setString(11, initialState.wire());
        boolean claimed = initialState == DeliveryState.PENDING;
        ps.setString(12, claimed ? claimant : null);
        Jdbc.setInstant(ps, 13, claimed ? a.at().plus(CLAIM_LEASE) : null);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /**
   * At most {@code units} UTF-16 units of {@code s}, which fit a column of that width on either
   * engine, never ending in half of a surrogate pair (which would be stored as '?').
   */
  static String truncated(String s, int units) {
    if (s.length() <= units) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(units - 1)) ? units - 1 : units;
    return s.substring(0, end);
  }

  private static void requireAmount(String field, BigDecimal value) {
    ValidationException.require(value != null, field, "is required");
    ValidationException.require(value.stripTrailingZeros().scale() <= 9, field, "must have at most 9 decimal places");
  }

  @java.lang.Override
  public List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit) {
    ValidationException.require(offset >= 0, "offset", "must not be negative");
    ValidationException.require(limit >= 0 && limit <= 10_000, "limit", "must be between 0 and 10000");
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alert WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (subject != null) {
      sql.append(" AND subject = ?");
      args.add(subject);
    }
    if (policy != null) {
      sql.append(" AND policy = ?");
      args.add(policy);
    }
    if (from != null) {
      sql.append(" AND at >= ?");
      args.add(from);
    }
    if (to != null) {
      sql.append(" AND at < ?");
      args.add(to);
    }
    sql.append(" ORDER BY at DESC, id DESC LIMIT ? OFFSET ?");
    args.add(limit);
    args.add(offset);
    return select(sql.toString(), args);
  }

  /** Alerts waiting for delivery, oldest first. */
  public List<Alert> pending(int limit) {
    return select(
        "SELECT " + COLUMNS + " FROM alert WHERE delivery_state = 'pending' ORDER BY at, id LIMIT ?", List.of(limit));
  }

  /**
   * Claims, until {@code until}, up to {@code limit} pending alerts nobody holds at {@code now}
   * (their claim lapsed or was released), oldest first, and returns those this call won: another
   * server may win some of the same candidates at the same moment.
   */
  public List<Alert> claimAbandoned(Instant now, Instant until, int limit) {
    List<Alert> candidates = select(
        "SELECT " + COLUMNS + " FROM alert WHERE delivery_state = 'pending'"
            + " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY at, id LIMIT ?",
        List.of(now, limit));
    if (candidates.isEmpty()) {
      return candidates;
    }
    return Jdbc.inTransaction(ds, "claiming pending alerts", c -> {
      // The condition is checked again on the row itself, after any concurrent claim committed.
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE alert SET claimed_by = ?, claimed_until = ? WHERE id = ? AND delivery_state = 'pending'"
              + " AND (claimed_until IS NULL OR claimed_until < ?)")) {
        List<Alert> won = new ArrayList<>();
        for (Alert a : candidates) {
          Jdbc.bind(ps, List.of(claimant, until, a.id(), now));
          if (ps.executeUpdate() == 1) {
            won.add(a);
          }
        }
        return won;
      }
    });
  }

  /** Extends, to {@code until}, every claim this history holds on an alert still pending. */
  public int renewClaims(Instant until) {
    return count("UPDATE alert SET claimed_until = ? WHERE claimed_by = ? AND delivery_state = 'pending'", until, claimant);
  }

  /** Gives up every claim this history holds on an alert still pending, so another server can take it at once. */
  public int releaseClaims() {
    return count(
        "UPDATE alert SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND delivery_state = 'pending'",
        claimant);
  }

  public Optional<Delivery> delivery(String id) {
    return Jdbc.read(ds, "reading delivery of alert " + id, c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT delivery_state, delivery_attempts, delivery_error, delivered_at FROM alert WHERE id = ?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          return Optional.of(
              new Delivery(
                  DeliveryState.valueOf(rs.getString(1).toUpperCase(Locale.ROOT)),
                  rs.getInt(2),
                  rs.getString(3),
                  Jdbc.getInstant(rs, "delivered_at")));
        }
      }
    });
  }

  /** Records a successful delivery; false if there is no such alert. */
  public boolean markDelivered(String id, Instant at) {
    return update(
        "UPDATE alert SET delivery_state = 'delivered', delivery_attempts = delivery_attempts + 1,"
            + " delivered_at = ?, delivery_error = NULL WHERE id = ?",
        at,
        id);
  }

  /**
   * Records a failed attempt with its error; the alert stays {@code pending} for another try
   * unless {@code giveUp}, which makes it {@code failed}.
   */
  public boolean markFailed(String id, String error, boolean giveUp) {
    String message = error == null ? "unknown error" : truncated(error, 1000);
    return update(
        "UPDATE alert SET delivery_state = ?, delivery_attempts = delivery_attempts + 1, delivery_error = ? WHERE id = ?",
        giveUp ? DeliveryState.FAILED.wire() : DeliveryState.PENDING.wire(),
        message,
        id);
  }

  /**
   * Records the last attempt of a webhook that gave up when other webhooks took the alert: the
   * alert is {@code partial}, with that webhook's error.
   */
  public boolean markPartial(String id, String error) {
    String message = error == null ? "unknown error" : truncated(error, 1000);
    return update(
        "UPDATE alert SET delivery_state = 'partial', delivery_attempts = delivery_attempts + 1, delivery_error = ? WHERE id = ?",
        message,
        id);
  }

  private boolean update(String sql, Object... args) {
    return count(sql, args) == 1;
  }

  private int count(String sql, Object... args) {
    return Jdbc.inTransaction(ds, "updating alert delivery", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        Jdbc.bind(ps, List.of(args));
        return ps.executeUpdate();
      }
    });
  }

  private List<Alert> select(String sql, List<Object> args) {
    return Jdbc.read(ds, "reading alerts", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        Jdbc.bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          List<Alert> out = new ArrayList<>();
          while (rs.next()) {
            out.add(
                new Alert(
                    rs.getString("id"),
                    Jdbc.getInstant(rs, "at"),
                    rs.getString("policy"),
                    rs.getString("subject"),
                    rs.getString("period"),
                    Jdbc.getInstant(rs, "period_start"),
                    plain(rs.getBigDecimal("threshold")),
                    plain(rs.getBigDecimal("used_amount")),
                    plain(rs.getBigDecimal("limit_amount")),
                    rs.getString("currency")));
          }
          return out;
        }
      }
    });
  }

  /** NUMERIC columns come back with their column scale; give back the shortest exact form (10, not 1E+1). */
  private static BigDecimal plain(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }
}
