package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Policy;
import dev.quota.admin.MemoryConfigRepository;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Policies and overrides are listed in the same order whichever engine keeps them, the order the in-memory
 * repository lists them in (by selector, as Java compares text). The databases' own orders differ:
 * H2 compares UTF-16 units, PostgreSQL its database's collation (bytes of UTF-8 under C.UTF-8, so
 * a character beyond U+FFFF comes after U+FF5E; case and punctuation ignored at first under en_US).
 */
class ConfigListingOrderTest {
  @TempDir Path dir;

  private static final List<String> SELECTORS =
      List.of("user:\uFF5Etilde", "user:\uD83D\uDE00smile", "user:alice", "user:Bob", "team:*", "user:*", "user:b-ob");

  @ParameterizedTest
  @EnumSource(Backend.class)
  void policiesAreListedInTheOrderTheInMemoryRepositoryListsThem(Backend backend) {
    var memory = new MemoryConfigRepository();
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      for (String selector : SELECTORS) {
        Policy p = JdbcConfigRepositoryTest.limit(selector, 5);
        repo.putPolicy(p, replaced -> JdbcConfigRepositoryTest.audit("policy.put", selector, "order"));
        memory.putPolicy(p, replaced -> JdbcConfigRepositoryTest.audit("policy.put", selector, "order"));
      }

      assertThat(selectors(repo.policies())).containsExactlyElementsOf(selectors(memory.policies()));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void overridesAreListedInTheOrderTheInMemoryRepositoryListsThem(Backend backend) {
    var memory = new MemoryConfigRepository();
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      for (String id : List.of("o-\uFF5E", "o-\uD83D\uDE00", "o-alice", "o-Bob", "o_b", "o-b-ob")) {
        repo.putOverride(JdbcConfigRepositoryTest.override(id), JdbcConfigRepositoryTest.audit("override.create", id, "order"));
        memory.putOverride(JdbcConfigRepositoryTest.override(id), JdbcConfigRepositoryTest.audit("override.create", id, "order"));
      }

      assertThat(repo.overrides().stream().map(o -> o.id()).toList())
          .containsExactlyElementsOf(memory.overrides().stream().map(o -> o.id()).toList());
    }
  }

  private static List<String> selectors(List<Policy> policies) {
    return policies.stream().map(p -> p.selector().toString()).toList();
  }
}
