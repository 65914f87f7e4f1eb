package dev.quota.server.http;

/**
 * Told of each request answered 503 because a backend could not serve it, so a dashboard can alert
 * on refused calls by the backend at fault, not only on failed store calls.
 */
public interface UnavailableListener {
  /** The backend that a 503 answer blames. */
  enum Cause {
    /** The counter store (Redis) could not be reached: a fail-closed decision, a commit, a read. */
    STORE,
    /** The database (configuration, ledger, keys) could not be reached or was busy past its bounds. */
    DATABASE
  }

  void answeredUnavailable(Cause cause);
}
