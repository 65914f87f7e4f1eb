package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Of two overrides in force for one selector the newer decides; the list says which one waits, so
 * an admin does not revoke the older thinking it is the one in force.
 */
class OverrideSupersededBrowserTest extends BrowserTestSupport {

  @Test
  void anOlderOverrideOfTheSameSelectorIsMarkedAsWaiting() throws Exception {
    String older = createOverride("{\"selector\":\"team:qa\",\"bypass\":true,\"duration\":\"PT2H\",\"reason\":\"incident 9\"}");
    clock.advance(Duration.ofSeconds(1));
    String newer = createOverride("{\"selector\":\"team:qa\",\"bypass\":false,\"limits\":{\"concurrency\":2},\"duration\":\"PT1H\",\"reason\":\"cap it\"}");
    String alone = createOverride("{\"selector\":\"team:red\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"launch\"}");
    // The newer override is the one the subject's usage names.
    assertThat(get("/v1/usage/team/qa").body()).contains(newer).doesNotContain(older);
    signInAs(ADMIN_KEY);

    go("#/overrides");
    String olderRow = textOf(By.cssSelector("tr[data-override='" + older + "']"));
    assertThat(olderRow).contains("superseded");
    assertThat(textOf(By.cssSelector("tr[data-override='" + newer + "']"))).doesNotContain("superseded");
    assertThat(textOf(By.cssSelector("tr[data-override='" + alone + "']"))).doesNotContain("superseded");
    assertThat(waitFor(By.cssSelector("tr[data-override='" + older + "'] [data-test=superseded]")).getAttribute("title"))
        .contains("newer override");
    shot("override-superseded");
    assertNoConsoleErrors("overrides of one selector");
  }
}
