package io.loyaltyengine.core.event;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.events.EventType;

/**
 * Writes events into the outbox inside the unit of work of the change they describe, so an event exists if and
 * only if its change committed (also inside a host's transaction). A participant's events are numbered under the
 * participant's row lock, so their sequence follows commit order.
 *
 * <p>Thread-safe: stateless.
 */
public final class Outbox {
  /**
   * The payload shape version every current event type writes: 2 since ids became JSON strings (see
   * {@link EventJson}); 1 before, with the same fields and most ids as JSON numbers.
   */
  public static final int SCHEMA_VERSION = 2;

  private Outbox() {
  }

  /**
   * Writes an event about a participant, numbered under its row lock.
   *
   * <p>The participant may have been deleted since the unit of work read it: a change of its counters, actions or
   * referrals found it without a lock, and a deletion committed meanwhile. Numbering the event then finds no row, and
   * the whole unit of work must fail, or its rows would outlive the participant and its events follow
   * {@code participant.deleted}.
   *
   * @throws LoyaltyException NOT_FOUND if the participant no longer exists
   */
  public static void emit(ScopeContext context, Transaction tx, EventType type, long campaignId, long participantId,
      String payload) {
    append(context, tx, type, campaignId, participantId, sequence(context, tx, participantId), payload);
  }

  /**
   * Takes the participant's next event number now, under its row lock (held to the end of the unit of work), for
   * an event {@link #append appended} later: for a change whose payload is known only after it has changed rows that
   * the participant's deletion deletes under that lock (its counters). Taken first, the lock orders the change
   * before or after the deletion; taken for the event after those rows, it would deadlock with it. No statement of its
   * own: the number is taken anyway. No other event of the participant may be written between the two calls.
   *
   * @throws LoyaltyException NOT_FOUND if the participant no longer exists (as {@link #emit})
   */
  public static long sequence(ScopeContext context, Transaction tx, long participantId) {
    long sequence = tx.events().nextSequence(context.tenantId(), participantId);
    if (sequence == 0) {
      throw LoyaltyException.notFound("participant");
    }
    return sequence;
  }

  /** Writes an event about a participant numbered {@code sequence}, a number {@link #sequence} took. */
  public static void append(ScopeContext context, Transaction tx, EventType type, long campaignId,
      long participantId, long sequence, String payload) {
    tx.events().append(event(context, type, campaignId, participantId, sequence, payload));
  }

  /**
   * An event about a participant numbered {@code sequence}, a number the caller took under the participant's row
   * lock (a balance change takes it in its own update: {@code LedgerPort#credit}).
   */
  public static EventRecord event(ScopeContext context, EventType type, long campaignId, long participantId,
      long sequence, String payload) {
    return new EventRecord(context.ids().nextId(), context.tenantId(), type, campaignId, participantId, sequence,
        context.now(), SCHEMA_VERSION, 0, payload);
  }
}
