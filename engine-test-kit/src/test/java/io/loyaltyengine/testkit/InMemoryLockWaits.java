package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sees a unit of work on the in-memory store wait for another: every unit of work takes its database's one lock in
 * {@code InMemoryStorage.Database.run}, so one that waits is a thread parked in {@link ReentrantLock#lock()} called
 * from there.
 *
 * <p>Thread-safe: stateless.
 */
final class InMemoryLockWaits {
  private static final String RUN_CLASS = InMemoryStorage.Database.class.getName();

  private InMemoryLockWaits() {
  }

  /**
   * Returns once {@code waiter} is parked waiting for its database's lock; fails if it ends, or is not parked there
   * within a minute.
   */
  static void awaitParkedOnTheDatabaseLock(Thread waiter) {
    // A guard against a hang, not a measurement: a unit of work that never waits fails the test instead.
    assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
      while (!parkedOnTheDatabaseLock(waiter)) {
        assertTrue(waiter.isAlive(), "the unit of work ended without waiting for the database's lock");
        Thread.onSpinWait();
      }
    }, "the unit of work never waited for the database's lock");
  }

  private static boolean parkedOnTheDatabaseLock(Thread waiter) {
    if (waiter.getState() != Thread.State.WAITING) {
      return false;
    }
    StackTraceElement[] stack = waiter.getStackTrace();
    for (int i = 1; i < stack.length; i++) {
      if (stack[i].getClassName().equals(RUN_CLASS) && stack[i].getMethodName().equals("run")) {
        StackTraceElement caller = stack[i - 1];
        return caller.getClassName().equals(ReentrantLock.class.getName()) && caller.getMethodName().equals("lock");
      }
    }
    return false;
  }
}
