/**
 * Rewards: campaign rewards and their goals, loyalty actions and their counts, earned rewards and their lifecycle.
 */
package io.loyaltyengine.rewards;
