package io.loyaltyengine.core.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gate every unit of work of an engine passes: counts those in progress, and once the engine is closing refuses
 * new ones, so that {@code close()} can wait for those in progress before it releases the node number and closes the
 * storage. A unit of work is counted from before its transaction begins until it returns or throws. The gate also
 * knows whether the calling thread is inside one of its units of work: such a thread may not begin closing, since
 * the close would wait for the thread's own unit of work (which cannot end while it waits) and then close the
 * storage under it.
 *
 * <p>Thread-safe.
 */
final class UnitsOfWork {
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicInteger inProgress = new AtomicInteger();
  /**
   * How many units of work of this gate the thread is inside (nested ones, or a group commit's it runs, count). The
   * entry stays when the count is back at 0, so that a unit of work allocates nothing; the map holds its key (this
   * gate's thread local) weakly, so a closed engine's entries go with it.
   */
  private final ThreadLocal<int[]> entered = ThreadLocal.withInitial(() -> new int[1]);
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
    entered.get()[0]++;
    if (closing.get()) {
      exit();
      throw new IllegalStateException("the engine is closed");
    }
  }

  /**
   * Refuses an operation answered without a unit of work once closing has begun, as {@link #enter} would.
   *
   * @throws IllegalStateException once closing has begun
   */
  void ensureOpen() {
    if (closing.get()) {
      throw new IllegalStateException("the engine is closed");
    }
  }

  /** Counts a unit of work out. */
  void exit() {
    entered.get()[0]--;
    if (inProgress.decrementAndGet() == 0 && closing.get()) {
      synchronized (idle) {
        idle.notifyAll();
      }
    }
  }

  /**
   * Refuses new units of work from now on; false if that had begun already.
   *
   * @throws IllegalStateException if closing had not begun and the calling thread is inside a unit of work of this
   *     gate; nothing changes then
   */
  boolean close() {
    if (closing.get()) {
      return false;
    }
    if (insideOne()) {
      throw new IllegalStateException("the engine cannot be closed from inside one of its own operations (a risk"
          + " rule, a storage or a clock it calls); close it once the operation has returned");
    }
    return closing.compareAndSet(false, true);
  }

  /** Whether the calling thread is inside a unit of work of this gate. */
  boolean insideOne() {
    return entered.get()[0] > 0;
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
