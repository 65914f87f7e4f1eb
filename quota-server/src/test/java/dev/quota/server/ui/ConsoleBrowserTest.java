package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Backends;
import dev.quota.server.QuotaServer;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Drives the management console in real headless Chromium against a real server (in-memory counters,
 * H2 ledger in a temporary data directory): sign in, create a policy in the form, watch the usage
 * bars move as reservations are made through the API, exhaust the limit, create an override and
 * open the report. Every step leaves a screenshot in {@code target/ui-screenshots/}, and the browser
 * console must stay free of errors throughout.
 *
 * <p>The server runs on a clock the test holds still, so the one-minute rate window cannot slide
 * between the reservations and the moment the page shows them.
 */
class ConsoleBrowserTest {
  private static final String ADMIN_KEY = "qk_test_admin_console_0123456789abcdef";
  private static final Path SHOTS = Path.of("target", "ui-screenshots");
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir static Path dataDir;
  @TempDir static Path profileDir;

  private static QuotaServer server;
  private static ChromeDriver browser;
  private static String base;
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final List<String> consoleErrors = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    MutableClock clock = new MutableClock(Instant.now());
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dataDir, null, "quota", null, ADMIN_KEY, List.of());
    server = new QuotaServer(config, Backends.open(config, clock), clock, ADMIN_KEY).start();
    base = "http://127.0.0.1:" + server.port();

    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profileDir.toAbsolutePath(), "--window-size=1280,1400");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    // A fixed driver path keeps Selenium Manager from looking for (or downloading) a driver.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, options);
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void operatorWalksThroughTheConsole() throws Exception {
    try {
      walkThrough();
    } catch (Exception | AssertionError e) {
      shot("failure");
      throw e;
    }
  }

  private void walkThrough() throws Exception {
    // 1. Sign in with the admin key typed into the page.
    browser.get(base + "/");
    WebElement key = waitFor(By.id("api-key"));
    shot("01-sign-in");
    key.sendKeys(ADMIN_KEY);
    key.submit();
    assertThat(waitFor(By.cssSelector("[data-test=role]")).getText()).isEqualToIgnoringCase("admin");
    waitForText(By.cssSelector("[data-test=stat-today]"), "$0.00");
    shot("02-overview");
    assertNoConsoleErrors("sign-in");

    // 2. Create a policy in the form; a bad amount first, which the server names beside the field.
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("user:*");
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.0.limit")).sendKeys("5");
    browser.findElement(By.name("budget.daily")).sendKeys("-3");
    browser.findElement(By.name("budget.monthly")).sendKeys("100.00");
    browser.findElement(By.name("reason")).sendKeys("default limits for every user");
    click(By.cssSelector("[data-test=save-policy]"));
    WebElement dailyError = waitFor(By.cssSelector("[data-error-for='budget.daily']"));
    waiting().until(d -> !dailyError.getText().isBlank());
    assertThat(dailyError.getText()).containsIgnoringCase("negative");
    assertThat(browser.findElement(By.name("budget.daily")).getAttribute("aria-invalid")).isEqualTo("true");
    shot("03-policy-field-error");
    // Chromium logs every 4xx fetch as a console error; the one refused save is expected, nothing else is.
    assertNoConsoleErrorsExcept("policy form", "/v1/policies/user%3A*?reason=", "status of 400");
    assertThat(get("/v1/policies").body()).doesNotContain("user:*");
    WebElement daily = browser.findElement(By.name("budget.daily"));
    daily.clear();
    daily.sendKeys("1.00");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='user:*']"));
    shot("04-policy-created");
    assertThat(get("/v1/policies/user:*").body()).contains("\"limit\":5").contains("\"daily\":\"1");

    // 3. Reservations through the API move the bars on the subject page.
    go("#/subjects/user/alice");
    waitForAttribute(rateBar(), "data-used", "0");
    shot("05-subject-before");
    // 0.30 + 0.30 + 0.25 = 0.85 of the 1.00 daily budget: past the 80 % alert threshold.
    for (int i = 0; i < 3; i++) {
      String id = reserve("0.30", 201);
      commit(id, i == 2 ? "0.25" : "0.30");
    }
    waitForAttribute(rateBar(), "data-used", "3");
    waitForAttribute(By.cssSelector(".usage[data-kind=budget_daily]"), "data-used", "0.85");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$0.85");
    assertThat(textOf(By.cssSelector(".usage[data-kind=rate] [data-test=remaining]"))).isEqualTo("2 left");
    shot("06-subject-usage-moved");

    // 4. Exhaust the rate limit: the fifth request is the last one admitted, the sixth is denied.
    reserve("0.01", 201);
    reserve("0.01", 201);
    reserve("0.01", 429);
    waitForAttribute(rateBar(), "data-used", "5");
    waitFor(By.cssSelector(".usage[data-kind=rate] [data-test=exhausted]"));
    String rateClass = waiting().until(d -> d.findElement(rateBar()).getAttribute("class"));
    assertThat(rateClass).contains("is-over");
    shot("07-limit-exhausted");
    assertNoConsoleErrors("live usage");

    // 5. Create an override from the subject page and see it listed.
    click(By.linkText("Override limits"));
    WebElement selector = waitFor(By.name("selector"));
    assertThat(selector.getAttribute("value")).isEqualTo("user:alice");
    browser.findElement(By.name("limits.rateLimits")).sendKeys("100");
    browser.findElement(By.name("reason")).sendKeys("demo for the research team");
    click(By.cssSelector("[data-test=create-override]"));
    WebElement row = waitFor(By.cssSelector("tr[data-selector='user:alice']"));
    assertThat(row.getText()).contains("demo for the research team").contains("100 req / 1 min");
    shot("08-override-listed");
    assertThat(reserve("0.01", 201)).isNotBlank();

    // 6. The report shows what was committed: 0.30 + 0.30 + 0.25.
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-row]"));
    waitForText(By.cssSelector("[data-test=report-total]"), "$0.85");
    shot("09-report");

    // The overview now has a spender and a budget past its alert threshold.
    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-today]"), "$0.85");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    assertThat(textOf(By.cssSelector(".bar-list a[href='#/subjects/user/alice']"))).isEqualTo("user:alice");
    shot("09-overview-with-spend");

    // The same console on a phone-sized screen.
    browser.manage().window().setSize(new Dimension(390, 844));
    go("#/subjects/user/alice");
    waitForAttribute(rateBar(), "data-limit", "100");
    shot("10-phone-subject");
    browser.manage().window().setSize(new Dimension(1280, 1400));

    for (String page : List.of("alerts", "audit", "overrides", "policies")) {
      go("#/" + page);
      waiting().until(d -> d.findElements(By.cssSelector("main .loading")).isEmpty());
      shot("11-" + page);
    }
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("user:*");
    assertNoConsoleErrors("whole walk-through");
  }

  /** The usage list is redrawn every few seconds, so an element found a moment ago may be gone. */
  private static WebDriverWait waiting() {
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  private static String textOf(By by) {
    return waiting().until(d -> d.findElement(by).getText());
  }

  private static By rateBar() {
    return By.cssSelector(".usage[data-kind=rate]");
  }

  private static void go(String hash) {
    browser.get(base + "/" + hash);
  }

  private static WebElement waitFor(By by) {
    return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private static void click(By by) {
    waiting().until(ExpectedConditions.elementToBeClickable(by)).click();
  }

  private static void waitForText(By by, String text) {
    waiting().until(ExpectedConditions.textToBe(by, text));
  }

  private static void waitForAttribute(By by, String name, String value) {
    waiting().until(ExpectedConditions.attributeToBe(by, name, value));
  }

  private static void shot(String name) throws IOException {
    // Let the meters' width transition finish so the picture shows the final state.
    ((JavascriptExecutor) browser).executeAsyncScript("setTimeout(arguments[arguments.length - 1], 450)");
    Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  private static void assertNoConsoleErrors(String during) {
    assertNoConsoleErrorsExcept(during);
  }

  /** With {@code expected} fragments, exactly one logged problem must contain all of them. */
  private static void assertNoConsoleErrorsExcept(String during, String... expected) {
    List<String> problems = new ArrayList<>();
    for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
        problems.add(e.getLevel() + " " + e.getMessage());
      }
    }
    if (expected.length > 0) {
      List<String> matching = problems.stream().filter(p -> List.of(expected).stream().allMatch(p::contains)).toList();
      assertThat(matching).as("expected console entry during " + during).hasSize(1);
      problems.removeAll(matching);
    }
    consoleErrors.addAll(problems);
    assertThat(consoleErrors).as("browser console during " + during).isEmpty();
  }

  private static final Pattern RESERVATION_ID = Pattern.compile("\"reservationId\"\\s*:\\s*\"([^\"]+)\"");

  private static String reserve(String estimate, int expectedStatus) throws Exception {
    String body = "{\"subjects\":{\"user\":\"alice\",\"team\":\"research\",\"tool\":\"web_search\",\"provider\":\"openai\"},"
        + "\"estimatedCost\":\"" + estimate + "\"}";
    HttpResponse<String> r = post("/v1/reservations", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
    Matcher m = RESERVATION_ID.matcher(r.body());
    return m.find() ? m.group(1) : "";
  }

  private static void commit(String id, String actual) throws Exception {
    HttpResponse<String> r = post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"" + actual + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + ADMIN_KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + ADMIN_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
