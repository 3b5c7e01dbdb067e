package io.loyaltyengine.referrals;

/**
 * What a referral code names. Immutable.
 *
 * @param kind which form the code had
 * @param campaignId the campaign
 * @param socialType the channel it was shared on ({@code direct} for signed and short codes)
 * @param participantId the referring participant
 * @param invitedId the invited participant a legacy code may carry (never {@code participantId}: a code naming the
 *     participant as its own invitee is refused), or null
 */
public record DecodedCode(CodeKind kind, long campaignId, String socialType, long participantId, Long invitedId) {
}
