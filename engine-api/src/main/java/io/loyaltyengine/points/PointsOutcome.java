package io.loyaltyengine.points;

import io.loyaltyengine.LoyaltyException;

/**
 * The outcome of one operation of a bulk request ({@link Points#applyAll}): its result, or the error it failed
 * with, exactly as the single call would have returned or thrown it. Immutable.
 *
 * @param result the result, or {@code null} if the operation failed
 * @param error the error, or {@code null} if the operation succeeded
 */
public record PointsOutcome(PointsResult result, LoyaltyException error) {

  /**
   * Checks that exactly one of the two is present.
   *
   * @param result the result, or {@code null} if the operation failed
   * @param error the error, or {@code null} if the operation succeeded
   * @throws IllegalArgumentException if both or neither are
   */
  public PointsOutcome {
    if ((result == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of result and error must be present");
    }
  }

  /**
   * A successful outcome.
   *
   * @param result the operation's result
   * @return the outcome
   */
  public static PointsOutcome succeeded(PointsResult result) {
    return new PointsOutcome(result, null);
  }

  /**
   * A failed outcome.
   *
   * @param error why the operation failed
   * @return the outcome
   */
  public static PointsOutcome failed(LoyaltyException error) {
    return new PointsOutcome(null, error);
  }

  /**
   * Whether the operation succeeded.
   *
   * @return true if it succeeded
   */
  public boolean succeeded() {
    return result != null;
  }
}
