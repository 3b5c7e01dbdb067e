package io.loyaltyengine.core.internal;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.EngineStorage;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.core.webhook.WebhookDeliverer;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.internal.EngineConfig;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Clock;
import java.util.List;

/**
 * Builds engines around a webhook deliverer the test made, through {@link CoreEngine}'s package-private constructor:
 * the deliverer's own package-private constructor takes a host resolver, so a test in its package can give the engine
 * a resolver that answers, refuses or hangs as it wants, with no DNS. The rest is what
 * {@code LoyaltyEngine.builder()} would set (its defaults, node number 1, no listener); the builder's check that the
 * lease covers twice the webhook timeouts is the caller's to keep.
 *
 * <p>Thread-safe: stateless.
 */
public final class EnginesWithDeliverer {
  private EnginesWithDeliverer() {
  }

  /**
   * An engine on {@code storage} whose webhook attempts and endpoint checks go through {@code deliverer}, which the
   * engine closes with itself.
   *
   * @param storage where state lives
   * @param clock the time source
   * @param events dispatch settings
   * @param webhooks the webhook settings {@code deliverer} was made with
   * @param deliverer the deliverer, used by no other engine
   * @return the engine, dispatching as {@code events} says
   */
  public static LoyaltyEngine build(EngineStorage storage, Clock clock, EventSettings events,
      WebhookSettings webhooks, WebhookDeliverer deliverer) {
    EngineConfig config = new EngineConfig(storage, clock, null, 1, EngineLimits.DEFAULTS, 5, 64, events, webhooks,
        FraudScreening.DEFAULTS, LeaderboardSettings.DEFAULTS, List.of(), List.of(), SsoSettings.DEFAULTS,
        AccessSettings.DEFAULTS);
    return new CoreEngine(config, deliverer);
  }
}
