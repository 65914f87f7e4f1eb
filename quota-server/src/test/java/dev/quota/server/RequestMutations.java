package dev.quota.server;

import dev.quota.server.FuzzCase.Expect;
import dev.quota.server.OpenApiOperations.Operation;
import dev.quota.server.OpenApiOperations.Parameter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Mutations of everything around a body: path parameters, query parameters, headers, the method
 * and the key. Each says whether the request is certainly bad and what a refusal must name.
 */
final class RequestMutations {
  /** Path segments as sent: escapes good and bad, slashes, dots, raw bytes, wildcards, lengths. */
  private static final List<String> SEGMENTS = List.of("", "%2F", "a%2Fb", "a/b", "%2e%2e", "..", ".", "%FF", "%C3%28", "%",
      "%G1", "%00", "%01", "%1B", "%20", "%20a", "a%20", "%E2%80%AE", "%C3%A9", FuzzRequest.wire("\u00e9"), "%F0%9F%98%80",
      "%ED%A0%80", "%C0%AF", "*", "%2A", ",", "a,b", ":", "user:*", "User:A", "user", "user:", ":x", "user:a:b", "team:*,user:*",
      "tool:x,user:y,team:z", "x".repeat(200), "x".repeat(3000), "%25", "a;b", ";", "a%3Bb", "a?b", "a%3Fb", "a#b", "~",
      "\\", "%5C", "a%09b", "a+b", "%2B", "null", "0", "-1", "admin", "%61dmin");
  /** Query values as sent: wrong types, escapes good and bad, dates past any calendar, lengths. */
  private static final List<String> VALUES = List.of("abc", "-1", "0", "1.5", "1e3", "99999999999999999999", "2147483648",
      "%FF", "%ZZ", "%", "%00", "%01", "%E2%80%AE", "x".repeat(2000), "true", "TRUE", "2030-13-45", "%2B999999999-12-31",
      "-999999999-01-01", "2030-02-30", "2030-01-01T25:00:00Z", "2030-01-01T00:00:00", "%20x", "x%20", "*", "user:*",
      "user:a,team:b,tool:c", "Pacific/Nowhere", "..%2F..%2Fetc", "%2B1", "%D9%A5", "%EF%BC%91", "+", "a+b", "%C3%A9",
      "user:%20a", "SystemV%2FAST4", "EST", "GMT%2B14", "csv", "day", "json%00", "1%0A2", "policy.create", "0001-01-01",
      "9999-12-31T23:59:59.999999999Z", "Z", "null", "Pacific%2FKiritimati", "Etc%2FGMT-14", "%2B18:00", "-18:00", "%2B14:00",
      "America%2FSt_Johns", "Antarctica%2FTroll", "UT", "GMT0", "2030-01-15T12:00:00%2B01:00", "2030-01-15T12:00:00.123456789Z");
  private static final List<String> NAMES = List.of("zz", "Scope", "limit%20", "%ZZ", "%C3%28", "%00", "offset%5B%5D", "a.b",
      "reason", "id", "from");
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO");
  private static final List<String> ENTITY_TAGS = List.of("*", "\"abc\"", "W/\"abc\"", "garbage", "\"a\", \"b\"", "", "\"", "*, \"a\"");
  private static final List<String> REASONS = List.of("", " ", "\u0001", FuzzRequest.wire("caf\u00e9"), "\u00ff\u00fe",
      "\u00c3", "x".repeat(1001), "ok", FuzzRequest.wire("\u202e"), "a\tb");

  private final Random random;
  private final ValidRequests valid;
  private final List<Operation> all;

  RequestMutations(Random random, ValidRequests valid, List<Operation> all) {
    this.random = random;
    this.valid = valid;
    this.all = all;
  }

  /** A path parameter replaced by an edge segment; a 400 names the parameter (or the request, which Jetty refuses). */
  FuzzCase path(Operation op, FuzzRequest base) {
    List<Parameter> params = op.in("path");
    if (params.isEmpty()) {
      String segment = pick(SEGMENTS);
      // Another route's path, perhaps: its parameters are not this one's.
      return new FuzzCase("path + /" + segment, op, base.withTarget(base.path() + "/" + segment), Expect.ANY);
    }
    Parameter p = pick(params);
    String segment = pick(SEGMENTS);
    String template = op.path();
    for (Parameter other : params) {
      template = template.replace("{" + other.name() + "}", other == p ? segment : valid.pathValue(op, other.name()));
    }
    // After '?' the rest is a query, whose parameters a refusal may name.
    return new FuzzCase(p.name() + " = " + segment, op, base.withTarget(template),
        segment.contains("?") ? Expect.ANY : Expect.ifRefusedNaming(Set.of(p.name(), "request", "path")));
  }

  /**
   * Query parameters: some valid, then one repeated, empty, unknown or given a wrong value. Repeats,
   * empties and unknown names are refused naming the parameter; a wrong value may be taken (a
   * free-text filter) but a refusal names one of the operation's parameters.
   */
  FuzzCase query(Operation op, FuzzRequest base) {
    List<Parameter> params = op.in("query");
    List<String> pairs = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (Parameter p : params) {
      if (random.nextInt(3) == 0) {
        pairs.add(p.name() + "=" + valid.value(p, random));
        used.add(p.name());
      }
    }
    Set<String> names = new HashSet<>(Set.of("query"));
    params.forEach(p -> names.add(p.name()));
    int kind = random.nextInt(10);
    String what;
    Expect expect;
    if (kind < 4 && !params.isEmpty()) {
      Parameter p = pick(params);
      String v = pick(VALUES);
      pairs.removeIf(pair -> pair.startsWith(p.name() + "="));
      pairs.add(random.nextInt(pairs.size() + 1), p.name() + "=" + v);
      what = p.name() + "=" + v;
      expect = Expect.ifRefusedNaming(names);
    } else if (kind < 6 && !params.isEmpty()) {
      Parameter p = pick(params);
      String v = valid.value(p, random);
      if (!used.contains(p.name())) {
        pairs.add(p.name() + "=" + v);
      }
      pairs.add(p.name() + "=" + (random.nextBoolean() ? v : pick(VALUES)));
      what = p.name() + " twice";
      expect = Expect.refusedNaming(p.name());
    } else if (kind < 8 && !params.isEmpty()) {
      Parameter p = pick(params);
      pairs.removeIf(pair -> pair.startsWith(p.name() + "="));
      String empty = random.nextBoolean() ? p.name() + "=" : p.name();
      pairs.add(empty);
      what = empty + " without a value";
      expect = Expect.refusedNaming(p.name());
    } else {
      String name = pick(NAMES);
      boolean known = params.stream().anyMatch(p -> p.name().equals(name));
      if (known) {
        return query(op, base);
      }
      pairs.add(name + "=1");
      what = "unknown parameter " + name;
      String decoded = name.replace("%20", " ").replace("%5B%5D", "[]").replace("%00", "\u0000");
      expect = decoded.startsWith("%") ? Expect.refusedNaming("query") : Expect.refusedNaming(decoded);
    }
    if (random.nextInt(8) == 0) {
      pairs.add(random.nextInt(pairs.size() + 1), "");
    }
    return new FuzzCase(what, op, base.withTarget(base.path() + "?" + String.join("&", pairs)), expect);
  }

  /** A header the operation does not expect, or one it does with a value it must refuse or take. */
  FuzzCase header(Operation op, FuzzRequest base) {
    int kind = random.nextInt(10);
    if (kind < 3) {
      String reason = pick(REASONS);
      FuzzRequest r = base.withHeader("Quota-Reason", reason);
      String what = "Quota-Reason: " + FuzzRequest.printable(reason.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 40);
      if (random.nextBoolean()) {
        r = r.withHeader("Quota-Reason", "again");
        what += " and again";
      } else if (random.nextBoolean() && op.in("query").stream().anyMatch(p -> p.name().equals("reason"))) {
        r = r.withTarget(r.path() + "?reason=also");
        what += " and ?reason=also";
      }
      // A control character is no header text at all: the request is refused before any route sees it.
      return new FuzzCase(what, op, r, Expect.ifRefusedNaming(Set.of("reason", "Quota-Reason", "request")));
    }
    if (kind < 6) {
      String header = random.nextBoolean() ? "If-Match" : "If-None-Match";
      String tag = pick(ENTITY_TAGS);
      FuzzRequest r = base.withHeader(header, tag);
      if (random.nextInt(4) == 0) {
        r = r.withHeader(header.equals("If-Match") ? "If-None-Match" : "If-Match", "*");
      }
      return new FuzzCase(header + ": " + tag, op, r, Expect.ifRefusedNaming(Set.of("If-Match", "If-None-Match")));
    }
    if (kind < 7) {
      return new FuzzCase("X-HTTP-Method-Override", op, base.withHeader("X-HTTP-Method-Override", pick(METHODS)),
          Expect.refusedWith(400, "X-HTTP-Method-Override"));
    }
    if (kind < 8) {
      return new FuzzCase("headers of 33,000 bytes", op, base.withHeader("X-Padding", "k".repeat(33_000)), Expect.refusedWith(431));
    }
    String name = pick(List.of("Accept", "Accept-Charset", "Content-Encoding", "Expect", "Range", "Cookie", "Origin", "X-Forwarded-For"));
    String value = pick(List.of("text/csv", "*/*", "gzip", "100-continue", "bytes=0-1", "a=b", "null", "\u00ff", ""));
    return new FuzzCase(name + ": " + value, op, base.withHeader(name, value), Expect.ANY);
  }

  /** A method the path has no operation for: 405 (401 first without a key). */
  FuzzCase method(Operation op, FuzzRequest base) {
    Set<String> documented = new HashSet<>();
    for (Operation o : all) {
      if (o.path().equals(op.path())) {
        documented.add(o.method());
        if (o.method().equals("GET")) {
          documented.add("HEAD");
        }
      }
    }
    List<String> others = METHODS.stream().filter(m -> !documented.contains(m)).toList();
    String m = pick(others);
    return new FuzzCase("method " + m, op, base.withMethod(m), Expect.refusedWith(405));
  }

  /** The request with no key, a malformed or unknown one, two, or the key of another role. */
  FuzzCase auth(Operation op, FuzzRequest base) {
    FuzzRequest bare = base.withoutHeader("Authorization");
    int kind = random.nextInt(10);
    if (kind < 4) {
      String role = pick(valid.roles());
      FuzzRequest r = bare.withHeader("Authorization", "Bearer " + valid.key(role));
      String wire = role.startsWith("viewer") ? "viewer" : role;
      if (op.isPublic() || op.roles().contains(wire)) {
        return new FuzzCase("as " + role, op, r, Expect.ANY);
      }
      return new FuzzCase("as " + role, op, r, Expect.refusedWith(403));
    }
    String header = pick(List.of("", "Bearer", "Bearer ", "Bearer wrong-key", "Bearer " + TestServer.ADMIN_KEY + "x",
        "Basic " + TestServer.ADMIN_KEY, "Token " + TestServer.ADMIN_KEY, "Bearer " + TestServer.ADMIN_KEY.toUpperCase(java.util.Locale.ROOT),
        "Bearer \u00ff\u00fe", "Bearer " + "k".repeat(5000), "Bearer\t" + TestServer.ADMIN_KEY));
    FuzzRequest r = kind < 6 ? bare : bare.withHeader("Authorization", header);
    String what = kind < 6 ? "no Authorization" : "Authorization: " + FuzzRequest.printable(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 40);
    if (kind == 9) {
      r = r.withHeader("Authorization", "Bearer " + TestServer.ADMIN_KEY);
      what += " and Authorization: Bearer <admin key>";
      return new FuzzCase(what, op, r, op.isPublic() ? Expect.ANY : Expect.refusedWith(400, "Authorization"));
    }
    return new FuzzCase(what, op, r, op.isPublic() ? Expect.ANY : Expect.refusedWith(401));
  }

  private <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }
}
