package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decision API end to end over HTTP. Runs on the embedded defaults here and, unchanged, on
 * other backends through subclasses.
 */
class DecisionApiTest extends ServerSuite {
  @Test
  void reserveCommitAndReport() {
    assertThat(admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1M\"}],"
        + "\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"}}").status()).isEqualTo(201);
    Api.Response r = admin.post("/v1/reservations",
        "{\"subjects\":{\"user\":\"rc1\",\"tool\":\"web_search\",\"provider\":\"openai\"},\"estimatedCost\":\"0.05\",\"meters\":{\"tokens\":1200}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    String id = r.json().get("reservationId").asText();
    assertThat(r.header("Location")).isEqualTo("/v1/reservations/" + id);
    // Decision bodies are written straight to the servlet stream: type and length are set by hand.
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
    assertThat(r.header("RateLimit-Policy")).contains("q=100;w=60");
    assertThat(r.header("RateLimit")).contains("r=99");

    Api.Response c = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.042\",\"meters\":{\"tokens\":1100}}");
    assertThat(c.status()).as(c.toString()).isEqualTo(200);
    assertThat(c.json().get("charged").asText()).isEqualTo("0.042");
    assertThat(c.json().get("held").asText()).isEqualTo("0.05");

    JsonNode usage = admin.get("/v1/usage/user/rc1").json();
    assertThat(usage.get("limits").findValuesAsText("used")).contains("0.042", "1");

    JsonNode report = admin.get("/v1/reports/costs?scope=user&id=rc1&groupBy=provider").json();
    assertThat(report.get("rows").get(0).get("group").asText()).isEqualTo("openai");
    assertThat(report.get("rows").get(0).get("cost").asText()).isEqualTo("0.042");
    assertThat(report.get("total").asText()).isEqualTo("0.042");

    Api.Response csv = admin.get("/v1/reports/costs?scope=user&id=rc1&groupBy=tool&format=csv");
    assertThat(csv.contentType()).startsWith("text/csv");
    assertThat(csv.body()).isEqualTo("tool,cost,entries,currency\r\nweb_search,0.042,1,USD\r\n");
  }

  /**
   * The Location a reservation is answered with names the reservation while it is held: what it
   * holds and when it expires, as the store holds it. Once committed or released it is gone, a 404
   * naming it, as is an id never returned.
   */
  @Test
  void theLocationOfAReservationAnswersWhatItHoldsUntilItIsSettled() {
    admin.put("/v1/policies/user:held", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"}}");
    Api service = server.key("held-service", "service");
    Api.Response r = service.post("/v1/reservations",
        "{\"subjects\":{\"user\":\"held\",\"tool\":\"web_search\"},\"estimatedCost\":\"0.123456789\","
            + "\"meters\":{\"tokens\":1200},\"idempotencyKey\":\"held-1\",\"ttl\":\"PT2M\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    String id = r.json().get("reservationId").asText();

    Api.Response held = service.get(r.header("Location"));
    assertThat(held.status()).as(held.toString()).isEqualTo(200);
    assertThat(held.contentType()).startsWith("application/json");
    JsonNode h = held.json();
    assertThat(h.get("reservationId").asText()).isEqualTo(id);
    assertThat(h.get("subjects").toString()).isEqualTo("{\"tool\":\"web_search\",\"user\":\"held\"}");
    assertThat(h.get("estimatedCost").isTextual()).isTrue();
    assertThat(h.get("estimatedCost").asText()).isEqualTo("0.123456789");
    assertThat(h.get("meters").toString()).isEqualTo("{\"requests\":1,\"tokens\":1200}");
    assertThat(h.get("idempotencyKey").asText()).isEqualTo("held-1");
    assertThat(h.get("expiresAt").asText()).isEqualTo(r.json().get("expiresAt").asText());
    assertThat(admin.get("/v1/reservations/" + id).json()).isEqualTo(h);

    assertThat(service.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.1\"}").status()).isEqualTo(200);
    Api.Response gone = service.get("/v1/reservations/" + id);
    assertThat(gone.status()).as(gone.toString()).isEqualTo(404);
    assertThat(gone.contentType()).startsWith("application/problem+json");
    assertThat(gone.json().get("detail").asText()).contains("reservation " + id + " is not held");

    String released = service.post("/v1/reservations", "{\"subjects\":{\"user\":\"held\"}}").json().get("reservationId").asText();
    assertThat(service.post("/v1/reservations/" + released + "/release", null).status()).isEqualTo(200);
    assertThat(service.get("/v1/reservations/" + released).status()).isEqualTo(404);
    Api.Response never = service.get("/v1/reservations/never-made");
    assertThat(never.status()).isEqualTo(404);
    assertThat(never.json().get("detail").asText()).contains("reservation never-made is not held");
  }

  /** An id no reservation can have is refused naming the field, before the store is asked. */
  @Test
  void aReservationIdNoReservationCanHaveIsA400NamingIt() {
    Api.Response r = admin.get("/v1/reservations/" + "x".repeat(65));
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("reservationId");
  }

  /** Usage that names no tool is a group of its own, never merged with a tool whose id is "-". */
  @Test
  void usageNamingNoToolIsNotMergedWithAToolCalledDash() {
    admin.post("/v1/usage", "{\"subjects\":{\"team\":\"dash\",\"tool\":\"-\"},\"cost\":\"5.00\"}");
    admin.post("/v1/usage", "{\"subjects\":{\"team\":\"dash\"},\"cost\":\"0.01\"}");
    JsonNode rows = admin.get("/v1/reports/costs?scope=team&id=dash&groupBy=tool").json().get("rows");
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("group").asText()).isEqualTo("-");
    assertThat(rows.get(0).get("cost").asText()).isEqualTo("5.00");
    assertThat(rows.get(1).get("group").isNull()).isTrue();
    assertThat(rows.get(1).get("cost").asText()).isEqualTo("0.01");
    assertThat(admin.get("/v1/reports/costs?scope=team&id=dash&groupBy=tool&format=csv").body())
        .isEqualTo("tool,cost,entries,currency\r\n'-,5.00,1,\r\n,0.01,1,\r\n");
  }

  /** A denial is not kept under its idempotency key: once there is room, the retry is decided afresh. */
  @Test
  void aRetryOfADeniedRequestUnderItsKeyIsDecidedAfresh() {
    admin.put("/v1/policies/user:idem-denied", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"idem-denied\"}}").status()).isEqualTo(201);
    String keyed = "{\"subjects\":{\"user\":\"idem-denied\"},\"idempotencyKey\":\"call-7\"}";
    assertThat(admin.post("/v1/reservations", keyed).status()).isEqualTo(429);
    admin.put("/v1/policies/user:idem-denied", "{\"rateLimits\":[{\"limit\":2,\"window\":\"PT1H\"}]}");
    Api.Response retried = admin.post("/v1/reservations", keyed);
    assertThat(retried.status()).as(retried.toString()).isEqualTo(201);
    assertThat(retried.json().has("replayed")).isFalse();
    Api.Response again = admin.post("/v1/reservations", keyed);
    assertThat(again.json().get("replayed").asBoolean()).isTrue();
    assertThat(again.json().get("reservationId").asText()).isEqualTo(retried.json().get("reservationId").asText());
  }

  /**
   * A committed call was made, which is one request: a commit naming requests 0 gave the reserved
   * request back, so committing every call that way admitted any number of calls past the limit.
   */
  @Test
  void aCommitCannotGiveBackTheRequestItsCallMade() {
    admin.put("/v1/policies/team:one-call", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    String id = admin.post("/v1/reservations", "{\"subjects\":{\"team\":\"one-call\"}}").json().get("reservationId").asText();

    Api.Response refused = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0\",\"meters\":{\"requests\":0}}");

    assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
    assertThat(refused.json().get("field").asText()).isEqualTo("meters.requests");
    assertThat(refused.json().get("rule").asText()).contains("at least 1");
    assertThat(admin.get("/v1/usage/team/one-call").json().get("limits").get(0).get("used").asLong()).isEqualTo(1);
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"team\":\"one-call\"}}").status()).isEqualTo(429);
    Api.Response committed = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0\",\"meters\":{\"requests\":1}}");
    assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"team\":\"one-call\"}}").status()).isEqualTo(429);
  }

  /** Tokens reserved and not used come back at the commit: a call may reserve its max_tokens. */
  @Test
  void aCommitGivesBackTheTokensItDidNotUse() {
    admin.put("/v1/policies/user:tokens-back", "{\"rateLimits\":[{\"meter\":\"tokens\",\"limit\":1000,\"window\":\"PT1H\"}]}");
    String reserve = "{\"subjects\":{\"user\":\"tokens-back\"},\"meters\":{\"tokens\":800}}";
    Api.Response r = admin.post("/v1/reservations", reserve);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(admin.post("/v1/reservations/" + r.json().get("reservationId").asText() + "/commit",
        "{\"actualCost\":\"0\",\"meters\":{\"tokens\":120}}").status()).isEqualTo(200);
    assertThat(admin.get("/v1/usage/user/tokens-back").json().get("limits").findValuesAsText("used")).containsExactly("120");
    assertThat(admin.post("/v1/reservations", reserve).status()).as("800 more fit beside the 120 used").isEqualTo(201);
  }

  /** The names of a structured-field list's items, in order; the names here hold no comma or quote. */
  private static List<String> itemNames(String field) {
    List<String> names = new ArrayList<>();
    for (String item : field.split(", ")) {
      names.add(item.substring(0, item.indexOf(';')));
    }
    return names;
  }

  /**
   * Each item of RateLimit-Policy names one limit, and RateLimit tells that limit's state under the
   * same name: a client pairs them by name, so no two limits of an answer share one.
   */
  @Test
  void aSlidingWindowAndATokenBucketOnOneMeterAndWindowHaveHeaderNamesOfTheirOwn() {
    Api.Response put = admin.put("/v1/policies/project:twin", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},"
        + "{\"limit\":2,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}]}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);

    Api.Response r = admin.post("/v1/reservations", "{\"subjects\":{\"project\":\"twin\"}}");

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    List<String> policies = itemNames(r.header("RateLimit-Policy"));
    assertThat(policies).hasSize(2).doesNotHaveDuplicates();
    assertThat(itemNames(r.header("RateLimit"))).isEqualTo(policies);
    assertThat(r.header("RateLimit-Policy")).contains(policies.get(0) + ";q=5;w=60", policies.get(1) + ";q=2;w=60");
    assertThat(r.header("RateLimit")).contains(policies.get(0) + ";r=4", policies.get(1) + ";r=1");
  }

  /** In the body too, as a policy writes its rate limits: a token bucket says so, a sliding window (the default) does not. */
  @Test
  void aTokenBucketsLimitNamesItsAlgorithmInADecisionAndInUsage() {
    Api.Response put = admin.put("/v1/policies/project:twin-body", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},"
        + "{\"limit\":2,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}]}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);

    JsonNode decided = admin.post("/v1/reservations", "{\"subjects\":{\"project\":\"twin-body\"}}").json();
    JsonNode usage = admin.get("/v1/usage/project/twin-body").json();

    for (JsonNode answer : List.of(decided, usage)) {
      assertThat(answer.get("limits").get(0).has("algorithm")).as(answer.toString()).isFalse();
      assertThat(answer.get("limits").get(1).path("algorithm").asText()).as(answer.toString()).isEqualTo("token_bucket");
      assertThat(answer.get("limits").get(1).get("limit").asLong()).isEqualTo(2);
    }
  }

  @Test
  void deniedRequestGets429WithRetryAfterAndTheBindingLimit() {
    admin.put("/v1/policies/user:limited", "{\"rateLimits\":[{\"limit\":2,\"window\":\"PT1H\"}]}");
    String body = "{\"subjects\":{\"user\":\"limited\"}}";
    assertThat(admin.post("/v1/reservations", body).status()).isEqualTo(201);
    assertThat(admin.post("/v1/reservations", body).status()).isEqualTo(201);
    Api.Response denied = admin.post("/v1/reservations", body);
    assertThat(denied.status()).isEqualTo(429);
    assertThat(denied.contentType()).startsWith("application/problem+json");
    assertThat(Long.parseLong(denied.header("Retry-After"))).isBetween(1L, 3600L);
    assertThat(denied.header("RateLimit")).contains("\"user:limited/requests/PT1H\";r=0");
    JsonNode p = denied.json();
    assertThat(p.get("status").asInt()).isEqualTo(429);
    assertThat(p.get("detail").asText()).contains("user:limited rate requests");
    assertThat(p.get("denying").get(0).get("policy").asText()).isEqualTo("user:limited");
    assertThat(p.get("retryAt").asText()).isNotEmpty();
  }

  /**
   * A full concurrency cap answers with the time its soonest slot frees by itself, the expiry of
   * the reservation holding it, in the store's time, as a rate limit answers with its own.
   */
  @Test
  void aFullConcurrencyCapTellsWhenItsSoonestSlotExpires() {
    admin.put("/v1/policies/user:slots-retry", "{\"concurrency\":2}");
    Api.Response longer = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"slots-retry\"},\"ttl\":\"PT10M\"}");
    Api.Response shorter = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"slots-retry\"},\"ttl\":\"PT30S\"}");
    assertThat(longer.status()).as(longer.toString()).isEqualTo(201);
    assertThat(shorter.status()).as(shorter.toString()).isEqualTo(201);
    Instant soonest = Instant.parse(shorter.json().get("expiresAt").asText());

    Api.Response denied = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"slots-retry\"}}");
    assertThat(denied.status()).as(denied.toString()).isEqualTo(429);
    assertThat(Instant.parse(denied.json().get("retryAt").asText())).isEqualTo(soonest);
    assertThat(Long.parseLong(denied.header("Retry-After"))).isBetween(1L, 30L);
    JsonNode binding = denied.json().get("binding");
    assertThat(binding.get("kind").asText()).isEqualTo("concurrency");
    assertThat(Instant.parse(binding.get("retryAt").asText())).isEqualTo(soonest);

    Api.Response checked = admin.post("/v1/check", "{\"subjects\":{\"user\":\"slots-retry\"}}");
    assertThat(checked.json().get("admitted").asBoolean()).isFalse();
    assertThat(Instant.parse(checked.json().get("retryAt").asText())).isEqualTo(soonest);
  }

  /**
   * Each daily or monthly budget in a subject's usage names the period its use counts over and the
   * calendar it runs on, so a key that may read the subject but not its policies knows when it
   * resets: here a Berlin day from 06:00 and months from the 15th, read by a viewer of that subject.
   */
  @Test
  void usageNamesEachBudgetsPeriodAndCalendar() {
    assertThat(admin.put("/v1/policies/user:calendar", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],"
        + "\"budget\":{\"currency\":\"EUR\",\"daily\":\"10.00\",\"monthly\":\"100.00\",\"perRequest\":\"1.00\","
        + "\"timezone\":\"Europe/Berlin\",\"resetTime\":\"06:00\",\"resetDay\":15}}").status()).isEqualTo(201);
    Api viewer = server.key("calendar-viewer", "viewer", "user:calendar");
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    LocalTime six = LocalTime.of(6, 0);

    Instant before = Instant.now();
    Api.Response r = viewer.get("/v1/usage/user/calendar");
    Instant after = Instant.now();

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode limits = r.json().get("limits");
    assertThat(limits.findValuesAsText("kind")).containsExactlyInAnyOrder("rate", "budget_daily", "budget_monthly", "budget_per_request");
    // A rate limit has no calendar, and a per-request cap bounds each call on its own, in no period.
    for (String kind : List.of("rate", "budget_per_request")) {
      JsonNode noPeriod = ofKind(limits, kind);
      assertThat(noPeriod.has("periodStart") || noPeriod.has("timezone") || noPeriod.has("resetTime") || noPeriod.has("resetDay"))
          .as(noPeriod.toString()).isFalse();
    }

    JsonNode daily = ofKind(limits, "budget_daily");
    assertThat(daily.path("timezone").asText()).isEqualTo("Europe/Berlin");
    assertThat(daily.path("resetTime").asText()).isEqualTo("06:00");
    assertThat(daily.has("resetDay")).as("a day does not depend on the reset day").isFalse();
    ZonedDateTime dayStart = Instant.parse(daily.path("periodStart").asText()).atZone(berlin);
    Instant dayEnd = Instant.parse(daily.get("resetAt").asText());
    assertThat(dayStart.toLocalTime()).isEqualTo(six);
    assertThat(dayEnd).isEqualTo(dayStart.toLocalDate().plusDays(1).atTime(six).atZone(berlin).toInstant());
    assertThat(dayStart.toInstant()).isBeforeOrEqualTo(after);
    assertThat(dayEnd).isAfter(before);

    JsonNode monthly = ofKind(limits, "budget_monthly");
    assertThat(monthly.path("timezone").asText()).isEqualTo("Europe/Berlin");
    assertThat(monthly.path("resetTime").asText()).isEqualTo("06:00");
    assertThat(monthly.path("resetDay").asInt()).isEqualTo(15);
    ZonedDateTime monthStart = Instant.parse(monthly.path("periodStart").asText()).atZone(berlin);
    Instant monthEnd = Instant.parse(monthly.get("resetAt").asText());
    assertThat(monthStart.toLocalDateTime()).isEqualTo(monthStart.toLocalDate().withDayOfMonth(15).atTime(six));
    assertThat(monthEnd).isEqualTo(monthStart.toLocalDate().plusMonths(1).atTime(six).atZone(berlin).toInstant());
    assertThat(monthStart.toInstant()).isBeforeOrEqualTo(after);
    assertThat(monthEnd).isAfter(before);
  }

  /**
   * A subject's usage reads allowed as whether a call of one request would be admitted now, the same
   * for every kind: a rate limit at exactly its limit is as shut as a full concurrency cap.
   */
  @Test
  void usageSaysALimitAtItsLimitAdmitsNoMoreWhateverItsKind() {
    admin.put("/v1/policies/user:at-limit", "{\"rateLimits\":[{\"limit\":2,\"window\":\"PT1H\"}],\"concurrency\":2}");
    String body = "{\"subjects\":{\"user\":\"at-limit\"}}";
    assertThat(admin.post("/v1/reservations", body).status()).isEqualTo(201);
    assertThat(admin.get("/v1/usage/user/at-limit").json().get("limits").findValuesAsText("allowed"))
        .containsExactly("true", "true");

    assertThat(admin.post("/v1/reservations", body).status()).isEqualTo(201);
    JsonNode limits = admin.get("/v1/usage/user/at-limit").json().get("limits");
    assertThat(limits.findValuesAsText("kind")).containsExactly("rate", "concurrency");
    assertThat(limits.findValuesAsText("used")).containsExactly("2", "2");
    assertThat(limits.findValuesAsText("allowed")).containsExactly("false", "false");
    assertThat(admin.post("/v1/check", body).json().get("denying")).hasSize(2);
  }

  /**
   * Every decision names the limit that binds as the limits list writes it: the tightest enforced
   * limit when admitted, the refusing limit a retry waits on longest when denied.
   */
  @Test
  void decisionsNameTheBindingLimitAsTheLimitsListWritesIt() {
    admin.put("/v1/policies/user:bind", "{\"rateLimits\":[{\"limit\":10,\"window\":\"PT1M\"}]}");
    admin.put("/v1/policies/team:bind", "{\"rateLimits\":[{\"limit\":2,\"window\":\"PT1H\"}]}");
    admin.put("/v1/policies/project:bind", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
    String body = "{\"subjects\":{\"user\":\"bind\",\"team\":\"bind\",\"project\":\"bind\"},\"estimatedCost\":\"0.10\"}";

    Api.Response reserved = admin.post("/v1/reservations", body);

    // left: user 9 of 10, team 1 of 2, project 0.90 of 1.00
    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    JsonNode binding = reserved.json().get("binding");
    assertThat(binding.get("policy").asText()).isEqualTo("team:bind");
    assertThat(binding.get("remaining").asLong()).isEqualTo(1);
    assertThat(reserved.json().get("limits")).contains(binding);

    Api.Response recorded = admin.post("/v1/usage",
        "{\"subjects\":{\"user\":\"bind\",\"project\":\"bind\"},\"cost\":\"0.85\"}");
    // left: user 8 of 10, project 0.05 of 1.00
    assertThat(recorded.json().get("binding").get("kind").asText()).isEqualTo("budget_daily");
    assertThat(recorded.json().get("binding").get("remaining").asText()).isEqualTo("0.05");

    admin.post("/v1/reservations", "{\"subjects\":{\"team\":\"bind\"}}");
    // the user's minute: 2 used above, 8 more
    for (int i = 0; i < 8; i++) {
      admin.post("/v1/usage", "{\"subjects\":{\"user\":\"bind\"}}");
    }
    // now the user's minute and the team's hour both refuse: the hour is what a retry waits for
    String refused = "{\"subjects\":{\"user\":\"bind\",\"team\":\"bind\"}}";
    Api.Response checked = admin.post("/v1/check", refused);
    assertThat(checked.json().get("admitted").asBoolean()).isFalse();
    assertThat(checked.json().get("denying")).hasSize(2);
    assertThat(checked.json().get("binding").get("policy").asText()).isEqualTo("team:bind");
    assertThat(checked.json().get("binding").get("retryAt")).isEqualTo(checked.json().get("retryAt"));

    Api.Response denied = admin.post("/v1/reservations", refused);
    assertThat(denied.status()).isEqualTo(429);
    assertThat(denied.json().get("binding").get("policy").asText()).isEqualTo("team:bind");
    assertThat(denied.json().get("denying")).contains(denied.json().get("binding"));
    assertThat(denied.json().get("binding").get("retryAt")).isEqualTo(denied.json().get("retryAt"));

    Api.Response unlimited = admin.post("/v1/check", "{\"subjects\":{\"unbound\":\"bind\"}}");
    assertThat(unlimited.json().get("limits")).as(unlimited.toString()).isEmpty();
    assertThat(unlimited.json().has("binding")).isFalse();
  }

  @Test
  void budgetDenialNamesTheBudgetAndItsReset() {
    admin.put("/v1/policies/team:broke", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
    Api.Response denied = admin.post("/v1/reservations", "{\"subjects\":{\"team\":\"broke\"},\"estimatedCost\":\"1.01\"}");
    assertThat(denied.status()).isEqualTo(429);
    JsonNode limit = denied.json().get("denying").get(0);
    assertThat(limit.get("kind").asText()).isEqualTo("budget_daily");
    assertThat(limit.get("limit").asText()).isEqualTo("1.00");
    assertThat(limit.get("resetAt").asText()).endsWith("T00:00:00Z");
  }

  @Test
  void checkConsumesNothing() {
    admin.put("/v1/policies/user:dry", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    for (int i = 0; i < 3; i++) {
      Api.Response r = admin.post("/v1/check", "{\"subjects\":{\"user\":\"dry\"}}");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().get("admitted").asBoolean()).isTrue();
    }
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"dry\"}}").status()).isEqualTo(201);
    assertThat(admin.post("/v1/check", "{\"subjects\":{\"user\":\"dry\"}}").json().get("admitted").asBoolean()).isFalse();
  }

  @Test
  void recordedUsageIsIdempotentByKey() {
    admin.put("/v1/policies/project:rec", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"100.00\"}}");
    String body = "{\"subjects\":{\"project\":\"rec\"},\"cost\":\"2.50\",\"idempotencyKey\":\"usage-1\"}";
    assertThat(admin.post("/v1/usage", body).status()).isEqualTo(200);
    assertThat(admin.post("/v1/usage", body).json().get("replayed").asBoolean()).isTrue();
    assertThat(admin.get("/v1/usage/project/rec").json().get("limits").get(0).get("used").asText()).isEqualTo("2.50");
    Api.Response conflict = admin.post("/v1/usage", body.replace("2.50", "3.00"));
    assertThat(conflict.status()).isEqualTo(409);
  }

  /** Recorded usage has happened: it is admitted and charged, and the limit it passed says so. */
  @Test
  void usagePastALimitIsAdmittedAndShowsTheLimitExceeded() {
    admin.put("/v1/policies/project:over", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
    Api.Response r = admin.post("/v1/usage", "{\"subjects\":{\"project\":\"over\"},\"cost\":\"1.05\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("admitted").asBoolean()).isTrue();
    assertThat(r.json().get("limits").get(0).get("used").asText()).isEqualTo("1.05");
    assertThat(r.json().get("limits").get(0).get("allowed").asBoolean()).isFalse();
    assertThat(admin.post("/v1/check", "{\"subjects\":{\"project\":\"over\"}}").json().get("admitted").asBoolean())
        .isFalse();
  }

  /**
   * A limit in shadow mode only observes: past its amount it says so (not allowed) but names no time
   * to retry, in a decision, in the subject's usage or in the rate-limit headers, since it never
   * makes a caller wait. Its retryAt read as if the caller had to wait until then.
   */
  @Test
  void aShadowLimitPastItsAmountNamesNoRetry() {
    admin.put("/v1/policies/user:watched",
        "{\"mode\":\"shadow\",\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
    String body = "{\"subjects\":{\"user\":\"watched\"},\"estimatedCost\":\"0.60\"}";
    assertThat(admin.post("/v1/reservations", body).status()).isEqualTo(201);

    Api.Response past = admin.post("/v1/reservations", body);

    assertThat(past.status()).as(past.toString()).isEqualTo(201);
    JsonNode limits = past.json().get("limits");
    assertThat(limits).as(past.toString()).hasSize(2);
    for (JsonNode l : limits) {
      assertThat(l.get("mode").asText()).isEqualTo("shadow");
      assertThat(l.get("allowed").asBoolean()).as(l.toString()).isFalse();
      assertThat(l.has("retryAt")).as(l.toString()).isFalse();
    }
    assertThat(past.json().has("retryAt")).isFalse();
    assertThat(past.header("Retry-After")).isNull();
    assertThat(past.header("RateLimit")).isNull();
    assertThat(past.header("RateLimit-Policy")).isNull();

    Api.Response checked = admin.post("/v1/check", body);
    assertThat(checked.json().get("admitted").asBoolean()).isTrue();
    checked.json().get("limits").forEach(l -> assertThat(l.has("retryAt")).as(l.toString()).isFalse());

    JsonNode usage = admin.get("/v1/usage/user/watched").json().get("limits");
    assertThat(ofKind(usage, "budget_daily").get("allowed").asBoolean()).as(usage.toString()).isFalse();
    usage.forEach(l -> assertThat(l.has("retryAt")).as(l.toString()).isFalse());
  }

  /**
   * A per-request cap keeps no count: a subject's usage lists it with its cap alone (it said 0 used
   * and the whole cap left, whatever was spent), while a decision gives the request's estimate as its
   * used, the amount the cap was checked against.
   */
  @Test
  void aPerRequestCapIsListedInUsageWithItsCapAloneAndInADecisionWithTheEstimate() {
    admin.put("/v1/policies/project:capped", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"perRequest\":\"0.50\"}}");
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"project\":\"capped\"},\"cost\":\"0.40\"}").status()).isEqualTo(200);

    JsonNode usage = admin.get("/v1/usage/project/capped").json().get("limits");
    JsonNode cap = ofKind(usage, "budget_per_request");
    assertThat(cap.get("limit").asText()).isEqualTo("0.50");
    assertThat(cap.get("currency").asText()).isEqualTo("USD");
    assertThat(cap.has("used")).as(cap.toString()).isFalse();
    assertThat(cap.has("remaining")).as(cap.toString()).isFalse();
    assertThat(ofKind(usage, "budget_daily").get("used").asText()).isEqualTo("0.40");

    JsonNode checked = admin.post("/v1/check", "{\"subjects\":{\"project\":\"capped\"},\"estimatedCost\":\"0.80\"}").json();
    assertThat(checked.get("admitted").asBoolean()).isFalse();
    JsonNode refusing = ofKind(checked.get("denying"), "budget_per_request");
    assertThat(refusing.get("limit").asText()).isEqualTo("0.50");
    assertThat(refusing.get("used").asText()).isEqualTo("0.80");
    assertThat(refusing.get("allowed").asBoolean()).isFalse();
  }

  /**
   * Reading a budget under a per-request cap reads it as it is: a subject's usage, and a check of no
   * call (requests 0), held the cap as a call of unknown cost does, so 0.20 left of a 0.40 cap read
   * as exhausted until the period's end though a call estimated at 0.20 is admitted.
   */
  @Test
  void readingABudgetUnderAPerRequestCapHoldsNothing() {
    admin.put("/v1/policies/project:cap-read", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\",\"perRequest\":\"0.40\"}}");
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"project\":\"cap-read\"},\"cost\":\"0.80\"}").status()).isEqualTo(200);

    JsonNode daily = ofKind(admin.get("/v1/usage/project/cap-read").json().get("limits"), "budget_daily");
    assertThat(daily.get("remaining").asText()).isEqualTo("0.20");
    assertThat(daily.get("allowed").asBoolean()).as(daily.toString()).isTrue();
    assertThat(daily.has("retryAt")).as(daily.toString()).isFalse();
    Api.Response read = admin.post("/v1/check", "{\"subjects\":{\"project\":\"cap-read\"},\"meters\":{\"requests\":0}}");
    assertThat(read.json().get("admitted").asBoolean()).as(read.toString()).isTrue();
    assertThat(read.header("Retry-After")).isNull();

    // a call of unknown cost still holds the cap, which no longer fits
    Api.Response unknown = admin.post("/v1/reservations", "{\"subjects\":{\"project\":\"cap-read\"}}");
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(429);
    assertThat(ofKind(unknown.json().get("denying"), "budget_daily").get("remaining").asText()).isEqualTo("0.20");
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"project\":\"cap-read\"},\"estimatedCost\":\"0.20\"}").status())
        .isEqualTo(201);
  }

  private static JsonNode ofKind(JsonNode limits, String kind) {
    List<JsonNode> found = new ArrayList<>();
    limits.forEach(l -> {
      if (l.get("kind").asText().equals(kind)) {
        found.add(l);
      }
    });
    assertThat(found).as(limits.toString()).hasSize(1);
    return found.get(0);
  }

  /**
   * Token limits a platform needs can be set (they were refused when limit x window in ms had to
   * stay within 2^53), and usage is recorded whatever its meters: on Redis a large meter under a
   * token bucket was refused with a 400, and in memory a huge one wrapped the bucket around.
   */
  @Test
  void largeTokenLimitsCanBeSetAndLargeMetersAreRecorded() {
    assertThat(admin.put("/v1/policies/org:tm", "{\"rateLimits\":["
        + "{\"limit\":100000000,\"window\":\"P31D\",\"meter\":\"tokens\"},"
        + "{\"limit\":1000000,\"window\":\"P31D\",\"meter\":\"tokens\",\"algorithm\":\"token_bucket\"},"
        + "{\"limit\":10000000,\"window\":\"PT1M\",\"meter\":\"tokens\",\"algorithm\":\"token_bucket\"}]}").status())
        .isEqualTo(201);
    Api.Response r = admin.post("/v1/usage", "{\"subjects\":{\"org\":\"tm\",\"user\":\"u\"},\"cost\":\"0.50\",\"meters\":{\"tokens\":5000000}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("limits").findValuesAsText("used")).containsExactlyInAnyOrder("5000000", "5000000", "5000000");
    assertThat(admin.post("/v1/check", "{\"subjects\":{\"org\":\"tm\"},\"meters\":{\"tokens\":1}}").json()
        .get("admitted").asBoolean()).isFalse();

    // far beyond a small bucket: its debt saturates at 1,024 buckets and it keeps denying
    admin.put("/v1/policies/org:tiny", "{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1H\",\"meter\":\"tokens\",\"algorithm\":\"token_bucket\"},"
        + "{\"limit\":100,\"window\":\"PT1H\",\"meter\":\"tokens\"}]}");
    String huge = "{\"subjects\":{\"org\":\"tiny\"},\"meters\":{\"tokens\":9007199254740991}}";
    for (int i = 0; i < 3; i++) {
      Api.Response u = admin.post("/v1/usage", huge);
      assertThat(u.status()).as(u.toString()).isEqualTo(200);
      // the sliding window saturates at 2^53-1, which JSON carries exactly
      assertThat(u.json().get("limits").findValuesAsText("used")).containsExactlyInAnyOrder("102500", "9007199254740991");
    }
    assertThat(admin.post("/v1/check", "{\"subjects\":{\"org\":\"tiny\"},\"meters\":{\"tokens\":1}}").json()
        .get("admitted").asBoolean()).isFalse();

    Api.Response tooLarge = admin.put("/v1/policies/org:bad",
        "{\"rateLimits\":[{\"limit\":68719476737,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}]}");
    assertThat(tooLarge.status()).isEqualTo(400);
    assertThat(tooLarge.body()).contains("rateLimits[0].limit", "at most 2^36 (68719476736) for a token bucket");
  }

  @Test
  void aDecisionOverManyLimitsAndLongIdsIsAnsweredWhole() {
    // Five subjects with 128-character ids and three windows each: a body of several kilobytes,
    // more than a decision answered on the store's I/O thread may write there.
    List<String> scopes = List.of("wide_a", "wide_b", "wide_c", "wide_d", "wide_e");
    StringBuilder subjects = new StringBuilder("{");
    for (String scope : scopes) {
      admin.put("/v1/policies/" + scope + ":*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},"
          + "{\"limit\":50,\"window\":\"PT1H\"},{\"limit\":500,\"window\":\"P1D\"}]}");
      subjects.append(subjects.length() > 1 ? "," : "").append('"').append(scope).append("\":\"")
          .append(scope.charAt(5) + "x".repeat(127)).append('"');
    }
    String body = "{\"subjects\":" + subjects.append('}') + "}";

    Api.Response reserved = admin.post("/v1/reservations", body);

    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    assertThat(reserved.body().length()).isGreaterThan(4096);
    assertThat(reserved.json().get("limits")).hasSize(15);
    assertThat(reserved.json().get("limits").findValuesAsText("used")).containsOnly("1");
    assertThat(reserved.contentType()).startsWith("application/json");
    Api.Response checked = admin.post("/v1/check", body);
    assertThat(checked.json().get("limits")).hasSize(15);
    assertThat(checked.contentType()).startsWith("application/json");
  }

  @Test
  void aReservationsIdempotencyKeyReplaysItsDecisionAndRefusesAnotherRequest() {
    admin.put("/v1/policies/user:idem", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1H\"}]}");
    String body = "{\"subjects\":{\"user\":\"idem\"},\"idempotencyKey\":\"call-1\"}";
    Api.Response first = admin.post("/v1/reservations", body);
    Api.Response again = admin.post("/v1/reservations", body);
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.json().get("replayed").asBoolean()).isTrue();
    assertThat(again.json().get("reservationId")).isEqualTo(first.json().get("reservationId"));
    Api.Response conflict = admin.post("/v1/reservations", body.replace("\"idem\"}", "\"other\"}"));
    assertThat(conflict.status()).as(conflict.toString()).isEqualTo(409);
    assertThat(conflict.json().get("detail").asText()).contains("call-1");
    assertThat(conflict.json().get("field").asText()).isEqualTo("idempotencyKey");
    assertThat(conflict.json().get("rule").asText()).startsWith("was already used for a different request");
  }

  @Test
  void releaseReturnsTheHoldAndSettlementsAreIdempotent() {
    admin.put("/v1/policies/user:rel", "{\"concurrency\":1}");
    String id = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"rel\"}}").json().get("reservationId").asText();
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"rel\"}}").status()).isEqualTo(429);
    assertThat(admin.post("/v1/reservations/" + id + "/release", null).json().get("status").asText()).isEqualTo("released");
    assertThat(admin.post("/v1/reservations/" + id + "/release", null).json().get("repeated").asBoolean()).isTrue();
    Api.Response commitAfterRelease = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0\"}");
    assertThat(commitAfterRelease.status()).isEqualTo(409);
    assertThat(commitAfterRelease.json().get("field").asText()).isEqualTo("reservationId");
    assertThat(commitAfterRelease.json().get("rule").asText()).isEqualTo("was already settled differently: " + id);
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"rel\"}}").status()).isEqualTo(201);
  }

  @Test
  void healthNeedsNoKeyButEverythingElseDoes() {
    Api anon = server.anonymous();
    Api.Response h = anon.get("/health");
    assertThat(h.status()).isEqualTo(200);
    assertThat(h.json().get("checks").get("store").asText()).isEqualTo("up");
    assertThat(h.json().get("checks").get("database").asText()).isEqualTo("up");
    for (String path : new String[] {"/v1/policies", "/metrics", "/openapi.json", "/v1/usage/user/x", "/v1/nothing"}) {
      Api.Response r = anon.get(path);
      assertThat(r.status()).as(path).isEqualTo(401);
      assertThat(r.contentType()).startsWith("application/problem+json");
    }
    assertThat(admin.as("qk_wrong").get("/v1/policies").status()).isEqualTo(401);
  }

  @Test
  void metricsCountDecisions() {
    admin.post("/v1/check", "{\"subjects\":{\"user\":\"metrics\"}}");
    Api.Response m = admin.get("/metrics");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.contentType()).startsWith("text/plain");
    assertThat(m.body()).contains("quota_decisions_seconds_count{operation=\"check\",outcome=\"admitted\"}");
  }
}
