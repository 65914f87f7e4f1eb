package dev.quota.jdbc;

import dev.quota.QuotaException;

/**
 * The ledger could make an entry durable neither in the database nor in its spool file (or, for a
 * read, the database is unreachable while spooled entries wait). Nothing was acknowledged.
 */
public final class LedgerUnavailableException extends QuotaException {
  private static final long serialVersionUID = 1L;

  public LedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
