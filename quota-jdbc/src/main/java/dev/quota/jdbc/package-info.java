/**
 * Durable state for Quota on H2 (embedded, {@link dev.quota.jdbc.Database#embedded}) or
 * PostgreSQL ({@link dev.quota.jdbc.Database#open}), with one Flyway-migrated schema for both.
 *
 * <ul>
 *   <li>{@link dev.quota.jdbc.JdbcUsageLedger}: the usage ledger, the source of truth that budget
 *       counters are rebuilt from; group commit, idempotent rows, a fsynced spool while the
 *       database is unreachable, daily rollups and pruning.
 *   <li>{@link dev.quota.jdbc.CostReports}: cost per day or month by user, team, project, tool or
 *       provider, as rows, JSON or CSV.
 *   <li>{@link dev.quota.jdbc.JdbcConfigRepository}: policies with every version, overrides and
 *       the audit trail, each change and its audit row in one transaction.
 *   <li>{@link dev.quota.jdbc.JdbcAlertHistory} and {@link dev.quota.jdbc.ApiKeyRepository}: fired
 *       alerts with their webhook delivery state, and hashed API keys with roles.
 * </ul>
 *
 * <p>The JSON wire formats shared with the HTTP API live in {@code dev.quota.jdbc.json}.
 */
package dev.quota.jdbc;
