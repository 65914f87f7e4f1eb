package dev.quota.jdbc.json;

import dev.quota.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Gathers the problems of a document read part by part, so that one refusal names all of them: a
 * part that fails is noted and reading goes on with the next, and {@link #throwIfAny} reports them
 * together, in the order found. A value built from several parts is built only when every part
 * read cleanly, so no problem is reported that only follows from another.
 */
final class ProblemCollector {
  private final List<ValidationException> found = new ArrayList<>();

  /** The value {@code part} reads, or null (noted) if it is invalid. */
  <T> T read(Supplier<T> part) {
    try {
      return part.get();
    } catch (ValidationException e) {
      found.add(e);
      return null;
    }
  }

  /** Runs {@code check}, noting its problem if it has one. */
  void check(Runnable check) {
    read(() -> {
      check.run();
      return null;
    });
  }

  boolean any() {
    return !found.isEmpty();
  }

  void throwIfAny() {
    if (any()) {
      throw ValidationException.of(found);
    }
  }
}
