package io.loyaltyengine.fraud;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a rule found about a referral: a level and a stable reason code. Immutable. A {@link RiskRule} that finds
 * nothing returns no signal; a LOW signal from one is ignored the same way, so a LOW referral's reason is always
 * {@link #NO_SIGNAL}.
 *
 * @param level how risky
 * @param reason a reason code of 1..64 characters {@code A-Z 0-9 _} (for example {@code SELF_REFERRAL_IP}); it is
 *     kept on the participant and carried by events, so it must not contain personal data
 */
public record RiskSignal(RiskLevel level, String reason) {
  private static final Pattern REASON = Pattern.compile("[A-Z0-9_]{1,64}");

  /** The reason of a referral no rule raised a signal about. */
  public static final String NO_SIGNAL = "NO_SIGNAL";

  /**
   * Validates.
   *
   * @param level how risky
   * @param reason a reason code of 1..64 characters {@code A-Z 0-9 _} (for example {@code SELF_REFERRAL_IP}); it is
   *     kept on the participant and carried by events, so it must not contain personal data
   * @throws IllegalArgumentException if the reason is not a reason code
   */
  public RiskSignal {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(reason, "reason");
    if (!REASON.matcher(reason).matches()) {
      throw new IllegalArgumentException("reason must be 1..64 characters A-Z 0-9 _");
    }
  }

  /**
   * A signal of {@code level} for {@code reason}.
   *
   * @param level how risky
   * @param reason a reason code of 1..64 characters {@code A-Z 0-9 _}
   * @return the signal
   */
  public static RiskSignal of(RiskLevel level, String reason) {
    return new RiskSignal(level, reason);
  }
}
