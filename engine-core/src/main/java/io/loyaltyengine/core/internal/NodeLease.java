package io.loyaltyengine.core.internal;

import io.loyaltyengine.IdGenerator;
import io.loyaltyengine.core.spi.NodePort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The lease on the node number that this engine's default id generator puts in every id, and the engine's id
 * generator on that number. Engine instances sharing a database lease distinct numbers there ({@link NodePort}), so
 * that their ids never collide; without it, two of them would pick the same random number with a chance of 1 in
 * 1,024 per pair.
 *
 * <h2>Lifecycle</h2>
 * Claimed when the engine is built, for {@link #TERM}. Renewed ({@link #renewIfDue}: a clock reading and a volatile
 * read when not due) once {@link #RENEW_AFTER} has passed since the last renewal, before any of the engine's units of
 * work, on the caller's thread (the event dispatcher's rounds are units of work too, so an idle engine keeps its
 * number), and before an id when the lease nears its end ({@link #nextId}: ids made before their unit of work
 * starts).
 * A renewal the storage failed is tried again {@link #RETRY_AFTER} later, within the rest of the term. Released
 * when the engine closes. Every time comes from the engine's clock.
 *
 * <h2>A lost lease</h2>
 * An instance that made no renewal for a whole term (idle that long, or paused) may find its number taken by
 * another instance: once no number is left that
 * was never leased, a claim takes the one whose lease ended longest ago, released or run out alike
 * ({@link NodePort}). Its next unit of work renews first: the renewal finds the number taken, claims a new one and
 * switches the generator to it before the work makes an id. Only a unit of work already under way when the term ran
 * out (a pause in its middle), or one that started while the storage refused the renewal, can make an id with the
 * lost number, which may then collide with the other instance's (a write fails on its primary key).
 *
 * <h2>No wait inside a unit of work</h2>
 * A renewal is a transaction of its own, and a store may run the engine's transactions one at a time (H2, the
 * in-memory store): a thread renewing waits for the turn of a unit of work in progress. So an id made inside one of
 * the engine's units of work never waits for another thread's renewal, which may be waiting for that very unit of
 * work: when another thread is renewing, the id carries the number held, as any id of a unit of work under way may.
 * It renews itself only when no other thread is renewing.
 *
 * <p>Thread-safe: renewals and the release take turns on a lock; the check whether a renewal is due does not.
 */
final class NodeLease implements IdGenerator {
  /** How long a lease lasts without renewal. */
  static final Duration TERM = Duration.ofMinutes(10);
  /** How long after a renewal the next one is due. */
  static final Duration RENEW_AFTER = TERM.dividedBy(5);
  /** How long after a renewal the storage failed the next try is due. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(10);
  /**
   * How long before the lease runs out an id waits for a renewal ({@link #nextId}): a margin for the clocks
   * of the instances, which decide when another may take the number.
   */
  static final Duration AT_RISK_BEFORE_END = Duration.ofMinutes(1);

  private static final System.Logger LOG = System.getLogger(NodeLease.class.getName());

  private final Transactions transactions;
  private final Clock clock;
  private final String holder;
  private final TimeOrderedIdGenerator ids;
  /** Whether the calling thread is inside one of the engine's units of work (see the class comment). */
  private final BooleanSupplier insideUnitOfWork;
  /** Held while renewing or releasing; guards {@link #renewAt}. */
  private final ReentrantLock renewal = new ReentrantLock();
  private Instant renewAt;
  /** {@link #renewAt} in epoch millis, for the check of every unit of work without the lock. */
  private volatile long renewAtMillis;
  /** From when an id risks carrying a number another instance may take: the lease's end less a margin. */
  private volatile long atRiskMillis;
  /** Set by {@link #release} (under the lock) or {@link #abandon} (without it); renewals then do nothing. */
  private volatile boolean released;

  private NodeLease(Transactions transactions, Clock clock, String holder, TimeOrderedIdGenerator ids,
      BooleanSupplier insideUnitOfWork, Instant leased) {
    this.transactions = transactions;
    this.clock = clock;
    this.holder = holder;
    this.ids = ids;
    this.insideUnitOfWork = insideUnitOfWork;
    held(leased);
  }

  /**
   * Leases a node number for a new engine.
   *
   * @param transactions units of work on the engine's storage, usable until the lease is released
   * @param clock the engine's clock
   * @param insideUnitOfWork whether the calling thread is inside one of the engine's units of work
   * @return the lease, which puts the number in the ids it makes
   * @throws IllegalStateException if every node number is leased by a running instance
   * @throws io.loyaltyengine.LoyaltyException STORAGE_UNAVAILABLE if the storage failed
   */
  static NodeLease claim(Transactions transactions, Clock clock, BooleanSupplier insideUnitOfWork) {
    String holder = "engine-" + UUID.randomUUID();
    Instant now = now(clock);
    Instant until = now.plus(TERM);
    OptionalInt node = transactions.run(tx -> tx.nodes().claim(holder, now, until));
    if (node.isEmpty()) {
      throw new IllegalStateException("all " + NodePort.NODES + " node numbers are leased by running engine"
          + " instances on this database, so this one cannot make ids that are sure to be unique: close instances"
          + " not needed, or set LoyaltyEngine.Builder.idGenerator");
    }
    return new NodeLease(transactions, clock, holder, new TimeOrderedIdGenerator(clock, node.getAsInt(), now),
        insideUnitOfWork, now);
  }

  /**
   * Renews the lease if it is due. If another instance took the number meanwhile, claims a new one and switches the
   * generator to it. Never throws: when the storage fails, the number is kept (its lease has time left) and a call
   * {@link #RETRY_AFTER} later tries again.
   */
  void renewIfDue() {
    if (clock.millis() < renewAtMillis) {
      return;
    }
    renewal.lock();
    try {
      renewNow();
    } finally {
      renewal.unlock();
    }
  }

  /**
   * An id on the leased number. The lease is renewed first if it is about to run out or has run out, so that the id
   * cannot carry a number another instance took: for an id made outside a unit of work (whose renewal comes only at
   * its start), after the engine made none for nearly a term. Inside one of the engine's units of work, only if no
   * other thread is renewing: that renewal may be waiting for this unit of work's turn at the store, so the id then
   * carries the number held (see the class comment). Otherwise a clock reading and a volatile read: a due renewal is
   * left to the next unit of work, since an id may be made inside one, holding a connection a renewal would wait
   * for.
   */
  @Override
  public long nextId() {
    if (clock.millis() >= atRiskMillis) {
      if (!insideUnitOfWork.getAsBoolean()) {
        renewal.lock();
      } else if (!renewal.tryLock()) {
        return ids.nextId();
      }
      try {
        renewNow();
      } finally {
        renewal.unlock();
      }
    }
    return ids.nextId();
  }

  /** Renews the lease unless released or renewed meanwhile; the caller holds {@link #renewal}. */
  private void renewNow() {
    if (released) {
      return;
    }
    Instant now = now(clock);
    if (now.isBefore(renewAt)) {
      return; // renewed by another thread meanwhile
    }
    Instant until = now.plus(TERM);
    int node = ids.node();
    try {
      if (transactions.run(tx -> tx.nodes().renew(node, holder, until))) {
        held(now);
        return;
      }
      OptionalInt next = transactions.run(tx -> tx.nodes().claim(holder, now, until));
      if (next.isEmpty()) {
        renewAt(now.plus(RETRY_AFTER));
        LOG.log(System.Logger.Level.WARNING, "node number " + node + " was leased by another engine instance after"
            + " this one's lease ran out, and no other number is free; ids keep it until a renewal finds one");
        return;
      }
      ids.switchNode(next.getAsInt(), now);
      held(now);
      LOG.log(System.Logger.Level.WARNING, "node number " + node + " was leased by another engine instance after"
          + " this one's lease ran out (not renewed for " + TERM + "); ids carry node number " + next.getAsInt()
          + " from now on");
    } catch (RuntimeException e) {
      // Not at once again: every unit of work would wait for a storage that is down. Only the exception's type in
      // the log: its message may carry the storage's details.
      renewAt(now.plus(RETRY_AFTER));
      LOG.log(System.Logger.Level.WARNING, "renewing the lease on node number " + node + " failed, the number is"
          + " kept: " + e.getClass().getName());
    }
  }

  /**
   * Frees the number for other instances, from a time after every id made with it (an instance that takes it over
   * makes later ids, even if its clock is behind this one's); later renewals do nothing. Idempotent. Never throws: a
   * lease not released runs out by itself.
   */
  void release() {
    renewal.lock();
    try {
      if (released) {
        return;
      }
      released = true;
      int node = ids.node();
      Instant now = now(clock);
      Instant afterLastId = ids.afterLastId();
      Instant at = afterLastId.isAfter(now) ? afterLastId : now;
      try {
        transactions.run(tx -> tx.nodes().release(node, holder, at));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "releasing node number " + node + " failed; it is free again when its"
            + " lease runs out: " + e.getClass().getName());
      }
    } finally {
      renewal.unlock();
    }
  }

  /**
   * Stops renewing without releasing the number, which stays leased until its lease runs out (at most {@link #TERM}):
   * for a close that leaves units of work in progress, which may still make ids with it. Does not wait for a renewal
   * in progress, which may be waiting for their turn at the store. Never throws.
   */
  void abandon() {
    released = true;
  }

  /** The number is held from {@code now} for a term. */
  private void held(Instant now) {
    renewAt(now.plus(RENEW_AFTER));
    atRiskMillis = now.plus(TERM).minus(AT_RISK_BEFORE_END).toEpochMilli();
  }

  private void renewAt(Instant at) {
    renewAt = at;
    renewAtMillis = at.toEpochMilli();
  }

  private static Instant now(Clock clock) {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @Override
  public String toString() {
    return "NodeLease[node=" + ids.node() + "]";
  }
}
