package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.model.ModelRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a seeded test body: picks the seed (the system property {@value ModelRunner#SEED_PROPERTY} replays one),
 * prints it, and names it, with how to replay it, in any failure. Stateless.
 */
final class Seeded {
  /** A test body given its seed. */
  interface Body {
    void run(long seed) throws Exception;
  }

  /** One thread's part of a seeded race. */
  interface Racer {
    void run() throws Exception;
  }

  private Seeded() {
  }

  /**
   * Runs {@code body} with a seed, printed as {@code <test class> <label>: seed <seed>}.
   *
   * @throws AssertionError naming the seed, if {@code body} failed or threw
   */
  static void run(Object test, String label, Body body) {
    runOne(test, label, ModelRunner.seeds(System.nanoTime())[0], body);
  }

  /**
   * As {@link #run}, for each seed of {@link ModelRunner#seeds(long...) ModelRunner.seeds(defaults)} in turn (the
   * system property replays one), stopping at the first failure.
   *
   * @throws AssertionError naming the seed, if {@code body} failed or threw
   */
  static void runEach(Object test, String label, long[] defaults, Body body) {
    for (long seed : ModelRunner.seeds(defaults)) {
      runOne(test, label, seed, body);
    }
  }

  private static void runOne(Object test, String label, long seed, Body body) {
    System.out.println(test.getClass().getSimpleName() + " " + label + ": seed " + seed);
    try {
      body.run(seed);
    } catch (AssertionError | Exception e) {
      throw new AssertionError("seed " + seed + " (replay with -D" + ModelRunner.SEED_PROPERTY + "=" + seed + "): "
          + e.getMessage(), e);
    }
  }

  /**
   * Runs each of {@code racers} on a thread of its own, all released at once, waits for every one (at most two
   * minutes each) and throws the first failure among them, an exception as an AssertionError.
   */
  static void race(List<? extends Racer> racers) throws InterruptedException, TimeoutException {
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(racers.size());
    try {
      List<Future<?>> running = new ArrayList<>();
      for (Racer racer : racers) {
        running.add(pool.submit(() -> {
          if (!start.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the race did not start");
          }
          racer.run();
          return null;
        }));
      }
      start.countDown();
      AssertionError first = firstFailure(running);
      if (first != null) {
        throw first;
      }
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        throw new AssertionError("a racer still runs 30 s after its race");
      }
    }
  }

  /**
   * Waits for every one of a seeded race's threads (at most two minutes each) and returns the first failure among
   * them, an exception as an AssertionError, or null if all passed.
   */
  private static AssertionError firstFailure(List<? extends Future<?>> threads)
      throws InterruptedException, TimeoutException {
    AssertionError first = null;
    for (Future<?> f : threads) {
      try {
        f.get(120, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (first == null) {
          first = e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
        }
      }
    }
    return first;
  }
}
