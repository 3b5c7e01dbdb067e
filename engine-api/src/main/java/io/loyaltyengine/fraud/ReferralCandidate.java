package io.loyaltyengine.fraud;

import io.loyaltyengine.participant.Participant;

/**
 * What a {@link RiskRule} sees of a referral about to be recorded. Immutable. {@link #toString()} hides personal
 * data.
 *
 * @param tenantId the tenant
 * @param campaignId the campaign
 * @param referrer the referring participant
 * @param invited the invited participant (just enrolled unless {@code invitedExisted})
 * @param invitedExisted whether the invited participant was enrolled before this signup
 * @param ipAddress the IP address the signup came from, or null
 * @param visitorId the host's visitor id of the signup, or null
 * @param customerId the host's customer id of the invited person, or null
 */
public record ReferralCandidate(long tenantId, long campaignId, Participant referrer, Participant invited,
    boolean invitedExisted, String ipAddress, String visitorId, String customerId) {

  @Override
  public String toString() {
    // A host may build one without its participants (a unit test of its own RiskRule): printing it must not throw.
    return "ReferralCandidate[tenant " + tenantId + ", campaign " + campaignId + ", referrer "
        + (referrer == null ? null : referrer.id()) + ", invited " + (invited == null ? null : invited.id())
        + ", <personal data hidden>]";
  }
}
