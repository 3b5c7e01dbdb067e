package io.loyaltyengine.core.event;

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
  /** The payload shape version every current event type writes. */
  public static final int SCHEMA_VERSION = 1;

  private Outbox() {
  }

  /** Writes an event about a participant. */
  public static void emit(ScopeContext context, Transaction tx, EventType type, long campaignId, long participantId,
      String payload) {
    tx.events().append(event(context, tx, type, campaignId, participantId, payload));
  }

  /**
   * Numbers an event about a participant (under its row lock) without writing it, for a caller that writes a batch
   * of events later in the same unit of work.
   */
  public static EventRecord event(ScopeContext context, Transaction tx, EventType type, long campaignId,
      long participantId, String payload) {
    long tenantId = context.tenantId();
    long sequence = tx.events().nextSequence(tenantId, participantId);
    return new EventRecord(context.ids().nextId(), tenantId, type, campaignId, participantId, sequence,
        context.now(), SCHEMA_VERSION, 0, payload);
  }
}
