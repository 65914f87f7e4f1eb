package dev.quota.server;

import dev.quota.server.OpenApiOperations.Operation;
import java.util.Set;

/**
 * One mutated request and what its answer must be beyond the rules every answer keeps
 * ({@link ResponseRules}).
 *
 * @param what the mutation, in words, for a report
 */
record FuzzCase(String what, Operation op, FuzzRequest request, Expect expect) {

  /**
   * @param refused whether the request is bad for certain, so it must be answered 4xx (a 429 would
   *     mean it was taken as valid input)
   * @param status the status it must be answered with, or null for any
   * @param fields the fields (body fields, parameters, headers) a 400 may name: one of them, a field
   *     inside one of them or one they are inside; null for any field, as long as one is named
   */
  record Expect(boolean refused, Integer status, Set<String> fields) {
    static final Expect ANY = new Expect(false, null, null);

    static Expect refusedNaming(String... fields) {
      return new Expect(true, null, Set.of(fields));
    }

    static Expect refusedWith(int status, String... fields) {
      return new Expect(true, status, fields.length == 0 ? null : Set.of(fields));
    }

    /** Not certainly bad, but a 400 must name one of {@code fields}. */
    static Expect ifRefusedNaming(Set<String> fields) {
      return new Expect(false, null, fields);
    }
  }
}
