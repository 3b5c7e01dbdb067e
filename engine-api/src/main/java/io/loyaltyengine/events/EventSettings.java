package io.loyaltyengine.events;

import static io.loyaltyengine.internal.SettingChecks.between;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine dispatches events. Immutable; built with {@link #builder()}, whose setters validate at once.
 *
 * <p>Defaults: background dispatch polling every 500 ms (a round that did work is followed at once by another),
 * 100 deliveries per round, a 60 s lease on claimed deliveries (more than twice the longest default webhook call:
 * 5 s to look up the endpoint's host and 15 s for the whole exchange), 10 attempts before a listener delivery is
 * parked, dispatched events kept 7 days.
 *
 * @param backgroundDispatch whether the engine runs its own dispatcher thread; if false the host calls
 *     {@link Events#dispatch()}
 * @param pollInterval pause between idle rounds of the background dispatcher, 10 ms..10 min
 * @param batchSize deliveries claimed per round, and events of one tenant positioned per round, 1..10,000
 * @param lease how long a claimed delivery is reserved for the instance that claimed it, 1 s..1 h
 * @param listenerMaxAttempts attempts before a listener delivery is parked, 1..100
 * @param retention how long dispatched events stay in the change feed before they are pruned, 1 min..3,650 days
 */
public record EventSettings(boolean backgroundDispatch, Duration pollInterval, int batchSize, Duration lease,
    int listenerMaxAttempts, Duration retention) {

  /** The defaults. */
  public static final EventSettings DEFAULTS = new EventSettings(true, Duration.ofMillis(500), 100,
      Duration.ofSeconds(60), 10, Duration.ofDays(7));

  /**
   * Validates every setting.
   *
   * @param backgroundDispatch whether the engine runs its own dispatcher thread; if false the host calls {@link
   *     Events#dispatch()}
   * @param pollInterval pause between idle rounds of the background dispatcher, 10 ms..10 min
   * @param batchSize deliveries claimed per round, and events of one tenant positioned per round, 1..10,000
   * @param lease how long a claimed delivery is reserved for the instance that claimed it, 1 s..1 h
   * @param listenerMaxAttempts attempts before a listener delivery is parked, 1..100
   * @param retention how long dispatched events stay in the change feed before they are pruned, 1 min..3,650 days
   * @throws NullPointerException naming the setting, if a duration is null
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public EventSettings {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(retention, "retention");
    between("pollInterval", pollInterval, Duration.ofMillis(10), Duration.ofMinutes(10));
    if (batchSize < 1 || batchSize > 10_000) {
      throw new IllegalArgumentException("batchSize must be between 1 and 10000 but was " + batchSize);
    }
    between("lease", lease, Duration.ofSeconds(1), Duration.ofHours(1));
    if (listenerMaxAttempts < 1 || listenerMaxAttempts > 100) {
      throw new IllegalArgumentException(
          "listenerMaxAttempts must be between 1 and 100 but was " + listenerMaxAttempts);
    }
    between("retention", retention, Duration.ofMinutes(1), Duration.ofDays(3_650));
  }

  /**
   * A builder starting from {@link #DEFAULTS}.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds {@link EventSettings}, starting from {@link #DEFAULTS}; each setter validates at once, and a setter called
   * again replaces the value it set before. Not thread-safe.
   */
  public static final class Builder {
    private boolean backgroundDispatch = DEFAULTS.backgroundDispatch;
    private Duration pollInterval = DEFAULTS.pollInterval;
    private int batchSize = DEFAULTS.batchSize;
    private Duration lease = DEFAULTS.lease;
    private int listenerMaxAttempts = DEFAULTS.listenerMaxAttempts;
    private Duration retention = DEFAULTS.retention;

    private Builder() {
    }

    /**
     * The host drives dispatch by calling {@link Events#dispatch()}; the engine starts no thread (by default it runs
     * a background dispatcher thread). The engine's lease on its node number is renewed before its units of work all
     * the same (see {@link io.loyaltyengine.LoyaltyEngine.Builder#nodeId}). Calls from several host threads take
     * turns; to stop a round, interrupt its thread: it cancels the round's webhook calls and returns, and the
     * deliveries it did not make come back once their lease runs out (see {@link Events#dispatch()}).
     *
     * @return this builder
     */
    public Builder manualDispatch() {
      this.backgroundDispatch = false;
      return this;
    }

    /**
     * Pause between idle background rounds, 10 ms..10 min (default 500 ms).
     *
     * @param value the pause
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder pollInterval(Duration value) {
      between("pollInterval", Objects.requireNonNull(value, "pollInterval"), Duration.ofMillis(10),
          Duration.ofMinutes(10));
      this.pollInterval = value;
      return this;
    }

    /**
     * Deliveries claimed per round, and events of one tenant positioned per round, 1..10,000 (default 100).
     *
     * @param value deliveries per round
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder batchSize(int value) {
      if (value < 1 || value > 10_000) {
        throw new IllegalArgumentException("batchSize must be between 1 and 10000 but was " + value);
      }
      this.batchSize = value;
      return this;
    }

    /**
     * Lease on a claimed delivery, 1 s..1 h (default 60 s); at least twice the slowest listener or webhook call (a
     * claimed delivery starts only while half its lease is left; the rest of a round's batch is claimed again later).
     * The engine's builder refuses a lease shorter than twice the webhooks' connect and request timeouts together.
     *
     * @param value the lease
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder lease(Duration value) {
      between("lease", Objects.requireNonNull(value, "lease"), Duration.ofSeconds(1), Duration.ofHours(1));
      this.lease = value;
      return this;
    }

    /**
     * Attempts before a listener delivery is parked, 1..100 (default 10).
     *
     * @param value the most attempts
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder listenerMaxAttempts(int value) {
      if (value < 1 || value > 100) {
        throw new IllegalArgumentException("listenerMaxAttempts must be between 1 and 100 but was " + value);
      }
      this.listenerMaxAttempts = value;
      return this;
    }

    /**
     * How long dispatched events are kept, 1 min..3,650 days (default 7 days). Pending and parked events are never
     * pruned.
     *
     * @param value how long dispatched events are kept
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder retention(Duration value) {
      between("retention", Objects.requireNonNull(value, "retention"), Duration.ofMinutes(1),
          Duration.ofDays(3_650));
      this.retention = value;
      return this;
    }

    /**
     * Returns the settings.
     *
     * @return the settings
     */
    public EventSettings build() {
      return new EventSettings(backgroundDispatch, pollInterval, batchSize, lease, listenerMaxAttempts, retention);
    }
  }
}
