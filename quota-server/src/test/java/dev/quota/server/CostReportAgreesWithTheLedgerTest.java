package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The same traffic sent to a server on H2 and to one on PostgreSQL, through the API: usage recorded
 * and reservations committed around the UTC midnights of a leap February's end, under dollar
 * budgets for users and euro budgets for teams (so spend is in dollars, euros or, charged to both or
 * to neither, none), with a subject reset in between. Every cost report, by day, month, provider,
 * tool and each scope, for all usage, one scope or one subject, is what the spend sent adds up to,
 * computed here, and the two servers answer it byte for byte alike, before the raw rows are rolled
 * up and pruned and after.
 */
class CostReportAgreesWithTheLedgerTest {
  private static final String RANGE = "from=2028-02-01&to=2028-04-01";
  private static final List<String> SCOPES = List.of("user", "team", "project", "tool", "provider");

  /** One ledger row as the test sent it: the UTC day of its commit or recording. */
  private record Spent(LocalDate day, Map<String, String> subjects, BigDecimal cost, String currency) {}

  @Test
  void everyReportIsTheSumOfTheSpendSentAndBothEnginesAgree() {
    PostgresSchema schema = new PostgresSchema();
    MutableClock clock = new MutableClock(Instant.parse("2028-02-27T20:00:00Z"));
    try (TestServer h2 = TestServer.start(null, null, null, clock, List.of());
        TestServer pg = TestServer.start(null, null, schema.url(), clock, List.of())) {
      List<TestServer> servers = List.of(h2, pg);
      for (TestServer s : servers) {
        put(s, "user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100000\"}}");
        put(s, "team:*", "{\"budget\":{\"currency\":\"EUR\",\"monthly\":\"1000000\"}}");
      }
      SplittableRandom random = new SplittableRandom(229);
      List<Spent> sent = new ArrayList<>();
      for (int step = 0; step < 90; step++) {
        Instant now = clock.instant();
        // To a millisecond before the next UTC midnight now and then, so a commit falls after it.
        Instant midnight = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        clock.advance(random.nextInt(4) == 0
            ? Duration.between(now, midnight).minusMillis(1)
            : Duration.ofMinutes(random.nextInt(5, 180)));
        Map<String, String> subjects = subjects(random);
        String cost = BigDecimal.valueOf(random.nextLong(1, 9_000_000_000_000L), 9).toPlainString();
        if (random.nextBoolean()) {
          servers.forEach(s -> ok(s.admin.post("/v1/usage", "{\"subjects\":" + json(subjects) + ",\"cost\":\"" + cost + "\"}"), 200));
        } else {
          List<String> held = servers.stream().map(s -> ok(s.admin.post("/v1/reservations",
              "{\"subjects\":" + json(subjects) + ",\"estimatedCost\":\"0.01\"}"), 201).json().get("reservationId").asText()).toList();
          clock.advance(Duration.ofMillis(random.nextInt(1, 5_000)));
          for (int i = 0; i < servers.size(); i++) {
            ok(servers.get(i).admin.post("/v1/reservations/" + held.get(i) + "/commit", "{\"actualCost\":\"" + cost + "\"}"), 200);
          }
        }
        sent.add(new Spent(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), subjects, new BigDecimal(cost), currency(subjects)));
        if (step == 45) {
          // A reset forgives spend against budgets; the reports still show all of it.
          servers.forEach(s -> ok(s.admin.post("/v1/subjects/user/u1/reset", "{\"reason\":\"support ticket\"}"), 204));
        }
      }
      assertThat(sent.stream().map(Spent::day).distinct().count()).as("days of spend").isGreaterThan(3);
      assertThat(sent.stream().map(Spent::day)).contains(LocalDate.parse("2028-02-29"), LocalDate.parse("2028-03-01"));

      List<String> queries = new ArrayList<>(List.of("groupBy=day", "groupBy=month", "groupBy=provider", "groupBy=tool"));
      for (String scope : SCOPES) {
        queries.add("groupBy=subject&scope=" + scope);
        queries.add("groupBy=day&scope=" + scope);
        queries.add("groupBy=month&scope=" + scope);
      }
      for (String by : List.of("day", "month", "provider", "tool", "subject")) {
        queries.add("groupBy=" + by + "&scope=user&id=u1");
        queries.add("groupBy=" + by + "&scope=team&id=t2");
        queries.add("groupBy=" + by + "&scope=provider&id=openai");
      }
      compare(h2, pg, sent, queries);
      // Forty days on, the raw rows are rolled up into daily totals and pruned: the same reports.
      clock.advance(Duration.ofDays(40));
      for (TestServer s : servers) {
        assertThat(s.server().pruneLedger().orElseThrow().rawRowsDeleted()).isEqualTo(sent.size());
      }
      compare(h2, pg, sent, queries);
    } finally {
      schema.drop();
    }
  }

  private static void compare(TestServer h2, TestServer pg, List<Spent> sent, List<String> queries) {
    for (String query : queries) {
      Api.Response onH2 = ok(h2.admin.get("/v1/reports/costs?" + RANGE + "&" + query), 200);
      Api.Response onPg = ok(pg.admin.get("/v1/reports/costs?" + RANGE + "&" + query), 200);
      assertThat(onPg.body()).as("PostgreSQL and H2: " + query).isEqualTo(onH2.body());
      assertThat(rendered(onH2.json())).as(query).isEqualTo(expected(sent, query));
      String csv = ok(h2.admin.get("/v1/reports/costs?" + RANGE + "&format=csv&" + query), 200).body();
      assertThat(ok(pg.admin.get("/v1/reports/costs?" + RANGE + "&format=csv&" + query), 200).body())
          .as("PostgreSQL and H2 as CSV: " + query).isEqualTo(csv);
    }
  }

  private static Map<String, String> subjects(SplittableRandom random) {
    Map<String, String> s = new LinkedHashMap<>();
    if (random.nextInt(4) > 0) {
      s.put("user", "u" + random.nextInt(1, 4));
    }
    if (random.nextBoolean()) {
      s.put("team", "t" + random.nextInt(1, 3));
    }
    if (random.nextInt(3) == 0 || s.isEmpty()) {
      s.put("project", "p" + random.nextInt(1, 3));
    }
    if (random.nextBoolean()) {
      s.put("tool", random.nextBoolean() ? "web_search" : "image_gen");
    }
    if (random.nextBoolean()) {
      s.put("provider", random.nextBoolean() ? "openai" : "anthropic");
    }
    return s;
  }

  /** Dollars when only a user's budget counted it, euros when only a team's, none when both or neither did. */
  private static String currency(Map<String, String> subjects) {
    boolean user = subjects.containsKey("user");
    boolean team = subjects.containsKey("team");
    return user == team ? null : user ? "USD" : "EUR";
  }

  private static String json(Map<String, String> subjects) {
    StringBuilder sb = new StringBuilder("{");
    subjects.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
    return sb.append('}').toString();
  }

  private record Key(String group, String currency) {}

  private static final Comparator<String> NULLS_LAST = Comparator.nullsLast(Comparator.naturalOrder());

  /** Rows by group and currency, each "group=cost CUR/entries" (a null group or currency as "-"), then the totals per currency. */
  private static String expected(List<Spent> sent, String query) {
    Map<String, String> q = new HashMap<>();
    for (String pair : query.split("&")) {
      q.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    String scope = q.get("scope");
    String id = q.get("id");
    TreeMap<Key, BigDecimal[]> rows =
        new TreeMap<>(Comparator.comparing(Key::group, NULLS_LAST).thenComparing(Key::currency, NULLS_LAST));
    for (Spent s : sent) {
      if (scope != null && (id == null ? !s.subjects().containsKey(scope) : !id.equals(s.subjects().get(scope)))) {
        continue;
      }
      String group = switch (q.get("groupBy")) {
        case "day" -> s.day().toString();
        case "month" -> YearMonth.from(s.day()).toString();
        case "subject" -> scope + ":" + s.subjects().get(scope);
        default -> s.subjects().get(q.get("groupBy"));
      };
      BigDecimal[] sum = rows.computeIfAbsent(new Key(group, s.currency()), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
      sum[0] = sum[0].add(s.cost());
      sum[1] = sum[1].add(BigDecimal.ONE);
    }
    TreeMap<String, BigDecimal[]> totals = new TreeMap<>(NULLS_LAST);
    StringBuilder sb = new StringBuilder();
    rows.forEach((k, v) -> {
      sb.append(k.group() == null ? "-" : k.group()).append('=').append(line(k.currency(), v[0], v[1].longValue())).append(' ');
      BigDecimal[] t = totals.computeIfAbsent(k.currency(), c -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
      t[0] = t[0].add(v[0]);
      t[1] = t[1].add(v[1]);
    });
    sb.append("| totals");
    totals.forEach((c, t) -> sb.append(' ').append(line(c, t[0], t[1].longValue())));
    return sb.toString();
  }

  private static String rendered(JsonNode report) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode r : report.get("rows")) {
      String group = r.get("group").isNull() ? "-" : r.get("group").asText();
      sb.append(group).append('=').append(line(text(r.get("currency")), new BigDecimal(r.get("cost").asText()), r.get("entries").asLong()))
          .append(' ');
    }
    sb.append("| totals");
    for (JsonNode t : report.get("totals")) {
      sb.append(' ').append(line(text(t.get("currency")), new BigDecimal(t.get("cost").asText()), t.get("entries").asLong()));
    }
    return sb.toString();
  }

  private static String text(JsonNode n) {
    return n.isNull() ? null : n.asText();
  }

  private static String line(String currency, BigDecimal cost, long entries) {
    return cost.stripTrailingZeros().toPlainString() + " " + (currency == null ? "-" : currency) + "/" + entries;
  }

  private static void put(TestServer s, String selector, String body) {
    ok(s.admin.put("/v1/policies/" + selector, body), 201);
  }

  private static Api.Response ok(Api.Response r, int status) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    return r;
  }
}
