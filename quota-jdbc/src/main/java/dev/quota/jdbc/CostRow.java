package dev.quota.jdbc;

import dev.quota.MoneyTotal;

/**
 * One line of a cost report: the spend of one period and group in one currency.
 *
 * @param period {@code 2025-03-01} (day), {@code 2025-03} (month) or an ISO interval for totals
 * @param key the user, team, project, tool or provider the row is for; null for usage that did not
 *     name one, and for reports not grouped by a subject
 * @param currency the currency of {@code amount}; null for spend in none (see {@code UsageEntry#currency})
 * @param amount total cost, exact and not bounded by the maximum of one amount
 * @param entries number of ledger entries summed
 */
public record CostRow(String period, String key, String currency, MoneyTotal amount, long entries) {}
