package dev.quota.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.jdbc.json.JsonFields;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LedgerRowsTest {
  @Test
  void metersJsonIsWhatAJsonWriterProducesWithSortedKeys() {
    Map<String, Long> meters = Map.of("tokens", 800L, "requests", 1L, "a_0", Long.MAX_VALUE, "z", 0L);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    new TreeMap<>(meters).forEach(o::put);

    assertThat(LedgerRows.metersJson(meters)).isEqualTo(JsonFields.write(o));
    assertThat(LedgerRows.parseMeters(LedgerRows.metersJson(meters))).isEqualTo(meters);
    assertThat(LedgerRows.metersJson(Map.of())).isEqualTo("{}");
  }

  @Test
  void subjectsTextIsSortedLinesBetweenNewlines() {
    Map<String, String> subjects = Map.of("user", "u:1", "team", "t", "provider", "openai");
    assertThat(LedgerRows.subjectsText(subjects)).isEqualTo("\nprovider:openai\nteam:t\nuser:u:1\n");
    assertThat(LedgerRows.parseSubjects(LedgerRows.subjectsText(subjects))).isEqualTo(subjects);
  }
}
