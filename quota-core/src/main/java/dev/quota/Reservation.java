package dev.quota;

import java.time.Instant;
import java.util.Map;

/**
 * A reservation still held: made by {@link Quota#reserve}, neither settled nor expired.
 *
 * @param subjects the subjects it was made for, by scope
 * @param estimatedCost the estimate it was made with, which its budgets hold; zero if it gave none,
 *     though its budgets then hold the smallest per-request cap that applied (the commit's
 *     {@link Settled#held} tells what was held)
 * @param meters what it reserved of each meter; empty if it was made by a version that kept none
 * @param idempotencyKey the key it was made with, or null
 * @param expiresAt when the store releases it unless it is settled first, in the store's time
 */
public record Reservation(
    String reservationId, Map<String, String> subjects, Money estimatedCost, Map<String, Long> meters,
    String idempotencyKey, Instant expiresAt) {}
