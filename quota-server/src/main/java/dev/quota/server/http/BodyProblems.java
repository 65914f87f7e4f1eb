package dev.quota.server.http;

import dev.quota.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Gathers the problems of a request read field by field, so that one 400 names all of them, as a
 * policy's are: a field that fails is noted and reading goes on with the next, and {@link
 * #throwIfAny} reports them together, in the order found. A check across fields is run only once
 * each field it reads is valid, so no problem is reported that only follows from another.
 */
public final class BodyProblems {
  private final List<ValidationException> found = new ArrayList<>();

  /**
   * The value {@code field} reads, or null (noted) if it is bad input. Any other refusal (a
   * forbidden subject, a conflict) is no problem of the input and stops the request at once.
   */
  public <T> T read(Supplier<T> field) {
    try {
      return field.get();
    } catch (ValidationException e) {
      found.add(e);
      return null;
    } catch (ApiError e) {
      if (e.status() != 400 || e.field() == null) {
        throw e;
      }
      found.add(new ValidationException(e.field(), e.rule()));
      return null;
    }
  }

  /** Runs {@code check}, noting its problem if it has one. */
  public void check(Runnable check) {
    read(() -> {
      check.run();
      return null;
    });
  }

  public boolean any() {
    return !found.isEmpty();
  }

  /** Every problem noted, as one exception named by the first; null if there is none. */
  public ValidationException found() {
    return any() ? ValidationException.of(found) : null;
  }

  /** Throws every problem noted, named by the first, if there is one. */
  public void throwIfAny() {
    if (any()) {
      throw found();
    }
  }
}
