package io.loyaltyengine.rewards;

/**
 * Fulfils CUSTOM rewards (a token transfer, a gift card from another system). Given to the engine's builder
 * ({@link io.loyaltyengine.LoyaltyEngine.Builder#fulfilmentHandler}) under the handler name the reward names;
 * called after the approval committed, at least once, with retries and parking like an event listener. Returning
 * normally marks the reward FULFILLED. Must be idempotent on the earned reward's id.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface FulfilmentHandler {
  /**
   * Fulfils one approved reward.
   *
   * @param reward the approved reward
   * @throws Exception to have it retried
   */
  void fulfil(EarnedReward reward) throws Exception;
}
