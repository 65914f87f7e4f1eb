package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An override or a key revoked by someone else after the list showed it: revoking it again says so
 * and the list is read again without it. The toast said only the server's "no override m14d…" (or
 * "no key named …"), and the row stayed, with a Revoke button that could only fail again.
 */
class RevokedElsewhereBrowserTest extends BrowserTestSupport {
  @Test
  void revokingAnOverrideAlreadyRevokedSaysSoAndDropsItFromTheList() throws Exception {
    var created = post("/v1/overrides", "{\"selector\":\"user:zed\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"launch\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = created.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    signInAs(ADMIN_KEY);
    go("#/overrides");
    By row = By.cssSelector("tr[data-override='" + id + "']");
    waitFor(row);

    var revoked = send("DELETE", "/v1/overrides/" + id + "?reason=theirs", null, ADMIN_KEY);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(204);
    click(By.cssSelector("tr[data-override='" + id + "'] button"));
    click(By.cssSelector("[data-test=confirm]"));

    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("The override for user:zed is no longer in force: someone else revoked it"));
    waiting().until(d -> d.findElements(row).isEmpty());
    assertThat(get("/v1/audit?target=user:zed").body()).contains("theirs").doesNotContain("revoked in console");
    assertNoConsoleErrorsExcept("revoking a revoked override", "/v1/overrides/" + id, "status of 404");
  }

  @Test
  void revokingAKeyAlreadyRevokedSaysSoAndDropsItFromTheList() throws Exception {
    issueKey("{\"name\":\"old-gateway\",\"role\":\"service\"}");
    signInAs(ADMIN_KEY);
    go("#/keys");
    By row = By.cssSelector("tr[data-key='old-gateway']");
    waitFor(row);

    var revoked = send("DELETE", "/v1/keys/old-gateway?reason=theirs", null, ADMIN_KEY);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(204);
    click(By.cssSelector("tr[data-key='old-gateway'] button"));
    click(By.cssSelector("[data-test=confirm]"));

    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("Someone else already revoked old-gateway"));
    waiting().until(d -> d.findElements(row).isEmpty());
    assertNoConsoleErrorsExcept("revoking a revoked key", "/v1/keys/old-gateway", "status of 404");
  }
}
