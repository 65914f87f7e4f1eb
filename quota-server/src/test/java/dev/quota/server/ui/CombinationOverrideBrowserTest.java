package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The page of several subjects together names a limit an override sets as the override's, as a
 * single subject's page does: carol's own limit, from an override on user:carol, read as a limit of
 * a policy user:carol that does not exist.
 */
class CombinationOverrideBrowserTest extends BrowserTestSupport {
  @Test
  void aCombinationsLimitFromAnOverrideIsMarkedAsOne() throws Exception {
    ok(send("PUT", "/v1/policies/user:*,tool:image_gen?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY));
    ok(send("PUT", "/v1/policies/user:*?reason=setup", "{\"rateLimits\":[{\"limit\":10,\"window\":\"PT1M\"}]}", ADMIN_KEY));
    ok(post("/v1/overrides", "{\"selector\":\"user:carol\",\"limits\":{\"rateLimits\":[{\"limit\":50,\"window\":\"PT1M\"}]},"
        + "\"duration\":\"PT1H\",\"reason\":\"launch\"}"));
    signInAs(ADMIN_KEY);
    go("#/subjects/user/carol/tool/image_gen");

    waitForAttribute(By.cssSelector("[data-subject='user:carol'] [data-kind=rate]"), "data-limit", "50");
    assertThat(textOf(By.cssSelector("[data-subject='user:carol'] [data-kind=rate]"))).contains("override user:carol");
    assertThat(textOf(By.cssSelector("[data-subject='tool:image_gen,user:carol'] [data-kind=rate]")))
        .contains("image_gen").doesNotContain("override");
    assertNoConsoleErrors("a combination with an override");
  }

  private static void ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
