package dev.quota.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quota.Quota;
import dev.quota.alert.Alert;
import dev.quota.jdbc.CostReports;
import dev.quota.jdbc.DatabaseException;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.jdbc.PruneResult;
import dev.quota.jdbc.json.PolicyJson;
import dev.quota.ledger.UsageEntry;
import dev.quota.server.alerts.AlertJournalFile;
import dev.quota.server.alerts.WebhookSender;
import dev.quota.server.api.AlertRedeliveryRoutes;
import dev.quota.server.api.DecisionRoutes;
import dev.quota.server.api.DenialRoutes;
import dev.quota.server.api.HistoryRoutes;
import dev.quota.server.api.KeyRoutes;
import dev.quota.server.api.OpsRoutes;
import dev.quota.server.api.OverrideRoutes;
import dev.quota.server.api.PolicyRoutes;
import dev.quota.server.api.ReportRoutes;
import dev.quota.server.api.RouteTable;
import dev.quota.server.api.SubjectRoutes;
import dev.quota.server.api.WhoAmIRoutes;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.Role;
import dev.quota.server.config.ServerConfig;
import dev.quota.server.denials.RecentDenials;
import dev.quota.server.http.BodyDeadline;
import dev.quota.server.http.JettyProblems;
import dev.quota.server.http.JsonBody;
import dev.quota.server.http.MethodOverride;
import dev.quota.server.http.Problems;
import dev.quota.server.http.QueryEncoding;
import dev.quota.server.http.RouteMethods;
import dev.quota.server.http.StaticUi;
import dev.quota.server.http.StopGate;
import dev.quota.server.journal.OwedUsageJournalFile;
import dev.quota.server.metrics.QuotaMetrics;
import dev.quota.store.MemoryStore;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP service: the engine behind the API, with auth, problem+json errors, metrics, health,
 * OpenAPI and the static UI. {@link #start()} binds; {@link #close()} stops accepting, lets
 * in-flight requests finish, then closes the engine (flushing the ledger) and the backends.
 */
public final class QuotaServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaServer.class);
  private static final long DRAIN_MS = 10_000;
  /** How long a stopping server waits for fired alerts to reach the database. */
  private static final Duration ALERT_DRAIN = Duration.ofSeconds(5);
  private static final long RELOAD_SECONDS = 2;
  /** Connections the kernel may hold for the acceptor (capped by the system's somaxconn). */
  static final int ACCEPT_QUEUE = 1024;
  /** Folded per minute and limit, so this covers hours of ordinary traffic in a few MiB at most. */
  private static final int DENIAL_RECORDS = 10_000;

  private final ServerConfig config;
  private final Backends backends;
  private final Quota quota;
  /** Whether {@link #start()} got the web server listening: only then is there one to stop. */
  private volatile boolean listening;
  private final QuotaMetrics metrics;
  private final Javalin app;
  /** Shut as the server begins to stop; see {@link StopGate}. */
  private final StopGate stopGate = new StopGate();
  private final RouteTable routes;
  private final ScheduledExecutorService maintenance =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quota-maintenance");
        t.setDaemon(true);
        return t;
      });
  /** Null when the ledger is not in a database. */
  private final LedgerRetention retention;
  /** Null when no webhook is configured. */
  private final WebhookSender webhooks;
  /** Alerts fired and not yet stored, journaled in the data directory for the next start. */
  private final AlertJournalFile alertJournal;
  private final OwedUsageJournalFile owedJournal;
  private final ScheduledExecutorService reloader =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quota-config-reload");
        t.setDaemon(true);
        return t;
      });

  public QuotaServer(ServerConfig config, Backends backends, Clock clock, String adminKey) {
    this(config, backends, clock, adminKey, WebhookSender.MEMORY_BOUND);
  }

  /** With each webhook holding at most {@code webhookMemoryBound} alerts in memory ({@link WebhookSender#MEMORY_BOUND} but in tests). */
  public QuotaServer(ServerConfig config, Backends backends, Clock clock, String adminKey, int webhookMemoryBound) {
    this(config, backends, clock, adminKey, webhookMemoryBound, BodyDeadline.DEFAULT);
  }

  /** And with a request's body read within {@code bodyDeadline} ({@link BodyDeadline#DEFAULT} but in tests). */
  public QuotaServer(
      ServerConfig config, Backends backends, Clock clock, String adminKey, int webhookMemoryBound, Duration bodyDeadline) {
    this.config = config;
    this.backends = backends;
    this.retention = backends.ledger() instanceof JdbcUsageLedger jdbc ? new LedgerRetention(jdbc, backends.database(), clock) : null;
    this.metrics = new QuotaMetrics();
    this.webhooks = config.webhooks().isEmpty() ? null
        : new WebhookSender(config.webhooks(), backends.alerts(), clock, config.webhookBackoff(), metrics, webhookMemoryBound);
    if (webhooks != null) {
      metrics.pendingDeliveries(webhooks);
    }
    Quota.Builder engine = Quota.builder()
        .clock(clock)
        .store(backends.store())
        .config(backends.config())
        .ledger(backends.ledger())
        .alertHistory(backends.alerts())
        .listener(metrics)
        .policyFormat(PolicyJson::write);
    if (webhooks != null) {
      // The engine hands alerts over on its dispatcher thread; the sender only queues them.
      engine.alertHandler(webhooks);
    }
    // Opened before the engine fires anything: what an earlier server here left comes first.
    this.alertJournal = new AlertJournalFile(config.dataDir());
    List<Alert> resumed = alertJournal.open();
    engine.alertJournal(alertJournal);
    this.owedJournal = new OwedUsageJournalFile(config.dataDir());
    List<UsageEntry> owedBefore = owedJournal.open();
    engine.owedUsageJournal(owedJournal);
    this.quota = engine.build();
    // Before any decision: one that rebuilt a budget from the ledger first would count these rows twice.
    quota.resumeOwedCharges(owedBefore);
    if (webhooks != null) {
      // The server that journaled them may have stored and sent some before it died.
      webhooks.resuming(resumed);
    }
    // Stored, then delivered to the webhooks, as if just fired; not counted as fired again.
    quota.resumeAlerts(resumed);
    if (backends.ledger() instanceof JdbcUsageLedger jdbc) {
      metrics.ledgerBacklogs(jdbc);
    }
    metrics.engineBacklogs(quota);
    backends.keys().register("admin", Role.ADMIN, Set.of(), adminKey);
    ObjectMapper json = JsonMapper.builder().build();
    // Javalin's defaults, made here so that decisions answered on the store's I/O thread can hand
    // their responses back to it (see DecisionRoutes).
    QueuedThreadPool requestThreads = new QueuedThreadPool(250, 8, 60_000);
    requestThreads.setName("quota-http");
    this.app = Javalin.create(c -> {
      c.jetty.threadPool = requestThreads;
      c.showJavalinBanner = false;
      c.jsonMapper(new JavalinJackson(json, false));
      // Javalin's default, set here because auth and the 405 answers match paths as the router
      // does (RouteMethods.routed): /metrics/ is /metrics.
      c.router.ignoreTrailingSlashes = true;
      c.http.maxRequestSize = JsonBody.MAX_BYTES;
      c.appData(BodyDeadline.KEY, bodyDeadline);
      c.jetty.defaultHost = config.host();
      c.jetty.defaultPort = config.port();
      // Javalin's server already counts in-flight requests; a stop timeout makes stop() wait for them.
      c.jetty.modifyServer(server -> server.setStopTimeout(DRAIN_MS));
      // What Jetty refuses before routing (unparseable requests, oversized headers) is a problem
      // document too, not Jetty's HTML page.
      JettyProblems jettyProblems = new JettyProblems();
      c.jetty.modifyServer(server -> server.setErrorHandler(jettyProblems));
      c.jetty.modifyServletContextHandler(context -> context.setErrorHandler(jettyProblems));
      c.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(JettyProblems.MAX_HEADER_BYTES));
      // Javalin's own connector, with a longer accept queue: the JDK's default of 50 overflows
      // when a burst of clients connects at once, and the kernel then resets connections it
      // already let the clients think were open.
      c.jetty.addConnector((server, http) -> {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        return connector;
      });
    });
    RouteMethods methods = new RouteMethods();
    stopGate.install(app);
    Problems.install(app, methods, metrics);
    MethodOverride.install(app);
    Auth.install(app, backends.keys());
    QueryEncoding.install(app);
    this.routes = new RouteTable(app, methods);
    RecentDenials denials = new RecentDenials(clock, DENIAL_RECORDS);
    new DecisionRoutes(quota, metrics, clock, denials, requestThreads).register(routes);
    new DenialRoutes(denials).register(routes);
    new WhoAmIRoutes().register(routes);
    new SubjectRoutes(quota).register(routes);
    new ReportRoutes(new CostReports(backends.database()), clock).register(routes);
    new PolicyRoutes(quota.admin()).register(routes);
    new OverrideRoutes(quota.admin()).register(routes);
    new HistoryRoutes(quota.admin(), backends.alerts()).register(routes);
    new AlertRedeliveryRoutes(backends.alerts(), webhooks, clock).register(routes);
    new KeyRoutes(backends.keys()).register(routes);
    Map<String, OpsRoutes.Check> checks = new LinkedHashMap<>();
    checks.put("store", StoreProbe.of(backends.store()));
    checks.putAll(backends.checks());
    new OpsRoutes(metrics, checks).register(routes);
    new StaticUi(QuotaServer.class.getClassLoader(), methods).register(app);
  }

  /**
   * Asks the counter store once before the first request: on Redis this opens the way for calls and
   * loads the store's function library (a fresh or flushed Redis has none), which the first burst
   * of decisions would otherwise wait for together, each under the Redis timeout. A store that
   * does not answer yet is left to the policies' fail modes, as at any other time.
   */
  private void readyStore() {
    String problem = StoreProbe.of(backends.store()).problem();
    if (problem != null) {
      LOG.warn("the counter store did not answer at start ({}); decisions follow their fail modes until it does", problem);
    }
  }

  public QuotaServer start() {
    readyStore();
    app.start();
    listening = true;
    scheduleMaintenance();
    if (webhooks != null) {
      webhooks.start();
    }
    // Other server processes may change policies and overrides in the shared database. Admin
    // changes need no lock against this: the engine serializes reloads, each reading afresh, so a
    // reload that read before a change installs before that change's own reload, never after it.
    // A lock shared with the changes would hold each of them up while a reload waits on an
    // unreachable database.
    reloader.scheduleWithFixedDelay(() -> {
      try {
        quota.reloadConfig();
        metrics.databaseRead(true);
      } catch (RuntimeException e) {
        if (e instanceof DatabaseException) { // not a policy that failed to load: the database did not answer
          metrics.databaseRead(false);
        }
        LOG.warn("could not reload policies: {}", e.getMessage());
      }
    }, RELOAD_SECONDS, RELOAD_SECONDS, TimeUnit.SECONDS);
    LOG.info("quota-server listening on http://{}:{}", config.host(), port());
    return this;
  }

  /**
   * Housekeeping off the request path: the counter store is probed every few seconds, so that
   * /metrics shows an outage before calls fail (one round trip to Redis, bounded by its timeout),
   * the in-memory store drops counters at rest every minute (a Redis store expires its keys
   * itself), and the ledger rolls up and prunes old rows hourly.
   */
  private void scheduleMaintenance() {
    OpsRoutes.Check storeProbe = StoreProbe.of(backends.store());
    maintenance.scheduleWithFixedDelay(() -> {
      boolean answered;
      try {
        answered = storeProbe.problem() == null;
      } catch (RuntimeException e) { // a failure thrown out would end the schedule
        answered = false;
      }
      metrics.storeProbed(answered);
    }, RELOAD_SECONDS, RELOAD_SECONDS, TimeUnit.SECONDS);
    if (backends.store() instanceof MemoryStore memory) {
      maintenance.scheduleWithFixedDelay(() -> {
        try {
          memory.sweep();
        } catch (RuntimeException e) {
          LOG.warn("could not sweep the in-memory counters: {}", e.toString());
        }
      }, 1, 1, TimeUnit.MINUTES);
    }
    if (retention != null) {
      maintenance.scheduleWithFixedDelay(() -> {
        try {
          pruneLedger();
        } catch (RuntimeException e) {
          LOG.warn("could not prune the usage ledger: {}", e.getMessage());
        }
      }, 5, 60, TimeUnit.MINUTES);
    }
  }

  /**
   * Rolls up and prunes the ledger now, as the hourly job does; empty when another server sharing
   * the database is pruning, or the ledger is not a database ledger.
   */
  public Optional<PruneResult> pruneLedger() {
    return retention == null ? Optional.empty() : retention.run();
  }

  public int port() {
    return app.port();
  }

  public Quota quota() {
    return quota;
  }

  /** The webhook sender; empty when no webhook is configured. */
  public Optional<WebhookSender> webhooks() {
    return Optional.ofNullable(webhooks);
  }

  public List<RouteTable.Route> routes() {
    return routes.routes();
  }

  /** Gives alerts fired by the last requests a little time to reach the database before the engine closes. */
  private void drainAlerts() {
    try {
      quota.drainAlerts(ALERT_DRAIN);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes the engine, keeping the alerts it could not store for the next start on this data directory. */
  private void closeEngine() {
    List<Alert> unstored = quota.closeKeepingAlerts();
    keepOwedCharges();
    try {
      alertJournal.keep(unstored);
      if (!unstored.isEmpty()) {
        LOG.warn("stopping with {} alerts not stored in the database; kept in {} for the next start",
            unstored.size(), alertJournal.file());
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("stopping with {} alerts not stored in the database, and they cannot be kept in {}: {}",
          unstored.size(), alertJournal.file(), e.toString());
      unstored.forEach(a -> metrics.onAlertDropped(a, e));
    }
  }

  /** After the engine closed (its last replay done): what it still owes stays for the next start. */
  private void keepOwedCharges() {
    try {
      owedJournal.keep();
      if (owedJournal.owed() > 0) {
        LOG.warn("stopping with the budget charges of {} ledger rows, usage recorded while the counter store was down,"
            + " not yet applied to it; kept in {} for the next start", owedJournal.owed(), owedJournal.file());
      }
    } catch (RuntimeException e) {
      LOG.error("stopping with the budget charges of {} ledger rows not applied to the counter store, and they cannot"
          + " be kept in {}: {}", owedJournal.owed(), owedJournal.file(), e.toString());
    }
  }

  @Override
  public void close() {
    reloader.shutdownNow();
    maintenance.shutdownNow();
    if (listening) {
      stopGate.shut();
      app.stop(); // one that never started only logs a failure to stop
    }
    drainAlerts();
    closeEngine();
    if (webhooks != null) {
      // Waits for its sends to stop and releases its claims: it needs the database still open.
      webhooks.close();
    }
    backends.close();
    metrics.close();
  }
}
