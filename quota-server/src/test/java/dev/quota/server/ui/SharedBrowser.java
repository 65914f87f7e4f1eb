package dev.quota.server.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * One real headless Chromium per test JVM, lent to the browser test classes in turn: starting one
 * takes seconds, longer than most of the scenarios it serves. Each class gets it with a single
 * fresh tab of the usual size, so nothing a class did to a tab (its session storage, a clock or
 * locale it emulated, its size) reaches the next; each class's server listens on a port of its own,
 * so its pages' storage is its own origin's too.
 */
final class SharedBrowser {
  static final Dimension SIZE = new Dimension(1280, 1400);
  private static ChromeDriver browser;
  private static Path profile;
  /** Whether the browser's one tab has shown nothing since it was opened. */
  private static boolean freshTab;

  private SharedBrowser() {}

  /** The browser, in one fresh tab of {@link #SIZE} with no console messages waiting. */
  static synchronized ChromeDriver lend() {
    if (browser != null && !answers(browser)) {
      browser = null; // it crashed: the next class gets a new one
    }
    if (browser == null) {
      browser = start();
      freshTab = false; // ChromeDriver's first tab starts at a data: URL, not about:blank
    }
    if (!freshTab) {
      swapForFreshTab(); // also when a class did not give it back: its tab may hold its pages
    }
    freshTab = false;
    browser.manage().window().setSize(SIZE);
    browser.manage().logs().get(LogType.BROWSER); // read and dropped: the last class's
    return browser;
  }

  /**
   * Takes the browser back: the class's tab closes with its pages (whose server is stopping), and a
   * fresh one opened in its place is the next class's.
   */
  static synchronized void giveBack() {
    if (browser != null && answers(browser)) {
      swapForFreshTab();
      freshTab = true;
    }
  }

  /** Opens a new tab (about:blank) and closes every other, with the pages they held. */
  private static void swapForFreshTab() {
    String fresh = browser.switchTo().newWindow(WindowType.TAB).getWindowHandle();
    for (String tab : browser.getWindowHandles()) {
      if (!tab.equals(fresh)) {
        browser.switchTo().window(tab).close();
      }
    }
    browser.switchTo().window(fresh);
  }

  private static boolean answers(ChromeDriver b) {
    try {
      b.getWindowHandles();
      return true;
    } catch (WebDriverException e) {
      return false;
    }
  }

  private static ChromeDriver start() {
    try {
      profile = Files.createTempDirectory("quota-browser-profile");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=" + SIZE.width + "," + SIZE.height);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    // A fixed driver path keeps Selenium Manager from looking for (or downloading) a driver.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver started = new ChromeDriver(service, options);
    Path itsProfile = profile;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        started.quit();
      } catch (WebDriverException ignored) { // already gone
      }
      deleteTree(itsProfile);
    }));
    return started;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) { // a temporary directory left behind
    }
  }
}
