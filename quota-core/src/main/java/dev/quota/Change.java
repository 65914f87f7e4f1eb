package dev.quota;

/**
 * An admin change the configuration repository stored, together with its audit entry, and whether
 * this engine applied it at once. Applying is a reload of the configuration after the write; when
 * that reload fails (the repository cannot be read back, or cannot record the budget counters the
 * change names) the change stays stored and takes effect at the engine's next successful
 * {@link Quota#reloadConfig}, as it does on every other engine sharing the repository. Sending it
 * again is never needed, and would find it stored.
 *
 * @param result what the change answers: the policy replaced or deleted, the override created;
 *     null for a change that answers nothing
 * @param reloadFailure why this engine has not applied the change yet; null once it has
 */
public record Change<T>(T result, RuntimeException reloadFailure) {
  /** Whether this engine decides under the change already. */
  public boolean applied() {
    return reloadFailure == null;
  }
}
