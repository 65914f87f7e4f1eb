package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The From and To filters of the audit log and the alert history are wide enough to show the whole
 * date and time typed into them, with room to spare, on a desktop and on a phone; as the browser's
 * date and time fields they showed "11/30/2026, 06" on a phone and lost the AM/PM on a desktop.
 */
class TimeFiltersWidthBrowserTest extends BrowserTestSupport {
  /**
   * Room left in the input once its padding and a date and time as this browser writes it are taken:
   * in American English "11/30/2026, 06:03 PM", longer than the "2026-11-30 18:03" the filter shows.
   */
  private static final String ROOM_LEFT = "const i = arguments[0], cs = getComputedStyle(i);"
      + " const c = document.createElement('canvas').getContext('2d'); c.font = cs.font;"
      + " const text = new Date(Date.UTC(2026, 10, 30, 18, 3)).toLocaleString(undefined,"
      + "   {year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: 'UTC'});"
      + " return Math.floor(i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - c.measureText(text).width);";
  /** Room to spare at the input's end, so the last digit does not touch its border. */
  private static final long SPARE = 24;

  @Test
  void fromAndToShowTheWholeTimeOnAPhoneAndADesktop() throws Exception {
    signInAs(ADMIN_KEY);
    try {
      for (Dimension size : List.of(new Dimension(1280, 1400), new Dimension(390, 844))) {
        browser.manage().window().setSize(size);
        for (String page : List.of("audit", "alerts")) {
          go("#/" + page + "?from=2026-11-30T18:03&to=2026-11-30T19:45");
          for (String name : List.of("from", "to")) {
            WebElement input = waitFor(By.name(name));
            assertThat((Long) script(ROOM_LEFT, input)).as(page + " " + name + " at " + size).isGreaterThanOrEqualTo(SPARE);
          }
        }
        shot("time-filters-" + size.getWidth());
      }
    } finally {
      browser.manage().window().setSize(new Dimension(1280, 1400));
    }
    assertNoConsoleErrors("time filters");
  }
}
