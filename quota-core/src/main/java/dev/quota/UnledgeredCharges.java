package dev.quota;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Charges this engine may have applied to the store whose ledger rows are not written yet: a
 * commit or recorded usage from just before its store call until its row is in the ledger.
 *
 * <p>A budget the store lost is rebuilt from the ledger. A charge the store applied before it lost
 * the counter, but whose row was written only after the rebuild read the ledger, would be in
 * neither, and its spend would vanish from the budget for the rest of the period. So a rebuild
 * first waits for the charges in flight here ({@link #awaitWritten}); one that begins later was
 * applied after the loss, to the rebuilt counter or to one its own rebuild reads after it.
 *
 * <p>A charge whose store call changed nothing and must rebuild a budget itself first
 * {@linkplain Charge#applyingNothing steps aside}: two charges rebuilding at once would otherwise
 * each wait for the other. Only a rebuild waits here, and nothing in flight waits for a rebuild,
 * so every wait ends once a store call has answered and a row has been written (or spooled).
 */
final class UnledgeredCharges {
  private final Set<Charge> inFlight = ConcurrentHashMap.newKeySet();

  /** A charge about to be made in the store; close it once its ledger row is written, or not to be. */
  Charge open() {
    Charge c = new Charge();
    c.applying();
    return c;
  }

  /** Waits until every charge in flight now has its ledger row written or is known to charge nothing. */
  void awaitWritten() {
    for (Charge c : inFlight) {
      CompletableFuture<Void> written = c.written;
      if (written != null) {
        written.join();
      }
    }
  }

  final class Charge implements AutoCloseable {
    /** Completed once the current store call's charge is written or known to be none; null while aside. */
    private volatile CompletableFuture<Void> written;

    /** The store is about to be asked to apply the charge. */
    void applying() {
      written = new CompletableFuture<>();
      inFlight.add(this);
    }

    /** The store answered without applying anything, and the charge waits (for a rebuild) before asking again. */
    void applyingNothing() {
      inFlight.remove(this);
      CompletableFuture<Void> w = written;
      written = null;
      if (w != null) {
        w.complete(null);
      }
    }

    @Override
    public void close() {
      applyingNothing();
    }
  }
}
