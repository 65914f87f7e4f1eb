package dev.quota.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The heap's key ring treats names as the database's does: one name, whatever its case. */
class MemoryKeyRingTest {
  private final MemoryKeyRing ring = new MemoryKeyRing();

  @Test
  void aKeyIsRevokedByItsNameInAnyCase() {
    String key = ring.issue("svc", Role.SERVICE, Set.of(), "admin", "test");
    assertThat(ring.authenticate(key)).isPresent();

    assertThat(ring.revoke("SVC", "admin", "test")).isTrue();
    assertThat(ring.authenticate(key)).isEmpty();
    assertThat(ring.holds("svc")).isFalse();
  }

  @Test
  void revokingANameNoKeyHasRevokesNothing() {
    String key = ring.issue("svc", Role.SERVICE, Set.of(), "admin", "test");

    assertThat(ring.revoke("other", "admin", "test")).isFalse();
    assertThat(ring.authenticate(key)).isPresent();
  }

  @Test
  void registeringAKeyReplacesOnlyTheOneOfExactlyItsName() {
    String admin = ApiKeys.generate();
    ring.register("admin", Role.ADMIN, Set.of(), admin);
    String replacement = ApiKeys.generate();
    ring.register("admin", Role.ADMIN, Set.of(), replacement);

    assertThat(ring.authenticate(admin)).isEmpty();
    assertThat(ring.authenticate(replacement)).isPresent();
  }
}
