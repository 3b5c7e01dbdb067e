package io.loyaltyengine.referrals;

import io.loyaltyengine.fraud.RiskLevel;
import java.time.Instant;

/**
 * A recorded referral: who referred whom, with what code, and how it was screened. Immutable. A participant has at
 * most one, never overwritten; it is deleted with either participant (see {@link Referrals} on chains).
 *
 * @param tenantId the tenant
 * @param campaignId the campaign
 * @param invitedId the invited participant
 * @param referrerId the referring participant
 * @param codeKind the kind of code used
 * @param riskLevel the screening's level (also on the invited participant)
 * @param riskReason the screening's reason code ({@link io.loyaltyengine.fraud.RiskSignal#NO_SIGNAL} when LOW)
 * @param status whether it counted
 * @param createdAt when it was recorded
 */
public record Referral(long tenantId, long campaignId, long invitedId, long referrerId, CodeKind codeKind,
    RiskLevel riskLevel, String riskReason, ReferralStatus status, Instant createdAt) {
}
