package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * An H2 URL is completed with the settings the server needs: without them a bare path stopped the
 * server's start (H2 read its SQL in H2's own dialect), and H2's delayed writes lost acknowledged
 * ledger rows when the process was killed.
 */
class H2UrlTest {
  @Test
  void theSettingsAUrlLeavesOutAreAdded() {
    assertThat(H2Url.completed("jdbc:h2:file:/q/quota"))
        .isEqualTo("jdbc:h2:file:/q/quota;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
    assertThat(H2Url.completed("jdbc:h2:file:/q/quota;mode=postgresql;AUTO_SERVER=TRUE"))
        .isEqualTo("jdbc:h2:file:/q/quota;mode=postgresql;AUTO_SERVER=TRUE;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
  }

  @Test
  void aUrlThatSetsOneOtherwiseIsRefusedNamingIt() {
    assertThat(H2Url.problem("jdbc:h2:file:/q/quota;WRITE_DELAY=0")).isNull();
    assertThatThrownBy(() -> H2Url.completed("jdbc:h2:file:/q/quota;WRITE_DELAY=500"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("jdbc url: an H2 URL must leave out WRITE_DELAY or set it to 0, got 500");
  }
}
