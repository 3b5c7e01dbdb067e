package io.loyaltyengine.core.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gate every unit of work of an engine passes: counts those in progress, and once the engine is closing refuses
 * new ones, so that {@code close()} can wait for those in progress before it releases the node number and closes the
 * storage. A unit of work is counted from before its transaction begins until it returns or throws.
 *
 * <p>Thread-safe.
 */
final class UnitsOfWork {
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicInteger inProgress = new AtomicInteger();
  /** Notified when the last unit of work in progress ends while closing. */
  private final Object idle = new Object();

  /**
   * Counts a unit of work in; the caller must {@link #exit} after it, whatever happens.
   *
   * @throws IllegalStateException once closing has begun
   */
  void enter() {
    // Counted before the check: a close that sets the flag after it waits for this unit; one that set it before
    // is seen here, and the unit is counted out again.
    inProgress.incrementAndGet();
    if (closing.get()) {
      exit();
      throw new IllegalStateException("the engine is closed");
    }
  }

  /** Counts a unit of work out. */
  void exit() {
    if (inProgress.decrementAndGet() == 0 && closing.get()) {
      synchronized (idle) {
        idle.notifyAll();
      }
    }
  }

  /** Refuses new units of work from now on; false if that had begun already. */
  boolean close() {
    return closing.compareAndSet(false, true);
  }

  /**
   * Waits until no unit of work is in progress, at most {@code timeout} (and not at all once interrupted, keeping
   * the interrupt).
   *
   * @return how many are still in progress: 0 when all ended
   */
  int awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (idle) {
      while (inProgress.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(idle, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return inProgress.get();
    }
  }
}
