package io.loyaltyengine.access;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How the engine authenticates API keys and limits each tenant's request rate. Immutable; built with
 * {@link #builder()}, whose setters validate at once; the canonical constructor validates too.
 *
 * <pre>{@code
 * AccessSettings.builder()
 *     .plan("free", 60, Duration.ofMinutes(1))
 *     .plan("pro", 1_000, Duration.ofMinutes(1))
 *     .defaultPlan("free")
 *     .build();
 * }</pre>
 *
 * <h2>Plans</h2>
 * A tenant's plan ({@link io.loyaltyengine.tenant.Tenant#plan()}, changed by
 * {@link io.loyaltyengine.tenant.Tenants#changePlan}) names one of {@link #plans()}. A tenant without a plan, or
 * whose plan is not configured on this instance, is held to {@link #defaultPlan()}. With no plans configured (the
 * default), nothing is rate limited.
 *
 * <p>Each plan allows {@code limit} requests per {@code period} as a token bucket: up to {@code limit} at once, then
 * one more every {@code period / limit}. A tenant's bucket is kept in the storage and shared by every engine
 * instance on it: an instance leases tokens in batches of {@code max(1, limit / 10)} with one atomic update and
 * spends them without storage, so N instances together let through at most the plan's bucket and refill plus
 * {@code N * (batch - 1)} requests (each holds fewer than a batch leased). While the storage fails a lease, an
 * instance holds tenants to buckets of its own, full at first (up to N times the plan's rate over N instances), and
 * tries the storage again after a second; the outage leaves the shared bucket as it was, so over an outage and its
 * end N instances let a tenant through up to N + 1 buckets and their refill (and the tokens they held leased).
 * Instances on one storage should have the same plans and agree on the time: a lease refills the bucket by its own
 * instance's clock, and the bucket's refill time only moves forward, so clocks that disagree by up to {@code s}
 * add at most the refill of {@code s} to what they let through over any interval.
 *
 * @param plans the plans by name, in the order given
 * @param defaultPlan the plan of tenants without one (or with one not configured here); null when no plans
 * @param keyCacheTtl how long an instance trusts a key (and its tenant's plan) it has read: revocations, deletions
 *     and plan changes made on other instances take effect here within it, 0..10 min; 0 disables the cache (every
 *     request reads the key)
 */
public record AccessSettings(Map<String, RateLimit> plans, String defaultPlan, Duration keyCacheTtl) {

  /** Longest plan name. */
  public static final int MAX_PLAN_NAME_LENGTH = 50;

  /** Most requests a plan may allow per period. */
  public static final int MAX_LIMIT = 10_000_000;

  /** No plans (no rate limits), keys cached for 30 seconds. */
  public static final AccessSettings DEFAULTS = new AccessSettings(Map.of(), null, Duration.ofSeconds(30));

  /**
   * A plan's rate: {@code limit} requests per {@code period}. Immutable.
   *
   * @param limit requests per period, 1..10,000,000
   * @param period 1 s..1 day; a fraction of a microsecond counts as a whole one, since the buckets count in them
   */
  public record RateLimit(int limit, Duration period) {
    /**
     * Validates.
     *
     * @param limit requests per period, 1..10,000,000
     * @param period 1 s..1 day; a fraction of a microsecond counts as a whole one, since the buckets count in them
     * @throws NullPointerException if {@code period} is null
     * @throws IllegalArgumentException naming the setting and its bounds
     */
    public RateLimit {
      check("plan", limit, period);
    }

    /** Checks a rate's bounds, the messages naming it as {@code what} (the builder names the plan). */
    private static void check(String what, int limit, Duration period) {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(what + " limit must be between 1 and " + MAX_LIMIT + " but was " + limit);
      }
      Objects.requireNonNull(period, "period");
      if (period.compareTo(Duration.ofSeconds(1)) < 0 || period.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(what + " period must be between PT1S and PT24H but was " + period);
      }
    }
  }

  /**
   * Validates every setting and copies the plans.
   *
   * @param plans the plans by name, in the order given
   * @param defaultPlan the plan of tenants without one (or with one not configured here); null when no plans
   * @param keyCacheTtl how long an instance trusts a key (and its tenant's plan) it has read: revocations, deletions
   *     and plan changes made on other instances take effect here within it, 0..10 min; 0 disables the cache (every
   *     request reads the key)
   * @throws NullPointerException if {@code plans}, a plan's rate or {@code keyCacheTtl} is null
   * @throws IllegalArgumentException naming the setting and its bounds; naming {@code defaultPlan} if it is not one
   *     of the plans (null exactly when there are none)
   */
  public AccessSettings {
    Objects.requireNonNull(plans, "plans");
    Objects.requireNonNull(keyCacheTtl, "keyCacheTtl");
    // Copied first and the copy checked: a plan another thread puts into the caller's map meanwhile is either in
    // the copy, and checked, or not kept at all.
    plans = Collections.unmodifiableMap(new LinkedHashMap<>(plans));
    plans.forEach((name, rate) -> {
      checkPlanName("plan name", name);
      Objects.requireNonNull(rate, "plan " + name);
    });
    String defaultPlanProblem = defaultPlanProblem(plans, defaultPlan);
    if (defaultPlanProblem != null) {
      throw new IllegalArgumentException(defaultPlanProblem);
    }
    checkTtl(keyCacheTtl);
  }

  /** What is wrong with {@code defaultPlan} given {@code plans}, or null: it must be one of them, if any. */
  private static String defaultPlanProblem(Map<String, RateLimit> plans, String defaultPlan) {
    if (plans.isEmpty()) {
      return defaultPlan == null ? null : "defaultPlan must be one of the plans but no plans are configured";
    }
    if (defaultPlan == null) {
      return "defaultPlan must be set when plans are configured";
    }
    return plans.containsKey(defaultPlan) ? null : "defaultPlan must be one of the plans " + plans.keySet();
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
   * Whether rates are limited: whether any plan is configured.
   *
   * @return true if at least one plan is configured
   */
  public boolean limitsRates() {
    return !plans.isEmpty();
  }

  /**
   * The rate a tenant on {@code plan} is held to: its plan's, or the default plan's if {@code plan} is null or not
   * configured here; null when no plans are configured.
   *
   * @param plan the tenant's plan, or null
   * @return the rate, or null when no plans are configured
   */
  public RateLimit rateOf(String plan) {
    RateLimit rate = plan == null ? null : plans.get(plan);
    return rate != null ? rate : defaultPlan == null ? null : plans.get(defaultPlan);
  }

  /**
   * Whether {@code name} is a valid plan name: 1..{@value #MAX_PLAN_NAME_LENGTH} characters of
   * {@code a-z 0-9 _ -}.
   *
   * @param name the candidate name, or null
   * @return true if it is a valid plan name
   */
  public static boolean isPlanName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_PLAN_NAME_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** Refuses a name that is not a plan name; {@code setting} is what the message calls it. */
  private static void checkPlanName(String setting, String name) {
    if (!isPlanName(name)) {
      throw new IllegalArgumentException(setting + " must be 1 to " + MAX_PLAN_NAME_LENGTH
          + " characters of a-z, 0-9, _ and - but was " + (name == null ? "null" : "\"" + name + "\""));
    }
  }

  private static void checkTtl(Duration ttl) {
    if (ttl.isNegative() || ttl.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("keyCacheTtl must be between PT0S and PT10M but was " + ttl);
    }
  }

  @Override
  public String toString() {
    return "AccessSettings[plans=" + plans + ", defaultPlan=" + defaultPlan + ", keyCacheTtl=" + keyCacheTtl + "]";
  }

  /**
   * Builds {@link AccessSettings}, starting from {@link #DEFAULTS}; each setter validates at once, {@link #build()}
   * the default plan. {@link #defaultPlan} and {@link #keyCacheTtl} called again replace the value they set before;
   * {@link #plan} refuses a name already added. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, RateLimit> plans = new LinkedHashMap<>();
    private String defaultPlan;
    private Duration keyCacheTtl = DEFAULTS.keyCacheTtl;

    private Builder() {
    }

    /**
     * Adds a plan allowing {@code limit} requests (1..10,000,000) per {@code period} (1 s..1 day).
     *
     * @param name the plan's name
     * @param limit requests per period
     * @param period the period the limit counts over
     * @return this builder
     * @throws NullPointerException if {@code period} is null
     * @throws IllegalArgumentException naming the plan and the bound, or if a plan of that name was already added
     */
    public Builder plan(String name, int limit, Duration period) {
      checkPlanName("plan name", name);
      if (plans.containsKey(name)) {
        throw new IllegalArgumentException("plan \"" + name + "\" was already added");
      }
      // Checked here first, so that a bound's message names the plan, as a host's settings file would.
      RateLimit.check("plan \"" + name + "\"", limit, period);
      plans.put(name, new RateLimit(limit, period));
      return this;
    }

    /**
     * The plan of tenants without one, or with one not configured here; must be one of the plans by {@link #build()}.
     *
     * @param name one of the plans' names
     * @return this builder
     * @throws IllegalArgumentException naming {@code defaultPlan}, if {@code name} is not a plan name (1..50 of
     *     {@code a-z 0-9 _ -}; null is not one)
     */
    public Builder defaultPlan(String name) {
      checkPlanName("defaultPlan", name);
      this.defaultPlan = name;
      return this;
    }

    /**
     * How long a verified key is cached, 0..10 min; 0 disables the cache. Default 30 s.
     *
     * @param ttl how long a verified key is cached
     * @return this builder
     * @throws NullPointerException if {@code ttl} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code ttl} is outside them
     */
    public Builder keyCacheTtl(Duration ttl) {
      checkTtl(Objects.requireNonNull(ttl, "keyCacheTtl"));
      this.keyCacheTtl = ttl;
      return this;
    }

    /**
     * Returns the settings.
     *
     * @return the validated settings
     * @throws IllegalStateException naming {@code defaultPlan}, if plans are configured without a default plan, or
     *     the default plan is not one of them
     */
    public AccessSettings build() {
      // A combination of settings: refused as the engine's and the JDBC storage's builders refuse theirs.
      String defaultPlanProblem = defaultPlanProblem(plans, defaultPlan);
      if (defaultPlanProblem != null) {
        throw new IllegalStateException(defaultPlanProblem);
      }
      return new AccessSettings(plans, defaultPlan, keyCacheTtl);
    }
  }
}
