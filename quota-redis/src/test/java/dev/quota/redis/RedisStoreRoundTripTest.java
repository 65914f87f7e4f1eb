package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import dev.quota.plan.Settlement;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A decision is one command on the wire, however many subjects and limits it touches. Watched with
 * MONITOR and INFO commandstats on a private redis-server, so no other client's commands count.
 */
class RedisStoreRoundTripTest {
  private RedisServerProcess server;
  private RedisStore store;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  @Test
  void aDecisionOverThreeSubjectsAndASettlementAreOneFunctionCallEach() throws Exception {
    long now = store.nowMs(); // connects and loads the function library
    List<CounterOp> ops = new ArrayList<>();
    RateLimit perMinute = RateLimit.perWindow(100, Duration.ofMinutes(1));
    for (Subject s : List.of(Subject.of("user", "ann"), Subject.of("team", "core"), Subject.of("project", "apollo"))) {
      String subject = CounterKeys.subjectOf(s);
      ops.add(new RateOp(CounterKeys.rate(subject, perMinute), true, "rate", perMinute, 1));
      ops.add(new BudgetOp(CounterKeys.budget(subject, "USD", "day", now - 1000), true, "budget", 1000, 10,
          now - 1000, now + 3_600_000, new long[] {500}));
      ops.add(new ConcurrencyOp(CounterKeys.concurrency(subject), true, "slots", 5));
    }
    Plan plan = new Plan(Plan.Kind.RESERVE, ops, "r-1", 30_000, "idem-1", "fp", "p", false);

    RedisCommands<String, String> redis = server.admin(); // connected before MONITOR, so its handshake is not seen
    try (Socket monitor = new Socket("127.0.0.1", server.port)) {
      monitor.setSoTimeout(10_000);
      BufferedReader in = new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8));
      monitor.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("+OK");
      Map<String, Long> before = CommandStats.calls(redis);

      assertThat(store.apply(plan).admitted()).isTrue();
      store.settle(Settlement.commit("r-1", 8, Map.of()));
      redis.echo("done");

      // MONITOR shows commands a script runs as "[0 lua]"; everything else came over the wire
      List<String> fromClients = new ArrayList<>();
      for (String line = in.readLine(); !line.toLowerCase().contains("\"echo\" \"done\""); line = in.readLine()) {
        if (!line.contains(" lua] ") && !line.toLowerCase().contains("\"info\"")) {
          fromClients.add(line.substring(line.indexOf('"')).toLowerCase());
        }
      }
      assertThat(fromClients).hasSize(2).allSatisfy(cmd -> assertThat(cmd).startsWith("\"fcall\""));
      assertThat(CommandStats.calls(redis).get("fcall") - before.getOrDefault("fcall", 0L)).isEqualTo(2);
    }
  }
}
