package io.loyaltyengine.internal;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.EngineStorage;
import io.loyaltyengine.IdGenerator;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.rewards.FulfilmentHandler;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Clock;
import java.util.List;

/**
 * The validated settings of one engine, handed from the builder to the implementation. Not API. Thread-safe: each
 * component is immutable or thread-safe.
 *
 * @param storage where state lives; owned by the engine from now on
 * @param clock the time source
 * @param idGenerator the id source, or {@code null} for the default time-ordered generator
 * @param nodeId the node number for the default id generator, or -1 for one leased from the storage
 * @param limits input bounds
 * @param maxTransactionRetries how often a transaction failing transiently (deadlock, serialization) is retried
 * @param maxGroupCommit the most operations combined into one transaction; 1 turns combining off
 * @param events event dispatch settings
 * @param webhooks webhook delivery settings
 * @param fraudScreening fraud-screening settings of referrals
 * @param leaderboards how leaderboard indexes are kept
 * @param listeners the listeners to subscribe before event dispatch starts, in the order given
 * @param fulfilmentHandlers the fulfilment handlers to register before event dispatch starts, in the order given
 * @param singleSignOn how single sign-on logins are checked
 * @param access API key and rate limit settings
 */
public record EngineConfig(EngineStorage storage, Clock clock, IdGenerator idGenerator, int nodeId,
    EngineLimits limits, int maxTransactionRetries, int maxGroupCommit, EventSettings events, WebhookSettings webhooks,
    io.loyaltyengine.fraud.FraudScreening fraudScreening,
    io.loyaltyengine.leaderboard.LeaderboardSettings leaderboards, List<Listener> listeners,
    List<Fulfiller> fulfilmentHandlers, io.loyaltyengine.sso.SsoSettings singleSignOn,
    io.loyaltyengine.access.AccessSettings access) {

  /**
   * Copies the lists.
   *
   * @param storage where state lives; owned by the engine from now on
   * @param clock the time source
   * @param idGenerator the id source, or {@code null} for the default time-ordered generator
   * @param nodeId the node number for the default id generator, or -1 for one leased from the storage
   * @param limits input bounds
   * @param maxTransactionRetries how often a transaction failing transiently (deadlock, serialization) is retried
   * @param maxGroupCommit the most operations combined into one transaction; 1 turns combining off
   * @param events event dispatch settings
   * @param webhooks webhook delivery settings
   * @param fraudScreening fraud-screening settings of referrals
   * @param leaderboards how leaderboard indexes are kept
   * @param listeners the listeners to subscribe before event dispatch starts, in the order given
   * @param fulfilmentHandlers the fulfilment handlers to register before event dispatch starts, in the order given
   * @param singleSignOn how single sign-on logins are checked
   * @param access API key and rate limit settings
   */
  public EngineConfig {
    listeners = List.copyOf(listeners);
    fulfilmentHandlers = List.copyOf(fulfilmentHandlers);
  }

  /**
   * A listener given to the builder. Immutable (its listener is the host's object).
   *
   * @param name the listener's stable name
   * @param filter which events it wants
   * @param listener the listener
   */
  public record Listener(String name, EventFilter filter, EventListener listener) {
  }

  /**
   * A fulfilment handler given to the builder. Immutable (its handler is the host's object).
   *
   * @param name the handler's name, which CUSTOM rewards name
   * @param handler the handler
   */
  public record Fulfiller(String name, FulfilmentHandler handler) {
  }
}
