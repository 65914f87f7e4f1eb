package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.jdbc.json.PolicyJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's check-config example is what the command prints for the file it shows: it showed
 * the rule for a quoted amount ("must be a plain non-negative decimal ... (got '-5')") where the
 * command, for the amount a file would hold, prints "must not be negative".
 */
class ReadmeCheckConfigTest {
  private static final Path README = Path.of("..", "README.md");

  @TempDir Path dir;

  @Test
  void theExampleOutputIsWhatTheCommandPrintsForTheExampleFile() throws Exception {
    List<String> blocks = codeBlocks(section(Files.readString(README), "### Policies as code"));
    String yaml = blocks.get(0);
    assertThat(blocks.get(1).strip()).isEqualTo("java -jar quota-server/target/quota-server.jar check-config quota.yaml");
    String shown = blocks.get(2);

    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, yaml);
    CliRun o = CliRun.of("check-config", file.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.out()).isEmpty();
    assertThat(o.err().replace(file.toString(), "quota.yaml")).isEqualTo(shown);
  }

  /** The file and the API refuse a negative amount with one rule text. */
  @Test
  void theFileAndTheApiNameTheSameRuleForANegativeAmount() {
    ValidationException api = catchThrowableOfType(
        () -> PolicyJson.read("{\"budget\":{\"currency\":\"USD\",\"monthly\":-5}}", Selector.parse("team:*")), ValidationException.class);
    assertThat(api.getMessage()).isEqualTo("budget.monthly: must not be negative");
  }

  /** The text of {@code heading}'s section, up to the next heading of any level. */
  private static String section(String readme, String heading) {
    int start = readme.indexOf(heading + "\n");
    assertThat(start).as(heading).isNotNegative();
    int end = readme.indexOf("\n#", start + heading.length());
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /** The fenced code blocks of {@code text}, in order, each with its closing newline. */
  private static List<String> codeBlocks(String text) {
    List<String> blocks = new ArrayList<>();
    StringBuilder block = null;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("```")) {
        if (block == null) {
          block = new StringBuilder();
        } else {
          blocks.add(block.toString());
          block = null;
        }
      } else if (block != null) {
        block.append(line).append('\n');
      }
    }
    return blocks;
  }
}
