package io.loyaltyengine.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The answer of a call raced in a test, whatever it is: so that a test can assert on a result and a refusal alike,
 * after both sides of the race have ended; and races of many such calls.
 *
 * <p>Thread-safe: stateless.
 */
final class Answers {
  private Answers() {
  }

  /** The call's result, or the runtime exception it threw. */
  static Callable<Object> answer(Callable<?> call) {
    return () -> {
      try {
        return call.call();
      } catch (RuntimeException e) {
        return e;
      }
    };
  }

  /**
   * Runs {@code threads} calls, call {@code i} on a thread of its own, released together by a barrier; each call's
   * {@linkplain #answer answer}, in call order, once all have ended (at most two minutes each).
   */
  static List<Object> race(int threads, IntFunction<Callable<?>> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Object>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Callable<Object> work = answer(call.apply(i));
        futures.add(pool.submit(() -> {
          start.await();
          return work.call();
        }));
      }
      List<Object> answers = new ArrayList<>();
      for (Future<Object> f : futures) {
        answers.add(f.get(2, TimeUnit.MINUTES));
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }
}
