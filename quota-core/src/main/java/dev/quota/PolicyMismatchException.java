package dev.quota;

import java.util.Optional;

/**
 * A conditional policy write found its selector bound to a policy other than the one its caller
 * expected, or to none. The check was made on the policy the repository read in the same atomic
 * step as the write, so nothing was stored and nothing audited.
 */
public final class PolicyMismatchException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final transient Selector selector;
  private final transient Policy current;

  public PolicyMismatchException(Selector selector, Optional<Policy> current) {
    super(current.isPresent()
        ? "the policy for " + selector + " is not the one expected"
        : "no policy for " + selector + " exists");
    this.selector = selector;
    this.current = current.orElse(null);
  }

  public Selector selector() {
    return selector;
  }

  /** The policy the write found bound to the selector; empty if it found none. */
  public Optional<Policy> current() {
    return Optional.ofNullable(current);
  }
}
