package io.loyaltyengine.jdbc;

import java.util.concurrent.Callable;

/**
 * The answer of a call raced in a test, whatever it is: so that a test can assert on a result and a refusal alike,
 * after both sides of the race have ended.
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
}
