package dev.quota.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules a fuzz run saw broken: every broken request counted, the first of each kind (the
 * operation, the mutation and the first rule, numbers and quoted text aside) kept in full, with
 * the request as sent and the response as received, so it can be sent again by hand.
 */
final class FuzzFailures {
  /** Kinds reported in full; the rest are counted. */
  private static final int REPORTED = 25;

  private final Map<String, String> first = new LinkedHashMap<>();
  private int count;

  void add(int index, FuzzCase c, RawHttp.Response r, List<String> broken) {
    count++;
    String kind = c.op() + " | " + c.what().replaceAll("[0-9]+", "#") + " | " + broken.get(0).replaceAll("'.*'|[0-9]+", "_");
    if (first.size() < REPORTED && !first.containsKey(kind)) {
      first.put(kind, report(index, c, r, broken));
    }
  }

  int count() {
    return count;
  }

  String report() {
    return String.join("\n", first.values());
  }

  private static String report(int index, FuzzCase c, RawHttp.Response r, List<String> broken) {
    StringBuilder s = new StringBuilder("#").append(index).append(' ').append(c.op()).append(": ").append(c.what());
    s.append("\n  request: ").append(c.request().describe());
    s.append("\n  response: ").append(r.status()).append(' ').append(r.headers()).append("\n    ")
        .append(FuzzRequest.printable(r.body(), 1200));
    broken.forEach(b -> s.append("\n  broken: ").append(b));
    return s.toString();
  }
}
