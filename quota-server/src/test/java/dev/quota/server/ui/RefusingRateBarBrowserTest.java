package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A rate limit the subject's usage reports as refusing ({@code allowed:false}) while its count is
 * short of its limit is drawn as refusing: its bar takes the colour of its "exhausted" label, not
 * that of a limit with room left. The answer is drawn by the page's own code, as the usage API
 * writes it (which does not give such a state on demand).
 */
class RefusingRateBarBrowserTest extends BrowserTestSupport {
  @Test
  @SuppressWarnings("unchecked")
  void aRefusingRateLimitShortOfItsCountIsDrawnExhausted() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/subjects/user/dora");
    waitFor(By.cssSelector("[data-test=usage]"));
    Map<String, Object> drawn = (Map<String, Object>) ((org.openqa.selenium.JavascriptExecutor) browser).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        Promise.all([import('./js/pages/subject.js'), import('./js/api.js')]).then(([page, api]) => {
          const el = document.createElement('div');
          page.drawUsage(el, [api.normLimit({ policy: 'user:dora', subject: 'user:dora', kind: 'rate', meter: 'requests',
            window: 'PT1M', limit: 10, used: 7, remaining: 3, allowed: false, mode: 'enforce' })], null);
          done({ label: el.querySelector('[data-test=exhausted]')?.textContent || '',
                 bar: el.querySelector('[role=meter]').className });
        }, (e) => done({ error: String(e) }));
        """);
    assertThat(drawn).containsEntry("label", "exhausted");
    assertThat((String) drawn.get("bar")).contains("meter-over");
    assertNoConsoleErrors("refusing rate bar");
  }
}
