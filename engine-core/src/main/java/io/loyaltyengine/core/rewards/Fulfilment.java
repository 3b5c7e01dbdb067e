package io.loyaltyengine.core.rewards;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.event.Listeners;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.FulfilmentHandler;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.rewards.Rewards;

/**
 * Runs the host's {@link FulfilmentHandler}s for CUSTOM rewards, after commit, with the delivery guarantees of an
 * event listener.
 *
 * <h2>How</h2>
 * Registering a handler under {@code name} subscribes an event listener named {@code fulfilment.<name>} to
 * {@code reward.approved} events, before the engine starts dispatching (handlers are given to the builder), so that
 * no approval is positioned while no handler listens. Approval writes that event in its own transaction, so the
 * handler is called only for approvals that committed, at least once, never concurrently for one participant. For
 * each event the listener reads the earned reward through the public API and calls the handler only if it is still
 * a CUSTOM reward in APPROVED whose campaign reward names this handler (so a redelivery after fulfilment, a reward of
 * another handler, or a reward fulfilled by hand is skipped), then marks it FULFILLED. A handler that throws makes
 * the listener throw: the dispatcher retries it with backoff and parks it after the listener attempts
 * ({@link io.loyaltyengine.events.EventSettings#listenerMaxAttempts()}), where
 * {@link io.loyaltyengine.events.Events#parked} lists it under the listener's name and {@code replay} retries it.
 * A handler may be called again for a reward it already served (its success and the FULFILLED mark are not
 * atomic), so handlers are idempotent on the earned reward's id.
 *
 * <p>Names are 1..{@link RewardRules#MAX_HANDLER_LENGTH} of {@code a-z A-Z 0-9 _ - .}: the listener name adds
 * {@value #LISTENER_PREFIX} and listener names are at most 64 characters. Campaign rewards are validated against the
 * same rule, so every CUSTOM reward names a handler that can be registered.
 *
 * <p>Thread-safe: stateless; the listener it registers is thread-safe when the handler is.
 */
public final class Fulfilment {
  /** What the name of a handler's event listener starts with. */
  public static final String LISTENER_PREFIX = "fulfilment.";

  private Fulfilment() {
  }

  /**
   * Adds to {@code listeners} the listener {@code fulfilment.<name>} that calls {@code handler} for the approvals
   * of {@code engine} (see the class description). Called while the engine is built, before its dispatch starts.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code name} or {@code handler}; CONFLICT if the listener's name is
   *     taken on this engine
   */
  public static void register(Listeners listeners, LoyaltyEngine engine, String name, FulfilmentHandler handler) {
    String checked = RewardRules.handlerName("name", name);
    if (handler == null) {
      throw LoyaltyException.validation("handler", "handler is required");
    }
    listeners.add(LISTENER_PREFIX + checked, EventFilter.types(EventType.REWARD_APPROVED),
        event -> deliver(engine, checked, handler, event));
  }

  private static void deliver(LoyaltyEngine engine, String name, FulfilmentHandler handler, LoyaltyEvent event)
      throws Exception {
    long id = RewardJson.earnedRewardId(event.payload());
    Rewards rewards = engine.forTenant(event.tenantId()).rewards();
    EarnedReward reward;
    CampaignReward definition;
    try {
      reward = rewards.getEarned(id);
      if (reward.type() != RewardType.CUSTOM || reward.status() != EarnedRewardStatus.APPROVED) {
        return;
      }
      definition = rewards.get(reward.campaignRewardId());
    } catch (LoyaltyException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return; // deleted with its participant since: nothing left to fulfil
      }
      throw e;
    }
    if (!name.equals(definition.handler())) {
      return;
    }
    handler.fulfil(reward);
    try {
      rewards.fulfil(id);
    } catch (LoyaltyException e) {
      // Fulfilled (or deleted) meanwhile by someone else: the handler's work is what was wanted either way.
      if (e.code() != ErrorCode.INVALID_TRANSITION && e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
    }
  }
}
