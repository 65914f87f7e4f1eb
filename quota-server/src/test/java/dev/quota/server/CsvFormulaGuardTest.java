package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A CSV export guards spreadsheet formulas with a leading {@code '}, and does so unambiguously:
 * {@code =x} and {@code '=x} were both written {@code '=x}, so a reader could not tell which tool
 * cost what. Every value must come back as it was after removing one leading {@code '}.
 */
class CsvFormulaGuardTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void aValueStartingWithAQuoteIsNotConfusedWithAGuardedFormula() {
    Map<String, String> costs = new LinkedHashMap<>();
    costs.put("=x", "1.00");
    costs.put("'=x", "2.00");
    costs.put("'x", "3.00");
    costs.put("''", "4.00");
    costs.put("x", "5.00");
    costs.put("'=a \"b\"", "6.00");
    costs.put("-1", "7.00");
    for (Map.Entry<String, String> c : costs.entrySet()) {
      String tool = c.getKey().replace("\"", "\\\"");
      Api.Response r = server.admin().post("/v1/usage",
          "{\"subjects\":{\"user\":\"csv\",\"tool\":\"" + tool + "\"},\"cost\":\"" + c.getValue() + "\"}");
      assertThat(r.status()).as(r.toString()).isBetween(200, 299);
    }

    String csv = server.admin().get("/v1/reports/costs?scope=user&id=csv&groupBy=tool&format=csv").body();
    List<List<String>> rows = parse(csv);
    assertThat(rows.get(0)).containsExactly("tool", "cost", "entries", "currency");
    Map<String, String> read = new LinkedHashMap<>();
    for (List<String> row : rows.subList(1, rows.size())) {
      assertThat(read.put(unguard(row.get(0)), row.get(1))).as("one row per tool in " + csv).isNull();
    }
    assertThat(read).isEqualTo(costs);
    assertThat(csv).contains("\r\n'=x,1.00,1,\r\n").contains("\r\n''=x,2.00,1,\r\n").contains("\r\nx,5.00,1,\r\n");
  }

  /** What a reader of the export does: a leading ' is the guard, never part of the value. */
  private static String unguard(String cell) {
    return cell.startsWith("'") ? cell.substring(1) : cell;
  }

  /** RFC 4180: comma-separated cells, CRLF-ended lines, quoted cells with doubled quotes. */
  private static List<List<String>> parse(String csv) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < csv.length(); i++) {
      char c = csv.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(cell.toString());
        cell.setLength(0);
      } else if (c == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
        row.add(cell.toString());
        cell.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i++;
      } else {
        cell.append(c);
      }
    }
    assertThat(row).as("the export ends with a line end").isEmpty();
    return rows;
  }
}
