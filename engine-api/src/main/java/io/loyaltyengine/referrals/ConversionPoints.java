package io.loyaltyengine.referrals;

import io.loyaltyengine.LoyaltyException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Points a tracked conversion awards its referrer. Immutable.
 *
 * <p>Rounding: {@link Mode#PER_UNIT} awards {@code floor(orderValue x perUnit)} whole points (a part of a point is
 * never awarded, so a refund never takes back more than was given). An order value of 0 awards nothing.
 *
 * @param mode which rule
 * @param fixedPoints for FIXED: points per conversion, at least 1 (and at most the engine's largest points operation,
 *     which {@link Referrals#configure} checks); else 0
 * @param perUnit for PER_UNIT: points per currency unit, positive with at most 4 decimals (trailing zeros do not
 *     count) and at most 10,000; else null
 */
public record ConversionPoints(Mode mode, long fixedPoints, BigDecimal perUnit) {
  /** The rules. Immutable. */
  public enum Mode {
    /** Conversions award no points. */
    NONE,
    /** A fixed number of points per conversion, whatever the order value. */
    FIXED,
    /** Points per currency unit of the order value, rounded down to whole points. */
    PER_UNIT
  }

  /** No points. */
  public static final ConversionPoints NONE = new ConversionPoints(Mode.NONE, 0, null);

  private static final BigDecimal MAX_PER_UNIT = BigDecimal.valueOf(10_000);
  private static final BigDecimal MAX_POINTS = BigDecimal.valueOf(Long.MAX_VALUE);
  /** Below this, an order earns less than a point at the largest perUnit (10,000). */
  private static final BigDecimal EARNS_NOTHING_BELOW = new BigDecimal("1E-8");
  /** Above this, an order earns more than {@code Long.MAX_VALUE} points at the smallest perUnit (0.0001). */
  private static final BigDecimal OVERFLOWS_ABOVE = MAX_POINTS.scaleByPowerOfTen(4);

  /**
   * Validates at once, so that a rule built from a host's input is refused with a typed error, as the engine's own
   * validation refuses it.
   *
   * @param mode which rule
   * @param fixedPoints for FIXED: points per conversion, at least 1; else 0
   * @param perUnit for PER_UNIT: points per currency unit, positive with at most 4 decimals and at most 10,000; else
   *     null
   * @throws LoyaltyException VALIDATION_ERROR naming {@code conversionPoints.mode} (null),
   *     {@code conversionPoints.fixedPoints} or {@code conversionPoints.perUnit}, with the bounds
   */
  public ConversionPoints {
    if (mode == null) {
      throw LoyaltyException.validation("conversionPoints.mode", "mode is required");
    }
    switch (mode) {
      case NONE -> {
        if (fixedPoints != 0 || perUnit != null) {
          throw LoyaltyException.validation(fixedPoints != 0 ? "conversionPoints.fixedPoints"
              : "conversionPoints.perUnit", "NONE takes neither fixedPoints nor perUnit");
        }
      }
      case FIXED -> {
        if (fixedPoints < 1 || perUnit != null) {
          throw LoyaltyException.validation(fixedPoints < 1 ? "conversionPoints.fixedPoints"
              : "conversionPoints.perUnit", "fixedPoints must be at least 1, and perUnit null");
        }
      }
      case PER_UNIT -> {
        if (fixedPoints != 0) {
          throw LoyaltyException.validation("conversionPoints.fixedPoints", "PER_UNIT takes no fixedPoints");
        }
        // Trailing zeros are not decimals (1.50000 is 1.5), as for an order value: bounds first, so that stripping
        // never works on a value of absurd scale.
        if (perUnit == null || perUnit.signum() <= 0 || perUnit.compareTo(MAX_PER_UNIT) > 0
            || perUnit.stripTrailingZeros().scale() > 4) {
          throw LoyaltyException.validation("conversionPoints.perUnit",
              "perUnit must be positive, at most 10000, with at most 4 decimals");
        }
        perUnit = perUnit.stripTrailingZeros();
        if (perUnit.scale() < 0) {
          perUnit = perUnit.setScale(0, RoundingMode.UNNECESSARY);
        }
      }
      default -> throw new AssertionError(mode);
    }
  }

  /**
   * {@code points} per conversion.
   *
   * @param points points per conversion
   * @return the rule
   */
  public static ConversionPoints fixed(long points) {
    return new ConversionPoints(Mode.FIXED, points, null);
  }

  /**
   * {@code perUnit} points per currency unit of the order value, rounded down.
   *
   * @param perUnit points per currency unit
   * @return the rule
   */
  public static ConversionPoints perUnit(BigDecimal perUnit) {
    return new ConversionPoints(Mode.PER_UNIT, 0, perUnit);
  }

  /**
   * The points an order of {@code orderValue} (not negative) awards under this rule. The value may be a host's own
   * (a cart showing what an order would earn), so it is checked as request input is: the engine's conversions take
   * values of 0..10^12 with at most 4 decimals ({@link NewConversion}), which this method never refuses.
   *
   * @param orderValue the order's value, not negative
   * @return the points
   * @throws LoyaltyException VALIDATION_ERROR on {@code orderValue} if it is null or negative, or if its points would
   *     be more than {@code Long.MAX_VALUE}
   */
  public long pointsFor(BigDecimal orderValue) {
    if (orderValue == null) {
      throw LoyaltyException.validation("orderValue", "orderValue is required");
    }
    if (orderValue.signum() < 0) {
      throw LoyaltyException.validation("orderValue", "orderValue must not be negative");
    }
    return switch (mode) {
      case NONE -> 0;
      case FIXED -> fixedPoints;
      case PER_UNIT -> perUnitPoints(orderValue);
    };
  }

  /**
   * {@code floor(orderValue x perUnit)}. Bounds first, compared without arithmetic, so that a value of absurd scale
   * ({@code 1E+999999999}, {@code 1E-2147483647}) is never expanded nor multiplied: perUnit is 0.0001..10,000, so a
   * value below 10^-8 earns nothing and one above {@code Long.MAX_VALUE} x 10^4 earns too much.
   */
  private long perUnitPoints(BigDecimal orderValue) {
    if (orderValue.compareTo(EARNS_NOTHING_BELOW) < 0) {
      return 0;
    }
    if (orderValue.compareTo(OVERFLOWS_ABOVE) > 0) {
      throw overflow();
    }
    BigDecimal points = orderValue.multiply(perUnit).setScale(0, RoundingMode.FLOOR);
    if (points.compareTo(MAX_POINTS) > 0) {
      throw overflow();
    }
    return points.longValueExact();
  }

  private static LoyaltyException overflow() {
    return LoyaltyException.validation("orderValue", "the order's points would be more than Long.MAX_VALUE");
  }
}
