package dev.quota.plan;

/** Take one of {@code max} in-flight slots until the reservation settles or expires. */
public record ConcurrencyOp(CounterKey key, boolean enforced, String label, int max)
    implements CounterOp {}
