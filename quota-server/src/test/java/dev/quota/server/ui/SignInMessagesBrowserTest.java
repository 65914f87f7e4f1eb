package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The sign-in form says what is wrong in its own words, each time replacing what it said before:
 * an empty key was stopped by the browser's bubble, which left "That key was not accepted." from
 * the attempt before standing.
 */
class SignInMessagesBrowserTest extends BrowserTestSupport {
  @Test
  void anEmptyKeyAfterARefusedOneIsAskedForNotCalledRefused() {
    browser.get(base + "/");
    signIn("qk_not_a_key_of_this_server");
    waiting().until(d -> d.findElement(By.id("key-error")).getText().equals("That key was not accepted."));

    WebElement input = browser.findElement(By.id("api-key"));
    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
    assertThat(input.getAttribute("value")).isEmpty();
    // Clicked, as a person would: the browser's own checks run before the form's handler, if at all.
    browser.findElement(By.cssSelector("form.signin-card button[type=submit]")).click();
    waiting().until(d -> d.findElement(By.id("key-error")).getText().equals("Enter an API key."));
    assertThat(browser.findElements(By.cssSelector("[data-test=role]"))).isEmpty();
    // The refused key's requests answered 401, and the browser logged each; nothing else went wrong.
    assertThat(browser.manage().logs().get(LogType.BROWSER).getAll())
        .extracting(LogEntry::getMessage)
        .allMatch(m -> m.contains("status of 401"), "a 401 to the refused key");
    assertNoConsoleErrors("the empty key");
  }
}
