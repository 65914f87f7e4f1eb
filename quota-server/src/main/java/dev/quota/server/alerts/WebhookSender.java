package dev.quota.server.alerts;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertHandler;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.Claimed;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import dev.quota.jdbc.WebhookRef;
import dev.quota.jdbc.json.AlertJson;
import dev.quota.server.config.ServerConfig.Webhook;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each fired alert as JSON to every configured webhook, signed with the webhook's secret
 * ({@link WebhookSignature}), and records the delivery in the alert history.
 *
 * <p>Delivery runs on the sender's own threads: {@link #onAlert} only schedules, so neither a
 * decision nor the engine's alert dispatcher waits on a receiver. Each webhook is a {@link
 * WebhookLane} of its own, so a slow or dead receiver delays only its own deliveries. A lane holds a
 * bounded number of alerts in memory ({@link LaneBacklog}); the rest wait in the history, pending
 * and claimed by this sender, and are read back ({@link JdbcAlertHistory#heldPendingFor}) as the
 * lane drains. An alert whose webhooks are sent it by such separate parts is settled from its rows
 * by the part that ends last. Every send is
 * recorded on that webhook's own row of the alert ({@link JdbcAlertHistory#markWebhookDelivered},
 * {@link JdbcAlertHistory#markWebhookFailed}); a failed one is retried on that webhook alone after
 * {@link Backoff#after}. An outcome the database refuses to record is kept, in order, and recorded
 * by the next outcome or claims run once it takes writes again. Once every webhook has taken the
 * alert or used up its attempts, the alert
 * is {@code delivered} (every webhook took it), {@code partial} (some did) or {@code failed} (none
 * did), over every webhook the alert went to. A webhook no longer configured is never sent an
 * alert: its pending row is dropped when the alert is settled. Receivers must tolerate a repeat:
 * the same alert (same {@code id} and {@code X-Quota-Alert-Id}) can arrive again if an answer was
 * lost.
 *
 * <p>Retries live in this process, over alerts it has claimed in the history (see {@link
 * JdbcAlertHistory}): those it fired itself and those it took over. Every minute, and at {@link
 * #start}, it renews its claims and takes over pending alerts whose claim lapsed (their server
 * died) or was released (their server stopped), and at once those of the server that ran on its
 * data directory before it, which is dead ({@link ClaimantFile}), resending each only to the
 * webhooks whose rows are still pending, from the attempt after the last one recorded. {@link
 * #close} waits for sends in flight to be interrupted, records nothing for them and releases its
 * claims, so the next server to look resends them at once; it must run before the database closes.
 *
 * <p>Alerts a start resumes from its data directory ({@link #resuming}) may have been stored, and
 * sent, by the process that journaled them before it was killed. Such an alert is claimed as a
 * takeover is ({@link JdbcAlertHistory#claimResumed}) and sent only to the webhooks still pending;
 * one that another server has taken over since is left to that server.
 */
public final class WebhookSender implements AlertHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  /** How many alerts a webhook holds in memory; more wait in the history ({@link LaneBacklog}). */
  public static final int MEMORY_BOUND = LaneBacklog.BOUND;
  /** Pending alerts taken over in one claim. */
  static final int RESUME_BATCH = 500;
  /** Well within {@link JdbcAlertHistory#CLAIM_LEASE}, so a live sender's claims never lapse. */
  private static final Duration CLAIM_RENEWAL = Duration.ofMinutes(1);
  /**
   * How long {@link #close} waits for a renewal or takeover under way: a few database calls, each
   * taking a connection within seconds or failing.
   */
  private static final Duration CLAIMS_STOP = Duration.ofSeconds(10);
  /** How long a redelivery waits for the settled delivery before it to be let go of: a few steps of a lane thread. */
  private static final Duration LETTING_GO = Duration.ofMillis(20);

  private final List<WebhookLane> lanes;
  /** The ids of the webhooks configured ({@link WebhookRef#id}); an alert's rows for others are dropped. */
  private final Set<String> configured;
  private final JdbcAlertHistory history;
  private final Clock clock;
  private final Backoff backoff;
  private final ScheduledExecutorService claims;
  /** Ids of the alerts this sender is delivering, so a takeover never queues one twice. */
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  /** Ids of alerts resumed from the data directory, not yet handed over by the engine. */
  private final Set<String> resumed = ConcurrentHashMap.newKeySet();
  /** Resumed alerts whose claim could not be asked for (the database went away); asked again with the claims. */
  private final Queue<Alert> resumeLater = new ConcurrentLinkedQueue<>();
  /** Outcomes of sends not yet written to the history, oldest first ({@link #record}). */
  private final Queue<Outcome> unrecorded = new ConcurrentLinkedQueue<>();
  /** Held by the one thread writing {@link #unrecorded}, so they are written in order. */
  private final ReentrantLock recording = new ReentrantLock();
  private volatile boolean closing;
  private final DeliveryListener listener;
  /**
   * Sends of an alert to one webhook this sender will still make or is making: counted when one is
   * scheduled, and no longer once it is settled (taken, or given up) or left to the next holder
   * because the sender stopped (its lane refused it, dropped it from its queue, or cut it short).
   */
  private final AtomicInteger pending = new AtomicInteger();

  public WebhookSender(List<Webhook> hooks, JdbcAlertHistory history, Clock clock, Backoff backoff) {
    this(hooks, history, clock, backoff, DeliveryListener.NONE);
  }

  public WebhookSender(List<Webhook> hooks, JdbcAlertHistory history, Clock clock, Backoff backoff, DeliveryListener listener) {
    this(hooks, history, clock, backoff, listener, LaneBacklog.BOUND);
  }

  /** With each webhook holding at most {@code laneBound} alerts in memory ({@link LaneBacklog#BOUND} but in tests). */
  public WebhookSender(List<Webhook> hooks, JdbcAlertHistory history, Clock clock, Backoff backoff, DeliveryListener listener,
      int laneBound) {
    this(hooks, history, clock, backoff, listener, WebhookLane.SEND_TIMEOUT, laneBound);
  }

  /** With each send given {@code sendTimeout} (tests shorten it). */
  WebhookSender(List<Webhook> hooks, JdbcAlertHistory history, Clock clock, Backoff backoff, DeliveryListener listener,
      Duration sendTimeout) {
    this(hooks, history, clock, backoff, listener, sendTimeout, LaneBacklog.BOUND);
  }

  /** With each send given {@code sendTimeout} and each webhook holding at most {@code laneBound} alerts in memory. */
  WebhookSender(List<Webhook> hooks, JdbcAlertHistory history, Clock clock, Backoff backoff, DeliveryListener listener,
      Duration sendTimeout, int laneBound) {
    if (hooks.isEmpty()) {
      throw new IllegalArgumentException("a webhook sender needs at least one webhook");
    }
    this.history = history;
    this.clock = clock;
    this.backoff = backoff;
    this.listener = listener;
    HttpClient http = HttpClient.newBuilder()
        .connectTimeout(sendTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    List<WebhookLane> l = new ArrayList<>();
    for (int i = 0; i < hooks.size(); i++) {
      l.add(new WebhookLane(hooks.get(i), i, http, sendTimeout, laneBound));
    }
    this.lanes = List.copyOf(l);
    this.configured = lanes.stream().map(lane -> lane.ref().id()).collect(Collectors.toUnmodifiableSet());
    this.claims = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "quota-webhook-claims");
      t.setDaemon(true);
      return t;
    });
  }

  /** Takes over abandoned alerts now and every minute, on a thread of its own so a hanging receiver cannot delay it. */
  public void start() {
    claims.scheduleWithFixedDelay(this::maintainClaims, 0, CLAIM_RENEWAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Tells the sender that the engine will hand it {@code alerts} again, resumed from the data
   * directory: each is then sent only as far as its delivery recorded in the history is unfinished,
   * since the process that journaled it may have stored and sent it before it died. Call it before
   * the engine resumes them.
   */
  public void resuming(Collection<Alert> alerts) {
    alerts.forEach(a -> resumed.add(a.id()));
  }

  @Override
  public void onAlert(Alert alert) {
    if (closing) {
      // Stored, pending and not claimed by this sender (or released by close): the next server's.
      return;
    }
    if (resumed.remove(alert.id())) {
      resume(alert);
    } else if (held.add(alert.id())) {
      // Just stored, so every webhook's row is still pending with no attempt.
      deliver(alert, List.of(), false);
    }
  }

  /**
   * Sends again an alert an admin redelivers ({@link JdbcAlertHistory#redeliver}), which the history
   * made pending and claimed for this sender: to the webhooks whose rows are pending (never to one
   * with no row, configured since the alert fired), under the usual rules (lanes, their bound, backoff, outcomes recorded). Put off a moment while this
   * sender still lets go of the delivery that settled it (its settling is recorded just before):
   * a lane holding the alert would take the new send for the old one and never make it.
   */
  public void redeliver(Claimed claimed) {
    if (closing) {
      return; // claimed, but released by close or lapsing: the next holder sends it
    }
    String id = claimed.alert().id();
    if (lanes.stream().anyMatch(lane -> lane.backlog().holds(id)) || !held.add(id)) {
      try {
        claims.schedule(() -> redeliver(claimed), LETTING_GO.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closing: the claim is released, and the next holder sends it
      }
      return;
    }
    logDropped(deliver(claimed.alert(), claimed.webhooks(), claimed.redelivered()));
  }

  /** Delivers a resumed alert to the webhooks whose rows are pending, if no other sender's claim is in force. */
  private void resume(Alert alert) {
    Optional<Claimed> claimed;
    try {
      Instant now = clock.instant();
      claimed = history.claimResumed(alert.id(), now, now.plus(JdbcAlertHistory.CLAIM_LEASE));
    } catch (RuntimeException e) {
      // Stored a moment ago, so likely claimed by this sender, which renews the claim: nobody else
      // would take it over, so ask again later rather than leave it.
      LOG.warn("could not claim resumed alert {}; trying again in a minute: {}", alert.id(), e.getMessage());
      resumeLater.add(alert);
      return;
    }
    claimed.ifPresent(c -> {
      if (held.add(alert.id())) {
        // The alert as fired, so the body is the one a first delivery would have sent.
        logDropped(deliver(alert, c.webhooks(), c.redelivered()));
      }
    });
  }

  /** Every minute: records outcomes the database refused, resumes what waits, renews claims and takes over abandoned alerts. */
  void maintainClaims() {
    try {
      recordWaiting();
      for (int n = resumeLater.size(); n > 0 && !closing; n--) {
        Alert a = resumeLater.poll();
        if (a != null) {
          resume(a);
        }
      }
      if (closing) {
        return;
      }
      history.renewClaims(clock.instant().plus(JdbcAlertHistory.CLAIM_LEASE));
      int resumed = resumeAbandoned();
      if (resumed > 0) {
        LOG.info("resending {} alerts left pending by a stopped server", resumed);
      }
      // Also catches a read-back put off while an outcome waited to be recorded.
      lanes.forEach(this::readBack);
    } catch (RuntimeException e) {
      LOG.warn("could not renew or take over webhook deliveries: {}", e.getMessage());
    }
  }

  /**
   * Claims pending alerts nobody holds (their server stopped or died) and delivers them; returns
   * how many it took over. Takes them batch after batch until none is left, so a backlog a stopped
   * server left is sent at once rather than a batch a minute. Once the sender is closing, takes
   * none: it could not send them.
   */
  public int resumeAbandoned() {
    int n = 0;
    List<WebhookRef> dropped = new ArrayList<>();
    boolean more = true;
    while (more && !closing) {
      Instant now = clock.instant();
      List<Claimed> batch = history.claimAbandoned(now, now.plus(JdbcAlertHistory.CLAIM_LEASE), RESUME_BATCH);
      for (Claimed c : batch) {
        if (held.add(c.alert().id())) {
          dropped.addAll(deliver(c.alert(), c.webhooks(), c.redelivered()));
          n++;
        }
      }
      // A short batch is the last; those claimed are no longer abandoned, so the next is new ones.
      more = batch.size() == RESUME_BATCH;
    }
    logDropped(dropped);
    return n;
  }

  /**
   * One line for each webhook no longer configured whose pending deliveries this sender dropped
   * ({@code dropped} names it once for each), by its URL without credentials.
   */
  private static void logDropped(List<WebhookRef> dropped) {
    Map<String, Long> byUrl = dropped.stream()
        .collect(Collectors.groupingBy(WebhookRef::url, TreeMap::new, Collectors.counting()));
    byUrl.forEach((url, n) -> LOG.warn("{} pending {} to {} will not be made: that webhook is no longer configured",
        n, n == 1 ? "delivery" : "deliveries", url));
  }

  /**
   * Deliveries of an alert to a webhook that this sender holds in memory and has not settled, across
   * all webhooks (each holds at most its bound: more wait in the database, uncounted); none once the
   * sends {@link #close} cut short have ended (it waits for them).
   */
  public int pendingDeliveries() {
    return pending.get();
  }

  /**
   * Deliveries of an alert to a webhook that this sender left waiting in the history, beyond a
   * webhook's bound in memory, and has not read back yet, across all webhooks.
   */
  public int deferredDeliveries() {
    return lanes.stream().mapToInt(lane -> lane.backlog().deferred()).sum();
  }

  /**
   * Sends {@code alert} to every configured webhook that has not settled it in {@code recorded} (its
   * rows as read when it was taken over): a webhook that took it, or gave up on it, before this
   * sender held it is not sent it again, and one still pending goes on from the attempt after its
   * last. A webhook still pending that is no longer configured is not sent it at all: its row is
   * dropped (failed, saying why) when the alert is settled, which it would otherwise never be.
   * A configured webhook with no row is sent it too, unless the alert was {@code redelivered}: a
   * redelivery sends again what failed, and a webhook configured since the alert fired never had
   * it. Returns the webhooks dropped.
   */
  private List<WebhookRef> deliver(Alert alert, List<WebhookDelivery> recorded, boolean redelivered) {
    Map<String, WebhookDelivery> byWebhook = new HashMap<>();
    List<WebhookDelivery> settledBefore = new ArrayList<>();
    List<WebhookRef> dropped = new ArrayList<>();
    for (WebhookDelivery r : recorded) {
      byWebhook.put(r.webhook().id(), r);
      // Every webhook the alert went to counts in its summary, configured or not.
      if (r.settled()) {
        settledBefore.add(r);
      } else if (!configured.contains(r.webhook().id())) {
        dropped.add(r.webhook());
      }
    }
    Map<WebhookLane, Integer> firstAttempts = new LinkedHashMap<>();
    for (WebhookLane lane : lanes) {
      WebhookDelivery r = byWebhook.get(lane.ref().id());
      if (r == null ? !redelivered : !r.settled()) {
        firstAttempts.put(lane, r == null ? 1 : r.attempts() + 1);
      }
    }
    if (firstAttempts.isEmpty()) {
      // Every webhook was done with it before its last holder could record the outcome, or is no
      // longer configured.
      new Delivery(alert, 0, settledBefore, dropped, false, true, redelivered).settle();
      return dropped;
    }
    Map<WebhookLane, Integer> admitted = new LinkedHashMap<>();
    firstAttempts.forEach((lane, first) -> {
      LaneBacklog.Admission a = lane.backlog().admit(alert.id());
      if (a == LaneBacklog.Admission.ADMITTED) {
        admitted.put(lane, first);
      } else if (a == LaneBacklog.Admission.LEFT) {
        queueReadBack(lane);
      }
    });
    if (admitted.isEmpty()) {
      // Every send waits in the database; the lanes read it back when they have room.
      held.remove(alert.id());
      return dropped;
    }
    // A webhook left out is sent the alert by a read-back: whichever part ends last settles it.
    boolean partial = admitted.size() < firstAttempts.size();
    Delivery d = new Delivery(alert, admitted.size(), settledBefore, dropped, partial, true, redelivered);
    admitted.forEach((lane, first) -> d.start(lane, first));
    return dropped;
  }

  /** Reads back, on the claims thread, the deliveries {@code lane} left in the database, once it is due. */
  private void queueReadBack(WebhookLane lane) {
    LaneBacklog backlog = lane.backlog();
    if (closing || !backlog.readBackDue() || !backlog.readBackQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      claims.execute(() -> {
        backlog.readBackQueued.set(false);
        readBack(lane);
      });
    } catch (RejectedExecutionException e) {
      backlog.readBackQueued.set(false); // closing: the next holder sends them
    }
  }

  /**
   * Takes into memory, oldest first, alerts this sender holds the claim on that {@code lane}'s
   * webhook has not settled, as far as the lane has room: those it left in the database. Put off
   * while an outcome waits to be recorded: its alert would read as pending and be sent again.
   */
  private void readBack(WebhookLane lane) {
    LaneBacklog backlog = lane.backlog();
    // Waits for a writer rather than skip: put off, the read-back would wait for the next claims run.
    if (closing || !backlog.readBackDue() || !recordAllWaiting()) {
      return;
    }
    backlog.startReading();
    boolean more = true;
    try {
      // The lane holds at most its bound, so this many rows hold every one it has room for.
      List<Claimed> found = history.heldPendingFor(lane.ref(), backlog.bound());
      more = found.size() == backlog.bound();
      for (Claimed c : found) {
        if (!closing && backlog.admitReadBack(c.alert().id())) {
          int first = c.webhooks().stream().filter(r -> r.webhook().id().equals(lane.ref().id()))
              .mapToInt(r -> r.attempts() + 1).findFirst().orElse(1);
          new Delivery(c.alert(), 1, List.of(), List.of(), true, false, c.redelivered()).start(lane, first);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("could not read back pending deliveries to {}; trying again later: {}", lane.label(), e.getMessage());
    } finally {
      backlog.endReading(more);
    }
    queueReadBack(lane);
  }

  /**
   * Stops delivering: waits for a renewal or takeover of claims under way to end, interrupts sends
   * in flight and waits for them to end, then releases this sender's claims so another server
   * resends those alerts. Nothing of the sender runs once it returns (short of a database call
   * hanging past the waits, which are bounded and logged), so the database may close next.
   */
  @Override
  public void close() {
    closing = true;
    // Not interrupted: a claims run is database calls, which JDBC drivers do not promise to cut
    // short on an interrupt; the run checks closing between them instead. Waited for before the
    // claims are released, or a takeover could claim alerts after the release, leaving them to
    // wait out the lease.
    claims.shutdown();
    try {
      if (!claims.awaitTermination(CLAIMS_STOP.toNanos(), TimeUnit.NANOSECONDS)) {
        LOG.warn("renewing or taking over webhook deliveries did not stop within {}", CLAIMS_STOP);
        claims.shutdownNow();
      }
    } catch (InterruptedException e) {
      claims.shutdownNow();
      Thread.currentThread().interrupt();
    }
    // Sends still queued (first attempts, retries waiting out their backoff) will not be made here.
    lanes.forEach(lane -> pending.addAndGet(-lane.stop()));
    try {
      for (WebhookLane lane : lanes) {
        if (!lane.awaitStopped(lane.sendTimeout())) {
          LOG.warn("deliveries to {} did not stop within {}", lane.label(), lane.sendTimeout());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!recordWaiting()) {
      // Released below, so the next server resends those alerts to the webhooks still pending on them.
      LOG.warn("{} outcomes of webhook sends could not be recorded; their alerts will be sent again", unrecorded.size());
    }
    try {
      history.releaseClaims();
    } catch (RuntimeException e) {
      // They lapse instead, and another server takes them over a few minutes later.
      LOG.warn("could not release claims on pending webhook deliveries: {}", e.getMessage());
    }
  }

  /** One alert on its way to the webhooks not yet done with it; settled once each has taken it or used up its attempts. */
  private final class Delivery {
    private final Alert alert;
    private final byte[] body;
    private final AtomicInteger unsettled;
    /** Webhooks no longer configured whose pending rows are dropped when the alert is settled. */
    private final List<WebhookRef> dropped;
    /** The last error of a webhook that used up its attempts, or was dropped; null while none has. */
    private volatile String failure;
    private volatile boolean anyDelivered;
    /** Some webhook's send of it is made by another part (a read-back): settled from the history's rows. */
    private final boolean partial;
    /** Whether this part's alert is in {@link #held}; a read-back's is not. */
    private final boolean inHeld;
    /** Whether an admin redelivered the alert: it goes only to the webhooks it has rows for. */
    private final boolean redelivered;

    /**
     * {@code settledBefore}: webhooks that took the alert or gave up before this sender held it;
     * {@code dropped}: webhooks still pending that are no longer configured.
     */
    Delivery(Alert alert, int toSend, List<WebhookDelivery> settledBefore, List<WebhookRef> dropped, boolean partial,
        boolean inHeld, boolean redelivered) {
      this.alert = alert;
      this.redelivered = redelivered;
      this.partial = partial;
      this.inHeld = inHeld;
      this.body = AlertJson.write(alert).getBytes(StandardCharsets.UTF_8);
      this.unsettled = new AtomicInteger(toSend);
      this.dropped = List.copyOf(dropped);
      for (WebhookDelivery r : settledBefore) {
        if (r.state() == JdbcAlertHistory.DeliveryState.DELIVERED) {
          anyDelivered = true;
        } else {
          failure = r.lastError();
        }
      }
      for (WebhookRef w : dropped) {
        failure = droppedReason(w);
      }
    }

    private static String droppedReason(WebhookRef webhook) {
      return webhook.url() + " is no longer configured; not sent";
    }

    /** Schedules the first send to {@code lane}, which has admitted the alert. */
    void start(WebhookLane lane, int attempt) {
      // Counted before it is scheduled, so that a send settled at once never takes the count below zero.
      pending.incrementAndGet();
      if (!lane.schedule(() -> attempt(lane, attempt), Duration.ZERO)) {
        // The lane stopped (the sender is closing): this sender will not send it. The alert stays
        // pending in the database for the next holder.
        letGo(lane);
      }
    }

    /** This sender no longer holds the alert's send to {@code lane}: settled, or left to the next holder. */
    private void letGo(WebhookLane lane) {
      pending.decrementAndGet();
      if (lane.backlog().letGo(alert.id())) {
        queueReadBack(lane);
      }
    }

    void attempt(WebhookLane lane, int attempt) {
      if (closing) {
        letGo(lane);
        return;
      }
      String error = lane.send(alert.id(), body);
      if (closing) {
        // Cut short by the shutdown, not refused by a receiver: the next holder resends it.
        letGo(lane);
        return;
      }
      if (error == null) {
        listener.onSend(lane.ref().publicLabel(), DeliveryListener.Outcome.DELIVERED);
        Instant at = clock.instant();
        record(alert, () -> history.markWebhookDelivered(alert.id(), lane.ref(), at));
        anyDelivered = true;
        settleOne(lane);
        return;
      }
      boolean lastAttempt = attempt >= backoff.attempts();
      listener.onSend(lane.ref().publicLabel(), lastAttempt ? DeliveryListener.Outcome.FAILED : DeliveryListener.Outcome.RETRIED);
      String message = "attempt " + attempt + ": " + error;
      record(alert, () -> history.markWebhookFailed(alert.id(), lane.ref(), message, lastAttempt));
      if (lastAttempt) {
        failure = message;
        LOG.warn("gave up delivering alert {} to {} after {} attempts: {}", alert.id(), lane.label(), attempt, error);
        settleOne(lane);
        return;
      }
      if (!lane.schedule(() -> attempt(lane, attempt + 1), backoff.after(attempt))) {
        letGo(lane); // the lane stopped: the next holder retries it
      }
    }

    /** One webhook is done with the alert (its outcome handed to {@link #record}); the last one settles it. */
    private void settleOne(WebhookLane lane) {
      if (unsettled.decrementAndGet() == 0) {
        settle();
      }
      letGo(lane);
    }

    /** Records the alert's overall outcome, once every webhook this part sends it to is done with it. */
    void settle() {
      if (partial) {
        // After this part's outcomes, in order: the rows then show whether another part still sends it.
        record(alert, () -> settleFromRows(alert, redelivered));
        if (inHeld) {
          held.remove(alert.id());
        }
        return;
      }
      String f = failure;
      Instant at = clock.instant();
      record(alert, () -> {
        // First, and the summary only once they are recorded: only pending alerts are taken over,
        // so a row left pending under a settled summary would stay pending for good.
        for (WebhookRef w : dropped) {
          history.markWebhookDropped(alert.id(), w, droppedReason(w));
        }
        if (f == null) {
          history.markDelivered(alert.id(), at);
        } else if (anyDelivered) {
          history.markPartial(alert.id(), f);
        } else {
          history.markFailed(alert.id(), f, true);
        }
      });
      held.remove(alert.id());
    }
  }

  /**
   * Settles {@code alert} from its rows in the history if no configured webhook's row is pending (or
   * missing, unless the alert was {@code redelivered}: then a webhook with no row is not sent it):
   * the part of its delivery that ends last does. Rows of webhooks no longer configured still
   * pending are dropped first, as {@link Delivery#settle} drops them.
   */
  private void settleFromRows(Alert alert, boolean redelivered) {
    Optional<JdbcAlertHistory.Delivery> d = history.delivery(alert.id());
    if (d.isEmpty() || d.get().state() != JdbcAlertHistory.DeliveryState.PENDING) {
      return;
    }
    Map<String, WebhookDelivery> rows = new HashMap<>();
    d.get().webhooks().forEach(r -> rows.put(r.webhook().id(), r));
    for (String id : configured) {
      WebhookDelivery r = rows.get(id);
      if (r == null ? !redelivered : !r.settled()) {
        return;
      }
    }
    String failure = null;
    boolean anyDelivered = false;
    for (WebhookDelivery r : rows.values()) {
      if (!r.settled()) {
        failure = Delivery.droppedReason(r.webhook());
        history.markWebhookDropped(alert.id(), r.webhook(), failure);
      } else if (r.state() == JdbcAlertHistory.DeliveryState.DELIVERED) {
        anyDelivered = true;
      } else {
        failure = r.lastError();
      }
    }
    if (failure == null) {
      history.markDelivered(alert.id(), clock.instant());
    } else if (anyDelivered) {
      history.markPartial(alert.id(), failure);
    } else {
      history.markFailed(alert.id(), failure, true);
    }
  }

  /** A write of a delivery's outcome to the history, for the alert it is about. */
  private record Outcome(Alert alert, Runnable write) {}

  /**
   * Writes {@code write} to the history after every outcome not yet written, in the order they
   * came. One the database refuses is kept, with those after it, and written by the next outcome
   * or the next claims run: left unwritten, the alert would stay pending, claimed by this sender,
   * which renews its claims, so no other server would take it over while this one runs.
   */
  private void record(Alert alert, Runnable write) {
    unrecorded.add(new Outcome(alert, write));
    recordWaiting();
  }

  /** Writes the waiting outcomes, oldest first, until one is refused; returns whether none waits. */
  private boolean recordWaiting() {
    // tryLock: a thread that finds another writing leaves its outcome to it, and the loop makes
    // sure one queued just as that writer finished is not left behind.
    while (!unrecorded.isEmpty() && recording.tryLock()) {
      try {
        if (!writeWaiting()) {
          return false;
        }
      } finally {
        recording.unlock();
      }
    }
    return unrecorded.isEmpty();
  }

  /**
   * Writes the waiting outcomes, waiting for a thread writing them to finish first rather than
   * leave them to it; returns whether every outcome handed to {@link #record} before the call is written.
   */
  private boolean recordAllWaiting() {
    recording.lock();
    try {
      return writeWaiting();
    } finally {
      recording.unlock();
    }
  }

  /** With {@link #recording} held: writes the waiting outcomes, oldest first, until one is refused. */
  private boolean writeWaiting() {
    for (Outcome o = unrecorded.peek(); o != null; o = unrecorded.peek()) {
      try {
        o.write().run();
      } catch (RuntimeException e) {
        LOG.warn("could not record delivery of alert {}; trying again later: {}", o.alert().id(), e.getMessage());
        return false;
      }
      unrecorded.poll();
    }
    return true;
  }
}
