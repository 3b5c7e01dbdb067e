package io.loyaltyengine.rewards;

import java.util.List;

/**
 * The outcome of recording a loyalty action. Immutable.
 *
 * @param actionId the recorded action's id (the first one's, for a replay)
 * @param participantId who acted
 * @param participantCreated whether the participant was enrolled by this action
 * @param counts the participant's counts right after the action
 * @param unlocked rewards this action unlocked (for the participant, and the invited participant's two-way reward);
 *     in a replay, those rewards as they are now (moved on since, or gone with a deleted invited participant)
 * @param replayed whether this is the stored result of an earlier request with the same idempotency key
 */
public record ActionResult(long actionId, long participantId, boolean participantCreated, ActionCounts counts,
    List<EarnedReward> unlocked, boolean replayed) {
  /**
   * Copies {@code unlocked}.
   *
   * @param actionId the recorded action's id (the first one's, for a replay)
   * @param participantId who acted
   * @param participantCreated whether the participant was enrolled by this action
   * @param counts the participant's counts right after the action
   * @param unlocked rewards this action unlocked (for the participant, and the invited participant's two-way reward);
   *     in a replay, those rewards as they are now (moved on since, or gone with a deleted invited participant)
   * @param replayed whether this is the stored result of an earlier request with the same idempotency key
   */
  public ActionResult {
    unlocked = List.copyOf(unlocked);
  }
}
