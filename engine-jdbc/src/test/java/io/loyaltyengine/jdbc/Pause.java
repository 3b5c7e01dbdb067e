package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A point where a call into the storage stops until the test lets it go on: the call {@link #here()} tells the test
 * it got there and waits; the test {@link #awaitReached}s it, does what must happen meanwhile, and
 * {@link #release()}s it. One use. The 30-second bounds only keep a broken test from hanging the build.
 *
 * <p>Thread-safe.
 */
final class Pause {
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** Called by the paused call: tells the test, then waits for {@link #release()}. */
  void here() {
    reached.countDown();
    try {
      if (!released.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test did not release the paused call");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while paused", e);
    }
  }

  /** Waits until the call got there; fails the test with {@code what} if it does not. */
  void awaitReached(String what) throws InterruptedException {
    assertTrue(reached.await(30, TimeUnit.SECONDS), what);
  }

  /** Lets the paused call go on (or a later one pass at once). */
  void release() {
    released.countDown();
  }
}
