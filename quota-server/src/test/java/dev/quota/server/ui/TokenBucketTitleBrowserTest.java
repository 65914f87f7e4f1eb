package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A policy counting one meter over one window both as a sliding window and as a token bucket shows
 * two rate limits a reader can tell apart: the token bucket's title says so, on a subject's page
 * (its usage) and on a combination's (a check's answer), as the API names its algorithm.
 */
class TokenBucketTitleBrowserTest extends BrowserTestSupport {
  private static final String BOTH_WAYS = "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},"
      + "{\"limit\":5,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}]}";

  @Test
  void aTokenBucketIsToldFromASlidingWindowOnTheSameMeterAndWindow() throws Exception {
    put("/v1/policies/user:tess?reason=setup", BOTH_WAYS);
    put("/v1/policies/user:*,tool:image_gen?reason=setup", BOTH_WAYS);
    signInAs(ADMIN_KEY);

    go("#/subjects/user/tess");
    assertThat(rateTitles("[data-test=usage]")).containsExactlyInAnyOrder("Rate: requests per 1 min", "Rate: requests per 1 min, token bucket");
    shot("token-bucket-title-01");

    go("#/subjects/user/tess/tool/image_gen");
    assertThat(rateTitles("[data-subject='tool:image_gen,user:tess']")).containsExactlyInAnyOrder("Rate: requests per 1 min", "Rate: requests per 1 min, token bucket");
    assertNoConsoleErrors("token bucket titles");
  }

  /** The titles of the rate limits drawn under {@code container}, once both are drawn. */
  private List<String> rateTitles(String container) {
    return waiting().until(d -> {
      List<WebElement> titles = d.findElements(By.cssSelector(container + " [data-kind=rate] .what strong"));
      return titles.size() == 2 ? titles.stream().map(t -> t.getText().trim()).toList() : null;
    });
  }

  private void put(String path, String json) throws Exception {
    HttpResponse<String> r = send("PUT", path, json, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
