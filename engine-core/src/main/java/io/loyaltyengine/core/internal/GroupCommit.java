package io.loyaltyengine.core.internal;

import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Group commit: units of work submitted at the same time from several threads run in one shared transaction, so
 * that one durable commit (one fsync) serves all of them.
 *
 * <h2>How</h2>
 * Each caller queues its unit of work and tries to become the leader. The leader takes what is queued (up to the
 * batch bound), in arrival order, and runs it: a batch of one alone, exactly as without group commit (no savepoint,
 * no extra cost); a larger batch in one transaction with each unit of work behind a savepoint
 * ({@link io.loyaltyengine.core.spi.Transaction#nested}), so one that fails is undone alone and its neighbours
 * commit. After the commit, the leader hands every caller its own result or error and wakes it, then lets the next
 * waiting caller lead the next batch. Callers arriving while a batch commits queue up meanwhile, which is where
 * the sharing comes from: the busier the engine, the larger the batches.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>A call returns only after the transaction holding its effects committed (or with its own error).</li>
 *   <li>Units of work run in arrival order, so two calls on one participant apply in the order they were made.</li>
 *   <li>If the shared transaction fails as a whole (a transient failure: deadlock, serialization, lock timeout; or
 *   the commit itself), nothing of it committed, and each unit of work of the batch runs again alone, with the
 *   usual retries. A unit of work failing transiently inside a batch gives up the batch the same way, so that the
 *   order of arrival holds even then.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class GroupCommit {
  /** How long a waiting caller sleeps before looking again, should a wake-up ever be missed. */
  private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final Storage storage;
  private final int maxBatch;
  private final Function<TransactionWork<?>, Object> runAlone;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock leader = new ReentrantLock();

  /**
   * @param storage where batches run
   * @param maxBatch the most units of work in one transaction, at least 2
   * @param runAlone runs one unit of work in a transaction of its own, with the engine's retries
   */
  GroupCommit(Storage storage, int maxBatch, Function<TransactionWork<?>, Object> runAlone) {
    this.storage = storage;
    this.maxBatch = maxBatch;
    this.runAlone = runAlone;
  }

  /**
   * Runs {@code work}, alone or in a shared transaction, and returns its result once committed.
   *
   * @throws RuntimeException what the work threw, or what running it alone threw
   */
  @SuppressWarnings("unchecked")
  <T> T run(TransactionWork<T> work) {
    if (leader.isHeldByCurrentThread()) {
      // A unit of work of a batch asked for another: it cannot join the batch it is part of.
      return (T) runAlone.apply(work);
    }
    Pending mine = new Pending(work, Thread.currentThread());
    queue.add(mine);
    // An interrupt must not reach the store while this thread runs other callers' work (H2 closes its file on an
    // interrupted write), nor make parking spin: it is held back and restored before returning.
    boolean interrupted = Thread.interrupted();
    while (!mine.done) {
      if (leader.tryLock()) {
        try {
          if (!mine.done) {
            lead();
          }
        } finally {
          leader.unlock();
        }
        // Whoever queued while this batch ran leads the next one.
        Pending next = queue.peek();
        if (next != null) {
          LockSupport.unpark(next.caller);
        }
      } else {
        LockSupport.parkNanos(this, PARK_NANOS);
      }
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (mine.failure instanceof RuntimeException e) {
      throw e;
    }
    if (mine.failure != null) {
      throw (Error) mine.failure;
    }
    return (T) mine.result;
  }

  /** Takes a batch from the queue and runs it. Called holding the leader lock. */
  private void lead() {
    List<Pending> batch = new ArrayList<>(Math.min(maxBatch, 16));
    Pending p;
    while (batch.size() < maxBatch && (p = queue.poll()) != null) {
      batch.add(p);
    }
    if (batch.size() == 1) {
      runAlone(batch.get(0));
    } else if (!batch.isEmpty()) {
      runShared(batch);
    }
  }

  private void runShared(List<Pending> batch) {
    Object[] results = new Object[batch.size()];
    RuntimeException[] failures = new RuntimeException[batch.size()];
    try {
      storage.inTransaction(tx -> {
        // A retried transaction starts afresh: nothing of a failed attempt counts.
        Arrays.fill(results, null);
        Arrays.fill(failures, null);
        for (int i = 0; i < results.length; i++) {
          TransactionWork<?> work = batch.get(i).work;
          try {
            results[i] = tx.nested(work);
          } catch (TransientStorageException e) {
            // Rerunning this one alone after the batch would put it behind later calls on the same participant:
            // give up the batch instead, and run every unit of work alone, in order.
            throw e;
          } catch (RuntimeException e) {
            failures[i] = e;
          }
        }
        return null;
      });
    } catch (RuntimeException | Error sharedFailure) {
      // Nothing of the batch committed: each unit of work runs again alone and gets its own outcome.
      for (Pending pending : batch) {
        runAlone(pending);
      }
      return;
    }
    for (int i = 0; i < results.length; i++) {
      complete(batch.get(i), results[i], failures[i]);
    }
  }

  private void runAlone(Pending pending) {
    try {
      complete(pending, runAlone.apply(pending.work), null);
    } catch (RuntimeException | Error e) {
      complete(pending, null, e);
    }
  }

  private static void complete(Pending pending, Object result, Throwable failure) {
    pending.result = result;
    pending.failure = failure;
    pending.done = true;
    if (pending.caller != Thread.currentThread()) {
      LockSupport.unpark(pending.caller);
    }
  }

  /** A queued unit of work and, once run, its outcome. */
  private static final class Pending {
    final TransactionWork<?> work;
    final Thread caller;
    Object result;
    Throwable failure;
    /** Written last by the leader; its volatile write publishes result and failure to the caller. */
    volatile boolean done;

    Pending(TransactionWork<?> work, Thread caller) {
      this.work = work;
      this.caller = caller;
    }
  }
}
