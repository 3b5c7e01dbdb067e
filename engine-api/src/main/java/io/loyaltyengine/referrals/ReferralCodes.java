package io.loyaltyengine.referrals;

/**
 * A participant's referral codes, one of each kind. {@link #toString()} hides the codes, which name the participant.
 * Immutable.
 *
 * @param participantId whose codes
 * @param legacy the legacy form (social type {@code direct}), for links the hosted products used to hand out
 * @param signed the tamper-evident form, the one to hand out
 * @param shortCode the short human-friendly form
 */
public record ReferralCodes(long participantId, String legacy, String signed, String shortCode) {
  @Override
  public String toString() {
    return "ReferralCodes[participantId=" + participantId + ", <codes hidden>]";
  }
}
