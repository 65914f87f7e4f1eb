package dev.quota.plan;

/**
 * One step of a {@link Plan}: a counter to test and, if the whole plan admits, to change.
 * {@code enforced} is false for shadow-mode policies: the counter moves but never denies.
 * {@code label} is opaque to stores; the engine uses it to say which policy an op came from.
 */
public sealed interface CounterOp permits RateOp, BudgetOp, ConcurrencyOp {
  CounterKey key();

  boolean enforced();

  String label();
}
