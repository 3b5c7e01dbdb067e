package io.loyaltyengine.points;

import java.util.Objects;

/**
 * One change of a bulk request ({@link Points#applyAll}): an award, a deduction, or a deduction capped at the
 * balance. Immutable.
 *
 * @param participant the participant
 * @param kind what to do
 * @param change the amount, type, description and idempotency key, validated as for a single call
 */
public record PointsOperation(io.loyaltyengine.participant.ParticipantRef participant, Kind kind,
    PointsChange change) {

  /** What an operation does. Immutable. */
  public enum Kind {
    /** As {@link Points#award}. */
    AWARD,
    /** As {@link Points#deduct}: fails with INSUFFICIENT_POINTS if the balance is smaller than the amount. */
    DEDUCT,
    /** As {@link Points#deductUpToBalance}: deducts what the balance has, up to the amount. */
    DEDUCT_UP_TO_BALANCE
  }

  /**
   * Checks that no part is null.
   *
   * @param participant the participant
   * @param kind what to do
   * @param change the amount, type, description and idempotency key, validated as for a single call
   * @throws NullPointerException naming the null part
   */
  public PointsOperation {
    Objects.requireNonNull(participant, "participant");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(change, "change");
  }

  /**
   * An award of {@code change} to {@code participant}.
   *
   * @param participant who gets the points
   * @param change the amount, type, description and key
   * @return the operation
   */
  public static PointsOperation award(io.loyaltyengine.participant.ParticipantRef participant, PointsChange change) {
    return new PointsOperation(participant, Kind.AWARD, change);
  }

  /**
   * A deduction of {@code change} from {@code participant}.
   *
   * @param participant whose points
   * @param change the amount, type, description and key
   * @return the operation
   */
  public static PointsOperation deduct(io.loyaltyengine.participant.ParticipantRef participant, PointsChange change) {
    return new PointsOperation(participant, Kind.DEDUCT, change);
  }

  /**
   * A deduction of at most {@code change.amount()}, capped at the balance.
   *
   * @param participant whose points
   * @param change the most to deduct, its type, description and key
   * @return the operation
   */
  public static PointsOperation deductUpToBalance(io.loyaltyengine.participant.ParticipantRef participant,
      PointsChange change) {
    return new PointsOperation(participant, Kind.DEDUCT_UP_TO_BALANCE, change);
  }
}
