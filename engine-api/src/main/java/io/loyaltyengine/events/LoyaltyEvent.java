package io.loyaltyengine.events;

import java.time.Instant;

/**
 * One event: something that changed in the engine, written in the same transaction as the change, so it exists if
 * and only if the change committed. Immutable.
 *
 * <p>Delivery is at least once: a consumer may see an event more than once and must deduplicate on {@link #id()}.
 * Events of one participant arrive in {@link #sequence()} order.
 *
 * <p>Ids in the payload, and in a webhook's envelope, are JSON strings of their decimal digits (schema version 2):
 * ids are 64-bit and above 2^53, so a JSON number would lose digits in JavaScript and in any reader that takes
 * numbers as doubles. Events written by an engine before version 2 keep version 1, whose references to other
 * objects (participant, campaign, tenant, ...) are JSON numbers.
 *
 * @param id the stable unique id, for example {@code evt_7421903766441984}; the same on every delivery attempt
 * @param type what happened
 * @param tenantId the tenant
 * @param campaignId the campaign, or {@code null} for events outside one
 * @param participantId the participant, or {@code null} for events about no participant
 * @param sequence the event's number among its participant's events (1, 2, 3, ...), or 0 without a participant
 * @param occurredAt when the change happened (the engine's clock)
 * @param schemaVersion the version of the payload's shape for this type: 2 for events written now (every id a
 *     string), 1 for events an earlier engine wrote (references as numbers)
 * @param position the event's position in its tenant's change feed; positions only grow, close to commit order but
 *     not the same (see {@link ChangeFeed})
 * @param payload a JSON object with what a consumer needs without calling back (see {@link EventType})
 */
public record LoyaltyEvent(String id, EventType type, long tenantId, Long campaignId, Long participantId,
    long sequence, Instant occurredAt, int schemaVersion, long position, String payload) {

  @Override
  public String toString() {
    // The payload may hold personal data: keep it out of log lines.
    return "LoyaltyEvent[id=" + id + ", type=" + type.wireName() + ", tenantId=" + tenantId + ", participantId="
        + participantId + ", sequence=" + sequence + ", position=" + position + "]";
  }
}
