package dev.quota.redis;

import java.time.Duration;

/**
 * A private Redis Cluster and a store on it, for one test class: started together, and stopped
 * together, the store's keys deleted first, even when the test failed.
 */
final class PrivateClusterStore implements AutoCloseable {
  final RedisClusterProcess cluster;
  final RedisStore store;

  PrivateClusterStore(String prefix, Duration timeout) throws Exception {
    cluster = new RedisClusterProcess();
    try {
      store = RedisStore.builder().uri(cluster.uri()).prefix(prefix).timeout(timeout).build();
    } catch (RuntimeException e) {
      cluster.close(); // no store to stop, but the cluster's processes must not outlive the test
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      store.deleteAll();
      store.close();
    } finally {
      cluster.close();
    }
  }
}
