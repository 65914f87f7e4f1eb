package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each item of {@code RateLimit-Policy} names one limit, and {@code RateLimit} tells that limit's
 * state under the same name: a client pairs them by name, so no two limits of an answer share one.
 */
class RateLimitHeaderNamesTest extends ServerSuite {
  /** The names of a structured-field list's items, in order; the names here hold no comma or quote. */
  private static List<String> names(String field) {
    List<String> names = new ArrayList<>();
    for (String item : field.split(", ")) {
      names.add(item.substring(0, item.indexOf(';')));
    }
    return names;
  }

  @Test
  void aSlidingWindowAndATokenBucketOnOneMeterAndWindowHaveNamesOfTheirOwn() {
    Api.Response put = admin.put("/v1/policies/project:twin", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},"
        + "{\"limit\":2,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}]}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);

    Api.Response r = admin.post("/v1/reservations", "{\"subjects\":{\"project\":\"twin\"}}");

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    List<String> policies = names(r.header("RateLimit-Policy"));
    assertThat(policies).hasSize(2).doesNotHaveDuplicates();
    assertThat(names(r.header("RateLimit"))).isEqualTo(policies);
    assertThat(r.header("RateLimit-Policy")).contains(policies.get(0) + ";q=5;w=60", policies.get(1) + ";q=2;w=60");
    assertThat(r.header("RateLimit")).contains(policies.get(0) + ";r=4", policies.get(1) + ";r=1");
  }
}
