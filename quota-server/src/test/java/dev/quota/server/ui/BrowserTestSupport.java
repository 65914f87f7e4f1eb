package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Backends;
import dev.quota.server.QuotaServer;
import dev.quota.server.alerts.Backoff;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One real server (in-memory counters, H2 ledger in a temporary data directory) per test class, and
 * the test JVM's one real headless Chromium ({@link SharedBrowser}) lent to it, with the waiting, screenshot and console-log helpers the
 * browser scenarios share.
 *
 * <p>The server runs on a clock the test holds still, so a one-minute rate window cannot slide
 * between the requests a test makes and the moment the page shows them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserTestSupport {
  static final String ADMIN_KEY = "qk_test_admin_console_0123456789abcdef";
  private static final Path SHOTS = Path.of("target", "ui-screenshots");
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Pattern ISSUED_KEY = Pattern.compile("\"key\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern OVERRIDE_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern RESERVATION_ID = Pattern.compile("\"reservationId\"\\s*:\\s*\"([^\"]+)\"");

  final MutableClock clock = new MutableClock(Instant.now());
  QuotaServer server;
  /** The server's data directory, its embedded database's among it. */
  Path dataDir;
  ChromeDriver browser;
  String base;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> consoleErrors = new ArrayList<>();

  @BeforeAll
  void start(@TempDir Path dataDir) throws IOException {
    this.dataDir = dataDir;
    // The browser readies its tab while the server starts: each takes about a second, and neither
    // needs the other.
    CompletableFuture<ChromeDriver> lent = CompletableFuture.supplyAsync(SharedBrowser::lend);
    try {
      ServerConfig config = new ServerConfig("127.0.0.1", 0, dataDir, null, "quota", null, ADMIN_KEY, webhooks(),
          new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(20)));
      server = new QuotaServer(config, Backends.open(config, clock), clock, ADMIN_KEY).start();
      base = "http://127.0.0.1:" + server.port();
    } finally {
      browser = lent.join();
    }
    Files.createDirectories(SHOTS);
  }

  /** Where the server POSTs its alerts (each failed send retried once, a few milliseconds later); none unless a scenario needs them. */
  List<ServerConfig.Webhook> webhooks() throws IOException {
    return List.of();
  }

  @AfterAll
  void stop() {
    // The tab closes while the server stops: neither needs the other, and whatever the closing
    // pages log about a server going away is dropped when the browser is next lent.
    CompletableFuture<Void> givenBack = browser == null
        ? CompletableFuture.completedFuture(null) : CompletableFuture.runAsync(SharedBrowser::giveBack);
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      givenBack.join();
    }
  }

  /** Pages redraw (the usage list every few seconds), so an element found a moment ago may be gone. */
  WebDriverWait waiting() {
    // Checked every 50 ms rather than Selenium's default 500: most waits end within a redraw, and a
    // half-second step added to each of them is most of what the browser tests would spend.
    WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(50));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  String textOf(By by) {
    return waiting().until(d -> d.findElement(by).getText());
  }

  /**
   * The error beside form field {@code field}, once one is shown: the place for it is in the form
   * from the start, empty until the server's answer fills it.
   */
  String errorBeside(String field) {
    return waiting().until(d -> {
      String text = d.findElement(By.cssSelector("[data-error-for='" + field + "']")).getText();
      return text.isBlank() ? null : text;
    });
  }

  void go(String hash) {
    browser.get(base + "/" + hash);
  }

  WebElement waitFor(By by) {
    return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  void click(By by) {
    waiting().until(ExpectedConditions.elementToBeClickable(by)).click();
  }

  void waitForText(By by, String text) {
    waiting().until(ExpectedConditions.textToBe(by, text));
  }

  void waitForAttribute(By by, String name, String value) {
    waiting().until(ExpectedConditions.attributeToBe(by, name, value));
  }

  void scrollTo(By by) {
    ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'})", waitFor(by));
  }

  /**
   * On the reports page: runs the report and waits until the previous run's figures are gone, so
   * what is read next is the new run's.
   */
  void runReport() {
    List<WebElement> before = browser.findElements(By.cssSelector("[data-test=report-total]"));
    click(By.xpath("//button[text()='Run report']"));
    if (!before.isEmpty()) {
      waiting().until(ExpectedConditions.stalenessOf(before.get(0)));
    }
  }

  void waitUntilLoaded() {
    waiting().until(d -> d.findElements(By.cssSelector("main .loading")).isEmpty());
  }

  /**
   * Signs in with {@code key} in a fresh tab: the console keeps its key in the tab's session
   * storage, so the old tab's sign-in goes with it.
   */
  void signInAs(String key) {
    // The tab a class is lent has shown nothing yet, so it has no sign-in to leave behind.
    if (!"about:blank".equals(browser.getCurrentUrl())) {
      String old = browser.getWindowHandle();
      browser.switchTo().newWindow(WindowType.TAB);
      String fresh = browser.getWindowHandle();
      browser.switchTo().window(old).close();
      browser.switchTo().window(fresh);
    }
    browser.get(base + "/");
    signIn(key);
    waitFor(By.cssSelector("[data-test=role]"));
  }

  /**
   * Runs this tab's pages from now on with a clock {@code ahead} of the server's (and of the test's),
   * from before their scripts start, and reloads the page shown.
   */
  void browserClockAhead(Duration ahead) {
    String shift = """
        (() => {
          const shift = %d;
          const RealDate = Date;
          class ShiftedDate extends RealDate {
            constructor(...args) { if (args.length === 0) super(RealDate.now() + shift); else super(...args); }
            static now() { return RealDate.now() + shift; }
          }
          globalThis.Date = ShiftedDate;
        })();
        """.formatted(ahead.toMillis());
    browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", shift));
    browser.navigate().refresh();
    assertThat((Long) script("return Date.now()")).as("the page's clock is ahead")
        .isGreaterThan(System.currentTimeMillis() + ahead.toMillis() / 2);
  }

  Object script(String js, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(js, args);
  }

  /** Issues an API key through the admin API and returns it. */
  String issueKey(String body) throws Exception {
    HttpResponse<String> r = post("/v1/keys", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    Matcher m = ISSUED_KEY.matcher(r.body());
    assertThat(m.find()).as(r.body()).isTrue();
    return m.group(1);
  }

  /** Creates an override through the admin API and returns its id. */
  String createOverride(String json) throws Exception {
    HttpResponse<String> r = post("/v1/overrides", json);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    Matcher m = OVERRIDE_ID.matcher(r.body());
    assertThat(m.find()).as(r.body()).isTrue();
    return m.group(1);
  }

  /** Records spend that already happened, as of the server's clock. */
  void recordUsage(String subjectsJson, String cost) throws Exception {
    HttpResponse<String> r = post("/v1/usage", "{\"subjects\":" + subjectsJson + ",\"cost\":\"" + cost + "\"}");
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 204);
  }

  /** Types the key into the sign-in form; the page is expected to be showing it. */
  void signIn(String key) {
    WebElement input = waitFor(By.id("api-key"));
    input.sendKeys(key);
    input.submit();
  }

  /**
   * Answers once no CSS transition (the meters' width, say) is running, so a picture shows the final
   * state: it waits a frame for changes just made to start theirs, and looks again after each round,
   * as one finishing may start another. Animations (the spinner's endless turn) are not awaited.
   */
  private static final String TRANSITIONS_FINISHED = """
      const done = arguments[arguments.length - 1];
      const settle = () => requestAnimationFrame(() => {
        const running = document.getAnimations().filter(a => a instanceof CSSTransition && a.playState !== 'finished');
        if (running.length === 0) {
          done();
        } else {
          Promise.allSettled(running.map(a => a.finished)).then(settle);
        }
      });
      settle();
      """;

  void shot(String name) throws IOException {
    ((JavascriptExecutor) browser).executeAsyncScript(TRANSITIONS_FINISHED);
    Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  void assertNoConsoleErrors(String during) {
    assertNoConsoleErrorsExcept(during);
  }

  /** With {@code expected} fragments, exactly one logged problem must contain all of them. */
  void assertNoConsoleErrorsExcept(String during, String... expected) {
    List<String> problems = new ArrayList<>();
    for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
        problems.add(e.getLevel() + " " + e.getMessage());
      }
    }
    if (expected.length > 0) {
      List<String> matching = problems.stream().filter(p -> List.of(expected).stream().allMatch(p::contains)).toList();
      assertThat(matching).as("expected console entry during " + during + " among " + problems).hasSize(1);
      problems.removeAll(matching);
    }
    consoleErrors.addAll(problems);
    assertThat(consoleErrors).as("browser console during " + during).isEmpty();
  }

  /** Reserves for {@code user}, in the research team, and returns the reservation id ("" when refused). */
  String reserve(String user, String estimate, int expectedStatus) throws Exception {
    String body = "{\"subjects\":{\"user\":\"" + user + "\",\"team\":\"research\",\"tool\":\"web_search\",\"provider\":\"openai\"},"
        + "\"estimatedCost\":\"" + estimate + "\"}";
    HttpResponse<String> r = send("POST", "/v1/reservations", body, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
    Matcher m = RESERVATION_ID.matcher(r.body());
    return m.find() ? m.group(1) : "";
  }

  void commit(String id, String actual) throws Exception {
    HttpResponse<String> r = send("POST", "/v1/reservations/" + id + "/commit", "{\"actualCost\":\"" + actual + "\"}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return send("POST", path, json, ADMIN_KEY);
  }

  HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null, ADMIN_KEY);
  }

  /** The body of {@link #get}, for polls (which cannot throw checked exceptions). */
  String bodyOf(String path) {
    try {
      return get(path).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The rows of the table a page shows. */
  static final By TABLE_ROWS = By.cssSelector("main tbody tr");

  /**
   * Makes 51 audit entries (changes change-1 to change-51 of one policy) and opens the audit log
   * as an administrator, once its first page of 50 shows: a Load more then has one entry to add.
   */
  void openAuditLogOfTwoPages() throws Exception {
    for (int i = 1; i <= 51; i++) {
      var r = send("PUT", "/v1/policies/team:paged?reason=change-" + i, "{\"concurrency\":" + i + "}", ADMIN_KEY);
      assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }
    signInAs(ADMIN_KEY);
    go("#/audit");
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 50);
  }

  HttpResponse<String> send(String method, String path, String json, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key);
    if (json == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
