package dev.quota.server.auth;

import dev.quota.Subject;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The API keys the server accepts, stored only as hashes. */
public interface KeyRing {
  /** The principal whose key this is, if any. */
  Optional<Principal> authenticate(String presentedKey);

  /** Registers a key (already generated, e.g. the bootstrap admin key); replaces one of the same name. */
  void register(String name, Role role, Set<Subject> subjects, String key);

  List<Principal> list();

  /** Revokes every key named {@code name}; false if there was none. {@code actor} is audited where supported. */
  boolean revoke(String name, String actor);

  /** A new key for {@code name}; the plain key is returned once and never stored. */
  default String issue(String name, Role role, Set<Subject> subjects, String actor) {
    String key = ApiKeys.generate();
    register(name, role, subjects, key);
    return key;
  }
}
