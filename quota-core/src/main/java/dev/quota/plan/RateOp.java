package dev.quota.plan;

import dev.quota.RateLimit;

/** Consume {@code amount} units of a rate limit's meter, if the limit has room for them. */
public record RateOp(CounterKey key, boolean enforced, String label, RateLimit limit, long amount)
    implements CounterOp {}
