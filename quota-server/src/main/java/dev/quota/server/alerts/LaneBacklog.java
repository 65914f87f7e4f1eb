package dev.quota.server.alerts;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The alerts one webhook's lane holds in memory, at most a bound ({@link #BOUND} but in tests):
 * queued, in flight, or waiting out a retry's backoff. A delivery beyond it is left pending in the
 * database, where the alert is stored and claimed by this server already, and read back ({@link
 * WebhookSender}) once the lane has drained to half the bound. A receiver that hangs thus keeps a
 * few thousand sends in memory rather than one for every alert fired while it hangs.
 */
final class LaneBacklog {
  static final int BOUND = 2_000;

  /** What {@link #admit} decided. */
  enum Admission {
    /** Held in memory now: the caller sends it. */
    ADMITTED,
    /** Held in memory already (a read-back came first): the caller leaves it to that send. */
    ALREADY_HELD,
    /** Left in the database, to be read back. */
    LEFT
  }

  private final int bound;
  private final Set<String> held = new HashSet<>();
  /**
   * Ids let go while a read-back was under way: its read may predate the record of their outcome,
   * so it must not take them again.
   */
  private final Set<String> letGoWhileReading = new HashSet<>();
  /**
   * Deliveries left in the database and not read back yet: counted as each is left and as each is
   * read back, and counted afresh by a read-back that saw them all, so a count that drifted (a
   * delivery read back that was never counted as left) comes right again.
   */
  private int deferred;
  /** Ids left while a read-back was under way, which its read may or may not have seen. */
  private final Set<String> leftWhileReading = new HashSet<>();
  /** Deliveries the read-back under way found but had no room for, left before it began. */
  private int refusedForRoom;
  private boolean leftInDatabase;
  private boolean reading;
  /** Whether a read-back is queued, so that many sends ending at once queue one. */
  final AtomicBoolean readBackQueued = new AtomicBoolean();

  LaneBacklog(int bound) {
    if (bound < 2) {
      throw new IllegalArgumentException("a lane's bound is at least 2: " + bound);
    }
    this.bound = bound;
  }

  int bound() {
    return bound;
  }

  /**
   * Takes alert {@code id} into memory if there is room and nothing waits in the database before
   * it (so a backlog is read back oldest first rather than overtaken by every new alert).
   */
  synchronized Admission admit(String id) {
    if (held.contains(id)) {
      return Admission.ALREADY_HELD;
    }
    if (leftInDatabase || reading || held.size() >= bound) {
      leftInDatabase = true;
      deferred++;
      if (reading) {
        leftWhileReading.add(id);
      }
      return Admission.LEFT;
    }
    held.add(id);
    return Admission.ADMITTED;
  }

  /** Whether alert {@code id} is held in memory: a send of it is queued, in flight, or about to be let go. */
  synchronized boolean holds(String id) {
    return held.contains(id);
  }

  /** The lane is done with {@code id} (its outcome handed to the history); true if a read-back is due. */
  synchronized boolean letGo(String id) {
    if (held.remove(id) && reading) {
      letGoWhileReading.add(id);
    }
    return readBackDue();
  }

  /** Whether deliveries wait in the database and the lane has drained to half its bound. */
  synchronized boolean readBackDue() {
    return leftInDatabase && !reading && held.size() <= bound / 2;
  }

  /** Starts a read-back; alerts left from now on wait for the next. */
  synchronized void startReading() {
    reading = true;
    leftInDatabase = false;
    letGoWhileReading.clear();
    leftWhileReading.clear();
    refusedForRoom = 0;
  }

  /** Takes alert {@code id}, read back, into memory unless it is held, was let go during the read, or there is no room. */
  synchronized boolean admitReadBack(String id) {
    if (held.contains(id) || letGoWhileReading.contains(id)) {
      return false;
    }
    if (held.size() >= bound) {
      leftInDatabase = true;
      if (!leftWhileReading.contains(id)) {
        refusedForRoom++;
      }
      return false;
    }
    held.add(id);
    leftWhileReading.remove(id);
    deferred = Math.max(0, deferred - 1);
    return true;
  }

  /**
   * Ends a read-back; {@code more}: deliveries may still wait in the database. Without more, the
   * read saw every delivery waiting when it ran: those it had no room for still wait, and so do
   * those left since it began.
   */
  synchronized void endReading(boolean more) {
    reading = false;
    leftInDatabase |= more;
    letGoWhileReading.clear();
    if (!more) {
      deferred = refusedForRoom + leftWhileReading.size();
    }
    leftWhileReading.clear();
  }

  /** Deliveries to this lane's webhook that wait in the database, not read back yet. */
  synchronized int deferred() {
    return deferred;
  }
}
