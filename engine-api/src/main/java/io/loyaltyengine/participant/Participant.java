package io.loyaltyengine.participant;

import io.loyaltyengine.fraud.RiskLevel;
import java.time.Instant;
import java.util.Map;

/**
 * A participant (advocate) of a campaign, as stored. {@link #toString()} hides personal data (emails, names, IP
 * address, metadata). Immutable.
 *
 * @param id the participant's id, unique in the tenant
 * @param tenantId the owning tenant
 * @param campaignId the campaign
 * @param email the email as given (trimmed)
 * @param sanitizedEmail the form uniqueness is decided on (see {@link Participants})
 * @param firstName first name, or {@code null}
 * @param lastName last name, or {@code null}
 * @param ipAddress IP address the participant signed up from, or {@code null}
 * @param tier tier name, or {@code null}
 * @param metadata shallow map of scalar values (String, Long, Double, Boolean); unmodifiable
 * @param pointsBalance points available to spend, never negative
 * @param lifetimePoints all points ever awarded, never reduced by deductions
 * @param createdAt when the participant was created
 * @param updatedAt when the profile (not the balance) last changed
 * @param riskLevel the fraud-screening level of the referral that brought the participant in, or {@code null} if
 *     never screened (see {@link io.loyaltyengine.referrals.Referrals})
 * @param riskReason the screening's reason code, or {@code null} if never screened
 */
public record Participant(long id, long tenantId, long campaignId, String email, String sanitizedEmail,
    String firstName, String lastName, String ipAddress, String tier, Map<String, Object> metadata,
    long pointsBalance, long lifetimePoints, Instant createdAt, Instant updatedAt, RiskLevel riskLevel,
    String riskReason) {

  /**
   * Copies {@code metadata} into an unmodifiable map.
   *
   * @param id the participant's id, unique in the tenant
   * @param tenantId the owning tenant
   * @param campaignId the campaign
   * @param email the email as given (trimmed)
   * @param sanitizedEmail the form uniqueness is decided on (see {@link Participants})
   * @param firstName first name, or {@code null}
   * @param lastName last name, or {@code null}
   * @param ipAddress IP address the participant signed up from, or {@code null}
   * @param tier tier name, or {@code null}
   * @param metadata shallow map of scalar values (String, Long, Double, Boolean); unmodifiable
   * @param pointsBalance points available to spend, never negative
   * @param lifetimePoints all points ever awarded, never reduced by deductions
   * @param createdAt when the participant was created
   * @param updatedAt when the profile (not the balance) last changed
   * @param riskLevel the fraud-screening level of the referral that brought the participant in, or {@code null} if
   *     never screened (see {@link io.loyaltyengine.referrals.Referrals})
   * @param riskReason the screening's reason code, or {@code null} if never screened
   */
  public Participant {
    metadata = Map.copyOf(metadata);
  }

  @Override
  public String toString() {
    return "Participant[id=" + id + ", tenantId=" + tenantId + ", campaignId=" + campaignId
        + ", <personal data hidden>, tier=" + tier + ", pointsBalance=" + pointsBalance + ", lifetimePoints="
        + lifetimePoints + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt + ", riskLevel=" + riskLevel
        + ", riskReason=" + riskReason + "]";
  }
}
