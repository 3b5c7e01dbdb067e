package io.loyaltyengine.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The bound checks of the settings classes, so that a setting out of its bounds is refused the same way wherever it
 * is set: {@code "<setting> must be between <min> and <max> but was <value>"}, naming the setting and the bound as
 * HikariCP does. Not API (see the package). Thread-safe: stateless.
 */
public final class SettingChecks {
  private SettingChecks() {
  }

  /**
   * Checks a duration setting.
   *
   * @param setting the setting's name, for the message
   * @param value the value given
   * @param min the least value allowed
   * @param max the greatest value allowed
   * @return {@code value}
   * @throws NullPointerException naming the setting, if {@code value} is null
   * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
   */
  public static Duration between(String setting, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, setting);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(setting + " must be between " + min + " and " + max + " but was " + value);
    }
    return value;
  }

  /**
   * Checks a numeric setting.
   *
   * @param setting the setting's name, for the message
   * @param value the value given
   * @param min the least value allowed
   * @param max the greatest value allowed
   * @return {@code value}
   * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
   */
  public static long between(String setting, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(setting + " must be between " + min + " and " + max + " but was " + value);
    }
    return value;
  }
}
