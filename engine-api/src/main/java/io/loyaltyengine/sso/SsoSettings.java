package io.loyaltyengine.sso;

import static io.loyaltyengine.internal.SettingChecks.between;

import java.time.Duration;

/**
 * How the engine checks single sign-on logins. Immutable; the canonical constructor and the {@link #builder()}'s
 * setters validate at once.
 *
 * <p>Defaults: a login's timestamp may be 5 minutes from the engine's clock either way; after
 * {@link SingleSignOn#rotateSecret()} the previous secret stays valid for 1 hour.
 *
 * @param maxClockSkew how far a login's timestamp may be from the engine's clock, past or future, 1 s..1 h; counted
 *     in whole seconds (a fraction of a second is dropped)
 * @param rotationGrace how long the previous secret stays valid after a rotation, 0..7 days (0: not at all); a
 *     fraction of a microsecond counts as a whole one, since the stores keep microseconds
 */
public record SsoSettings(Duration maxClockSkew, Duration rotationGrace) {
  /** The defaults. */
  public static final SsoSettings DEFAULTS = new SsoSettings(Duration.ofMinutes(5), Duration.ofHours(1));

  /**
   * Validates every setting.
   *
   * @param maxClockSkew how far a login's timestamp may be from the engine's clock, past or future, 1 s..1 h; counted
   *     in whole seconds (a fraction of a second is dropped)
   * @param rotationGrace how long the previous secret stays valid after a rotation, 0..7 days (0: not at all); a
   *     fraction of a microsecond counts as a whole one, since the stores keep microseconds
   * @throws NullPointerException if a setting is null
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public SsoSettings {
    checkMaxClockSkew(maxClockSkew);
    checkRotationGrace(rotationGrace);
  }

  /**
   * A builder starting from {@link #DEFAULTS}.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  private static Duration checkMaxClockSkew(Duration value) {
    return between("maxClockSkew", value, Duration.ofSeconds(1), Duration.ofHours(1));
  }

  private static Duration checkRotationGrace(Duration value) {
    return between("rotationGrace", value, Duration.ZERO, Duration.ofDays(7));
  }

  /**
   * Builds {@link SsoSettings}, starting from {@link #DEFAULTS}; each setter validates at once, and a setter called
   * again replaces the value it set before. Not thread-safe.
   */
  public static final class Builder {
    private Duration maxClockSkew = DEFAULTS.maxClockSkew;
    private Duration rotationGrace = DEFAULTS.rotationGrace;

    private Builder() {
    }

    /**
     * How far a login's timestamp may be from the engine's clock, 1 s..1 h (default 5 min).
     *
     * @param value the most skew
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder maxClockSkew(Duration value) {
      this.maxClockSkew = checkMaxClockSkew(value);
      return this;
    }

    /**
     * How long the previous secret stays valid after a rotation, 0..7 days (default 1 h).
     *
     * @param value the grace
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder rotationGrace(Duration value) {
      this.rotationGrace = checkRotationGrace(value);
      return this;
    }

    /**
     * Returns the settings.
     *
     * @return the settings
     */
    public SsoSettings build() {
      return new SsoSettings(maxClockSkew, rotationGrace);
    }
  }
}
