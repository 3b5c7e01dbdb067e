package io.loyaltyengine.customers;

import java.time.Instant;

/**
 * Which participant of a campaign a host's customer is. A host's customer id is an opaque identifier of the host's
 * own (often a number), but it names a person, so it is treated as personal data: {@link #toString()} hides it.
 * Immutable.
 *
 * @param campaignId the campaign (a participant belongs to one campaign)
 * @param customerId the host's customer id, exactly as given (case-sensitive)
 * @param participantId the participant the customer is
 * @param createdAt when the mapping was made
 */
public record CustomerMapping(long campaignId, String customerId, long participantId, Instant createdAt) {
  @Override
  public String toString() {
    return "CustomerMapping[campaignId=" + campaignId + ", customerId=<hidden>, participantId=" + participantId
        + ", createdAt=" + createdAt + "]";
  }
}
