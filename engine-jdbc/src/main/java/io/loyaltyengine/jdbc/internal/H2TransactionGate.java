package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.TransientStorageException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets the engine's own transactions on one H2 database run one at a time, across every {@code JdbcStorage} of this
 * JVM that opened that database.
 *
 * <p>Why: H2 (2.5.252, and 2.3.232 before it) can lose a committed change when a transaction that waited for a row lock
 * while another transaction changed that row and committed then rolls back: its rollback puts back the row as it
 * was before that commit ({@code H2LostUpdateProbe} in this module's tests shows it with plain JDBC). The engine
 * rolls back every refused unit of work, so it must not wait for another transaction's row lock on H2: with its
 * transactions one at a time, it never waits for its own. H2 writes one commit at a time anyway, and group commit
 * already runs the busy paths' batches one at a time, so little concurrency is given up (docs/BENCHMARKS.md).
 * Transactions the host owns, and connections of other processes to an H2 server, are not gated.
 *
 * <p>Fair, so that a stream of group-commit batches cannot starve a unit of work that runs alone. A caller that waits
 * longer than {@value #TIMEOUT_MILLIS} ms (H2's lock timeout as the engine sets it) gets a
 * {@link TransientStorageException}, which the engine retries as it retries a lock timeout. An interrupt while
 * waiting is held back for the caller, as the storage holds it back while an H2 transaction runs.
 *
 * <p>Thread-safe.
 */
public final class H2TransactionGate {
  /** How long a transaction waits for its turn. */
  public static final long TIMEOUT_MILLIS = 10_000;

  /** One gate per database, by the path H2 gives it ({@code DATABASE_PATH()}); a handful per JVM, kept for good. */
  private static final ConcurrentMap<String, H2TransactionGate> BY_DATABASE = new ConcurrentHashMap<>();

  /** A gate that lets every transaction through at once: for tests of H2's own row locks only. */
  public static final H2TransactionGate NONE = new H2TransactionGate(null, 0);

  /** Null for {@link #NONE}. */
  private final ReentrantLock turn;
  private final long timeoutNanos;

  private H2TransactionGate(ReentrantLock turn, long timeoutMillis) {
    this.turn = turn;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
  }

  /** A gate of no database, whose callers wait at most {@code timeoutMillis} (for this package's tests). */
  static H2TransactionGate withTimeout(long timeoutMillis) {
    return new H2TransactionGate(new ReentrantLock(true), timeoutMillis);
  }

  /** The gate of the H2 database at {@code databasePath}, as {@code DATABASE_PATH()} returns it. */
  public static H2TransactionGate of(String databasePath) {
    return BY_DATABASE.computeIfAbsent(databasePath, path -> withTimeout(TIMEOUT_MILLIS));
  }

  /**
   * Waits for this thread's turn (reentrant: a thread already holding it gets it again at once).
   *
   * @param interrupted set to true if the thread was interrupted while waiting; its interrupt is then cleared
   * @throws TransientStorageException if the turn did not come in time ({@value #TIMEOUT_MILLIS} ms at a
   *     database's gate)
   */
  public void enter(boolean[] interrupted) {
    if (turn == null) {
      return;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      try {
        if (turn.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          return;
        }
        throw new TransientStorageException("waited more than " + timeoutNanos / 1_000_000 + " ms for a turn at"
            + " the H2 database's transaction gate (another engine transaction on it ran that long)", null);
      } catch (InterruptedException e) {
        interrupted[0] = true;
      }
    }
  }

  /** Ends this thread's turn. */
  public void exit() {
    if (turn != null) {
      turn.unlock();
    }
  }

  /**
   * How many transactions wait for their turn at this gate, an estimate as {@link ReentrantLock#getQueueLength()}
   * (for tests, which must see a transaction wait).
   */
  public int waiting() {
    return turn == null ? 0 : turn.getQueueLength();
  }
}
