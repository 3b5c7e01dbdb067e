package io.loyaltyengine.points;

/**
 * A request to award or deduct points. Immutable.
 *
 * <p>{@code amount} must be positive and at most {@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()};
 * {@code type} is 1..64 characters of letters, digits and {@code _ - . :}; {@code description} is null or a text
 * that is not blank, stripped of surrounding spaces, of at most 500 characters; {@code idempotencyKey} is 1..128 printable ASCII characters without spaces, unique per tenant.
 *
 * <p>With an idempotency key, a retry of the same request returns the first result and changes nothing; the same
 * key with a different participant, kind, amount, type or description is a CONFLICT. The kinds are an award, a
 * deduction and a deduction capped at the balance ({@link Points#deductUpToBalance}), whose amount is the one it
 * asked for, not the one it took.
 *
 * @param amount the points, positive
 * @param type what the points are for
 * @param description free text, or {@code null}
 * @param idempotencyKey the caller's key for safe retries, or {@code null}
 */
public record PointsChange(long amount, String type, String description, String idempotencyKey) {

  /**
   * A change of {@code amount} points for {@code type}, without description or key.
   *
   * @param amount points, positive
   * @param type what the points are for
   * @return the change
   */
  public static PointsChange of(long amount, String type) {
    return new PointsChange(amount, type, null, null);
  }

  /**
   * This change with a description.
   *
   * @param description free text, or {@code null}
   * @return a new change
   */
  public PointsChange withDescription(String description) {
    return new PointsChange(amount, type, description, idempotencyKey);
  }

  /**
   * This change with an idempotency key.
   *
   * @param idempotencyKey the caller's key
   * @return a new change
   */
  public PointsChange withIdempotencyKey(String idempotencyKey) {
    return new PointsChange(amount, type, description, idempotencyKey);
  }
}
