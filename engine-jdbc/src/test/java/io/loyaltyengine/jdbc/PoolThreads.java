package io.loyaltyengine.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The storages' pool threads a test left running. Thread-safe: stateless. */
final class PoolThreads {
  private PoolThreads() {
  }

  /**
   * The names of the pool threads ({@code loyalty-engine-...}) started since {@code before} that are still alive
   * after waiting up to 5 s for each: a closed pool's executors are shut down, their threads on their way out.
   */
  static List<String> leftSince(Set<Thread> before) throws InterruptedException {
    List<String> left = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(t) && t.getName().startsWith("loyalty-engine-")) {
        t.join(TimeUnit.SECONDS.toMillis(5));
        if (t.isAlive()) {
          left.add(t.getName());
        }
      }
    }
    return left;
  }
}
