package dev.quota.server.auth;

import dev.quota.ConflictException;
import dev.quota.Subject;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The API keys the server accepts, stored only as hashes. */
public interface KeyRing {
  /** The principal whose key this is, if any. */
  Optional<Principal> authenticate(String presentedKey);

  /**
   * Registers a key configured outside the API (the administrator key, from {@code QUOTA_ADMIN_KEY}
   * or the {@code admin.key} file); replaces one of the same name. Its name is reserved: no key can
   * be issued under it, in any case.
   */
  void register(String name, Role role, Set<Subject> subjects, String key);

  /** Every active key, one entry per key. */
  List<Principal> list();

  /**
   * Revokes the active key named {@code name} (and any that share its name, issued before names
   * were unique), or else the one active key whose name is {@code name} ignoring case, as names are
   * unique now; false if there is none. {@code actor} and {@code reason} (null: none given) are
   * audited where supported.
   *
   * @throws ConflictException naming {@code name} for a registered key, which is changed where it
   *     is configured, not revoked through the API; or when {@code name} matches several active keys
   *     only ignoring case (issued before names were unique so), which only the exact name tells apart
   */
  boolean revoke(String name, String actor, String reason);

  /**
   * A new key for {@code name}; the plain key is returned once and never stored. {@code actor} and
   * {@code reason} (null: none given) are audited where supported.
   *
   * @throws ConflictException naming {@code name} when an active or registered key has that name,
   *     in any case: the name is the actor in the audit trail, so it must tell keys apart
   */
  String issue(String name, Role role, Set<Subject> subjects, String actor, String reason);
}
