package dev.quota.server.metrics;

import dev.quota.LimitKind;
import dev.quota.Quota;
import dev.quota.QuotaListener;
import dev.quota.alert.Alert;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.server.alerts.DeliveryListener;
import dev.quota.server.alerts.WebhookSender;
import dev.quota.server.api.SettlementListener;
import dev.quota.server.http.UnavailableListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Engine metrics in Prometheus form: decisions by operation and outcome with a latency histogram,
 * denials by the kind of limit that bound, shadow limits past their amount, commits and releases by outcome, store errors, fail-open admissions, owed budget charges given
 * up, alerts fired and dropped, admin changes stored but not applied at once, webhook sends by
 * outcome and pending and deferred webhook deliveries. Meters are created once and cached, so the decision path
 * only increments. Beside them, the JVM's own (memory, garbage collection, threads, classes) and the
 * process's (CPU, uptime), which an operator reads first when decisions slow down.
 */
public final class QuotaMetrics implements QuotaListener, DeliveryListener, SettlementListener, UnavailableListener, AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** Listens to the JVM's collections until closed. */
  private final JvmGcMetrics gc = new JvmGcMetrics();
  /**
   * Per operation: the timers for denied [0] and admitted [1] decisions, each registered on first
   * use; looked up without building a key string per decision.
   */
  private final Map<String, Timer[]> decisions = new ConcurrentHashMap<>();
  /**
   * Per operation and outcome (by ordinal), all registered at start: a dashboard sees every series,
   * at zero until it moves, and both labels come from these enums, never from a request.
   */
  private final Counter[][] settlements = new Counter[SettlementListener.Operation.values().length][SettlementListener.Outcome.values().length];
  /**
   * Per denied operation (check, reserve) and limit kind (by ordinal), all registered at start;
   * the kind is the binding limit's, never its policy or subject, so the series stay few.
   */
  private final Map<String, Counter[]> denials = new HashMap<>();
  /** Shadow limits past their amount, as {@link #denials}. */
  private final Map<String, Counter[]> shadowDenials = new HashMap<>();
  private final Counter storeErrors;
  private final Counter failOpen;
  private final Counter alertsFired;
  private final Counter alertsDropped;
  private final Counter owedChargesDropped;
  private final Counter changesNotApplied;
  /**
   * 1 while the last periodic read of the configuration from the database got an answer, else 0:
   * shows an outage even when no call needs the database. Up at start, which opens the database.
   */
  private final AtomicInteger databaseUp = new AtomicInteger(1);
  /** 1 while the counter store answered this server's last probe, else 0; as {@link #databaseUp}. */
  private final AtomicInteger storeUp = new AtomicInteger(1);
  /** Requests answered 503 by the backend at fault, indexed by {@link UnavailableListener.Cause#ordinal}. */
  private final Counter[] unavailable = new Counter[UnavailableListener.Cause.values().length];
  /** Per webhook and outcome, registered on first use. */
  private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();

  public QuotaMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    storeErrors = Counter.builder("quota_store_errors").description("Counter store calls that failed").register(registry);
    failOpen = Counter.builder("quota_fail_open_admissions").description("Requests admitted because the store was down and every policy was fail-open").register(registry);
    alertsFired = Counter.builder("quota_alerts_fired").description("Budget threshold alerts fired").register(registry);
    owedChargesDropped = Counter.builder("quota_owed_charges_dropped").description("Usage the ledger took while the counter store was down whose budget charges were given up before the store took them: pushed out of a full queue, or refused by the store for good (those still owed at shutdown are kept in the data directory for the next start)").register(registry);
    alertsDropped = Counter.builder("quota_alerts_dropped").description("Alerts lost: pushed out of a full queue while the database was away, invalid, not stored before shutdown, or refused by a webhook handler").register(registry);
    changesNotApplied = Counter.builder("quota_admin_changes_not_applied").description("Admin changes stored in the database, with their audit entries, that this server could not apply at once because its reload after the write failed; answered with Quota-Applied: pending, and applied by its next periodic reload that succeeds").register(registry);
    for (SettlementListener.Operation operation : SettlementListener.Operation.values()) {
      for (SettlementListener.Outcome outcome : SettlementListener.Outcome.values()) {
        settlements[operation.ordinal()][outcome.ordinal()] = Counter.builder("quota_settlements")
            .description("Commits and releases of reservations by operation and outcome: settled, repeated (already"
                + " settled the same way, nothing changed), unknown (404), expired (410), conflict (settled differently"
                + " before, 409) or failed (not settled: the store or the ledger could not be reached)")
            .tag("operation", operation.name().toLowerCase(Locale.ROOT))
            .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
            .register(registry);
      }
    }
    Gauge.builder("quota_database_up", databaseUp, AtomicInteger::get)
        .description("1 if this server's last periodic read of policies and overrides from the database (every few seconds) got an answer, 0 if it failed")
        .register(registry);
    Gauge.builder("quota_store_up", storeUp, AtomicInteger::get)
        .description("1 if the counter store answered this server's last probe (every few seconds), 0 if it did not")
        .register(registry);
    for (UnavailableListener.Cause cause : UnavailableListener.Cause.values()) {
      unavailable[cause.ordinal()] = Counter.builder("quota_unavailable")
          .description("Requests answered 503 because a backend could not serve them, by cause: store (the counter store"
              + " could not be reached: a fail-closed decision, a commit, a release, a read) or database (unreachable,"
              + " or busy past its bounds)")
          .tag("cause", cause.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    // Only checks and reservations deny: recorded usage is always taken.
    for (String operation : new String[] {"check", "reserve"}) {
      limitCounters(denials, "quota_denials",
          "Checks and reservations denied, by the kind of the limit that bound (the denying one with the latest retry time)", operation);
      limitCounters(shadowDenials, "quota_shadow_denials",
          "Limits in shadow mode past their amount in a check or reservation: each would have denied it if enforced", operation);
    }
  }

  /** Registers {@code name}'s counter for each kind of limit under {@code operation} in {@code table}. */
  private void limitCounters(Map<String, Counter[]> table, String name, String description, String operation) {
    Counter[] byKind = new Counter[LimitKind.values().length];
    for (LimitKind kind : LimitKind.values()) {
      byKind[kind.ordinal()] = Counter.builder(name)
          .description(description)
          .tag("operation", operation)
          .tag("limit", kind.wireName())
          .register(registry);
    }
    table.put(operation, byKind);
  }

  private static void count(Map<String, Counter[]> table, String operation, LimitKind kind) {
    Counter[] byKind = table.get(operation);
    if (byKind != null) {
      byKind[kind.ordinal()].increment();
    }
  }

  /** Tells whether the last periodic read of the configuration from the database succeeded. */
  public void databaseRead(boolean answered) {
    databaseUp.set(answered ? 1 : 0);
  }

  @Override
  public void answeredUnavailable(UnavailableListener.Cause cause) {
    unavailable[cause.ordinal()].increment();
  }

  /** Tells whether the counter store answered the last probe. */
  public void storeProbed(boolean answered) {
    storeUp.set(answered ? 1 : 0);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void onDecision(String operation, boolean admitted, long nanos) {
    Timer[] timers = decisions.get(operation);
    if (timers == null) {
      timers = decisions.computeIfAbsent(operation, op -> new Timer[2]);
    }
    int outcome = admitted ? 1 : 0;
    Timer t = timers[outcome];
    if (t == null) {
      // A race registers the same meter twice; the registry hands back the one it has.
      t = decisionTimer(operation, admitted ? "admitted" : "denied");
      timers[outcome] = t;
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer decisionTimer(String operation, String outcome) {
    return Timer.builder("quota_decisions")
        .description("Decisions by operation and outcome")
        .tag("operation", operation)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(2))
        .register(registry);
  }

  @Override
  public void onDenied(String operation, LimitKind binding) {
    count(denials, operation, binding);
  }

  @Override
  public void onShadowDenied(String operation, LimitKind kind) {
    count(shadowDenials, operation, kind);
  }

  @Override
  public void onSettlement(SettlementListener.Operation operation, SettlementListener.Outcome outcome) {
    settlements[operation.ordinal()][outcome.ordinal()].increment();
  }

  @Override
  public void onFailOpen() {
    failOpen.increment();
  }

  @Override
  public void onStoreError(Throwable error) {
    storeErrors.increment();
  }

  @Override
  public void onOwedChargeDropped() {
    owedChargesDropped.increment();
  }

  @Override
  public void onChangeNotApplied(RuntimeException error) {
    changesNotApplied.increment();
  }

  @Override
  public void onAlert(Alert alert) {
    alertsFired.increment();
  }

  @Override
  public void onAlertDropped(Alert alert, Throwable error) {
    alertsDropped.increment();
  }

  @Override
  public void onSend(String webhook, DeliveryListener.Outcome outcome) {
    String outcomeName = outcome.name().toLowerCase(Locale.ROOT);
    deliveries.computeIfAbsent(outcomeName + " " + webhook, k -> Counter.builder("quota_alert_deliveries")
        .description("Sends of alerts to webhooks by outcome: delivered, retried (will be tried again) or failed (gave up)")
        .tag("outcome", outcomeName)
        .tag("webhook", webhook)
        .register(registry)).increment();
  }

  /**
   * Exposes {@code quota_alert_deliveries_pending}, deliveries of an alert to a webhook this server
   * holds in memory and has not settled, and {@code quota_alert_deliveries_deferred}, those it left
   * waiting in the alert history beyond a webhook's bound in memory.
   */
  public void pendingDeliveries(WebhookSender sender) {
    Gauge.builder("quota_alert_deliveries_pending", sender, WebhookSender::pendingDeliveries)
        .description("Deliveries of alerts to webhooks this server holds that are not yet delivered or given up")
        .register(registry);
    Gauge.builder("quota_alert_deliveries_deferred", sender, WebhookSender::deferredDeliveries)
        .description("Deliveries of alerts to webhooks this server left waiting in the alert history, beyond the alerts"
            + " a webhook holds in memory, to be read back as it drains")
        .register(registry);
  }

  /**
   * Exposes the ledger's backlogs: {@code quota_ledger_queued_entries}, usage waiting on the
   * group-commit queue for a writer (it grows while the database is slow or holds the writers up),
   * and {@code quota_ledger_spooled_entries}, usage held in the local spool while it is away.
   */
  public void ledgerBacklogs(JdbcUsageLedger ledger) {
    Gauge.builder("quota_ledger_queued_entries", ledger, JdbcUsageLedger::queuedEntries)
        .description("Usage entries waiting on the ledger's group-commit queue for a writer")
        .register(registry);
    Gauge.builder("quota_ledger_spooled_entries", ledger, JdbcUsageLedger::spooledEntries)
        .description("Usage entries waiting in the local spool for the database")
        .register(registry);
  }

  /**
   * Exposes what the engine holds until a backend answers again: {@code quota_alerts_pending}
   * (alerts not yet stored) and {@code quota_owed_charges} (usage not yet charged to the budgets).
   */
  public void engineBacklogs(Quota quota) {
    Gauge.builder("quota_alerts_pending", quota, Quota::pendingAlerts)
        .description("Alerts fired and not yet stored in the database (waiting while it is away)")
        .register(registry);
    Gauge.builder("quota_owed_charges", quota, Quota::owedCharges)
        .description("Usage the ledger took while the counter store was down, not yet charged to the budget counters")
        .register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  /** Stops listening to the JVM's collections: the JVM outlives a server stopped inside it. */
  @Override
  public void close() {
    gc.close();
  }
}
