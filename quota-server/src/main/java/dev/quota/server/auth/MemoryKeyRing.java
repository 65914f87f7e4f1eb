package dev.quota.server.auth;

import dev.quota.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Keys in the heap, by hash; for the bootstrap admin key and for servers without a database. */
public final class MemoryKeyRing implements KeyRing {
  private final Map<String, Principal> byHash = new ConcurrentHashMap<>();
  private final Map<String, String> hashByName = new ConcurrentHashMap<>();

  @Override
  public Optional<Principal> authenticate(String presentedKey) {
    return Optional.ofNullable(byHash.get(ApiKeys.hash(presentedKey)));
  }

  @Override
  public synchronized void register(String name, Role role, Set<Subject> subjects, String key) {
    revoke(name, null);
    String hash = ApiKeys.hash(key);
    byHash.put(hash, new Principal(name, role, subjects));
    hashByName.put(name, hash);
  }

  @Override
  public List<Principal> list() {
    return new ArrayList<>(byHash.values());
  }

  @Override
  public synchronized boolean revoke(String name, String actor) {
    String hash = hashByName.remove(name);
    return hash != null && byHash.remove(hash) != null;
  }
}
