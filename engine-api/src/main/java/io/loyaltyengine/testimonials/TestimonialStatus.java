package io.loyaltyengine.testimonials;

/**
 * Where a testimonial is in moderation. PENDING moves to APPROVED or REJECTED, APPROVED to REJECTED (taken down);
 * REJECTED is final. Immutable.
 */
public enum TestimonialStatus {
  /** Submitted, waiting for a moderator. Not to be shown. */
  PENDING,
  /** Approved by a moderator: the host may show it. */
  APPROVED,
  /** Rejected, or taken down after approval. Not to be shown. */
  REJECTED;

  /**
   * Whether a testimonial in this status may move to {@code next} (moving to the same status is not a move).
   *
   * @param next the status to move to
   * @return true if the move is allowed
   */
  public boolean canMoveTo(TestimonialStatus next) {
    return switch (this) {
      case PENDING -> next == APPROVED || next == REJECTED;
      case APPROVED -> next == REJECTED;
      case REJECTED -> false;
    };
  }
}
