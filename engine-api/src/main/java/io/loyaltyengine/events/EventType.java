package io.loyaltyengine.events;

/**
 * What happened. Each capability of the engine adds its own types; existing types keep their meaning and their
 * {@link #wireName()}, which is what webhooks and the change feed carry. Immutable.
 */
public enum EventType {
  /** A participant was enrolled. Payload: the participant. */
  PARTICIPANT_CREATED("participant.created"),
  /** A participant's profile changed. Payload: the participant after the change. */
  PARTICIPANT_UPDATED("participant.updated"),
  /** A participant was deleted with its ledger. Payload: the participant as it was. */
  PARTICIPANT_DELETED("participant.deleted"),
  /** Points were awarded. Payload: the ledger entry, the participant, the new balance and lifetime points. */
  POINTS_AWARDED("points.awarded"),
  /**
   * Points were deducted. Payload: as {@link #POINTS_AWARDED}; the entry's {@code requestedAmount} is what a
   * deduction capped at the balance asked for ({@code amount} is what it took), null for a plain deduction (and in
   * every award).
   */
  POINTS_DEDUCTED("points.deducted"),
  /** A loyalty action was recorded. Payload: the action and the participant's counts. */
  LOYALTY_ACTION_RECORDED("action.recorded"),
  /** A participant's actions reached a reward's goal (PARTICIPANT_REACHED_A_GOAL). Payload: the earned reward. */
  REWARD_REACHED("reward.reached"),
  /** An earned reward was approved. Payload: the earned reward. */
  REWARD_APPROVED("reward.approved"),
  /** An earned reward was fulfilled. Payload: the earned reward. */
  REWARD_FULFILLED("reward.fulfilled"),
  /** A pending earned reward was removed. Payload: the earned reward. */
  REWARD_REMOVED("reward.removed"),
  /**
   * An approved COUPON reward waits because the pool is empty. Payload: the earned reward, without a code, as
   * {@link #REWARD_REACHED} ({@code {"earnedReward": {...}}}), beside {@code "earnedRewardId", "campaignId",
   * "participantId", "campaignRewardId", "cycle", "waitingReason"}.
   */
  COUPON_POOL_EMPTY("coupon.pool_empty"),
  /**
   * An assignment took the code after which the pool holds its low-stock threshold of codes, or the first code of a
   * pool that held no more than that after it. Payload: campaign, remaining (the codes after it: that threshold, or
   * fewer for such a first code) and threshold.
   */
  COUPON_POOL_LOW("coupon.pool_low"),
  /**
   * An upload gave a code to an approved COUPON reward that waited for one ({@link #COUPON_POOL_EMPTY}); a code
   * given at approval comes in {@link #REWARD_APPROVED} instead. Payload: the earned reward, code included, as
   * {@link #REWARD_APPROVED}.
   */
  COUPON_ASSIGNED("coupon.assigned"),
  /** A catalog reward was redeemed. Payload: the redemption and the catalog reward. */
  REWARD_REDEEMED("reward.redeemed"),
  /** A signup recorded a referral. Payload: the referral (referrer, invited, code kind, risk level and reason, status). */
  REFERRAL_SIGNUP("referral.signup"),
  /** An impression, share or visit was tracked on a referral code. Payload: the kind, the referrer, whether unique. */
  REFERRAL_TRACKED("referral.tracked"),
  /**
   * A conversion was tracked: CONVERTED, or REJECTED with no points when its buyer was the code's own participant.
   * Payload: the conversion and the points awarded.
   */
  REFERRAL_CONVERSION("referral.conversion"),
  /** A conversion was reversed. Payload: the conversion, the points taken back and the shortfall. */
  REFERRAL_REVERSAL("referral.reversal"),
  /**
   * A participant submitted a testimonial; a repeat of the same submission (a replay) writes none. Payload: the
   * testimonial as stored, PENDING: {@code {"testimonial": {"id", "campaignId", "participantId", "text", "rating",
   * "status", "createdAt", "moderatedAt"}}}, its id a string.
   */
  TESTIMONIAL_SUBMITTED("testimonial.submitted"),
  /**
   * A testimonial was approved; approving an approved one again writes none. Payload: the testimonial after the
   * change, as {@link #TESTIMONIAL_SUBMITTED}.
   */
  TESTIMONIAL_APPROVED("testimonial.approved"),
  /**
   * A testimonial was rejected (also one taken down after its approval); rejecting a rejected one again writes none.
   * Payload: the testimonial after the change, as {@link #TESTIMONIAL_SUBMITTED}.
   */
  TESTIMONIAL_REJECTED("testimonial.rejected"),
  /**
   * A participant completed a quest's task; a replayed completion writes none. The award itself is a
   * {@link #POINTS_AWARDED} event, written before this one. Payload: {@code {"questId", "questName", "taskNumber",
   * "taskName", "participantId", "pointsAwarded", "ledgerEntryId", "completesQuest", "completedAt"}}; a task of 0
   * points has {@code pointsAwarded} 0 and a null {@code ledgerEntryId}.
   */
  QUEST_TASK_COMPLETED("quest.task_completed"),
  /**
   * A participant completed a quest's last task, once per participant and quest; written after that task's
   * {@link #QUEST_TASK_COMPLETED} and the bonus's {@link #POINTS_AWARDED}. Payload: {@code {"questId", "questName",
   * "participantId", "lastTaskNumber", "bonusAwarded", "ledgerEntryId", "completedAt"}}; without a bonus
   * {@code bonusAwarded} is 0 and {@code ledgerEntryId} null.
   */
  QUEST_COMPLETED("quest.completed"),
  /**
   * A participant submitted an idea to a feedback board, about its author. Payload: {@code {"idea": {"id", "boardId",
   * "participantId", "title", "body", "status", "votes", "createdAt", "updatedAt"}}}, its id a string.
   *
   * <p>Votes have no event: one per vote and withdrawal would outnumber every other event of a busy board, and the
   * idea's count is read through the API ({@code FeedbackBoards.idea}, {@code ideas}).
   */
  IDEA_SUBMITTED("idea.submitted"),
  /**
   * A moderator moved an idea to another status, about its author; setting the status it has writes none. Payload:
   * {@code {"idea": {...as IDEA_SUBMITTED, after the change}, "oldStatus", "newStatus"}}.
   */
  IDEA_STATUS_CHANGED("idea.status_changed"),
  /**
   * A moderator deleted an idea with the votes on it, about its author; a deletion that finds no idea writes none,
   * nor does the deletion of its author (whose {@link #PARTICIPANT_DELETED} covers its ideas). Payload:
   * {@code {"idea": {...as IDEA_SUBMITTED, as it was when deleted}}}, its {@code votes} the count it had.
   */
  IDEA_DELETED("idea.deleted");

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The name on the wire, for example {@code points.awarded}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }

  /**
   * The type with this wire name.
   *
   * @param wireName a wire name such as {@code points.awarded}
   * @return the type
   * @throws IllegalArgumentException if there is none
   */
  public static EventType fromWireName(String wireName) {
    for (EventType t : values()) {
      if (t.wireName.equals(wireName)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown event type");
  }
}
