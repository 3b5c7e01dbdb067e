package io.loyaltyengine.quests;

import io.loyaltyengine.participant.ParticipantRef;
import java.util.List;

/**
 * Quests of one tenant's campaigns, and their participants' completions of tasks. A host corrects a quest's name or
 * description with {@link #update} and switches it with {@link #setActive}; its tasks and bonus never change, and
 * neither change writes an event. Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <h2>Guarantees</h2>
 * A participant completes each task of a quest at most once, held by a unique key in the database: of concurrent
 * completions of one task exactly one awards its points, and the others (and any later retry) are replays that
 * change nothing. The task's points are awarded through the ledger in the same unit of work as the completion is
 * recorded, so there is never one without the other. The completion that completes the last task awards the
 * completion bonus in that unit of work too; completions of one participant are serialised on its row, so of
 * concurrent completions of the last tasks exactly one completes the quest and the bonus is awarded once. The awards
 * are ledger entries of type {@code quest_task} and {@code quest_bonus} and emit {@code points.awarded} events as any
 * award does. A completion that changed something also emits {@code quest.task_completed}, and the one that
 * completes the quest {@code quest.completed} (once per participant and quest); a replay emits nothing. Deleting a
 * participant deletes its completions.
 */
public interface Quests {

  /**
   * Creates an active quest.
   *
   * @param quest the new quest
   * @return the created quest
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field ({@code quest}, {@code name},
   *     {@code description}, {@code tasks}, {@code tasks[i]} (a null task), {@code tasks[i].name},
   *     {@code tasks[i].points}, {@code completionBonus}); NOT_FOUND for the campaign
   */
  Quest create(NewQuest quest);

  /**
   * Reads a quest.
   *
   * @param questId the quest's id
   * @return the quest
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  Quest get(long questId);

  /**
   * A campaign's quests, in id (creation) order.
   *
   * @param campaignId the campaign
   * @return the campaign's quests
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign
   */
  List<Quest> list(long campaignId);

  /**
   * Replaces a quest's name and description, in one update of its row. Its tasks and their points, the completion
   * bonus, the campaign, whether it is active, its id and creation time are unchanged: participants' completions
   * and the points awarded refer to the tasks, and {@link #setActive} switches the quest. Completions recorded from
   * then on carry the new name in their ledger entries' descriptions and events; those recorded before keep the
   * name they were written with.
   *
   * @param questId the quest's id
   * @param update the new name and description
   * @return the quest as the update left it
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name} or
   *     {@code description} (as {@link NewQuest}'s); NOT_FOUND if the tenant has no such quest
   */
  Quest update(long questId, QuestUpdate update);

  /**
   * Makes a quest active or not: tasks of an inactive quest cannot be completed. Idempotent.
   *
   * @param questId the quest's id
   * @param active whether tasks can be completed
   * @return the quest as changed
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  Quest setActive(long questId, boolean active);

  /**
   * Records that a participant completed a task, and awards the task's points; if that completes the quest, awards
   * its completion bonus too. A task completed before is answered by its first completion, replayed, even if the
   * quest has been deactivated since.
   *
   * @param participant who completed the task
   * @param questId the quest's id
   * @param taskNumber the task's number in the quest
   * @return the completion and the points it awarded
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the participant or the quest; VALIDATION_ERROR on
   *     {@code taskNumber} outside 1..n, or on {@code participant} of another campaign than the quest's; CONFLICT on
   *     {@code questId} if the quest is not active, or if a points change of the host's took the ledger key of the
   *     task or bonus (nothing changes: awarding nothing would lose the points); VALIDATION_ERROR on {@code amount}
   *     if an award would overflow the participant's points
   */
  TaskCompletion completeTask(ParticipantRef participant, long questId, int taskNumber);

  /**
   * A participant's progress in a quest.
   *
   * @param participant the participant
   * @param questId the quest's id
   * @return the participant's progress
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the participant or the quest; VALIDATION_ERROR on
   *     {@code participant} of another campaign than the quest's
   */
  QuestProgress progress(ParticipantRef participant, long questId);
}
