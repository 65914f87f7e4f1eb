package dev.quota;

/**
 * The engine was closed ({@link Quota#close}) before this call: its store and ledger are closed, so
 * it decided, settled and read nothing. A caller that shares an engine it is shutting down (a server
 * stopping with requests still in flight) can tell this from a fault and send the call elsewhere.
 */
public final class EngineClosedException extends QuotaException {
  private static final long serialVersionUID = 1L;

  public EngineClosedException() {
    super("this Quota engine is closed; build a new one");
  }
}
