package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * /metrics carries the JVM's and the process's own figures beside the engine's: when decisions
 * slow down, an operator looks at heap, collections and threads before anything else.
 */
class JvmMetricsTest {
  @Test
  void theJvmAndTheProcessAreOnMetricsBesideTheEngine() {
    try (TestServer server = TestServer.embedded()) {
      String metrics = server.admin.get("/metrics").body();

      assertThat(metrics).contains("# TYPE quota_store_up gauge")
          .contains("jvm_memory_used_bytes{area=\"heap\"")
          .contains("jvm_memory_max_bytes{area=\"nonheap\"")
          .contains("# TYPE jvm_gc_max_data_size_bytes gauge")
          .contains("jvm_threads_states_threads{state=\"runnable\"}")
          .contains("# TYPE process_cpu_usage gauge");
      assertThat(Double.parseDouble(server.admin.metric("jvm_threads_live_threads"))).as("live threads").isPositive();
      assertThat(Double.parseDouble(server.admin.metric("jvm_classes_loaded_classes"))).as("loaded classes").isPositive();
      assertThat(Double.parseDouble(server.admin.metric("process_uptime_seconds"))).as("uptime").isPositive();
      assertThat(server.admin.metric("system_cpu_count")).isEqualTo((double) Runtime.getRuntime().availableProcessors() + "");
    }
  }
}
