/** Quests and the completion of their tasks: {@link io.loyaltyengine.core.quests.QuestService}. */
package io.loyaltyengine.core.quests;
