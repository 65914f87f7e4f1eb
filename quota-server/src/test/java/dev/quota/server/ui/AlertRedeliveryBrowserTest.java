package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.alerts.WebhookReceiver;
import dev.quota.server.config.ServerConfig;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * An admin sends a failed alert again from the alerts page once its receiver is back: the page asks
 * for an optional reason, says the server accepted it, and the row follows the delivery to its end.
 * A refusal is shown in the server's words, and the row shows the alert as it is now. A key that is
 * not an admin's is offered no redelivery.
 */
class AlertRedeliveryBrowserTest extends BrowserTestSupport {
  private static final Pattern ALERT_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  /** Whether the receiver takes what it is sent; it refuses (503) until a test says it is back. */
  private final AtomicBoolean receiverUp = new AtomicBoolean();
  private WebhookReceiver receiver;

  @Override
  List<ServerConfig.Webhook> webhooks() throws IOException {
    receiver = WebhookReceiver.start(send -> receiverUp.get() ? 204 : 503);
    return List.of(new ServerConfig.Webhook(receiver.url(), "whsec-redeliver"));
  }

  @AfterAll
  void stopReceiver() {
    if (receiver != null) {
      receiver.close();
    }
  }

  @BeforeEach
  void receiverAway() {
    receiverUp.set(false);
  }

  @Test
  void anAdminRedeliversAFailedAlertAndTheRowShowsItDelivered() throws Exception {
    String id = failedAlert("away");
    assertThat(receiver.sends(id)).as("both attempts refused").isEqualTo(2);
    receiverUp.set(true);

    signInAs(ADMIN_KEY);
    go("#/alerts");
    By row = By.cssSelector("tr[data-alert='" + id + "']");
    assertThat(textOf(deliveryState(id))).isEqualTo("failed");
    WebElement redeliver = waitFor(redeliverButton(id));
    assertThat(redeliver.getAccessibleName()).startsWith("Redeliver the alert for user:away");
    redeliver.click();

    // The reason is asked for, and may be left out; this admin gives one.
    WebElement reason = waitFor(By.id("modal-reason"));
    assertThat(reason.getAttribute("value")).isEmpty();
    assertThat(textOf(By.id("modal-reason-help"))).contains("Optional");
    reason.sendKeys("receiver back");
    click(By.cssSelector("[data-test=confirm]"));

    waiting().until(ExpectedConditions.textToBePresentInElementLocated(outcome(id), "Accepted"));
    waitForText(deliveryState(id), "delivered");
    assertThat(browser.findElement(row).findElements(By.cssSelector("[data-test=redeliver]"))).as("nothing left to redeliver").isEmpty();
    assertThat(browser.findElement(row).getText()).contains("Accepted").doesNotContain("null");
    assertThat(receiver.sends(id)).as("sent once more").isEqualTo(3);
    assertThat(receiver.takenById().get(id).get()).isEqualTo(1);
    String audit = get("/v1/audit?action=alert.redeliver").body();
    assertThat(audit).contains(id).contains("\"reason\":\"receiver back\"");
    shot("alert-redelivered");
    assertNoConsoleErrors("redelivering an alert");
  }

  @Test
  void aRefusedRedeliveryShowsTheServersWordsAndTheAlertAsItIsNow() throws Exception {
    String id = failedAlert("twice");
    signInAs(ADMIN_KEY);
    go("#/alerts");
    waitFor(redeliverButton(id));

    // Someone else redelivers it while this page shows it failed.
    receiverUp.set(true);
    assertThat(post("/v1/alerts/" + id + "/redeliver", null).statusCode()).isEqualTo(202);
    waiting().until(d -> bodyOf("/v1/alerts?subject=user:twice").contains("\"state\":\"delivered\""));

    click(redeliverButton(id));
    waitFor(By.id("modal-reason"));
    click(By.cssSelector("[data-test=confirm]"));

    // Left empty, the reason is left out: the refusal is the server's, not the dialog's.
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(outcome(id), "was delivered to every webhook: nothing to redeliver"));
    waitForText(deliveryState(id), "delivered");
    assertThat(browser.findElements(redeliverButton(id))).isEmpty();
    assertThat(receiver.sends(id)).as("the refused redelivery sent nothing").isEqualTo(3);
    assertNoConsoleErrorsExcept("a refused redelivery", "/redeliver", "status of 409");
  }

  @Test
  void aViewerIsOfferedNoRedelivery() throws Exception {
    String id = failedAlert("viewed");
    String viewer = issueKey("{\"name\":\"viewed-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:viewed\"]}");
    signInAs(viewer);
    go("#/alerts");
    waitFor(By.cssSelector("[data-test=not-allowed]"));
    assertThat(browser.findElements(By.cssSelector("[data-test=redeliver]"))).isEmpty();
    go("#/overview");
    waitUntilLoaded();
    assertThat(browser.findElements(By.cssSelector("[data-test=redeliver]"))).isEmpty();
    assertThat(bodyOf("/v1/alerts?subject=user:viewed")).contains(id).contains("\"state\":\"failed\"");
    assertNoConsoleErrors("a viewer");
  }

  /** Fires an alert for {@code user} while the receiver is away, and returns its id once its delivery failed. */
  private String failedAlert(String user) throws Exception {
    var r = send("PUT", "/v1/policies/user:" + user + "?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"user\":\"" + user + "\"}", "0.60");
    String subject = "/v1/alerts?subject=user:" + user;
    waiting().until(d -> bodyOf(subject).contains("\"state\":\"failed\""));
    Matcher m = ALERT_ID.matcher(bodyOf(subject));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static By redeliverButton(String id) {
    return By.cssSelector("tr[data-alert='" + id + "'] [data-test=redeliver]");
  }

  private static By deliveryState(String id) {
    return By.cssSelector("tr[data-alert='" + id + "'] [data-test=delivery-state]");
  }

  private static By outcome(String id) {
    return By.cssSelector("tr[data-alert='" + id + "'] [data-test=redelivery-outcome]");
  }
}
