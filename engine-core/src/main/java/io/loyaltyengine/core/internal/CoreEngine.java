package io.loyaltyengine.core.internal;

import io.loyaltyengine.IdGenerator;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.Access;
import io.loyaltyengine.core.access.AccessService;
import io.loyaltyengine.core.campaign.CampaignZones;
import io.loyaltyengine.core.event.EventDispatcher;
import io.loyaltyengine.core.event.EventsService;
import io.loyaltyengine.core.event.Listeners;
import io.loyaltyengine.core.fraud.FraudRules;
import io.loyaltyengine.core.leaderboard.IndexedStorage;
import io.loyaltyengine.core.leaderboard.LeaderboardIndexes;
import io.loyaltyengine.core.referrals.SigningKeys;
import io.loyaltyengine.core.rewards.Fulfilment;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.core.webhook.WebhookDeliverer;
import io.loyaltyengine.events.Events;
import io.loyaltyengine.internal.EngineConfig;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.tenant.Tenants;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * The engine: holds the storage, the settings, the lease on its node number, the event dispatcher, the fraud rules,
 * the cache of referral signing keys and the leaderboard indexes, and hands out tenant scopes. Thread-safe: immutable
 * after construction except the gate of its units of work (and the listener registry, the key cache, the leaderboard
 * indexes and the node lease, which are thread-safe).
 */
final class CoreEngine implements LoyaltyEngine {
  private final Storage storage;
  private final EngineConfig config;
  private final IdGenerator ids;
  /** The lease on the node number in {@link #ids}; null when the host set the number or the generator. */
  private final NodeLease nodeLease;
  /**
   * The longest {@link #close()} waits for the units of work in progress to end before it closes anyway: far longer
   * than a unit of work takes, short enough for a host's shutdown.
   */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private static final System.Logger LOG = System.getLogger(CoreEngine.class.getName());

  /** The units of work in progress on the storage, which close() waits for; refuses new ones once closing. */
  private final UnitsOfWork unitsOfWork = new UnitsOfWork();
  /** A campaign's zone never changes, so one cache serves every scope of this engine. */
  private final CampaignZones campaignZones = new CampaignZones();
  private final Transactions transactions;
  private final Tenants tenants;
  /** Makes the webhook attempts and checks new endpoints' hosts; closed by the dispatcher's close. */
  private final WebhookDeliverer webhookDeliverer;
  private final EventDispatcher dispatcher;
  private final Events events;
  private final FraudRules fraudRules;
  private final SigningKeys signingKeys;
  private final LeaderboardIndexes leaderboardIndexes;
  private final AccessService access;

  CoreEngine(EngineConfig config) {
    this(config, new WebhookDeliverer(config.webhooks(), config.clock()));
  }

  /**
   * As {@link #CoreEngine(EngineConfig)}, with {@code webhooks} making the webhook attempts and the lookups of
   * endpoints' hosts: for tests, whose deliverer looks hosts up with a resolver of their own. The engine closes it.
   *
   * @param config the settings
   * @param webhooks a deliverer on {@code config}'s webhook settings and clock, used by no other engine
   */
  CoreEngine(EngineConfig config, WebhookDeliverer webhooks) {
    this(config, webhooks, Thread::new);
  }

  /**
   * As {@link #CoreEngine(EngineConfig, WebhookDeliverer)}, with the event dispatcher's threads made by
   * {@code threadFactory}: for tests, whose factory may refuse, as a JVM out of threads does.
   *
   * @param config the settings
   * @param webhooks a deliverer on {@code config}'s webhook settings and clock, used by no other engine
   * @param threadFactory makes the dispatcher's background and delivery threads
   */
  CoreEngine(EngineConfig config, WebhookDeliverer webhooks, ThreadFactory threadFactory) {
    // What the build acquired, released if a later step fails: the lease would otherwise keep the number taken for
    // its term, and a host retrying build() on a small node-number space could run out.
    NodeLease lease = null;
    EventDispatcher madeDispatcher = null;
    try {
      // First, so that a listener refused (its name) leaves nothing started; and before dispatch starts, so that the
      // listeners and fulfilment handlers given to the builder see every event positioned from the start. A
      // handler's listener reads through this engine only when called, after the constructor has started dispatch.
      Listeners listeners = new Listeners();
      for (EngineConfig.Listener l : config.listeners()) {
        listeners.add(l.name(), l.filter(), l.listener());
      }
      for (EngineConfig.Fulfiller f : config.fulfilmentHandlers()) {
        Fulfilment.register(listeners, this, f.name(), f.handler());
      }
      this.config = config;
      Storage store = (Storage) config.storage();
      LeaderboardSettings boards = config.leaderboards() == null
          ? LeaderboardSettings.DEFAULTS : config.leaderboards();
      // The indexes build and catch up in units of work of their own on the storage as it is; every other unit of
      // work of the engine runs on the watched storage, whose committed board writes reach the indexes at once.
      this.leaderboardIndexes = new LeaderboardIndexes(
          new Transactions(store, null, config.maxTransactionRetries(), unitsOfWork), config.clock(), boards);
      this.storage = new IndexedStorage(store, leaderboardIndexes);
      if (config.idGenerator() != null) {
        this.ids = config.idGenerator();
      } else if (config.nodeId() >= 0) {
        // The host vouches that no other instance on the database has this number.
        this.ids = new TimeOrderedIdGenerator(config.clock(), config.nodeId());
      } else {
        // A gate of its own: the lease is released after the engine's gate closed.
        lease = NodeLease.claim(
            new Transactions(store, null, config.maxTransactionRetries(), new UnitsOfWork()), config.clock(),
            unitsOfWork::insideOne);
        this.ids = lease;
      }
      this.nodeLease = lease;
      // The lease is renewed before any unit of work when due, on the caller's thread, so that an engine makes no id
      // with a number it no longer holds, whoever drives dispatch; the dispatcher's rounds are units of work too, so
      // an idle engine keeps its number.
      Runnable renewal = lease == null ? () -> { } : lease::renewIfDue;
      this.transactions = new Transactions(storage, null, config.maxTransactionRetries(), unitsOfWork,
          config.maxGroupCommit(), renewal);
      // On the engine's own transactions: only committed keys are cached.
      this.access = new AccessService(transactions, config.access(), config.clock());
      this.tenants = new TenantService(new ScopeContext(0, transactions, config.clock(), ids, config.limits(),
          campaignZones), access::forgetTenant);
      this.fraudRules = new FraudRules(config.fraudScreening());
      // One key cache per engine, on the engine's own transactions: keys are made and read in units of work of
      // their own, so a key is cached only once committed, whatever the host's transaction does.
      this.signingKeys = new SigningKeys(transactions, config.clock());
      this.webhookDeliverer = webhooks;
      madeDispatcher = new EventDispatcher(transactions, config.clock(), config.events(), listeners, webhooks,
          config.webhooks().deliveryThreads(), threadFactory);
      this.dispatcher = madeDispatcher;
      this.events = new EventsService(listeners, dispatcher, transactions, config.clock());
      madeDispatcher.start();
    } catch (RuntimeException | Error e) {
      undoBuild(e, lease, madeDispatcher, webhooks);
      throw e;
    }
  }

  /**
   * Releases what a build that failed had acquired, before its failure reaches the host (whose builder then closes
   * the storage): the gate refuses units of work (a fulfilment handler's listener holds this engine), the
   * dispatcher's threads end, or the webhook deliverer closes if no dispatcher took it, and the node number is free
   * again at once. A failure of any of these is added to {@code failure} as suppressed.
   */
  private void undoBuild(Throwable failure, NodeLease lease, EventDispatcher madeDispatcher,
      WebhookDeliverer webhooks) {
    try {
      unitsOfWork.close();
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
    }
    try {
      if (madeDispatcher != null) {
        madeDispatcher.close();
      } else {
        webhooks.close();
      }
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
    }
    if (lease != null) {
      try {
        lease.release();
      } catch (RuntimeException | Error e) {
        failure.addSuppressed(e);
      }
    }
  }

  @Override
  public Tenants tenants() {
    return tenants;
  }

  @Override
  public TenantScope forTenant(long tenantId) {
    return new CoreTenantScope(storage, new ScopeContext(tenantId, transactions, config.clock(), ids,
        config.limits(), campaignZones), config.webhooks(), dispatcher, webhookDeliverer, fraudRules, signingKeys,
        leaderboardIndexes, config.singleSignOn(), access);
  }

  @Override
  public Events events() {
    return events;
  }

  @Override
  public Access access() {
    return access;
  }

  @Override
  public void close() {
    if (unitsOfWork.close()) {
      dispatcher.close();
      // Units of work running on other threads end before the storage closes, and make no id after the number is
      // released (another instance may take it).
      int running = unitsOfWork.awaitIdle(CLOSE_WAIT);
      if (running > 0) {
        // Not "after 30 s": an interrupted close waits for nothing.
        LOG.log(System.Logger.Level.WARNING, "closing the engine with " + running + " unit(s) of work still in"
            + " progress when the wait for them ended (at most " + CLOSE_WAIT.toSeconds() + " s); the storage is"
            + " closed under them, and the node number is left leased until its lease runs out");
      }
      if (nodeLease != null) {
        if (running == 0) {
          nodeLease.release();
        } else {
          // Not released: the units of work left may still make ids with the number, and a release is a transaction
          // that, on a store whose transactions take turns (H2, in memory), would wait for theirs.
          nodeLease.abandon();
        }
      }
      storage.close();
    }
  }

  @Override
  public String toString() {
    return "LoyaltyEngine[storage=" + storage + ", ids=" + ids + ", limits=" + config.limits() + "]";
  }
}
