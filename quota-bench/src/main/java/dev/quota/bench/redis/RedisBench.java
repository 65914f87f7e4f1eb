package dev.quota.bench.redis;

import dev.quota.bench.Profile;
import java.nio.file.Path;

/** Workloads B and E on Redis. */
public final class RedisBench {
  private RedisBench() {}

  public static void run(Profile profile, Path results) {
    System.out.println("Redis workloads: not available in this build");
  }
}
