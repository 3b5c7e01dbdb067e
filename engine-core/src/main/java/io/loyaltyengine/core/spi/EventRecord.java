package io.loyaltyengine.core.spi;

import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import java.time.Instant;

/**
 * An event as stored in the outbox. Immutable.
 *
 * @param eventId the event's id
 * @param tenantId the tenant
 * @param type what happened
 * @param campaignId the campaign, or null
 * @param participantId the participant, or null
 * @param sequence the participant's event number, or 0
 * @param occurredAt when it happened
 * @param schemaVersion version of the payload's shape
 * @param position the change-feed position, or 0 while not yet positioned
 * @param payload JSON object text
 */
public record EventRecord(long eventId, long tenantId, EventType type, Long campaignId, Long participantId,
    long sequence, Instant occurredAt, int schemaVersion, long position, String payload) {

  /** The prefix of public event ids. */
  public static final String ID_PREFIX = "evt_";

  /** The public form. */
  public LoyaltyEvent toEvent() {
    return new LoyaltyEvent(ID_PREFIX + eventId, type, tenantId, campaignId, participantId, sequence, occurredAt,
        schemaVersion, position, payload);
  }

  /** This record with a position. */
  public EventRecord withPosition(long newPosition) {
    return new EventRecord(eventId, tenantId, type, campaignId, participantId, sequence, occurredAt, schemaVersion,
        newPosition, payload);
  }

  @Override
  public String toString() {
    return "EventRecord[" + eventId + ", " + type + ", tenant " + tenantId + ", position " + position + "]";
  }
}
