package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;

/**
 * The fields of a filter bar that share a line have their labels on one line and their inputs on
 * another, and its button lines up with those inputs, on a desktop and on a phone: a field with a
 * help line under its input (From and To) sat higher than the fields beside it, and the button
 * lined up with that help line.
 */
class FilterLabelsAlignedBrowserTest extends BrowserTestSupport {
  /**
   * Each two fields of the filter bar that share a line (their boxes overlap from top to bottom):
   * how far apart the tops of their labels are (null when one has none, as the button's has not)
   * and the tops of their inputs, select or button.
   */
  private static final String SHARED_LINES = """
      const fields = [...document.querySelectorAll('main form.filters > .field')].map(f => {
        const label = f.querySelector(':scope > label');
        const control = f.querySelector(':scope > input, :scope > select, :scope > button');
        const box = f.getBoundingClientRect();
        return {name: (label || control).textContent, top: box.top, bottom: box.bottom,
          labelTop: label ? label.getBoundingClientRect().top : null, controlTop: control.getBoundingClientRect().top};
      });
      const pairs = [];
      fields.forEach((a, i) => fields.slice(i + 1).forEach(b => {
        if (a.top < b.bottom && b.top < a.bottom) pairs.push({names: a.name + ' and ' + b.name,
          labels: a.labelTop === null || b.labelTop === null ? null : Math.abs(a.labelTop - b.labelTop),
          controls: Math.abs(a.controlTop - b.controlTop)});
      }));
      return pairs;
      """;

  @AfterEach
  void desktopAgain() {
    browser.manage().window().setSize(SharedBrowser.SIZE);
  }

  @Test
  void labelsAndInputsOfAFilterBarLineUp() throws Exception {
    signInAs(ADMIN_KEY);
    for (Dimension size : List.of(SharedBrowser.SIZE, new Dimension(800, 900), new Dimension(375, 800))) {
      browser.manage().window().setSize(size);
      for (String page : List.of("#/audit", "#/alerts", "#/reports", "#/subjects")) {
        go(page);
        waitFor(By.cssSelector("main form.filters label"));
        waitUntilLoaded();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pairs = (List<Map<String, Object>>) script(SHARED_LINES);
        if (size.getWidth() > 375) {
          assertThat(pairs).as("fields side by side on " + page + " at " + size).isNotEmpty();
        }
        for (Map<String, Object> pair : pairs) {
          String where = pair.get("names") + " on " + page + " at " + size;
          if (pair.get("labels") != null) {
            assertThat(((Number) pair.get("labels")).doubleValue()).as("labels of " + where).isLessThanOrEqualTo(1);
          }
          assertThat(((Number) pair.get("controls")).doubleValue()).as("inputs of " + where).isLessThanOrEqualTo(1);
        }
      }
      go("#/audit");
      waitUntilLoaded();
      shot("filter-labels-aligned-" + size.getWidth());
    }
    assertNoConsoleErrors("filter bars");
  }
}
