package io.loyaltyengine.feedback;

/**
 * Where moderation has put an idea. An idea starts OPEN; moderators move it freely between the other statuses, but
 * nothing returns to OPEN (OPEN means "not looked at yet"). An idea takes and loses votes while it is OPEN,
 * UNDER_REVIEW, PLANNED or IN_PROGRESS; once DONE or DECLINED its tally is final ({@link #takesVotes()}).
 * Immutable.
 */
public enum IdeaStatus {
  /** Submitted, not looked at yet. */
  OPEN,
  /** A moderator is looking at it. */
  UNDER_REVIEW,
  /** Accepted, to be done. */
  PLANNED,
  /** Being done. */
  IN_PROGRESS,
  /** Done: the tally is final. */
  DONE,
  /** Declined: the tally is final. */
  DECLINED;

  /**
   * Whether an idea in this status may move to {@code next}: any other status but OPEN.
   *
   * @param next the status to move to
   * @return true if the move is allowed
   */
  public boolean canMoveTo(IdeaStatus next) {
    return next != null && next != this && next != OPEN;
  }

  /**
   * Whether participants may vote on, or withdraw their votes from, an idea in this status.
   *
   * @return true if the idea takes votes
   */
  public boolean takesVotes() {
    return this != DONE && this != DECLINED;
  }
}
