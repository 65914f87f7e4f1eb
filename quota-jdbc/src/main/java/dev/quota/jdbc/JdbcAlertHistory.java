package dev.quota.jdbc;

import dev.quota.ValidationException;
import dev.quota.admin.AuditEntry;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertHistory;
import dev.quota.alert.AlertPosition;
import dev.quota.jdbc.internal.Jdbc;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import javax.sql.DataSource;

/**
 * Fired alerts in the database, each with the state of its webhook delivery so a sender can
 * resume after a restart: new alerts are {@code pending}; the sender marks them {@code delivered},
 * or records a failed attempt (still {@code pending}, or {@code failed} once it gives up).
 * Appending an alert id twice keeps the first.
 *
 * <p>Beside that summary, each webhook's delivery of the alert has a row of its own ({@link
 * WebhookDelivery}): {@code pending} from the moment the alert is stored, then {@code delivered}
 * or, once that webhook used up its attempts, {@code failed}, with its own attempts and last error.
 * The sender records each webhook's attempts ({@link #markWebhookDelivered}, {@link
 * #markWebhookFailed}) and, once every webhook is done, the summary, which stays what it always
 * was: {@code delivered} when every webhook took the alert, {@code partial} when some did, {@code
 * failed} when none did. A server that takes a pending alert over reads the rows with it ({@link
 * #claimAbandoned}) and resends only to the webhooks still pending.
 *
 * <p>Several servers share one database, so a pending alert is <em>claimed</em> by the history
 * (the server process) delivering it, until a time the holder keeps renewing ({@link
 * #renewClaims}). An alert is born claimed by the history that stores it, so the server that fired
 * it delivers it; the claim runs for {@link #CLAIM_LEASE} from when it is taken, on this history's
 * clock, however long ago the alert fired (it may have waited out a database outage). A server
 * that stops releases its claims ({@link #releaseClaims}); one that dies lets them lapse; either
 * way another server takes the alert over ({@link #claimAbandoned}). A history also takes over at
 * once the claims of its {@linkplain Claimant#predecessor predecessor}, a process known to be dead
 * (the server before it on the same data directory), without waiting for them to lapse. Claims
 * are taken by a conditional update of one row, so two servers do not both take the same alert,
 * short of one losing its claim while it still sends (delivery is at least once).
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

  /**
   * Delivery bookkeeping of one alert: the summary over all its webhooks, and each webhook's own
   * (empty for an alert no webhook was configured for, or stored before deliveries were kept per
   * webhook).
   */
  public record Delivery(DeliveryState state, int attempts, String lastError, Instant deliveredAt,
      List<WebhookDelivery> webhooks) {
    public Delivery {
      webhooks = List.copyOf(webhooks);
    }

    /** Without per-webhook rows. */
    public Delivery(DeliveryState state, int attempts, String lastError, Instant deliveredAt) {
      this(state, attempts, lastError, deliveredAt, List.of());
    }
  }

  /**
   * One webhook's delivery of an alert: {@code PENDING}, {@code DELIVERED} (the receiver answered
   * 2xx, at {@code deliveredAt}) or {@code FAILED} (it used up its attempts, the last of them failing
   * with {@code lastError}, or it was dropped, no longer configured: {@link #markWebhookDropped}).
   * {@code attempts} counts the sends that got an answer or an error; a send cut short by a
   * server's shutdown is not counted.
   */
  public record WebhookDelivery(WebhookRef webhook, DeliveryState state, int attempts, String lastError, Instant deliveredAt) {
    /** True once this webhook is done with the alert: it took it or gave up. */
    public boolean settled() {
      return state != DeliveryState.PENDING;
    }
  }

  /**
   * Who a history is in {@code claimed_by}: {@code id}, which no other process ever uses, and the
   * id of its {@code predecessor} (null when there is none, or it is unknown): a process that is
   * dead for certain, such as the server that used the same data directory before this one, so
   * that its claims are taken over at once rather than when they lapse. A predecessor still alive
   * would have its alerts taken from under it and sent twice.
   */
  public record Claimant(String id, String predecessor) {
    public Claimant {
      if (id == null || id.isBlank() || id.length() > CLAIMANT_WIDTH) {
        throw new IllegalArgumentException("a claimant id is 1 to " + CLAIMANT_WIDTH + " characters: " + id);
      }
      if (id.equals(predecessor)) {
        throw new IllegalArgumentException("a claimant cannot be its own predecessor: " + id);
      }
    }

    /** A new id (a random UUID), with no predecessor. */
    public static Claimant fresh() {
      return new Claimant(UUID.randomUUID().toString(), null);
    }
  }

  /**
   * A pending alert a server took over, with where each webhook's delivery of it stands, and
   * whether an admin {@code redelivered} it: a redelivered alert goes only to the webhooks it has
   * rows for (see {@link #redeliver}), one still on its first delivery also to a webhook configured
   * since it was stored.
   */
  public record Claimed(Alert alert, List<WebhookDelivery> webhooks, boolean redelivered) {
    public Claimed {
      webhooks = List.copyOf(webhooks);
    }
  }

  /** An alert as read to be claimed, and whether it was redelivered. */
  private record Held(Alert alert, boolean redelivered) {}

  private static final String COLUMNS =
      "id, at, policy, subject, period, period_start, threshold, used_amount, limit_amount, currency";
  /** The columns of an alert read to be claimed ({@link #heldOf}). */
  private static final String HELD_COLUMNS = COLUMNS + ", redelivered_at";

  /**
   * How long a claim holds without renewal: the holder renews well within it, so only a stopped or
   * dead server's alerts lapse.
   */
  public static final Duration CLAIM_LEASE = Duration.ofMinutes(5);

  /** The width of {@code claimed_by}. */
  static final int CLAIMANT_WIDTH = 64;

  private final DataSource ds;
  private final DeliveryState initialState;
  /** Each gets a pending row for every alert stored. */
  private final List<WebhookRef> webhooks;
  /** Tells when a claim taken by {@link #append} starts. */
  private final Clock clock;
  /** Who this process is in {@code claimed_by}. */
  private final String claimant;
  /** A dead process whose claims this one takes over at once; null if none. */
  private final String predecessor;

  /**
   * Alerts start {@code pending}, with no per-webhook rows until a sender records an attempt: a
   * webhook sender will pick them up. Claims are this process's own ({@link Claimant#fresh}).
   */
  public JdbcAlertHistory(Database database, Clock clock) {
    this(database, DeliveryState.PENDING, List.of(), clock, Claimant.fresh());
  }

  /**
   * Alerts start {@code pending} with a pending row for each of {@code webhooks}, or {@code none}
   * when there is no webhook: nothing will ever deliver them, so none should look pending. Claims
   * are this process's own ({@link Claimant#fresh}).
   */
  public JdbcAlertHistory(Database database, List<WebhookRef> webhooks, Clock clock) {
    this(database, webhooks, clock, Claimant.fresh());
  }

  /** As {@link #JdbcAlertHistory(Database, List, Clock)}, claiming as {@code claimant}. */
  public JdbcAlertHistory(Database database, List<WebhookRef> webhooks, Clock clock, Claimant claimant) {
    this(database, webhooks.isEmpty() ? DeliveryState.NONE : DeliveryState.PENDING, webhooks, clock, claimant);
  }

  private JdbcAlertHistory(Database database, DeliveryState initialState, List<WebhookRef> webhooks, Clock clock,
      Claimant claimant) {
    this.ds = database.dataSource();
    this.initialState = Objects.requireNonNull(initialState, "initialState");
    this.webhooks = List.copyOf(webhooks);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.claimant = claimant.id();
    this.predecessor = claimant.predecessor();
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
        // From now, not from when the alert fired: one that waited out a database outage longer
        // than the lease would otherwise be stored with a lapsed claim, free for another server to
        // take over while this one sends it.
        Jdbc.setInstant(ps, 13, claimed ? clock.instant().plus(CLAIM_LEASE) : null);
        if (ps.executeUpdate() == 1) {
          AlertWebhookTable.insertPending(c, a.id(), webhooks);
        }
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
    return query(subject, policy, from, to, null, offset, limit);
  }

  /**
   * Seeks past {@code after} in the order the page is read in, so the database starts there, as
   * an index on {@code at} lets it, instead of counting rows off from the newest.
   */
  @java.lang.Override
  public List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
    return query(subject, policy, from, to, after, 0, limit);
  }

  private List<Alert> query(
      String subject, String policy, Instant from, Instant to, AlertPosition after, int offset, int limit) {
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
    if (after != null) {
      sql.append(" AND (at < ? OR (at = ? AND id < ?))");
      args.add(after.at());
      args.add(after.at());
      args.add(after.id());
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
   * (their claim lapsed or was released) or this history's predecessor holds (whatever the time:
   * it is dead), oldest first, and returns those this call won, each with its per-webhook rows as
   * they stood when it was won: another server may win some of the same candidates at the same
   * moment. Claims and rows are taken in one transaction, so a claim is never held on an alert
   * whose rows could not be read.
   */
  public List<Claimed> claimAbandoned(Instant now, Instant until, int limit) {
    List<Object> query = new ArrayList<>(abandonedArgs(now));
    query.add(limit);
    List<Held> candidates = Jdbc.read(ds, "reading abandoned alerts", c -> selectHeld(c,
        "SELECT " + HELD_COLUMNS + " FROM alert WHERE delivery_state = 'pending'"
            + " AND " + abandoned() + " ORDER BY at, id LIMIT ?",
        query));
    if (candidates.isEmpty()) {
      return List.of();
    }
    return Jdbc.inTransaction(ds, "claiming pending alerts", c -> {
      // The condition is checked again on the row itself, after any concurrent claim committed.
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE alert SET claimed_by = ?, claimed_until = ? WHERE id = ? AND delivery_state = 'pending'"
              + " AND " + abandoned())) {
        List<Held> won = new ArrayList<>();
        for (Held h : candidates) {
          List<Object> args = new ArrayList<>(List.of(claimant, until, h.alert().id()));
          args.addAll(abandonedArgs(now));
          Jdbc.bind(ps, args);
          if (ps.executeUpdate() == 1) {
            won.add(h);
          }
        }
        return claimed(c, won);
      }
    });
  }

  /**
   * Claims, until {@code until}, the pending alert {@code id} that a server resumes from its data
   * directory: an alert the process before it fired, which that process may have stored, and even
   * delivered to some webhooks, before it died. Won when this history holds the claim already (it
   * just stored the alert), its predecessor holds it, or nobody holds it at {@code now} (released,
   * or lapsed); returned with its per-webhook rows, so that a sender resends only to the webhooks
   * still pending. Empty when the alert is settled or unknown, or another holder's claim is still
   * in force: that holder finishes it or, if it died, lets the claim lapse, and {@link
   * #claimAbandoned} takes it over.
   */
  public Optional<Claimed> claimResumed(String id, Instant now, Instant until) {
    return Jdbc.inTransaction(ds, "claiming resumed alert " + id, c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE alert SET claimed_by = ?, claimed_until = ? WHERE id = ? AND delivery_state = 'pending'"
              + " AND (claimed_by = ? OR " + abandoned() + ")")) {
        List<Object> args = new ArrayList<>(List.of(claimant, until, id, claimant));
        args.addAll(abandonedArgs(now));
        Jdbc.bind(ps, args);
        if (ps.executeUpdate() != 1) {
          return Optional.<Claimed>empty();
        }
      }
      return Optional.of(claimed(c, selectHeld(c, "SELECT " + HELD_COLUMNS + " FROM alert WHERE id = ?", List.of(id))).get(0));
    });
  }

  /**
   * What {@link #redeliver} did: {@link Started}, or {@link Refused} with where the alert stands.
   */
  public sealed interface Redelivery {}

  /**
   * The alert is pending again, claimed by this history: {@code claimed} with its rows as they stand
   * now (the failed ones of {@code resent} pending, with no attempt), and {@code delivery} as the
   * alert history shows it.
   */
  public record Started(Claimed claimed, Delivery delivery, List<WebhookRef> resent) implements Redelivery {
    public Started {
      resent = List.copyOf(resent);
    }
  }

  /**
   * Nothing changed: there is no such alert ({@code state} null), or it is {@code state}, which is
   * pending (still being delivered), delivered, or has no failed row of a webhook still configured.
   */
  public record Refused(DeliveryState state) implements Redelivery {}

  /**
   * Makes the settled alert {@code id} ({@code failed} or {@code partial}) pending again, so that it is
   * sent once more to every webhook still configured whose row is {@code failed}: those rows become
   * pending with no attempt (a redelivery gets the whole retry schedule), the alert is claimed by
   * this history until {@code now} plus the {@linkplain #CLAIM_LEASE lease}, and the audit entry
   * {@code audit} makes of its state before and the failed rows it reopens (as they were) is written, all in one
   * transaction. The alert's row is locked first, so of redeliveries at once one starts it and the
   * others find it pending; and a pending alert claimed so is not abandoned, so no other server
   * takes it over. Rows of webhooks no longer configured, and delivered ones, stay as they are.
   *
   * <p>A redelivery sends again what failed, and only that: the alert is marked redelivered ({@code
   * redelivered_at}), so that it goes only to the webhooks it has rows for, whichever server sends
   * it ({@link Claimed#redelivered}). A webhook configured since the alert fired has none: it never
   * had the alert, and is not sent it now.
   */
  public Redelivery redeliver(String id, Instant now, BiFunction<DeliveryState, List<WebhookDelivery>, AuditEntry> audit) {
    return Jdbc.inTransaction(ds, "redelivering alert " + id, c -> {
      Alert alert;
      DeliveryState before;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + COLUMNS + ", delivery_state FROM alert WHERE id = ? FOR UPDATE")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return new Refused(null);
          }
          alert = alertOf(rs);
          before = DeliveryState.valueOf(rs.getString("delivery_state").toUpperCase(Locale.ROOT));
        }
      }
      List<WebhookDelivery> resent = new ArrayList<>();
      if (before == DeliveryState.FAILED || before == DeliveryState.PARTIAL) {
        List<String> configured = webhooks.stream().map(WebhookRef::id).toList();
        for (WebhookDelivery r : AlertWebhookTable.read(c, List.of(id)).getOrDefault(id, List.of())) {
          if (r.state() == DeliveryState.FAILED && configured.contains(r.webhook().id())) {
            resent.add(r);
          }
        }
      }
      if (resent.isEmpty()) {
        return new Refused(before);
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE alert SET delivery_state = 'pending', delivery_error = NULL, delivered_at = NULL,"
              + " claimed_by = ?, claimed_until = ?, redelivered_at = ? WHERE id = ?")) {
        Jdbc.bind(ps, List.of(claimant, now.plus(CLAIM_LEASE), now, id));
        ps.executeUpdate();
      }
      for (WebhookDelivery r : resent) {
        AlertWebhookTable.reopen(c, id, r.webhook());
      }
      JdbcConfigRepository.insertAudit(c, audit.apply(before, resent));
      List<WebhookDelivery> rows = AlertWebhookTable.read(c, List.of(id)).getOrDefault(id, List.of());
      int attempts;
      try (PreparedStatement ps = c.prepareStatement("SELECT delivery_attempts FROM alert WHERE id = ?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          attempts = rs.getInt(1);
        }
      }
      return new Started(new Claimed(alert, rows, true), new Delivery(DeliveryState.PENDING, attempts, null, null, rows),
          resent.stream().map(WebhookDelivery::webhook).toList());
    });
  }

  /**
   * The alerts of {@link #heldPendingFor}, bound by {@link #bindHeldPendingFor}. The ids are picked
   * first, from the index of pending alerts by claimant, time and id ({@code alert_held_pending},
   * V14) alone, and only the rows picked are read whole: asked for the whole rows in that order,
   * PostgreSQL went by the index on {@code at} instead, which is in the order of the heap, and
   * walked through every settled alert before the pending ones. A redelivered alert the webhook has
   * no row for is not its to send.
   */
  static final String HELD_PENDING_FOR = "SELECT " + HELD_COLUMNS + " FROM alert WHERE id IN ("
      + "SELECT a.id FROM alert a WHERE a.claimed_by = ? AND a.delivery_state = 'pending'"
      + " AND NOT EXISTS (SELECT 1 FROM alert_webhook_delivery w WHERE w.alert_id = a.id"
      + " AND w.webhook_id = ? AND w.state <> 'pending')"
      + " AND (a.redelivered_at IS NULL OR EXISTS (SELECT 1 FROM alert_webhook_delivery r WHERE r.alert_id = a.id"
      + " AND r.webhook_id = ?)) ORDER BY a.at, a.id LIMIT ?) ORDER BY at, id";

  /** Binds {@link #HELD_PENDING_FOR} to the alerts {@code claimant} holds that {@code webhook} has not settled, up to {@code limit}. */
  static void bindHeldPendingFor(PreparedStatement ps, String claimant, WebhookRef webhook, int limit)
      throws SQLException {
    Jdbc.bind(ps, List.of(claimant, webhook.id(), webhook.id(), limit));
  }

  /**
   * Up to {@code limit} alerts this history holds the claim on that {@code webhook} has not settled
   * (its row is pending, or there is none and the alert was not redelivered), oldest first, each
   * with its per-webhook rows: the deliveries a sender left in the database rather than hold them
   * in memory, read back as it has room for them.
   */
  public List<Claimed> heldPendingFor(WebhookRef webhook, int limit) {
    return Jdbc.read(ds, "reading pending deliveries to " + webhook.url(), c -> {
      List<Held> alerts = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(HELD_PENDING_FOR)) {
        bindHeldPendingFor(ps, claimant, webhook, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            alerts.add(heldOf(rs));
          }
        }
      }
      return claimed(c, alerts);
    });
  }

  /** The alerts {@code sql} (over {@link #HELD_COLUMNS}) selects, on {@code c}. */
  private static List<Held> selectHeld(Connection c, String sql, List<Object> args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Jdbc.bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<Held> out = new ArrayList<>();
        while (rs.next()) {
          out.add(heldOf(rs));
        }
        return out;
      }
    }
  }

  private static Held heldOf(ResultSet rs) throws SQLException {
    return new Held(alertOf(rs), Jdbc.getInstant(rs, "redelivered_at") != null);
  }

  /** {@code alerts}, each with its per-webhook rows as they stand, read on {@code c}. */
  private static List<Claimed> claimed(Connection c, List<Held> alerts) throws SQLException {
    Map<String, List<WebhookDelivery>> rows = AlertWebhookTable.read(c, alerts.stream().map(h -> h.alert().id()).toList());
    return alerts.stream()
        .map(h -> new Claimed(h.alert(), rows.getOrDefault(h.alert().id(), List.of()), h.redelivered()))
        .toList();
  }

  /**
   * The condition on an alert's claim that lets this history take it: nobody holds it (released,
   * or lapsed at the time bound first), or the predecessor, dead, does; see {@link #abandonedArgs}.
   */
  private String abandoned() {
    return "(claimed_until IS NULL OR claimed_until < ?" + (predecessor == null ? ")" : " OR claimed_by = ?)");
  }

  private List<Object> abandonedArgs(Instant now) {
    return predecessor == null ? List.of(now) : List.of(now, predecessor);
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

  /** The alert stored under {@code id}, or empty if there is none. */
  public Optional<Alert> alert(String id) {
    return select("SELECT " + COLUMNS + " FROM alert WHERE id = ?", List.of(id)).stream().findFirst();
  }

  /** Where the delivery of alert {@code id} stands, overall and per webhook; empty if there is no such alert. */
  public Optional<Delivery> delivery(String id) {
    return Optional.ofNullable(deliveries(List.of(id)).get(id));
  }

  /**
   * Where the delivery of each of {@code ids} stands, overall and per webhook, read together (two
   * queries for a page of alerts); ids of alerts that do not exist are left out.
   */
  public Map<String, Delivery> deliveries(Collection<String> ids) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    return Jdbc.read(ds, "reading deliveries of alerts", c -> {
      // Summaries first, webhooks second. Each query sees what was committed when it began, and a
      // sender records a webhook's outcome before it settles the summary: a summary read settled
      // then has its webhooks' outcomes in the second query, wherever the sender's commits fall
      // between the two. The other order could list a delivered alert with a webhook pending.
      List<String> all = List.copyOf(ids);
      String marks = String.join(", ", Collections.nCopies(all.size(), "?"));
      Map<String, Delivery> summaries = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, delivery_state, delivery_attempts, delivery_error, delivered_at FROM alert WHERE id IN (" + marks + ")")) {
        Jdbc.bind(ps, all);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            summaries.put(rs.getString("id"), new Delivery(
                DeliveryState.valueOf(rs.getString("delivery_state").toUpperCase(Locale.ROOT)),
                rs.getInt("delivery_attempts"),
                rs.getString("delivery_error"),
                Jdbc.getInstant(rs, "delivered_at")));
          }
        }
      }
      Map<String, List<WebhookDelivery>> perWebhook = AlertWebhookTable.read(c, summaries.keySet());
      Map<String, Delivery> out = new HashMap<>();
      summaries.forEach((id, d) -> out.put(id,
          new Delivery(d.state(), d.attempts(), d.lastError(), d.deliveredAt(), perWebhook.getOrDefault(id, List.of()))));
      return out;
    });
  }

  /**
   * Records that {@code webhook} took the alert at {@code at}; false if there is no such alert or
   * the webhook had already taken it. The alert's own state changes only when the sender settles
   * it ({@link #markDelivered}, {@link #markPartial}, {@link #markFailed}).
   */
  public boolean markWebhookDelivered(String id, WebhookRef webhook, Instant at) {
    return Jdbc.inTransaction(ds, "recording delivery of alert " + id, c ->
        AlertWebhookTable.recordAttempt(c, id, webhook, DeliveryState.DELIVERED, null, Objects.requireNonNull(at, "at")));
  }

  /**
   * Records a failed attempt of {@code webhook} with its error: its row stays {@code pending} for
   * another try unless {@code giveUp}, which makes it {@code failed}. A failure to be retried is
   * also counted on the alert, which stays {@code pending} with that error, as it did before
   * deliveries were kept per webhook. False if there is no such alert or the webhook had already
   * taken it.
   */
  public boolean markWebhookFailed(String id, WebhookRef webhook, String error, boolean giveUp) {
    String message = error == null ? "unknown error" : error;
    return Jdbc.inTransaction(ds, "recording delivery of alert " + id, c -> {
      boolean recorded = AlertWebhookTable.recordAttempt(
          c, id, webhook, giveUp ? DeliveryState.FAILED : DeliveryState.PENDING, message, null);
      if (recorded && !giveUp) {
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE alert SET delivery_attempts = delivery_attempts + 1, delivery_error = ?"
                + " WHERE id = ? AND delivery_state = 'pending'")) {
          ps.setString(1, truncated(message, AlertWebhookTable.ERROR_WIDTH));
          ps.setString(2, id);
          ps.executeUpdate();
        }
      }
      return recorded;
    });
  }

  /**
   * Records that {@code webhook} will not be sent the alert (it is no longer configured): its row, if
   * still pending, becomes {@code failed} with {@code reason}, keeping the attempts it had, since
   * none is made. False if there is no such row or it is not pending. The alert's summary is left to
   * the sender settling it.
   */
  public boolean markWebhookDropped(String id, WebhookRef webhook, String reason) {
    return Jdbc.inTransaction(ds, "dropping webhook delivery of alert " + id, c ->
        AlertWebhookTable.drop(c, id, webhook, Objects.requireNonNull(reason, "reason")));
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
    String message = error == null ? "unknown error" : truncated(error, AlertWebhookTable.ERROR_WIDTH);
    return update(
        // A summary another server already wrote as delivered stays so: a stale attempt does not lower it.
        "UPDATE alert SET delivery_state = ?, delivery_attempts = delivery_attempts + 1, delivery_error = ?"
            + " WHERE id = ? AND delivery_state <> 'delivered'",
        giveUp ? DeliveryState.FAILED.wire() : DeliveryState.PENDING.wire(),
        message,
        id);
  }

  /**
   * Records the last attempt of a webhook that gave up when other webhooks took the alert: the
   * alert is {@code partial}, with that webhook's error.
   */
  public boolean markPartial(String id, String error) {
    String message = error == null ? "unknown error" : truncated(error, AlertWebhookTable.ERROR_WIDTH);
    return update(
        "UPDATE alert SET delivery_state = 'partial', delivery_attempts = delivery_attempts + 1, delivery_error = ?"
            + " WHERE id = ? AND delivery_state <> 'delivered'",
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
            out.add(alertOf(rs));
          }
          return out;
        }
      }
    });
  }

  private static Alert alertOf(ResultSet rs) throws SQLException {
    return new Alert(
        rs.getString("id"),
        Jdbc.getInstant(rs, "at"),
        rs.getString("policy"),
        rs.getString("subject"),
        rs.getString("period"),
        Jdbc.getInstant(rs, "period_start"),
        plain(rs.getBigDecimal("threshold")),
        plain(rs.getBigDecimal("used_amount")),
        plain(rs.getBigDecimal("limit_amount")),
        rs.getString("currency"));
  }

  /** NUMERIC columns come back with their column scale; give back the shortest exact form (10, not 1E+1). */
  private static BigDecimal plain(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }
}
