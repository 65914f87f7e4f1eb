package dev.quota.plan;

/**
 * A budget op whose counter exists but may be behind the ledger: nothing decided on it since the
 * engines took up the counters they keep now ({@link BudgetOp#seedBeforeMs}), so what was charged
 * meanwhile may have gone to another counter, or to none. The engine catches it up from the ledger
 * ({@code Store#catchUp}) before anything is decided on it.
 *
 * @param index the op's index in its plan
 * @param touchedMs the store time of the counter's last decision, up to which it holds the ledger's
 *     spend (see {@code Store#catchUp})
 */
public record StaleBudget(int index, long touchedMs) {}
