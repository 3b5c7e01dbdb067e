package io.loyaltyengine.core.spi;

import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import java.time.Instant;
import java.util.Map;

/**
 * A recorded loyalty action, with the counts it produced (so an idempotent retry can answer as the first call did).
 * {@link #toString()} hides the metadata's values, which may be personal data. Immutable.
 *
 * @param actionId the action's id
 * @param tenantId the tenant
 * @param campaignId the campaign
 * @param participantId who acted
 * @param campaignRewardId the reward it counts toward
 * @param source where it came from
 * @param metadata shallow scalar map (validated)
 * @param invitedParticipantId the invited participant of a referral, or null
 * @param idempotencyKey the caller's key, or null
 * @param participantCreated whether the action enrolled the participant
 * @param counts the participant's counts right after the action
 * @param recordedAt when
 */
public record ActionRecord(long actionId, long tenantId, long campaignId, long participantId, long campaignRewardId,
    ActionSource source, Map<String, Object> metadata, Long invitedParticipantId, String idempotencyKey,
    boolean participantCreated, ActionCounts counts, Instant recordedAt) {
  /** Copies the metadata. */
  public ActionRecord {
    metadata = Map.copyOf(metadata);
  }

  @Override
  public String toString() {
    return "ActionRecord[actionId=" + actionId + ", tenantId=" + tenantId + ", campaignId=" + campaignId
        + ", participantId=" + participantId + ", campaignRewardId=" + campaignRewardId + ", source=" + source
        + ", metadata=" + metadata.size() + " entries hidden, invitedParticipantId=" + invitedParticipantId
        + ", idempotencyKey=" + idempotencyKey + ", participantCreated=" + participantCreated + ", counts=" + counts
        + ", recordedAt=" + recordedAt + "]";
  }
}
