package dev.quota.plan;

/**
 * A reservation a store holds, as it holds it.
 *
 * @param payload what the engine filed with the reservation ({@link Plan#payload}), or null
 * @param expiresAtMs when the store releases it, in the store's time (epoch milliseconds)
 */
public record Holding(String payload, long expiresAtMs) {}
