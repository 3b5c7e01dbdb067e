/**
 * Quests: a campaign's lists of tasks that award points as participants complete them, and a bonus once all are done.
 *
 * <p>A quest ({@link io.loyaltyengine.quests.Quests#create}) has 1..50 tasks numbered from 1 in the order given. Its
 * tasks and bonus never change once created; its name and description may be corrected
 * ({@link io.loyaltyengine.quests.Quests#update}), and it may be made active or not. The host reports that a
 * participant did a task ({@link io.loyaltyengine.quests.Quests#completeTask}): the engine records it once and awards
 * the task's points through the ledger in the same unit of work, and the completion that finishes the quest awards its
 * completion bonus, once.
 */
package io.loyaltyengine.quests;
