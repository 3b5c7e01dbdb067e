package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.SettingCalls.SEEDS;
import static io.loyaltyengine.testkit.SettingCalls.attempt;
import static io.loyaltyengine.testkit.SettingCalls.fuzz;
import static io.loyaltyengine.testkit.SettingCalls.iae;
import static io.loyaltyengine.testkit.SettingCalls.ise;
import static io.loyaltyengine.testkit.SettingCalls.npe;
import static io.loyaltyengine.testkit.SettingCalls.orNull;
import static io.loyaltyengine.testkit.SettingCalls.outside;
import static io.loyaltyengine.testkit.SettingCalls.refusals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.fraud.RiskRule;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.testkit.SettingCalls.Box;
import io.loyaltyengine.testkit.SettingCalls.Call;
import io.loyaltyengine.testkit.SettingCalls.Refusal;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz test of the settings a host configures the engine with ({@link EngineLimits}, {@link EventSettings},
 * {@link WebhookSettings}, {@link LeaderboardSettings}, {@link SsoSettings}, {@link AccessSettings},
 * {@link FraudScreening}; {@link io.loyaltyengine.LoyaltyEngine.Builder} has {@link EngineBuilderFuzzTest}). Random
 * sequences of calls of each builder's setters, of the settings' canonical constructors and of their
 * {@code with...} methods, with values drawn around every documented bound (each bound and its neighbours, 0, -1,
 * the extremes of {@code int} and {@code long}, null; for durations also negative, zero and
 * {@code Duration.ofSeconds(Long.MAX_VALUE)}). Builders validate at once, like Caffeine's, and errors name the
 * setting and the bound, like HikariCP's; so each call must:
 * <ul>
 *   <li>accept its value, or throw at once the exception its javadoc documents ({@code IllegalArgumentException}
 *       out of bounds, {@code NullPointerException} for null, {@code IllegalStateException} where documented) with a
 *       message naming the setting and the bound it broke; nothing else escapes;</li>
 *   <li>if refused, leave the builder as it was, and if accepted, set what it says: after every call, {@code build()}
 *       gives exactly the settings of the calls accepted so far (the model), read back through the accessors.</li>
 * </ul>
 * A failing run prints its seed and a shortened sequence of calls ({@link io.loyaltyengine.testkit.model.ModelRunner});
 * {@code -Dloyalty.seed=<seed>} replays one seed.
 */
class SettingsBuilderFuzzTest {
  private static final int STEPS = 60;

  private static Gen<Duration> durations(Duration min, Duration max) {
    return orNull(Generators.durationsAround(min, max));
  }

  // ================================================================== EngineLimits

  @Test
  void engineLimits() {
    Gen<Integer> keys = Generators.intsAround(1, 1_000);
    Gen<Integer> keyLengths = Generators.intsAround(1, 256);
    Gen<Integer> valueLengths = Generators.intsAround(1, 65_536);
    Gen<Long> points = Generators.longsAround(1, Long.MAX_VALUE);
    Gen<Call> calls = Gen.oneOf(
        keys.map(v -> Call.of("maxMetadataKeys", v)),
        keyLengths.map(v -> Call.of("maxMetadataKeyLength", v)),
        valueLengths.map(v -> Call.of("maxMetadataValueLength", v)),
        points.map(v -> Call.of("maxPointsPerOperation", v)),
        random -> Call.of("new", keys.next(random), keyLengths.next(random), valueLengths.next(random),
            points.next(random)));
    fuzz("EngineLimits", EngineLimits::builder, builder -> new Box<>(EngineLimits.DEFAULTS), calls,
        SettingsBuilderFuzzTest::engineLimitsCall, (builder, model) -> assertEquals(model.value, builder.build()),
        STEPS, SEEDS, Set.of("maxMetadataKeys", "maxMetadataKeyLength", "maxMetadataValueLength",
            "maxPointsPerOperation", "new"), Set.of());
  }

  private static void engineLimitsCall(EngineLimits.Builder builder, Box<EngineLimits> model, Call call) {
    EngineLimits e = model.value;
    switch (call.setter()) {
      case "maxMetadataKeys" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("maxMetadataKeys", v, 1, 1_000)), () -> builder.maxMetadataKeys(v))) {
          model.value = new EngineLimits(v, e.maxMetadataKeyLength(), e.maxMetadataValueLength(),
              e.maxPointsPerOperation());
        }
      }
      case "maxMetadataKeyLength" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("maxMetadataKeyLength", v, 1, 256)),
            () -> builder.maxMetadataKeyLength(v))) {
          model.value = new EngineLimits(e.maxMetadataKeys(), v, e.maxMetadataValueLength(),
              e.maxPointsPerOperation());
        }
      }
      case "maxMetadataValueLength" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("maxMetadataValueLength", v, 1, 65_536)),
            () -> builder.maxMetadataValueLength(v))) {
          model.value = new EngineLimits(e.maxMetadataKeys(), e.maxMetadataKeyLength(), v,
              e.maxPointsPerOperation());
        }
      }
      case "maxPointsPerOperation" -> {
        long v = call.longArg(0);
        if (attempt(call, refusals(outside("maxPointsPerOperation", v, 1, Long.MAX_VALUE)),
            () -> builder.maxPointsPerOperation(v))) {
          model.value = new EngineLimits(e.maxMetadataKeys(), e.maxMetadataKeyLength(), e.maxMetadataValueLength(),
              v);
        }
      }
      case "new" -> {
        int keys = call.intArg(0);
        int keyLength = call.intArg(1);
        int valueLength = call.intArg(2);
        long points = call.longArg(3);
        EngineLimits[] made = new EngineLimits[1];
        if (attempt(call, refusals(outside("maxMetadataKeys", keys, 1, 1_000),
            outside("maxMetadataKeyLength", keyLength, 1, 256),
            outside("maxMetadataValueLength", valueLength, 1, 65_536),
            outside("maxPointsPerOperation", points, 1, Long.MAX_VALUE)),
            () -> made[0] = new EngineLimits(keys, keyLength, valueLength, points))) {
          assertEquals(List.of(keys, keyLength, valueLength, points), List.of(made[0].maxMetadataKeys(),
              made[0].maxMetadataKeyLength(), made[0].maxMetadataValueLength(), made[0].maxPointsPerOperation()));
        }
      }
      default -> throw new AssertionError("no such call " + call);
    }
  }

  // ================================================================== EventSettings

  private static final Duration POLL_MIN = Duration.ofMillis(10);
  private static final Duration POLL_MAX = Duration.ofMinutes(10);
  private static final Duration LEASE_MIN = Duration.ofSeconds(1);
  private static final Duration LEASE_MAX = Duration.ofHours(1);
  private static final Duration RETENTION_MIN = Duration.ofMinutes(1);
  private static final Duration RETENTION_MAX = Duration.ofDays(3_650);

  @Test
  void eventSettings() {
    Gen<Duration> polls = durations(POLL_MIN, POLL_MAX);
    Gen<Integer> batches = Generators.intsAround(1, 10_000);
    Gen<Duration> leases = durations(LEASE_MIN, LEASE_MAX);
    Gen<Integer> attempts = Generators.intsAround(1, 100);
    Gen<Duration> retentions = durations(RETENTION_MIN, RETENTION_MAX);
    Gen<Call> calls = Gen.oneOf(
        Gen.constant(Call.of("manualDispatch")),
        polls.map(v -> Call.of("pollInterval", v)),
        batches.map(v -> Call.of("batchSize", v)),
        leases.map(v -> Call.of("lease", v)),
        attempts.map(v -> Call.of("listenerMaxAttempts", v)),
        retentions.map(v -> Call.of("retention", v)),
        random -> Call.of("new", random.nextBoolean(), polls.next(random), batches.next(random),
            leases.next(random), attempts.next(random), retentions.next(random)));
    fuzz("EventSettings", EventSettings::builder, builder -> new Box<>(EventSettings.DEFAULTS), calls,
        SettingsBuilderFuzzTest::eventSettingsCall, (builder, model) -> assertEquals(model.value, builder.build()),
        STEPS, SEEDS, Set.of("manualDispatch", "pollInterval", "batchSize", "lease", "listenerMaxAttempts",
            "retention", "new"), Set.of("manualDispatch"));
  }

  private static void eventSettingsCall(EventSettings.Builder builder, Box<EventSettings> model, Call call) {
    EventSettings e = model.value;
    switch (call.setter()) {
      case "manualDispatch" -> {
        attempt(call, refusals(), builder::manualDispatch);
        model.value = new EventSettings(false, e.pollInterval(), e.batchSize(), e.lease(), e.listenerMaxAttempts(),
            e.retention());
      }
      case "pollInterval" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("pollInterval", v, POLL_MIN, POLL_MAX)), () -> builder.pollInterval(v))) {
          model.value = new EventSettings(e.backgroundDispatch(), v, e.batchSize(), e.lease(),
              e.listenerMaxAttempts(), e.retention());
        }
      }
      case "batchSize" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("batchSize", v, 1, 10_000)), () -> builder.batchSize(v))) {
          model.value = new EventSettings(e.backgroundDispatch(), e.pollInterval(), v, e.lease(),
              e.listenerMaxAttempts(), e.retention());
        }
      }
      case "lease" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("lease", v, LEASE_MIN, LEASE_MAX)), () -> builder.lease(v))) {
          model.value = new EventSettings(e.backgroundDispatch(), e.pollInterval(), e.batchSize(), v,
              e.listenerMaxAttempts(), e.retention());
        }
      }
      case "listenerMaxAttempts" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("listenerMaxAttempts", v, 1, 100)),
            () -> builder.listenerMaxAttempts(v))) {
          model.value = new EventSettings(e.backgroundDispatch(), e.pollInterval(), e.batchSize(), e.lease(), v,
              e.retention());
        }
      }
      case "retention" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("retention", v, RETENTION_MIN, RETENTION_MAX)),
            () -> builder.retention(v))) {
          model.value = new EventSettings(e.backgroundDispatch(), e.pollInterval(), e.batchSize(), e.lease(),
              e.listenerMaxAttempts(), v);
        }
      }
      case "new" -> {
        boolean background = (Boolean) call.arg(0);
        Duration poll = call.durationArg(1);
        int batch = call.intArg(2);
        Duration lease = call.durationArg(3);
        int attempts = call.intArg(4);
        Duration retention = call.durationArg(5);
        EventSettings[] made = new EventSettings[1];
        if (attempt(call, refusals(outside("pollInterval", poll, POLL_MIN, POLL_MAX),
            outside("batchSize", batch, 1, 10_000), outside("lease", lease, LEASE_MIN, LEASE_MAX),
            outside("listenerMaxAttempts", attempts, 1, 100),
            outside("retention", retention, RETENTION_MIN, RETENTION_MAX)),
            () -> made[0] = new EventSettings(background, poll, batch, lease, attempts, retention))) {
          EventSettings s = made[0];
          assertEquals(List.of(background, poll, batch, lease, attempts, retention), List.of(s.backgroundDispatch(),
              s.pollInterval(), s.batchSize(), s.lease(), s.listenerMaxAttempts(), s.retention()));
        }
      }
      default -> throw new AssertionError("no such call " + call);
    }
  }

  // ================================================================== WebhookSettings

  private static final Duration CONNECT_MIN = Duration.ofMillis(100);
  private static final Duration CONNECT_MAX = Duration.ofSeconds(60);
  private static final Duration REQUEST_MIN = Duration.ofMillis(100);
  private static final Duration REQUEST_MAX = Duration.ofMinutes(5);

  /** An immutable value whose {@code with...} methods are its setters: the system is the value set last. */
  @Test
  void webhookSettings() {
    Gen<Duration> connects = durations(CONNECT_MIN, CONNECT_MAX);
    Gen<Duration> requests = durations(REQUEST_MIN, REQUEST_MAX);
    Gen<WebhookAddressPolicy> policies = orNull(Gen.elements(WebhookAddressPolicy.values()));
    Gen<Integer> threads = Generators.intsAround(1, 64);
    Gen<Call> calls = Gen.oneOf(
        random -> Call.of("withTimeouts", connects.next(random), requests.next(random)),
        policies.map(p -> Call.of("withAddressPolicy", p)),
        threads.map(t -> Call.of("withDeliveryThreads", t)),
        random -> Call.of("new", connects.next(random), requests.next(random), policies.next(random),
            threads.next(random)));
    fuzz("WebhookSettings", () -> new Box<>(WebhookSettings.DEFAULTS), system -> new Box<>(WebhookSettings.DEFAULTS),
        calls, SettingsBuilderFuzzTest::webhookSettingsCall,
        (system, model) -> assertEquals(model.value, system.value), STEPS, SEEDS,
        Set.of("withTimeouts", "withAddressPolicy", "withDeliveryThreads", "new"), Set.of());
  }

  private static void webhookSettingsCall(Box<WebhookSettings> system, Box<WebhookSettings> model, Call call) {
    WebhookSettings current = system.value;
    WebhookSettings[] made = new WebhookSettings[1];
    Duration connect;
    Duration request;
    WebhookAddressPolicy policy;
    int threads;
    Runnable action;
    switch (call.setter()) {
      case "withTimeouts" -> {
        connect = call.durationArg(0);
        request = call.durationArg(1);
        policy = current.addressPolicy();
        threads = current.deliveryThreads();
        action = () -> made[0] = current.withTimeouts(connect, request);
      }
      case "withAddressPolicy" -> {
        connect = current.connectTimeout();
        request = current.requestTimeout();
        policy = (WebhookAddressPolicy) call.arg(0);
        threads = current.deliveryThreads();
        action = () -> made[0] = current.withAddressPolicy(policy);
      }
      case "withDeliveryThreads" -> {
        connect = current.connectTimeout();
        request = current.requestTimeout();
        policy = current.addressPolicy();
        threads = call.intArg(0);
        action = () -> made[0] = current.withDeliveryThreads(threads);
      }
      case "new" -> {
        connect = call.durationArg(0);
        request = call.durationArg(1);
        policy = (WebhookAddressPolicy) call.arg(2);
        threads = call.intArg(3);
        action = () -> made[0] = new WebhookSettings(connect, request, policy, threads);
      }
      default -> throw new AssertionError("no such call " + call);
    }
    if (attempt(call, refusals(outside("connectTimeout", connect, CONNECT_MIN, CONNECT_MAX),
        outside("requestTimeout", request, REQUEST_MIN, REQUEST_MAX), policy == null ? npe("addressPolicy") : null,
        outside("deliveryThreads", threads, 1, 64)), action)) {
      WebhookSettings s = made[0];
      assertEquals(List.of(connect, request, policy, threads), List.of(s.connectTimeout(), s.requestTimeout(),
          s.addressPolicy(), s.deliveryThreads()));
      system.value = s;
      model.value = new WebhookSettings(connect, request, policy, threads);
    }
  }

  // ================================================================== LeaderboardSettings

  private static final Duration REFRESH_MIN = Duration.ofMillis(100);
  private static final Duration REFRESH_MAX = Duration.ofMinutes(10);
  private static final Duration MARGIN_MIN = Duration.ofSeconds(1);
  private static final Duration MARGIN_MAX = Duration.ofHours(1);
  private static final Duration REBUILD_MIN = Duration.ofMinutes(1);
  private static final Duration REBUILD_MAX = Duration.ofDays(1);

  /** The builder's setters and the canonical constructor. */
  @Test
  void leaderboardSettings() {
    Gen<Duration> refreshes = durations(REFRESH_MIN, REFRESH_MAX);
    Gen<Long> entries = Generators.longsAround(1_000, 100_000_000);
    Gen<Duration> margins = durations(MARGIN_MIN, MARGIN_MAX);
    Gen<Duration> rebuilds = durations(REBUILD_MIN, REBUILD_MAX);
    Gen<Call> calls = Gen.oneOf(
        refreshes.map(v -> Call.of("refreshInterval", v)),
        entries.map(v -> Call.of("maxIndexedEntries", v)),
        margins.map(v -> Call.of("catchUpMargin", v)),
        rebuilds.map(v -> Call.of("rebuildInterval", v)),
        random -> Call.of("new", refreshes.next(random), entries.next(random), margins.next(random),
            rebuilds.next(random)));
    fuzz("LeaderboardSettings", LeaderboardSettings::builder, builder -> new Box<>(LeaderboardSettings.DEFAULTS),
        calls, SettingsBuilderFuzzTest::leaderboardSettingsCall,
        (builder, model) -> assertEquals(model.value, builder.build()), STEPS, SEEDS,
        Set.of("refreshInterval", "maxIndexedEntries", "catchUpMargin", "rebuildInterval", "new"), Set.of());
  }

  private static void leaderboardSettingsCall(LeaderboardSettings.Builder builder, Box<LeaderboardSettings> model,
      Call call) {
    LeaderboardSettings e = model.value;
    switch (call.setter()) {
      case "refreshInterval" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("refreshInterval", v, REFRESH_MIN, REFRESH_MAX)),
            () -> builder.refreshInterval(v))) {
          model.value = new LeaderboardSettings(v, e.maxIndexedEntries(), e.catchUpMargin(), e.rebuildInterval());
        }
      }
      case "maxIndexedEntries" -> {
        long v = call.longArg(0);
        if (attempt(call, refusals(outside("maxIndexedEntries", v, 1_000, 100_000_000)),
            () -> builder.maxIndexedEntries(v))) {
          model.value = new LeaderboardSettings(e.refreshInterval(), v, e.catchUpMargin(), e.rebuildInterval());
        }
      }
      case "catchUpMargin" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("catchUpMargin", v, MARGIN_MIN, MARGIN_MAX)),
            () -> builder.catchUpMargin(v))) {
          model.value = new LeaderboardSettings(e.refreshInterval(), e.maxIndexedEntries(), v, e.rebuildInterval());
        }
      }
      case "rebuildInterval" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("rebuildInterval", v, REBUILD_MIN, REBUILD_MAX)),
            () -> builder.rebuildInterval(v))) {
          model.value = new LeaderboardSettings(e.refreshInterval(), e.maxIndexedEntries(), e.catchUpMargin(), v);
        }
      }
      case "new" -> {
        Duration refresh = call.durationArg(0);
        long most = call.longArg(1);
        Duration margin = call.durationArg(2);
        Duration rebuild = call.durationArg(3);
        LeaderboardSettings[] made = new LeaderboardSettings[1];
        if (attempt(call, refusals(outside("refreshInterval", refresh, REFRESH_MIN, REFRESH_MAX),
            outside("maxIndexedEntries", most, 1_000, 100_000_000),
            outside("catchUpMargin", margin, MARGIN_MIN, MARGIN_MAX),
            outside("rebuildInterval", rebuild, REBUILD_MIN, REBUILD_MAX)),
            () -> made[0] = new LeaderboardSettings(refresh, most, margin, rebuild))) {
          assertEquals(List.of(refresh, most, margin, rebuild), List.of(made[0].refreshInterval(),
              made[0].maxIndexedEntries(), made[0].catchUpMargin(), made[0].rebuildInterval()));
        }
      }
      default -> throw new AssertionError("no such call " + call);
    }
  }

  // ================================================================== SsoSettings

  private static final Duration SKEW_MIN = Duration.ofSeconds(1);
  private static final Duration SKEW_MAX = Duration.ofHours(1);
  private static final Duration GRACE_MAX = Duration.ofDays(7);

  @Test
  void ssoSettings() {
    Gen<Duration> skews = durations(SKEW_MIN, SKEW_MAX);
    Gen<Duration> graces = durations(Duration.ZERO, GRACE_MAX);
    Gen<Call> calls = Gen.oneOf(
        skews.map(v -> Call.of("maxClockSkew", v)),
        graces.map(v -> Call.of("rotationGrace", v)),
        random -> Call.of("new", skews.next(random), graces.next(random)));
    fuzz("SsoSettings", SsoSettings::builder, builder -> new Box<>(SsoSettings.DEFAULTS), calls,
        (builder, model, call) -> {
          SsoSettings e = model.value;
          switch (call.setter()) {
            case "maxClockSkew" -> {
              Duration v = call.durationArg(0);
              if (attempt(call, refusals(outside("maxClockSkew", v, SKEW_MIN, SKEW_MAX)),
                  () -> builder.maxClockSkew(v))) {
                model.value = new SsoSettings(v, e.rotationGrace());
              }
            }
            case "rotationGrace" -> {
              Duration v = call.durationArg(0);
              if (attempt(call, refusals(outside("rotationGrace", v, Duration.ZERO, GRACE_MAX)),
                  () -> builder.rotationGrace(v))) {
                model.value = new SsoSettings(e.maxClockSkew(), v);
              }
            }
            case "new" -> {
              Duration skew = call.durationArg(0);
              Duration grace = call.durationArg(1);
              SsoSettings[] made = new SsoSettings[1];
              if (attempt(call, refusals(outside("maxClockSkew", skew, SKEW_MIN, SKEW_MAX),
                  outside("rotationGrace", grace, Duration.ZERO, GRACE_MAX)),
                  () -> made[0] = new SsoSettings(skew, grace))) {
                assertEquals(List.of(skew, grace), List.of(made[0].maxClockSkew(), made[0].rotationGrace()));
              }
            }
            default -> throw new AssertionError("no such call " + call);
          }
        }, (builder, model) -> assertEquals(model.value, builder.build()), STEPS, SEEDS,
        Set.of("maxClockSkew", "rotationGrace", "new"), Set.of());
  }

  // ================================================================== AccessSettings

  private static final Duration PERIOD_MIN = Duration.ofSeconds(1);
  private static final Duration PERIOD_MAX = Duration.ofDays(1);
  private static final Duration TTL_MAX = Duration.ofMinutes(10);
  /** Few valid names, so that plans are added twice and the default plan is often one of them. */
  private static final List<String> PLAN_NAMES = List.of("free", "pro", "p-1", "x_9", "a".repeat(50));
  private static final List<String> BAD_PLAN_NAMES = List.of("", "Free", "free plan", "frée", "a".repeat(51), " pro",
      "pro\n", "p.1");

  /** The documented rule of a plan name: 1..50 of a-z 0-9 _ -. */
  private static boolean isPlanName(String name) {
    return name != null && name.matches("[a-z0-9_-]{1,50}");
  }

  /** What the model of an AccessSettings builder holds: the plans added, the default plan, the key cache TTL. */
  private static final class AccessModel {
    final Map<String, RateLimit> plans = new LinkedHashMap<>();
    String defaultPlan;
    Duration keyCacheTtl = AccessSettings.DEFAULTS.keyCacheTtl();
  }

  @Test
  void accessSettings() {
    Gen<String> names = Gen.frequency(Gen.weight(6, Gen.elements(PLAN_NAMES)),
        Gen.weight(3, Gen.elements(BAD_PLAN_NAMES)), Gen.weight(1, Gen.constant(null)));
    Gen<Integer> limits = Generators.intsAround(1, AccessSettings.MAX_LIMIT);
    Gen<Duration> periods = durations(PERIOD_MIN, PERIOD_MAX);
    Gen<Duration> ttls = durations(Duration.ZERO, TTL_MAX);
    Gen<RateLimit> validRates = random -> new RateLimit(1 + random.nextInt(AccessSettings.MAX_LIMIT),
        Duration.ofSeconds(1 + random.nextInt(86_400)));
    Gen<Map<String, RateLimit>> planMaps = random -> {
      if (random.nextInt(10) == 0) {
        return null;
      }
      // A LinkedHashMap may hold a null name and a null rate, which Map.of cannot.
      Map<String, RateLimit> plans = new LinkedHashMap<>();
      int size = random.nextInt(4);
      for (int i = 0; i < size; i++) {
        plans.put(names.next(random), random.nextInt(10) == 0 ? null : validRates.next(random));
      }
      return plans;
    };
    Gen<Call> calls = Gen.frequency(
        Gen.weight(4, random -> Call.of("plan", names.next(random), limits.next(random), periods.next(random))),
        Gen.weight(2, names.map(n -> Call.of("defaultPlan", n))),
        Gen.weight(2, ttls.map(v -> Call.of("keyCacheTtl", v))),
        Gen.weight(1, random -> Call.of("new", planMaps.next(random), names.next(random), ttls.next(random))),
        Gen.weight(1, random -> Call.of("rate", limits.next(random), periods.next(random))));
    fuzz("AccessSettings", AccessSettings::builder, builder -> new AccessModel(), calls,
        SettingsBuilderFuzzTest::accessSettingsCall, SettingsBuilderFuzzTest::accessSettingsBuild, STEPS, SEEDS,
        Set.of("plan", "defaultPlan", "keyCacheTtl", "new", "rate", "build"), Set.of());
  }

  /** A rate's refusals, named as {@code what}: "plan" for a rate made alone, the plan's name in the builder's. */
  private static List<Refusal> rateRefusals(String what, int limit, Duration period) {
    return refusals(outside(what + " limit", limit, 1, AccessSettings.MAX_LIMIT),
        period == null ? npe("period") : outside(what + " period", period, PERIOD_MIN, PERIOD_MAX));
  }

  @SuppressWarnings("unchecked")
  private static void accessSettingsCall(AccessSettings.Builder builder, AccessModel model, Call call) {
    switch (call.setter()) {
      case "plan" -> {
        String name = call.stringArg(0);
        int limit = call.intArg(1);
        Duration period = call.durationArg(2);
        List<Refusal> refusals = rateRefusals("plan \"" + name + "\"", limit, period);
        if (!isPlanName(name)) {
          refusals.add(iae("plan name", null));
        } else if (model.plans.containsKey(name)) {
          refusals.add(iae("plan", null));
        }
        if (attempt(call, refusals, () -> builder.plan(name, limit, period))) {
          model.plans.put(name, new RateLimit(limit, period));
        }
      }
      case "defaultPlan" -> {
        String name = call.stringArg(0);
        if (attempt(call, refusals(isPlanName(name) ? null : iae("defaultPlan", null)),
            () -> builder.defaultPlan(name))) {
          model.defaultPlan = name;
        }
      }
      case "keyCacheTtl" -> {
        Duration v = call.durationArg(0);
        if (attempt(call, refusals(outside("keyCacheTtl", v, Duration.ZERO, TTL_MAX)),
            () -> builder.keyCacheTtl(v))) {
          model.keyCacheTtl = v;
        }
      }
      case "new" -> {
        Map<String, RateLimit> plans = (Map<String, RateLimit>) call.arg(0);
        String defaultPlan = call.stringArg(1);
        Duration ttl = call.durationArg(2);
        List<Refusal> refusals = refusals(outside("keyCacheTtl", ttl, Duration.ZERO, TTL_MAX));
        if (plans == null) {
          refusals.add(npe("plans"));
        } else {
          plans.forEach((name, rate) -> {
            if (!isPlanName(name)) {
              refusals.add(iae("plan name", null));
            } else if (rate == null) {
              refusals.add(npe("plan " + name));
            }
          });
          refusals.addAll(defaultPlanRefusals(plans.keySet(), defaultPlan, false));
        }
        AccessSettings[] made = new AccessSettings[1];
        if (attempt(call, refusals, () -> made[0] = new AccessSettings(plans, defaultPlan, ttl))) {
          assertEquals(List.copyOf(plans.entrySet()), List.copyOf(made[0].plans().entrySet()), "plans, in order");
          assertEquals(defaultPlan, made[0].defaultPlan());
          assertEquals(ttl, made[0].keyCacheTtl());
        }
      }
      case "rate" -> {
        int limit = call.intArg(0);
        Duration period = call.durationArg(1);
        RateLimit[] made = new RateLimit[1];
        if (attempt(call, rateRefusals("plan", limit, period), () -> made[0] = new RateLimit(limit, period))) {
          assertEquals(List.of(limit, period), List.of(made[0].limit(), made[0].period()));
        }
      }
      default -> throw new AssertionError("no such call " + call);
    }
  }

  /**
   * What {@code build()} (an IllegalStateException, as the other builders refuse a combination) and the canonical
   * constructor (an IllegalArgumentException) refuse about the default plan: it must be a plan's.
   */
  private static List<Refusal> defaultPlanRefusals(Set<String> plans, String defaultPlan, boolean atBuild) {
    boolean fine = plans.isEmpty() ? defaultPlan == null : plans.contains(defaultPlan);
    return refusals(fine ? null : atBuild ? ise("defaultPlan") : iae("defaultPlan", null));
  }

  /** build() refuses a default plan that is not one of the plans, or else gives exactly what was set. */
  private static void accessSettingsBuild(AccessSettings.Builder builder, AccessModel model) {
    AccessSettings[] built = new AccessSettings[1];
    if (attempt(Call.of("build"), defaultPlanRefusals(model.plans.keySet(), model.defaultPlan, true),
        () -> built[0] = builder.build())) {
      assertEquals(List.copyOf(model.plans.entrySet()), List.copyOf(built[0].plans().entrySet()), "plans, in order");
      assertEquals(model.defaultPlan, built[0].defaultPlan());
      assertEquals(model.keyCacheTtl, built[0].keyCacheTtl());
    }
  }

  // ================================================================== FraudScreening

  /**
   * A domain and what {@link FraudScreening#disposableDomains()} must hold for it (lower case, punycode), or null
   * for one the builder must refuse, by its documented rule: a domain name of at most 253 characters.
   */
  private record Domain(String input, String stored) {
    @Override
    public String toString() {
      return SettingCalls.show(input);
    }
  }

  private static final String LABEL_63 = "l".repeat(63);
  /** 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters. */
  private static final String NAME_253 = LABEL_63 + "." + LABEL_63 + "." + LABEL_63 + "." + "m".repeat(61);
  private static final List<Domain> DOMAINS = List.of(
      new Domain("example.com", "example.com"), new Domain("Mail.Example.ORG", "mail.example.org"),
      new Domain("  spaced.example\t", "spaced.example"), new Domain("bücher.example", "xn--bcher-kva.example"),
      new Domain("a.b", "a.b"), new Domain("x-1.y2", "x-1.y2"), new Domain(LABEL_63 + ".com", LABEL_63 + ".com"),
      new Domain(NAME_253, NAME_253),
      new Domain("", null), new Domain("   ", null), new Domain("localhost", null), new Domain("a..b", null),
      new Domain(".com", null), new Domain("-a.com", null), new Domain("a-.com", null), new Domain("a b.com", null),
      new Domain("a_b.com", null), new Domain("a.com/x", null), new Domain("l" + LABEL_63 + ".com", null),
      new Domain(NAME_253 + "m", null), new Domain("x".repeat(10_000) + ".com", null), new Domain("@a.com", null),
      new Domain("a\u0000.com", null), new Domain("\uDC00.com", null));
  private static final int MAX_RULES = 32;

  @Test
  void fraudScreening() {
    Gen<Domain> valid = Gen.oneOf(Gen.elements(DOMAINS.stream().filter(d -> d.stored != null).toList()),
        random -> {
          String name = Generators.text(random, "abcdefghijklmnopqrstuvwxyz0123456789", 1, 20) + "."
              + Generators.text(random, "abcdefghijklmnopqrstuvwxyz", 2, 6);
          return new Domain(random.nextBoolean() ? name : name.toUpperCase(Locale.ROOT), name);
        });
    Gen<Domain> domains = Gen.frequency(Gen.weight(6, valid),
        Gen.weight(3, Gen.elements(DOMAINS.stream().filter(d -> d.stored == null).toList())),
        Gen.weight(1, Gen.constant(new Domain(null, null))));
    Gen<Call> calls = Gen.frequency(
        Gen.weight(4, domains.map(d -> Call.of("disposableDomain", d))),
        Gen.weight(3, random -> random.nextInt(10) == 0 ? Call.of("disposableDomains", (Object) null)
            : Call.of("disposableDomains", Gen.frequency(Gen.weight(9, valid), Gen.weight(1, domains))
                .list(0, 4).next(random))),
        Gen.weight(3, random -> Call.of("rule", random.nextInt(8) != 0)));
    fuzz("FraudScreening", FraudScreening::builder, builder -> new FraudModel(), calls,
        SettingsBuilderFuzzTest::fraudScreeningCall, (builder, model) -> {
          FraudScreening built = builder.build();
          assertEquals(model.domains, built.disposableDomains(), "disposable domains");
          assertEquals(model.rules, built.rules(), "rules, in order");
        }, 2 * STEPS, SEEDS, Set.of("disposableDomain", "disposableDomains", "rule"), Set.of());
  }

  /** The domains and rules a FraudScreening builder must hold. */
  private static final class FraudModel {
    final Set<String> domains = new LinkedHashSet<>();
    final List<RiskRule> rules = new ArrayList<>();
  }

  private static Refusal domainRefusal(Domain d) {
    return d.input == null ? npe("domain") : d.stored == null ? iae("disposableDomain", null) : null;
  }

  @SuppressWarnings("unchecked")
  private static void fraudScreeningCall(FraudScreening.Builder builder, FraudModel model, Call call) {
    switch (call.setter()) {
      case "disposableDomain" -> {
        Domain d = (Domain) call.arg(0);
        if (attempt(call, refusals(domainRefusal(d)), () -> builder.disposableDomain(d.input))) {
          model.domains.add(d.stored);
        }
      }
      case "disposableDomains" -> {
        List<Domain> ds = (List<Domain>) call.arg(0);
        List<Refusal> refusals = ds == null ? refusals(npe("domains")) : new ArrayList<>();
        if (ds != null) {
          ds.forEach(d -> refusals.addAll(refusals(domainRefusal(d))));
        }
        List<String> inputs = ds == null ? null : ds.stream().map(Domain::input).toList();
        if (attempt(call, refusals, () -> builder.disposableDomains(inputs))) {
          ds.forEach(d -> model.domains.add(d.stored));
        }
      }
      case "rule" -> {
        RiskRule rule = (Boolean) call.arg(0) ? candidate -> Optional.empty() : null;
        Refusal refusal = rule == null ? npe("rule") : model.rules.size() == MAX_RULES
            ? new Refusal(IllegalStateException.class, "rule", String.valueOf(MAX_RULES)) : null;
        if (attempt(call, refusals(refusal), () -> builder.rule(rule))) {
          model.rules.add(rule);
        }
      }
      default -> throw new AssertionError("no such call " + call);
    }
  }
}
