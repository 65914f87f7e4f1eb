package dev.quota.jdbc;

import java.time.LocalDate;

/**
 * What {@link JdbcUsageLedger#prune} did.
 *
 * @param rolledUpBefore raw rows of UTC days before this date now live only as daily rollups
 * @param rawRowsDeleted raw ledger rows removed
 * @param rollupRowsDeleted daily rollup rows removed for being older than the rollup retention
 */
public record PruneResult(LocalDate rolledUpBefore, long rawRowsDeleted, long rollupRowsDeleted) {}
