package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A subject's page opened while the server cannot be reached says so in its cost panels too, which
 * wait for the first read of the limits: they showed "Loading…" for as long as the server was
 * away, beside limits that said Offline. Once the server answers, the costs load as usual.
 */
class OfflineSubjectCostsBrowserTest extends BrowserTestSupport {
  @Test
  void costPanelsSayTheServerCannotBeReachedInsteadOfLoadingForever() throws Exception {
    recordUsage("{\"user\":\"erin\",\"provider\":\"openai\"}", "0.25");
    signInAs(ADMIN_KEY);
    go("#/subjects");
    waitUntilLoaded();

    // The server cannot be reached, as on a dropped connection or a server stopped.
    script("const original = window.fetch;"
        + "window.fetch = (url, init) => Promise.reject(new TypeError('Failed to fetch'));"
        + "window.restoreFetch = () => { window.fetch = original; };");
    script("location.hash = '#/subjects/user/erin'");
    waitForText(By.cssSelector("[data-test=live]"), "Offline");
    waiting().until(d -> d.findElements(By.cssSelector("main .loading")).isEmpty());
    assertThat(textOf(By.cssSelector("main"))).doesNotContain("Loading");
    assertThat(textOf(By.cssSelector("section[aria-label^='Cost'] .alert-error")))
        .as("the cost panel says why it shows nothing").contains("could not be reached");
    shot("offline-subject-costs");

    script("window.restoreFetch();");
    click(By.xpath("//main//*[@data-test='usage']//button[normalize-space()='Retry']"));
    waitForText(By.cssSelector("[data-test=live]"), "Live");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "0.25");
    assertThat(textOf(By.cssSelector("main"))).doesNotContain("could not be reached");
    assertNoConsoleErrors("subject page back online");
  }
}
