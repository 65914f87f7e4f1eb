package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** A policy saved again as it was reads as nothing changed in the audit log, not as "changed". */
class AuditNothingChangedBrowserTest extends BrowserTestSupport {
  @Test
  void aPolicySavedUnchangedSaysNothingChanged() throws Exception {
    put("{\"concurrency\":4}", "first");
    put("{\"concurrency\":4}", "again");
    put("{\"concurrency\":5}", "raised");
    signInAs(ADMIN_KEY);
    go("#/audit?action=policy.update");
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 2);

    assertThat(textOf(By.xpath("//main//tbody/tr[contains(., 'raised')]//summary"))).isEqualTo("changed");
    By again = By.xpath("//main//tbody/tr[contains(., 'again')]//summary");
    assertThat(textOf(again)).isEqualTo("nothing changed");
    click(again);
    assertThat(browser.findElements(By.xpath("//main//tbody/tr[contains(., 'again')]//*[@data-test='changes']"))).isEmpty();
    assertThat(browser.findElements(By.xpath("//main//tbody/tr[contains(., 'again')]//*[@data-side='after']"))).hasSize(1);
    shot("audit-nothing-changed");
    assertNoConsoleErrors("a policy saved unchanged");
  }

  private void put(String json, String reason) throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/team:steady?reason=" + reason, json, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
