/**
 * Rewards: campaign rewards and their goals ({@link io.loyaltyengine.core.rewards.Goals}), loyalty actions and
 * their counters, the earned-reward lifecycle ({@link io.loyaltyengine.core.rewards.RewardService}), and the
 * fulfilment handlers of CUSTOM rewards ({@link io.loyaltyengine.core.rewards.Fulfilment}).
 */
package io.loyaltyengine.core.rewards;
