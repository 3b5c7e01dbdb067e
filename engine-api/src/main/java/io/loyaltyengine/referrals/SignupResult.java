package io.loyaltyengine.referrals;

import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.rewards.EarnedReward;
import java.util.List;

/**
 * The outcome of a signup. Immutable.
 *
 * @param participant the invited participant, as after the signup (with its risk level when referred now)
 * @param created whether the signup enrolled them (false: they were enrolled before)
 * @param outcome what happened to the referral code
 * @param referral the referral recorded now, or the existing one for ALREADY_REFERRED; else null
 * @param unlocked rewards the counted referral unlocked (the referrer's, and the invited participant's two-way ones)
 */
public record SignupResult(Participant participant, boolean created, ReferralOutcome outcome, Referral referral,
    List<EarnedReward> unlocked) {
  /**
   * Copies {@code unlocked}.
   *
   * @param participant the invited participant, as after the signup (with its risk level when referred now)
   * @param created whether the signup enrolled them (false: they were enrolled before)
   * @param outcome what happened to the referral code
   * @param referral the referral recorded now, or the existing one for ALREADY_REFERRED; else null
   * @param unlocked rewards the counted referral unlocked (the referrer's, and the invited participant's two-way ones)
   */
  public SignupResult {
    unlocked = List.copyOf(unlocked);
  }
}
