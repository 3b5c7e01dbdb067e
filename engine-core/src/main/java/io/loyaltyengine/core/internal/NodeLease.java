package io.loyaltyengine.core.internal;

import io.loyaltyengine.core.spi.NodePort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The lease on the node number that this engine's default id generator puts in every id. Engine instances sharing a
 * database lease distinct numbers there ({@link NodePort}), so that their ids never collide; without it, two of
 * them would pick the same random number with a chance of 1 in 1,024 per pair.
 *
 * <h2>Lifecycle</h2>
 * Claimed when the engine is built, for {@link #TERM}. Renewed by the event dispatcher's rounds
 * ({@link #renewIfDue}, a clock reading when not due) once {@link #RENEW_AFTER} has passed since the last renewal,
 * which leaves the rest of the term to retry a renewal the storage failed. Released when the engine closes. Every
 * time comes from the engine's clock.
 *
 * <h2>A lost lease</h2>
 * An instance that missed its renewals for a whole term (a pause that long; with manual dispatch, no
 * {@code dispatch()} call for that long) may find its number taken by another instance: once no number is left that
 * was never leased, a claim takes the one whose lease ended longest ago, released or run out alike
 * ({@link NodePort}). The renewal then claims a new number and switches the generator to it. Ids made
 * before may collide with the other instance's (a write then fails on its primary key); ids made after cannot.
 *
 * <p>Thread-safe: synchronized (renewals come from the dispatcher's thread, or from a host calling dispatch()).
 */
final class NodeLease {
  /** How long a lease lasts without renewal. */
  static final Duration TERM = Duration.ofMinutes(10);
  /** How long after a renewal the next one is due. */
  static final Duration RENEW_AFTER = TERM.dividedBy(5);

  private static final System.Logger LOG = System.getLogger(NodeLease.class.getName());

  private final Transactions transactions;
  private final Clock clock;
  private final String holder;
  private final TimeOrderedIdGenerator ids;
  private Instant renewAt;
  private boolean released;

  private NodeLease(Transactions transactions, Clock clock, String holder, TimeOrderedIdGenerator ids,
      Instant renewAt) {
    this.transactions = transactions;
    this.clock = clock;
    this.holder = holder;
    this.ids = ids;
    this.renewAt = renewAt;
  }

  /**
   * Leases a node number for a new engine.
   *
   * @param transactions units of work on the engine's storage, usable until the lease is released
   * @param clock the engine's clock
   * @return the lease, whose generator puts the number in its ids
   * @throws IllegalStateException if every node number is leased by a running instance
   * @throws io.loyaltyengine.LoyaltyException STORAGE_UNAVAILABLE if the storage failed
   */
  static NodeLease claim(Transactions transactions, Clock clock) {
    String holder = "engine-" + UUID.randomUUID();
    Instant now = now(clock);
    Instant until = now.plus(TERM);
    OptionalInt node = transactions.run(tx -> tx.nodes().claim(holder, now, until));
    if (node.isEmpty()) {
      throw new IllegalStateException("all " + NodePort.NODES + " node numbers are leased by running engine"
          + " instances on this database, so this one cannot make ids that are sure to be unique: close instances"
          + " not needed, or set LoyaltyEngine.Builder.idGenerator");
    }
    return new NodeLease(transactions, clock, holder, new TimeOrderedIdGenerator(clock, node.getAsInt()),
        now.plus(RENEW_AFTER));
  }

  /** The generator that puts the leased number in its ids. */
  TimeOrderedIdGenerator ids() {
    return ids;
  }

  /**
   * Renews the lease if it is due. If another instance took the number meanwhile, claims a new one and switches the
   * generator to it. Never throws: when the storage fails, the number is kept (its lease has time left) and the next
   * call tries again.
   */
  synchronized void renewIfDue() {
    if (released) {
      return;
    }
    Instant now = now(clock);
    if (now.isBefore(renewAt)) {
      return;
    }
    Instant until = now.plus(TERM);
    int node = ids.node();
    try {
      if (transactions.run(tx -> tx.nodes().renew(node, holder, until))) {
        renewAt = now.plus(RENEW_AFTER);
        return;
      }
      OptionalInt next = transactions.run(tx -> tx.nodes().claim(holder, now, until));
      if (next.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "node number " + node + " was leased by another engine instance after"
            + " this one's lease ran out, and no other number is free; ids keep it until a renewal finds one");
        return;
      }
      ids.switchNode(next.getAsInt());
      renewAt = now.plus(RENEW_AFTER);
      LOG.log(System.Logger.Level.WARNING, "node number " + node + " was leased by another engine instance after"
          + " this one's lease ran out (not renewed for " + TERM + "); ids carry node number " + next.getAsInt()
          + " from now on");
    } catch (RuntimeException e) {
      // Only the exception's type: the storage may be down for a while, and the next round tries again.
      LOG.log(System.Logger.Level.WARNING, "renewing the lease on node number " + node + " failed, the number is"
          + " kept: " + e.getClass().getName());
    }
  }

  /**
   * Frees the number for other instances, from a time after every id made with it (an instance that takes it over
   * makes later ids, even if its clock is behind this one's); later renewals do nothing. Idempotent. Never throws: a
   * lease not released runs out by itself.
   */
  synchronized void release() {
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
  }

  private static Instant now(Clock clock) {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @Override
  public String toString() {
    return "NodeLease[node=" + ids.node() + "]";
  }
}
