package io.loyaltyengine;

import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.Events;
import io.loyaltyengine.internal.EngineConfig;
import io.loyaltyengine.internal.EngineFactory;
import io.loyaltyengine.tenant.Tenants;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The loyalty engine: points programs, rewards, referrals and leaderboards, embedded in the host's process and kept
 * in the host's database.
 *
 * <p>Create one per process and share it; close it when the host shuts down:
 *
 * <pre>{@code
 * try (LoyaltyEngine engine = LoyaltyEngine.builder()
 *     .storage(JdbcStorage.h2File(Path.of("data/loyalty")))
 *     .build()) {
 *   Tenant shop = engine.tenants().create(NewTenant.business("Acme Shop"));
 *   TenantScope acme = engine.forTenant(shop.id());
 *   ...
 * }
 * }</pre>
 *
 * <p>Everything is scoped to a tenant: {@link #forTenant(long)} returns the operations of one tenant, and nothing of
 * another tenant is visible or changeable through it. Every operation is atomic: it either commits all of its
 * effects or, by throwing {@link LoyaltyException}, changes nothing.
 *
 * <h2>Thread-safety</h2>
 * An engine and every object it returns are thread-safe, except a scope bound to a {@link HostTransaction}, which is
 * confined to the host's thread like the connection it wraps. Several engines (in one process or in several) may
 * share one PostgreSQL database; they coordinate through the database only.
 */
public interface LoyaltyEngine extends AutoCloseable {

  /**
   * Returns a new builder.
   *
   * @return a builder with no storage set
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Tenants (business or member accounts): create and read.
   *
   * @return the tenants
   */
  Tenants tenants();

  /**
   * Returns the operations of one tenant. Cheap; does not touch storage. Operations on a tenant that does not exist
   * fail with {@link ErrorCode#NOT_FOUND}.
   *
   * @param tenantId the tenant's id
   * @return the tenant's operations
   */
  TenantScope forTenant(long tenantId);

  /**
   * Event listeners of this engine instance, and manual dispatch. See {@link Events} for the delivery guarantee.
   *
   * @return this instance's listeners and dispatch
   */
  Events events();

  /**
   * Authentication of API keys and the rate limits of tenants' plans, for a host exposing the engine over HTTP
   * (see {@link io.loyaltyengine.access.Access}).
   *
   * @return API key authentication and rate limiting
   */
  io.loyaltyengine.access.Access access();

  /**
   * Refuses new operations at once: from the moment close begins, an operation of this engine, or of a scope of it,
   * fails with {@link IllegalStateException} (a programming error: the host uses an engine it is closing), also one the
   * engine would answer from memory (an API key it has cached, a leaderboard index, subscribing or unsubscribing a
   * listener); {@link #forTenant} still returns a scope, whose operations fail. An operation checks its input before
   * it reaches that gate (the check is pure and touches nothing), so one with invalid input may be refused as invalid
   * ({@link LoyaltyException} VALIDATION_ERROR, or NullPointerException) rather than as closed; it changes nothing
   * either way. Then stops the event dispatcher,
   * waiting for the delivery in progress (at most twice {@link EventSettings#lease()}: a webhook's ends within its
   * connect timeout, which bounds the look-up of its host, and its request timeout; a listener still running then keeps
   * the dispatcher's thread until it returns) without recording it, since the engine refuses new units of work: it is
   * delivered again once its lease runs out, by an instance with that subscriber. Then releases the HTTP client of
   * webhooks and the threads of its host look-ups, waits for the units of work of operations already running on other
   * threads to end (at most 30 seconds, after which it goes on and logs how many were left), releases the node number
   * the engine leased (see {@link Builder#nodeId}; a release the storage fails is left to run out), and closes the
   * storage. A close on an interrupted thread waits for neither the delivery nor the units of work, and keeps the
   * interrupt. Units of work left when the wait ends have the storage closed under them: what becomes of them is the
   * storage's (they may fail, or commit if the storage lets a transaction under way finish: {@code JdbcStorage} on H2
   * lets them finish and closes its pool when the last ends, on PostgreSQL its pool aborts their connections); since
   * they may still make ids, the node number is then not released but left to run out its lease (10 minutes), and the
   * close does not wait for them in the release either. An operation made of several units of work (one retried after a
   * conflict, for example) may be refused between them. Idempotent: a call once a close has begun returns at once,
   * without waiting for that close to end.
   *
   * <p>Host code the engine calls inside one of its operations' units of work (a {@link
   * io.loyaltyengine.fraud.RiskRule}, the clock, an id generator, a storage) cannot close the engine: close would
   * wait for that unit of work, which cannot end while it waits, and then close the storage under it. Such a call
   * fails at once with {@link IllegalStateException}, a programming error like an operation on a closed engine, and
   * changes nothing (unless a close had already begun on another thread: it then returns at once, as above); close
   * the engine once the operation has returned. An {@link io.loyaltyengine.events.EventListener}
   * runs after the commit, outside any unit of work, and may close the engine: the close then does not wait for the
   * delivery that called it. That delivery is not recorded as done (the engine is closed when the listener returns):
   * it is delivered again, by an instance with that listener, once its lease runs out. Under manual dispatch the host's
   * {@link Events#dispatch()} that called the listener ends with the closed engine's {@link IllegalStateException}.
   *
   * @throws IllegalStateException if called inside a unit of work of this engine (see above)
   */
  @Override
  void close();

  /**
   * Builds a {@link LoyaltyEngine}. Each setter validates its value at once and names the setting in its error;
   * {@link #build()} checks what depends on several settings. Not thread-safe.
   */
  final class Builder {
    private EngineStorage storage;
    private Clock clock;
    private IdGenerator idGenerator;
    private int nodeId = -1;
    private EngineLimits limits;
    private int maxTransactionRetries = -1;
    private int maxGroupCommit = -1;
    /** Whether build() took the storage: it belongs to the engine built, or was closed by the build that failed. */
    private boolean built;
    private EventSettings events;
    private WebhookSettings webhooks;
    private io.loyaltyengine.fraud.FraudScreening fraudScreening;
    private io.loyaltyengine.leaderboard.LeaderboardSettings leaderboards;
    private io.loyaltyengine.sso.SsoSettings singleSignOn;
    private io.loyaltyengine.access.AccessSettings access;
    private final List<EngineConfig.Listener> listeners = new ArrayList<>();
    private final List<EngineConfig.Fulfiller> fulfilmentHandlers = new ArrayList<>();

    private Builder() {
    }

    /**
     * Where state lives (required). The engine owns the storage from now on and closes it on {@link #close()}.
     *
     * @param storage the storage
     * @return this builder
     * @throws NullPointerException if {@code storage} is null
     * @throws IllegalStateException if the storage was already set
     */
    public Builder storage(EngineStorage storage) {
      if (this.storage != null) {
        throw new IllegalStateException("storage was already set to " + this.storage);
      }
      this.storage = Objects.requireNonNull(storage, "storage");
      return this;
    }

    /**
     * The time source for every timestamp and month boundary (default: {@link Clock#systemUTC()}).
     *
     * @param clock the time source
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     * @throws IllegalStateException if the clock was already set
     */
    public Builder clock(Clock clock) {
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set to " + this.clock);
      }
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The id source (default: time-ordered ids on a leased node number; see {@link IdGenerator}). Cannot be combined
     * with {@link #nodeId}. The engine then leases no node number: the generator must keep the ids of every instance
     * on the database apart by itself.
     *
     * <p>The default generator takes its time from the engine's clock and counts from 2024-01-01: give your own
     * generator when the clock is set in the past (replaying history with a clock at each order's time), or ids
     * made before 2024, or again after a restart, could collide.
     *
     * @param idGenerator the id source
     * @return this builder
     * @throws NullPointerException if {@code idGenerator} is null
     * @throws IllegalStateException if an id generator or a node id was already set
     */
    public Builder idGenerator(IdGenerator idGenerator) {
      if (this.idGenerator != null) {
        throw new IllegalStateException("idGenerator was already set to " + this.idGenerator);
      }
      if (nodeId >= 0) {
        throw new IllegalStateException("nodeId was already set to " + nodeId + "; it applies to the default id "
            + "generator only, so do not combine it with idGenerator");
      }
      this.idGenerator = Objects.requireNonNull(idGenerator, "idGenerator");
      return this;
    }

    /**
     * The node number (0..1023) the default id generator puts in every id. Two instances that share a database and
     * hold one number make colliding ids (writes then fail on their primary keys), so the host that sets it must give
     * every instance on the database a number of its own, also across restarts and deployments that overlap.
     *
     * <p>Default: leased from the storage. {@link #build()} claims a number that no running instance on the database
     * holds (one never leased first, else the one released or whose lease ran out longest ago), for 10 minutes; the
     * engine renews the lease every 2 minutes, before its next unit of work once due and in its event dispatch
     * rounds (so an idle engine keeps its number too), and {@link LoyaltyEngine#close()} releases it. An instance
     * that renewed nothing for 10 minutes (idle or paused that long) may find its number taken by another; its next
     * unit of work then moves it to a new number before making any id, and it logs a warning.
     *
     * @param nodeId the node number, 0..1023
     * @return this builder
     * @throws IllegalArgumentException if {@code nodeId} is outside 0..1023
     * @throws IllegalStateException if a node id or an id generator was already set
     */
    public Builder nodeId(int nodeId) {
      if (nodeId < 0 || nodeId > 1023) {
        throw new IllegalArgumentException("nodeId must be between 0 and 1023 but was " + nodeId);
      }
      if (this.nodeId >= 0) {
        throw new IllegalStateException("nodeId was already set to " + this.nodeId);
      }
      if (idGenerator != null) {
        throw new IllegalStateException("idGenerator was already set; nodeId applies to the default generator only");
      }
      this.nodeId = nodeId;
      return this;
    }

    /**
     * Input bounds (default: {@link EngineLimits#DEFAULTS}).
     *
     * @param limits the input bounds
     * @return this builder
     * @throws NullPointerException if {@code limits} is null
     * @throws IllegalStateException if limits were already set
     */
    public Builder limits(EngineLimits limits) {
      if (this.limits != null) {
        throw new IllegalStateException("limits were already set to " + this.limits);
      }
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * How often a transaction that fails transiently (deadlock, serialization failure, lock timeout) is retried
     * before the operation fails with {@link ErrorCode#STORAGE_UNAVAILABLE}; 0..20, default 5.
     *
     * @param retries the most retries
     * @return this builder
     * @throws IllegalArgumentException if {@code retries} is outside 0..20
     * @throws IllegalStateException if it was already set
     */
    public Builder maxTransactionRetries(int retries) {
      if (retries < 0 || retries > 20) {
        throw new IllegalArgumentException("maxTransactionRetries must be between 0 and 20 but was " + retries);
      }
      if (maxTransactionRetries >= 0) {
        throw new IllegalStateException("maxTransactionRetries was already set to " + maxTransactionRetries);
      }
      this.maxTransactionRetries = retries;
      return this;
    }

    /**
     * The most operations combined into one transaction (group commit); 1..256; 1 turns combining off. Default: 64.
     *
     * <p>Awards, deductions, recorded actions and redemptions that the engine runs in transactions of its own, called
     * at the same time from several threads, are combined into shared transactions, so that one durable commit (one
     * fsync) serves many calls. Each call still returns only after its own effects are durable, with its own result
     * or error, and one that fails never fails its neighbours. Calls on one participant combined into one
     * transaction apply in the order they arrived. A call alone pays no more than before: it runs at once, in a
     * transaction of its own. Operations inside a host's transaction are never combined.
     *
     * <p>A batch of awards and deductions runs in one go, each tenant's calls as a chunk of
     * {@link io.loyaltyengine.points.Points#applyAll} would: their participants locked by one query, their balances
     * changed by one update, their rows written at once. A call refused there (an unknown participant, an overdraft,
     * a key reused with other parameters) gets its error and changes nothing, while the others go on. Should one fail
     * otherwise, the batch runs again with each call behind a savepoint, as every other batch does (on PostgreSQL,
     * each call alone).
     *
     * <p>On a store that commits concurrent transactions in parallel itself (PostgreSQL, whose concurrent commits
     * already share WAL flushes) two batches run at a time, each on its own connection, and only awards and
     * deductions are combined: a call finding a batch free runs at once, and other calls always do. Measured
     * (docs/BENCHMARKS.md): on an H2 file, whose commits are written one at a time, combining multiplies awards per
     * second from several threads; on PostgreSQL it doubles them from 16 threads, and from 4 gives about 10% fewer
     * than no combining.
     *
     * @param operations the most operations per transaction
     * @return this builder
     * @throws IllegalArgumentException if {@code operations} is outside 1..256
     * @throws IllegalStateException if it was already set
     */
    public Builder maxGroupCommit(int operations) {
      if (operations < 1 || operations > 256) {
        throw new IllegalArgumentException("maxGroupCommit must be between 1 and 256 but was " + operations);
      }
      if (maxGroupCommit >= 0) {
        throw new IllegalStateException("maxGroupCommit was already set to " + maxGroupCommit);
      }
      this.maxGroupCommit = operations;
      return this;
    }

    /**
     * How events are dispatched (default: {@link EventSettings#DEFAULTS}, a background dispatcher thread).
     *
     * @param events the event settings
     * @return this builder
     * @throws NullPointerException if {@code events} is null
     * @throws IllegalStateException if event settings were already set
     */
    public Builder events(EventSettings events) {
      if (this.events != null) {
        throw new IllegalStateException("events were already set to " + this.events);
      }
      this.events = Objects.requireNonNull(events, "events");
      return this;
    }

    /**
     * How webhook endpoints are called (default: {@link WebhookSettings#DEFAULTS}: public addresses only).
     *
     * @param webhooks the webhook settings
     * @return this builder
     * @throws NullPointerException if {@code webhooks} is null
     * @throws IllegalStateException if webhook settings were already set
     */
    public Builder webhooks(WebhookSettings webhooks) {
      if (this.webhooks != null) {
        throw new IllegalStateException("webhooks were already set to " + this.webhooks);
      }
      this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
      return this;
    }

    /**
     * How referrals are screened for fraud (default: {@link io.loyaltyengine.fraud.FraudScreening#DEFAULTS}, the
     * engine's rules and shipped disposable-domain list).
     *
     * @param fraudScreening the fraud screening settings
     * @return this builder
     * @throws NullPointerException if {@code fraudScreening} is null
     * @throws IllegalStateException if fraud screening was already set
     */
    public Builder fraudScreening(io.loyaltyengine.fraud.FraudScreening fraudScreening) {
      if (this.fraudScreening != null) {
        throw new IllegalStateException("fraudScreening was already set to " + this.fraudScreening);
      }
      this.fraudScreening = Objects.requireNonNull(fraudScreening, "fraudScreening");
      return this;
    }

    /**
     * How leaderboard indexes are kept (default: {@link io.loyaltyengine.leaderboard.LeaderboardSettings#DEFAULTS}).
     *
     * @param leaderboards the leaderboard settings
     * @return this builder
     * @throws NullPointerException if {@code leaderboards} is null
     * @throws IllegalStateException if leaderboard settings were already set
     */
    public Builder leaderboards(io.loyaltyengine.leaderboard.LeaderboardSettings leaderboards) {
      if (this.leaderboards != null) {
        throw new IllegalStateException("leaderboards were already set to " + this.leaderboards);
      }
      this.leaderboards = Objects.requireNonNull(leaderboards, "leaderboards");
      return this;
    }

    /**
     * How single sign-on logins are checked (default: {@link io.loyaltyengine.sso.SsoSettings#DEFAULTS}: 5 minutes of
     * clock skew, 1 hour of rotation grace). The settings validate themselves when made.
     *
     * @param singleSignOn the single sign-on settings
     * @return this builder
     * @throws NullPointerException if {@code singleSignOn} is null
     * @throws IllegalStateException if single sign-on settings were already set
     */
    public Builder singleSignOn(io.loyaltyengine.sso.SsoSettings singleSignOn) {
      if (this.singleSignOn != null) {
        throw new IllegalStateException("singleSignOn was already set to " + this.singleSignOn);
      }
      this.singleSignOn = Objects.requireNonNull(singleSignOn, "singleSignOn");
      return this;
    }

    /**
     * How API keys are cached and tenants' request rates limited (default:
     * {@link io.loyaltyengine.access.AccessSettings#DEFAULTS}: no rate limits, keys cached 30 s).
     *
     * @param access the access settings
     * @return this builder
     * @throws NullPointerException if {@code access} is null
     * @throws IllegalStateException if access settings were already set
     */
    public Builder access(io.loyaltyengine.access.AccessSettings access) {
      if (this.access != null) {
        throw new IllegalStateException("access was already set to " + this.access);
      }
      this.access = Objects.requireNonNull(access, "access");
      return this;
    }

    /**
     * Subscribes a listener as {@link io.loyaltyengine.events.Events#subscribe} does, but before the engine starts
     * dispatching events. A listener subscribed after {@link #build()} misses the events a background dispatcher
     * positions meanwhile, among them those committed before a restart and not yet positioned when the process
     * stopped; one given here receives them. Register the same listeners, under the same names, on every instance.
     *
     * @param name the listener's stable name (its rule is checked by {@link #build()})
     * @param filter which events it wants; null for every event
     * @param listener the listener
     * @return this builder
     * @throws NullPointerException if {@code name} or {@code listener} is null
     */
    public Builder listener(String name, io.loyaltyengine.events.EventFilter filter,
        io.loyaltyengine.events.EventListener listener) {
      listeners.add(new EngineConfig.Listener(Objects.requireNonNull(name, "name"),
          filter == null ? io.loyaltyengine.events.EventFilter.all() : filter,
          Objects.requireNonNull(listener, "listener")));
      return this;
    }

    /**
     * Registers the handler that fulfils CUSTOM rewards naming {@code name} (1..53 of {@code a-z A-Z 0-9 _ - .}),
     * before the engine starts dispatching events. It is called after an approval commits, at least once, with the
     * retries and parking of an event listener named {@code fulfilment.<name>} (see {@link #listener}): so it also
     * serves approvals committed before a restart, or by another instance, that were not yet fulfilled. Register
     * the same handlers on every instance.
     *
     * @param name the handler's name (its rule is checked by {@link #build()})
     * @param handler the handler; called from the dispatcher's thread, so it must be thread-safe if used elsewhere
     * @return this builder
     * @throws NullPointerException if {@code name} or {@code handler} is null
     */
    public Builder fulfilmentHandler(String name, io.loyaltyengine.rewards.FulfilmentHandler handler) {
      fulfilmentHandlers.add(new EngineConfig.Fulfiller(Objects.requireNonNull(name, "name"),
          Objects.requireNonNull(handler, "handler")));
      return this;
    }

    /**
     * Builds the engine. Finds the implementation ({@code engine-core}) on the class or module path.
     *
     * @return the engine
     * @throws IllegalStateException if no storage was set, if the storage is not a storage module's (it does not
     *     implement engine-core's storage SPI, as {@code JdbcStorage} and {@code InMemoryStorage} do), if build() was
     *     called before with a storage set (whether it built an engine or failed), if the events' lease is shorter
     *     than twice the webhooks' connect and request timeouts together (see {@link EventSettings.Builder#lease}),
     *     if {@code engine-core}
     *     is missing, or if neither {@link #nodeId} nor {@link #idGenerator} was set and all 1,024 node numbers are
     *     leased by running instances on the database
     * @throws LoyaltyException VALIDATION_ERROR on the name of a listener given to {@link #listener} or of a
     *     handler given to {@link #fulfilmentHandler}, CONFLICT if two listeners have one name (a handler's listener
     *     is named {@code fulfilment.<name>}); nothing is started then. STORAGE_UNAVAILABLE if the node number
     *     could not be leased because the storage failed. Whatever the failure, the storage is closed: the engine
     *     owned it; and what the build had started is stopped first, its node number (leased before a later step
     *     failed, the event dispatcher's thread refused for example) released at once rather than left to run out
     *     its lease. The build's own failure is thrown, a failure of that clean-up added to it as suppressed
     */
    public LoyaltyEngine build() {
      if (storage == null) {
        throw new IllegalStateException("storage must be set: use JdbcStorage (engine-jdbc) "
            + "or InMemoryStorage (engine-test-kit)");
      }
      if (built) {
        // A second engine on the first one's storage would close it under the first, or run on a closed one.
        throw new IllegalStateException("build() was already called on this builder: its storage belongs to the "
            + "engine built, or was closed by the build that failed; use a new builder with a new storage");
      }
      built = true;
      try {
        return create();
      } catch (RuntimeException | Error e) {
        // The engine owns the storage from storage() on: one not built leaves nothing open (an H2 file's lock).
        try {
          storage.close();
        } catch (RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }

    private LoyaltyEngine create() {
      EventSettings eventSettings = events == null ? EventSettings.DEFAULTS : events;
      WebhookSettings webhookSettings = webhooks == null ? WebhookSettings.DEFAULTS : webhooks;
      // A delivery starts only while half its lease is left: a webhook call longer than that could outlive the
      // lease, and another instance would claim the delivery and send it again, concurrently.
      Duration slowestCall = webhookSettings.connectTimeout().plus(webhookSettings.requestTimeout());
      if (eventSettings.lease().compareTo(slowestCall.multipliedBy(2)) < 0) {
        throw new IllegalStateException("events.lease must be at least twice webhooks.connectTimeout plus "
            + "webhooks.requestTimeout (" + slowestCall.multipliedBy(2) + ") but was " + eventSettings.lease());
      }
      EngineConfig config = new EngineConfig(storage,
          clock == null ? Clock.systemUTC() : clock,
          idGenerator,
          nodeId,
          limits == null ? EngineLimits.DEFAULTS : limits,
          maxTransactionRetries < 0 ? 5 : maxTransactionRetries,
          maxGroupCommit < 0 ? 64 : maxGroupCommit,
          eventSettings,
          webhookSettings,
          fraudScreening == null ? io.loyaltyengine.fraud.FraudScreening.DEFAULTS : fraudScreening,
          leaderboards == null ? io.loyaltyengine.leaderboard.LeaderboardSettings.DEFAULTS : leaderboards,
          listeners, fulfilmentHandlers,
          singleSignOn == null ? io.loyaltyengine.sso.SsoSettings.DEFAULTS : singleSignOn,
          access == null ? io.loyaltyengine.access.AccessSettings.DEFAULTS : access);
      EngineFactory factory = ServiceLoader.load(EngineFactory.class, LoyaltyEngine.class.getClassLoader())
          .findFirst()
          .orElseThrow(() -> new IllegalStateException(
              "no engine implementation found: add io.loyaltyengine:engine-core to the runtime class path"));
      return factory.create(config);
    }
  }
}
