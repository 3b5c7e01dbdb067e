package io.loyaltyengine.campaign;

/**
 * The life of a campaign: DRAFT {@literal ->} IN_PROGRESS {@literal <->} PAUSED, and any state {@literal ->} ENDED,
 * which is final. The engine enforces the moves; it does not refuse operations by status (awards, actions, signups,
 * redemptions), which the host decides: a shop may well let points be spent after its campaign has ended. Immutable.
 */
public enum CampaignStatus {
  /** Being set up. */
  DRAFT,
  /** Running. */
  IN_PROGRESS,
  /** Temporarily stopped; may resume. */
  PAUSED,
  /** Over for good. */
  ENDED;

  /**
   * Whether a campaign in this status may move to {@code next}.
   *
   * @param next the status to move to
   * @return true if the move is allowed
   */
  public boolean canMoveTo(CampaignStatus next) {
    return switch (this) {
      case DRAFT -> next == IN_PROGRESS || next == ENDED;
      case IN_PROGRESS -> next == PAUSED || next == ENDED;
      case PAUSED -> next == IN_PROGRESS || next == ENDED;
      case ENDED -> false;
    };
  }
}
