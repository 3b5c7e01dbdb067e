package io.loyaltyengine.rewards;

import io.loyaltyengine.participant.ParticipantRef;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loyalty action to record: a participant did something that counts toward a campaign reward.
 *
 * <p>By email, the participant is enrolled in the reward's campaign if absent, unless
 * {@code addParticipantIfNoneExists} is false (then an unknown email is NOT_FOUND). With an idempotency key, a retry
 * returns the first result (its unlocked rewards as they are now) and records nothing new; the key reused for another
 * participant, reward, source or invited participant is a CONFLICT (see {@link Rewards#recordAction}).
 * {@code invited} names the invited participant of a referral (source REFERRAL) for two-way rewards.
 *
 * <p>Immutable; the canonical constructor copies {@code metadata}. {@link #toString()} hides the metadata's values,
 * which may be personal data, and the email of a participant named by email.
 *
 * @param participant who acted
 * @param campaignRewardId the reward the action counts toward
 * @param source where it came from
 * @param metadata shallow scalar map kept with the action (same rules as participant metadata), or null
 * @param addParticipantIfNoneExists whether an unknown email enrols the participant (default true)
 * @param invited the invited participant of a referral, or null
 * @param idempotencyKey the caller's key, or null
 */
public record LoyaltyAction(ParticipantRef participant, long campaignRewardId, ActionSource source,
    Map<String, Object> metadata, boolean addParticipantIfNoneExists, ParticipantRef invited, String idempotencyKey) {

  /**
   * Copies {@code metadata} into an unmodifiable map; its entries are validated by the engine, not here.
   *
   * @param participant who acted
   * @param campaignRewardId the reward the action counts toward
   * @param source where it came from
   * @param metadata shallow scalar map kept with the action (same rules as participant metadata), or null
   * @param addParticipantIfNoneExists whether an unknown email enrols the participant (default true)
   * @param invited the invited participant of a referral, or null
   * @param idempotencyKey the caller's key, or null
   */
  public LoyaltyAction {
    metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  @Override
  public String toString() {
    return "LoyaltyAction[participant=" + participant + ", campaignRewardId=" + campaignRewardId + ", source="
        + source + ", metadata=" + (metadata == null ? "none" : metadata.size() + " entries hidden")
        + ", addParticipantIfNoneExists=" + addParticipantIfNoneExists + ", invited=" + invited + ", idempotencyKey="
        + idempotencyKey + "]";
  }

  /**
   * A direct action toward a reward.
   *
   * @param participant who acts
   * @param campaignRewardId the reward acted toward
   * @return the action
   */
  public static LoyaltyAction of(ParticipantRef participant, long campaignRewardId) {
    return new LoyaltyAction(participant, campaignRewardId, ActionSource.DIRECT, null, true, null, null);
  }

  /**
   * This action from another source.
   *
   * @param source where the action came from
   * @return a new action
   */
  public LoyaltyAction withSource(ActionSource source) {
    return new LoyaltyAction(participant, campaignRewardId, source, metadata, addParticipantIfNoneExists, invited,
        idempotencyKey);
  }

  /**
   * This action with metadata.
   *
   * @param metadata the action's metadata
   * @return a new action
   */
  public LoyaltyAction withMetadata(Map<String, Object> metadata) {
    return new LoyaltyAction(participant, campaignRewardId, source, metadata, addParticipantIfNoneExists, invited,
        idempotencyKey);
  }

  /**
   * This action, failing with NOT_FOUND instead of enrolling an unknown email.
   *
   * @return a new action
   */
  public LoyaltyAction withoutEnrolment() {
    return new LoyaltyAction(participant, campaignRewardId, source, metadata, false, invited, idempotencyKey);
  }

  /**
   * This action as a referral that counts, naming the invited participant (two-way rewards).
   *
   * @param invitedParticipant the invited participant
   * @return a new action
   */
  public LoyaltyAction referring(ParticipantRef invitedParticipant) {
    return new LoyaltyAction(participant, campaignRewardId, ActionSource.REFERRAL, metadata,
        addParticipantIfNoneExists, invitedParticipant, idempotencyKey);
  }

  /**
   * This action with an idempotency key.
   *
   * @param key the caller's key
   * @return a new action
   */
  public LoyaltyAction withIdempotencyKey(String key) {
    return new LoyaltyAction(participant, campaignRewardId, source, metadata, addParticipantIfNoneExists, invited,
        key);
  }
}
