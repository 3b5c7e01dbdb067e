package io.loyaltyengine.core.internal;

import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Group commit: units of work submitted at the same time from several threads run in one shared transaction, so
 * that one durable commit (one fsync) serves all of them.
 *
 * <h2>How</h2>
 * Each caller queues its unit of work and tries to become the leader. The leader takes what is queued (up to the batch
 * bound, and up to a unit whose {@linkplain LocksParticipants#sharedRows() shared rows} differ from those of a unit
 * before it, which stays at the head of the queue), in arrival order, and runs it: a batch of one alone, exactly as
 * without group commit (no savepoint, no extra cost); a larger batch in one transaction with each unit of work behind a
 * savepoint ({@link io.loyaltyengine.core.spi.Transaction#nested}), so one that fails is undone alone and its
 * neighbours commit. A batch whose units can all run together ({@link CombinableWork}: the ledger's awards and
 * deductions) first runs in one go without savepoints, each tenant's units as a group, the groups in ascending tenant
 * order; a unit refused there (an overdraft, an unknown participant) gets its error and changes nothing, and the batch
 * runs the careful way only if one of its units fails otherwise; a batch none of whose units changed anything is rolled
 * back rather than committed ({@link NothingToCommit}). After the commit, the leader hands every caller its own result
 * or error and wakes it, then lets the next waiting caller lead the next batch. Callers arriving while a batch commits
 * queue up meanwhile, which is where the sharing comes from: the busier the engine, the larger the batches.
 *
 * <p>On a store that commits in parallel itself ({@link StorageCapability#PARALLEL_COMMITS}) up to
 * {@value #PARALLEL_LEADERS} leaders run batches at a time, each in its own transaction, and only
 * {@link CombinableWork} queues; any other unit of work runs alone at once.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>A call returns only after the transaction holding its effects committed (or with its own error).</li>
 *   <li>The units of work of a batch run in arrival order (run in one go, those of each group do, the groups in
 *   their order), so two calls on one participant in one batch apply in the order they were made; with one leader,
 *   so do the batches. Two batches running at once (a store that commits in
 *   parallel) apply in the order the store grants their row locks, as separate transactions would.</li>
 *   <li>If the shared transaction fails as a whole before its commit, or its commit is refused (a transient failure:
 *   deadlock, serialization, lock timeout), nothing of it committed, and each unit of work of the batch runs again
 *   alone, with the usual retries. A unit of work failing transiently inside a batch gives up the batch the same
 *   way, so that the order of arrival holds even then. A batch run in one go in which a unit fails other than by a
 *   refusal runs again behind savepoints, or, on a store that commits in parallel, each unit alone.</li>
 *   <li>A batch run behind savepoints first locks the participants its units will lock
 *   ({@link LocksParticipants}, which every combined unit is), in ascending tenant and id order, then runs its
 *   units in arrival order: the order in which every unit of work alone takes participants (and the run in one go
 *   its groups'), before any other row. Units taking their participants as they came would hold the rows of the
 *   units before them while they waited. The units of a batch that share rows with calls on other participants (a
 *   catalog reward, a coupon pool) all share the same ones, so that beyond its participants a batch takes the rows
 *   of one unit, in that unit's order, as the unit alone would: with two catalog rewards, say, it would hold the
 *   first while it waited for the second, which a transaction taking the two the other way round may hold.</li>
 *   <li>A shared transaction that could not begin (the store failed before its work ran: the database unreachable)
 *   fails each unit of the batch with that failure at once, as each alone would fail, rather than trying each alone
 *   first, one wait for a connection after another. One that failed to begin transiently (no turn at an H2 database
 *   within its timeout) is tried again as a whole first, with the retries and backoff a unit alone gets.</li>
 *   <li>A commit whose outcome is unknown ({@link CommitOutcomeUnknownException}: it may have committed) is never
 *   run again: each unit of the batch gets that failure, but for a unit already known to have failed (refused, or
 *   rolled back to its savepoint), which gets its own. A unit that changed nothing is not known to have succeeded:
 *   it may have replayed what an earlier unit of the same transaction wrote.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class GroupCommit {
  /**
   * Batches at a time on a store that commits in parallel: a caller finding one free runs at once, alone, as without
   * group commit; calls arriving while both run queue up and are combined. Measured on PostgreSQL
   * (docs/BENCHMARKS.md): with 16 threads about twice the awards per second of no combining, and 10% fewer with 4;
   * four at a time lost at 16 threads, one at a time gained less there.
   */
  static final int PARALLEL_LEADERS = 2;

  /** How long a waiting caller sleeps before looking again, should a wake-up ever be missed. */
  private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final Storage storage;
  private final int maxBatch;
  /** Retries of a batch's transaction that failed transiently before its work began, as for a unit alone. */
  private final int maxRetries;
  private final Function<TransactionWork<?>, Object> runAlone;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  /** One permit per batch that may run at a time. */
  private final Semaphore leaders;
  /** Whether only {@link CombinableWork} is combined, any other unit of work running alone at once. */
  private final boolean combinableOnly;
  /** The threads leading a batch now. */
  private final Set<Thread> leading = ConcurrentHashMap.newKeySet();

  /**
   * @param storage where batches run
   * @param maxBatch the most units of work in one transaction, at least 2
   * @param parallelCommits whether the store commits concurrent transactions in parallel itself
   *     ({@link StorageCapability#PARALLEL_COMMITS}): then two batches may run at a time, and only
   *     {@link CombinableWork} is combined
   * @param maxRetries the engine's retries of a transaction that failed transiently
   * @param runAlone runs one unit of work in a transaction of its own, with the engine's retries
   */
  GroupCommit(Storage storage, int maxBatch, boolean parallelCommits, int maxRetries,
      Function<TransactionWork<?>, Object> runAlone) {
    this.storage = storage;
    this.maxBatch = maxBatch;
    this.maxRetries = maxRetries;
    this.leaders = new Semaphore(parallelCommits ? PARALLEL_LEADERS : 1);
    this.combinableOnly = parallelCommits;
    this.runAlone = runAlone;
  }

  /**
   * Runs {@code work}, alone or in a shared transaction, and returns its result once committed.
   *
   * @throws RuntimeException what the work threw, or what running it alone threw
   */
  @SuppressWarnings("unchecked")
  <T> T run(LocksParticipants<T> work) {
    Thread me = Thread.currentThread();
    if (leading.contains(me)) {
      // A unit of work of a batch asked for another: it cannot join the batch it is part of.
      return (T) runAlone.apply(work);
    }
    if (combinableOnly && !(work instanceof CombinableWork<?>)) {
      return (T) runAlone.apply(work);
    }
    Pending mine = new Pending(work, me);
    queue.add(mine);
    // An interrupt must not reach the store while this thread runs other callers' work (H2 closes its file on an
    // interrupted write), nor make parking spin: it is held back and restored before returning.
    boolean interrupted = Thread.interrupted();
    while (!mine.done) {
      boolean led = false;
      // Once another leader took this call's unit, it only waits: leading more work would hold its answer back.
      if (!mine.taken && leaders.tryAcquire()) {
        leading.add(me);
        try {
          led = !mine.done && lead();
        } finally {
          leading.remove(me);
          leaders.release();
        }
        // Whoever queued while this batch ran leads the next one.
        Pending next = queue.peek();
        if (next != null) {
          LockSupport.unpark(next.caller);
        }
      }
      if (!led && !mine.done) {
        // Another leader runs this call's batch, or every leader is busy: wait to be woken.
        LockSupport.parkNanos(this, PARK_NANOS);
      }
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      me.interrupt();
    }
    if (mine.failure instanceof RuntimeException e) {
      throw e;
    }
    if (mine.failure != null) {
      throw (Error) mine.failure;
    }
    return (T) mine.result;
  }

  /**
   * Takes a batch from the queue and runs it. Called holding a leader's permit.
   *
   * @return false if the queue was empty
   */
  private boolean lead() {
    List<Pending> batch = new ArrayList<>(Math.min(maxBatch, 16));
    // The shared rows of the batch's units that have some: all equal, so that it takes those of one unit.
    LocksParticipants.SharedRows shared = null;
    Pending p;
    while (batch.size() < maxBatch && (p = queue.peek()) != null) {
      LocksParticipants.SharedRows rows = p.work.sharedRows();
      if (rows != null && shared != null && !rows.equals(shared)) {
        // Other shared rows: this unit waits at the head of the queue and leads the next batch.
        break;
      }
      // Another leader (on a store that commits in parallel) may have taken it since the peek.
      if (queue.remove(p)) {
        p.taken = true;
        batch.add(p);
        if (rows != null) {
          shared = rows;
        }
      }
    }
    if (batch.size() == 1) {
      runAlone(batch.get(0));
    } else if (!batch.isEmpty()) {
      runShared(batch);
    }
    return !batch.isEmpty();
  }

  private void runShared(List<Pending> batch) {
    List<List<Pending>> groups = groups(batch);
    if (groups != null && runTogether(batch, groups)) {
      return;
    }
    if (combinableOnly) {
      // Behind savepoints, each unit would take its row locks as it comes, while the other leader's batch may hold
      // some of them, taken in order: a deadlock the store finds only after its timeout. Alone, each unit takes its
      // own locks.
      runEachAlone(batch);
      return;
    }
    Object[] results = new Object[batch.size()];
    RuntimeException[] failures = new RuntimeException[batch.size()];
    try {
      inBatchTransaction(tx -> {
        // A retried transaction starts afresh: nothing of a failed attempt counts.
        Arrays.fill(results, null);
        Arrays.fill(failures, null);
        lockParticipants(tx, batch);
        for (int i = 0; i < results.length; i++) {
          LocksParticipants<?> work = batch.get(i).work;
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
    } catch (NotBegun notBegun) {
      failAll(batch, notBegun.failure());
      return;
    } catch (CommitOutcomeUnknownException unknown) {
      // The batch may have committed: running it again could make every change twice. A unit rolled back to its
      // savepoint is known to have changed nothing, and keeps its own failure; not one that changed nothing
      // (NothingToCommit) but may have replayed what an earlier unit of this transaction wrote: its caller keeps
      // what it knows (its refusals) and is told the rest may have been made.
      for (int i = 0; i < failures.length; i++) {
        RuntimeException failure = failures[i];
        complete(batch.get(i), null, failure != null && !(failure instanceof NothingToCommit) ? failure : unknown);
      }
      return;
    } catch (RuntimeException | Error sharedFailure) {
      // Nothing of the batch committed: each unit of work runs again alone and gets its own outcome.
      runEachAlone(batch);
      return;
    }
    for (int i = 0; i < results.length; i++) {
      complete(batch.get(i), results[i], failures[i]);
    }
  }

  /**
   * The units of work of the batch by {@link CombinableWork#combineKey() combine key}, each group in arrival order,
   * the groups in ascending {@link CombinableWork#combineOrder() combine order}; null if a unit is not combinable or
   * two keys share an order.
   */
  private static List<List<Pending>> groups(List<Pending> batch) {
    Map<Object, List<Pending>> byKey = new LinkedHashMap<>();
    for (Pending pending : batch) {
      if (!(pending.work instanceof CombinableWork<?> unit)) {
        return null;
      }
      byKey.computeIfAbsent(unit.combineKey(), key -> new ArrayList<>()).add(pending);
    }
    List<List<Pending>> groups = new ArrayList<>(byKey.values());
    groups.sort(Comparator.comparingLong(GroupCommit::order));
    for (int i = 1; i < groups.size(); i++) {
      if (order(groups.get(i - 1)) == order(groups.get(i))) {
        return null;
      }
    }
    return groups;
  }

  private static long order(List<Pending> group) {
    return ((CombinableWork<?>) group.get(0).work).combineOrder();
  }

  /**
   * Runs a combinable batch in one go, without savepoints: its groups one after another in one transaction.
   *
   * @return false if a unit of work failed for good, not only refused: nothing of the batch committed, and it is to
   *     run the careful way
   */
  private boolean runTogether(List<Pending> batch, List<List<Pending>> groups) {
    Object[][] results;
    // What the last attempt returned, for a commit whose outcome is unknown (its work ran to its end).
    Object[][][] attempted = new Object[1][][];
    try {
      results = inBatchTransaction(tx -> {
        Object[][] r = new Object[groups.size()][];
        int unchanged = 0;
        for (int g = 0; g < r.length; g++) {
          List<CombinableWork<?>> units = units(groups.get(g));
          try {
            r[g] = units.get(0).runTogether(tx, units);
          } catch (NothingToCommit e) {
            // The group changed nothing; the batch's other groups go on in the same transaction.
            r[g] = e.result();
            unchanged++;
          }
          if (r[g].length != units.size()) {
            throw new IllegalStateException(r[g].length + " results for " + units.size() + " units of work");
          }
        }
        if (unchanged == r.length) {
          throw new NothingToCommit(r);
        }
        attempted[0] = r;
        return r;
      });
    } catch (NothingToCommit e) {
      results = e.result();
    } catch (NotBegun notBegun) {
      failAll(batch, notBegun.failure());
      return true;
    } catch (CommitOutcomeUnknownException unknown) {
      // The batch may have committed: running it again could make every change twice. A unit refused is known to
      // have changed nothing, and keeps its own error.
      for (int g = 0; g < groups.size(); g++) {
        for (int i = 0; i < groups.get(g).size(); i++) {
          Object r = attempted[0][g][i];
          complete(groups.get(g).get(i), null, r instanceof CombinableWork.Refused refused ? refused.error() : unknown);
        }
      }
      return true;
    } catch (TransientStorageException | Error e) {
      // As for a shared transaction failing as a whole: each unit of work runs again alone, in order.
      runEachAlone(batch);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
    for (int g = 0; g < results.length; g++) {
      for (int i = 0; i < results[g].length; i++) {
        if (results[g][i] instanceof CombinableWork.Refused refused) {
          complete(groups.get(g).get(i), null, refused.error());
        } else {
          complete(groups.get(g).get(i), results[g][i], null);
        }
      }
    }
    return true;
  }

  /**
   * Runs a batch's transaction. One that fails transiently before its work began (no turn at an H2 database within
   * its timeout) is tried again as a whole, with the retries and backoff of a unit alone: its units would otherwise
   * each wait out the same timeout alone, with their retries, one after another, the batch's last caller (and every
   * call queued behind it) waiting for them all.
   *
   * @throws NotBegun if the store failed before the work ran (the database unreachable, or no turn at it after every
   *     retry): each unit alone would fail the same way, after as long a wait (on a pool, its connection timeout)
   */
  private <R> R inBatchTransaction(TransactionWork<R> work) {
    boolean[] began = new boolean[1];
    for (int attempt = 0; ; attempt++) {
      try {
        return storage.inTransaction(tx -> {
          began[0] = true;
          return work.run(tx);
        });
      } catch (StorageException e) {
        if (began[0]) {
          throw e;
        }
        if (!(e instanceof TransientStorageException) || attempt >= maxRetries) {
          throw new NotBegun(e);
        }
        Transactions.backOff(attempt);
      }
    }
  }

  /**
   * Locks the participants the batch's units will lock ({@link LocksParticipants}), tenant after tenant in ascending
   * order, each tenant's in ascending id order ({@code ParticipantPort.lockAll} sorts them).
   */
  private static void lockParticipants(Transaction tx, List<Pending> batch) {
    TreeMap<Long, Set<Long>> byTenant = new TreeMap<>();
    for (Pending pending : batch) {
      pending.work.participants(tx, byTenant.computeIfAbsent(pending.work.tenantId(), tenant -> new HashSet<>()));
    }
    byTenant.forEach((tenantId, ids) -> {
      if (!ids.isEmpty()) {
        tx.participants().lockAll(tenantId, ids);
      }
    });
  }

  /** The units of work of a group of {@link #groups}, all combinable. */
  private static List<CombinableWork<?>> units(List<Pending> group) {
    List<CombinableWork<?>> units = new ArrayList<>(group.size());
    for (Pending pending : group) {
      units.add((CombinableWork<?>) pending.work);
    }
    return units;
  }

  /** Gives every unit of work of the batch {@code failure}. */
  private static void failAll(List<Pending> batch, Throwable failure) {
    for (Pending pending : batch) {
      complete(pending, null, failure);
    }
  }

  /** Runs every unit of work of the batch alone, in order. */
  private void runEachAlone(List<Pending> batch) {
    for (Pending pending : batch) {
      runAlone(pending);
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

  /**
   * A batch's transaction that failed before its work ran, with the store's failure, which every unit of the batch
   * gets. Carries no stack trace: it is control flow.
   */
  private static final class NotBegun extends RuntimeException {
    NotBegun(StorageException failure) {
      super(null, failure, false, false);
    }

    StorageException failure() {
      return (StorageException) getCause();
    }
  }

  /** A queued unit of work and, once run, its outcome. */
  private static final class Pending {
    final LocksParticipants<?> work;
    final Thread caller;
    Object result;
    Throwable failure;
    /** Whether a leader took it from the queue. */
    volatile boolean taken;
    /** Written last by the leader; its volatile write publishes result and failure to the caller. */
    volatile boolean done;

    Pending(LocksParticipants<?> work, Thread caller) {
      this.work = work;
      this.caller = caller;
    }
  }
}
