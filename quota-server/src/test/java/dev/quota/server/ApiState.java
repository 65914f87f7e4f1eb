package dev.quota.server;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything a request could change, as the API shows it: policies, keys, overrides, the audit
 * trail, the counters of the subjects the valid requests name, the spend recorded per subject and
 * the recent denials. Two snapshots that differ mean something changed between them.
 */
final class ApiState {
  private static final List<String> READS = List.of("/v1/policies", "/v1/keys", "/v1/overrides?includeExpired=true",
      "/v1/audit?limit=500", "/v1/usage/user/u1", "/v1/usage/team/t1", "/v1/usage/project/held", "/v1/usage/tool/web_search",
      "/v1/reports/costs?groupBy=subject&scope=user", "/v1/reports/costs?groupBy=subject&scope=tool",
      "/v1/reports/costs?groupBy=subject&scope=project", "/v1/denials");
  /**
   * Times a read works out from the store's clock when asked (a window's reset), which on Redis is
   * the store's own and moves: they say nothing about what a request changed.
   */
  private static final Pattern ASKED_AT = Pattern.compile("\"(resetAt|retryAt)\":\"[^\"]*\"");

  private ApiState() {}

  static String of(Api admin) {
    StringBuilder s = new StringBuilder();
    for (String read : READS) {
      Api.Response r = admin.get(read);
      s.append(read).append(" -> ").append(r.status()).append(' ').append(ASKED_AT.matcher(r.body()).replaceAll("\"$1\":_")).append('\n');
    }
    return s.toString();
  }

  /** The lines of {@code before} and {@code after} that differ, for a report. */
  static String difference(String before, String after) {
    String[] b = before.split("\n");
    String[] a = after.split("\n");
    StringBuilder d = new StringBuilder();
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String was = i < b.length ? b[i] : "";
      String is = i < a.length ? a[i] : "";
      if (!was.equals(is)) {
        d.append("\n    before: ").append(abbreviated(was)).append("\n    after:  ").append(abbreviated(is));
      }
    }
    return d.toString();
  }

  private static String abbreviated(String s) {
    return s.length() > 1500 ? s.substring(0, 1500) + "..." : s;
  }
}
