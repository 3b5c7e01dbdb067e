package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.SettingCalls.attempt;
import static io.loyaltyengine.testkit.SettingCalls.fuzz;
import static io.loyaltyengine.testkit.SettingCalls.ise;
import static io.loyaltyengine.testkit.SettingCalls.npe;
import static io.loyaltyengine.testkit.SettingCalls.orNull;
import static io.loyaltyengine.testkit.SettingCalls.outside;
import static io.loyaltyengine.testkit.SettingCalls.refusals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.IdGenerator;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.internal.EngineConfig;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.rewards.FulfilmentHandler;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.testkit.SettingCalls.Call;
import io.loyaltyengine.testkit.SettingCalls.Refusal;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.testkit.model.ModelRunner;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.lang.reflect.Field;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz test of {@link LoyaltyEngine.Builder}, as {@link SettingsBuilderFuzzTest} does for the settings it
 * takes: random sequences of its setters (values around each bound, null, a setting set twice, {@code nodeId} with
 * {@code idGenerator}) and of {@code build()}. Each setter must accept its value or throw at once what its javadoc
 * documents, naming the setting (and the bound); nothing else escapes. {@code build()} must refuse exactly what its
 * javadoc lists (no storage; an events lease shorter than twice the webhooks' connect and request timeouts
 * together; a listener or handler name breaking its rule, or taken twice) and close the storage when it does, or
 * build an engine, on an {@link InMemoryStorage}, with exactly the settings of the calls accepted: a refused call
 * left the builder as it was. After a build that got as far as the engine, the run goes on with a fresh builder.
 *
 * <p>The settings an engine was built with are not API: the test reads the {@link EngineConfig} the builder handed
 * engine-core (the core engine keeps it in its field {@code config}).
 */
class EngineBuilderFuzzTest {
  private static final Pattern LISTENER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern HANDLER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,53}");
  /** Few valid names, so that names are taken twice, and one clashing with a handler's listener. */
  private static final List<String> LISTENER_NAMES = List.of("crm", "crm-sync", "a.b_C9", "x".repeat(64),
      "fulfilment.wallet", "fulfilment." + "w".repeat(53));
  private static final List<String> BAD_LISTENER_NAMES = List.of("", "x".repeat(65), "has space", "é", "a/b");
  private static final List<String> HANDLER_NAMES = List.of("wallet", "w".repeat(53), "a.b-c_D");
  private static final List<String> BAD_HANDLER_NAMES = List.of("", "w".repeat(54), "sp ace", "ß");

  /** Leases around twice the slowest webhook call of the timeouts below, and the bounds of both. */
  private static final List<Duration> LEASES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(39),
      Duration.ofSeconds(40).minusNanos(1), Duration.ofSeconds(40), Duration.ofSeconds(40).plusMillis(1),
      Duration.ofSeconds(60), Duration.ofSeconds(119), Duration.ofSeconds(120), Duration.ofMinutes(12).minusNanos(1),
      Duration.ofMinutes(12), Duration.ofHours(1));
  private static final List<Duration> CONNECT_TIMEOUTS = List.of(Duration.ofMillis(100), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(60));
  private static final List<Duration> REQUEST_TIMEOUTS = List.of(Duration.ofMillis(100), Duration.ofSeconds(15),
      Duration.ofSeconds(50), Duration.ofMinutes(5));

  @Test
  void engineBuilder() {
    Gen<Call> calls = Gen.frequency(
        Gen.weight(3, random -> Call.of("storage", random.nextInt(6) != 0)),
        Gen.weight(1, orNull(Gen.elements("utc", "settable")).map(v -> Call.of("clock", v))),
        Gen.weight(1, random -> Call.of("idGenerator", random.nextInt(4) != 0)),
        Gen.weight(2, Generators.intsAround(0, 1_023).map(v -> Call.of("nodeId", v))),
        Gen.weight(1, orNull(Gen.elements(EngineLimits.DEFAULTS, EngineLimits.builder().maxMetadataKeys(1).build()))
            .map(v -> Call.of("limits", v))),
        Gen.weight(2, Generators.intsAround(0, 20).map(v -> Call.of("maxTransactionRetries", v))),
        Gen.weight(2, Generators.intsAround(1, 256).map(v -> Call.of("maxGroupCommit", v))),
        Gen.weight(2, orNull(random -> {
          EventSettings.Builder events = EventSettings.builder().lease(LEASES.get(random.nextInt(LEASES.size())));
          // Mostly manual: a background dispatcher per engine built costs a thread.
          return random.nextInt(4) == 0 ? events.build() : events.manualDispatch().build();
        }).map(v -> Call.of("events", v))),
        Gen.weight(2, orNull(random -> WebhookSettings.DEFAULTS.withTimeouts(
            CONNECT_TIMEOUTS.get(random.nextInt(4)), REQUEST_TIMEOUTS.get(random.nextInt(4))))
            .map(v -> Call.of("webhooks", v))),
        Gen.weight(1, orNull(Gen.elements(FraudScreening.DEFAULTS,
            FraudScreening.builder().disposableDomain("spam.example").build())).map(v -> Call.of("fraudScreening", v))),
        Gen.weight(1, orNull(Gen.elements(LeaderboardSettings.DEFAULTS,
            LeaderboardSettings.builder().refreshInterval(Duration.ofMillis(100)).maxIndexedEntries(1_000).build(),
            LeaderboardSettings.builder().catchUpMargin(Duration.ofMinutes(5)).build()))
            .map(v -> Call.of("leaderboards", v))),
        Gen.weight(1, orNull(Gen.elements(SsoSettings.DEFAULTS,
            new SsoSettings(Duration.ofSeconds(1), Duration.ZERO))).map(v -> Call.of("singleSignOn", v))),
        Gen.weight(1, orNull(Gen.elements(AccessSettings.DEFAULTS,
            AccessSettings.builder().plan("free", 60, Duration.ofMinutes(1)).defaultPlan("free").build()))
            .map(v -> Call.of("access", v))),
        Gen.weight(3, random -> Call.of("listener", names(LISTENER_NAMES, BAD_LISTENER_NAMES).next(random),
            Gen.elements("all", "awards", "null").next(random), random.nextInt(8) != 0)),
        Gen.weight(2, random -> Call.of("fulfilmentHandler", names(HANDLER_NAMES, BAD_HANDLER_NAMES).next(random),
            random.nextInt(8) != 0)),
        Gen.weight(3, Gen.constant(Call.of("build"))));
    Map<String, Integer> outcomes = new TreeMap<>();
    long[] seeds = SettingCalls.seeds(30);
    fuzz("LoyaltyEngine.Builder", () -> new Session(outcomes), session -> new Model(), calls,
        EngineBuilderFuzzTest::call,
        (session, model) -> { }, 60, seeds, Set.of("storage", "clock", "idGenerator", "nodeId",
            "limits", "maxTransactionRetries", "maxGroupCommit", "events", "webhooks", "fraudScreening",
            "leaderboards", "singleSignOn", "access", "listener", "fulfilmentHandler"), Set.of());
    if (ModelRunner.seeds(seeds).length > 1) {
      assertEquals(Set.of("built", "no storage", "events.lease", "VALIDATION_ERROR", "CONFLICT"), outcomes.keySet(),
          "build() reached each of its outcomes: " + outcomes);
    }
  }

  private static Gen<String> names(List<String> valid, List<String> invalid) {
    return Gen.frequency(Gen.weight(7, Gen.elements(valid)), Gen.weight(2, Gen.elements(invalid)),
        Gen.weight(1, Gen.constant(null)));
  }

  /** The builder under test; replaced by a fresh one after each build that reached the engine. */
  private static final class Session {
    final Map<String, Integer> outcomes;
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder();

    Session(Map<String, Integer> outcomes) {
      this.outcomes = outcomes;
    }

    void count(String outcome) {
      outcomes.merge(outcome, 1, Integer::sum);
    }
  }

  /** What the builder must hold: each setting as set (null: not set), the listeners and handlers in order. */
  private static final class Model {
    InMemoryStorage storage;
    Clock clock;
    IdGenerator idGenerator;
    Integer nodeId;
    EngineLimits limits;
    Integer maxTransactionRetries;
    Integer maxGroupCommit;
    EventSettings events;
    WebhookSettings webhooks;
    FraudScreening fraudScreening;
    LeaderboardSettings leaderboards;
    SsoSettings singleSignOn;
    AccessSettings access;
    final List<EngineConfig.Listener> listeners = new ArrayList<>();
    final List<EngineConfig.Fulfiller> handlers = new ArrayList<>();

    /** Back to a fresh builder's state (the runner keeps this model object for the whole run). */
    void reset() {
      storage = null;
      clock = null;
      idGenerator = null;
      nodeId = null;
      limits = null;
      maxTransactionRetries = null;
      maxGroupCommit = null;
      events = null;
      webhooks = null;
      fraudScreening = null;
      leaderboards = null;
      singleSignOn = null;
      access = null;
      listeners.clear();
      handlers.clear();
    }
  }

  /** A setting that is set at most once: refused if set before, or (for a non-null) if null. */
  private static List<Refusal> once(String setting, Object before, Object value) {
    return refusals(before != null ? ise(setting) : null, value == null ? npe(setting) : null);
  }

  private static void call(Session session, Model model, Call call) {
    LoyaltyEngine.Builder b = session.builder;
    switch (call.setter()) {
      case "storage" -> {
        InMemoryStorage storage = (Boolean) call.arg(0) ? new InMemoryStorage() : null;
        if (attempt(call, once("storage", model.storage, storage), () -> b.storage(storage))) {
          model.storage = storage;
        }
      }
      case "clock" -> {
        Clock clock = call.arg(0) == null ? null : call.arg(0).equals("utc") ? Clock.systemUTC()
            : SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        if (attempt(call, once("clock", model.clock, clock), () -> b.clock(clock))) {
          model.clock = clock;
        }
      }
      case "idGenerator" -> {
        AtomicLong ids = new AtomicLong();
        IdGenerator generator = (Boolean) call.arg(0) ? ids::incrementAndGet : null;
        List<Refusal> refusals = once("idGenerator", model.idGenerator, generator);
        refusals.addAll(refusals(model.nodeId != null ? ise("nodeId") : null));
        if (attempt(call, refusals, () -> b.idGenerator(generator))) {
          model.idGenerator = generator;
        }
      }
      case "nodeId" -> {
        int node = call.intArg(0);
        List<Refusal> refusals = refusals(outside("nodeId", node, 0, 1_023),
            model.nodeId != null ? ise("nodeId") : null, model.idGenerator != null ? ise("idGenerator") : null);
        if (attempt(call, refusals, () -> b.nodeId(node))) {
          model.nodeId = node;
        }
      }
      case "limits" -> {
        EngineLimits v = (EngineLimits) call.arg(0);
        if (attempt(call, once("limits", model.limits, v), () -> b.limits(v))) {
          model.limits = v;
        }
      }
      case "maxTransactionRetries" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("maxTransactionRetries", v, 0, 20),
            model.maxTransactionRetries != null ? ise("maxTransactionRetries") : null),
            () -> b.maxTransactionRetries(v))) {
          model.maxTransactionRetries = v;
        }
      }
      case "maxGroupCommit" -> {
        int v = call.intArg(0);
        if (attempt(call, refusals(outside("maxGroupCommit", v, 1, 256),
            model.maxGroupCommit != null ? ise("maxGroupCommit") : null), () -> b.maxGroupCommit(v))) {
          model.maxGroupCommit = v;
        }
      }
      case "events" -> {
        EventSettings v = (EventSettings) call.arg(0);
        if (attempt(call, once("events", model.events, v), () -> b.events(v))) {
          model.events = v;
        }
      }
      case "webhooks" -> {
        WebhookSettings v = (WebhookSettings) call.arg(0);
        if (attempt(call, once("webhooks", model.webhooks, v), () -> b.webhooks(v))) {
          model.webhooks = v;
        }
      }
      case "fraudScreening" -> {
        FraudScreening v = (FraudScreening) call.arg(0);
        if (attempt(call, once("fraudScreening", model.fraudScreening, v), () -> b.fraudScreening(v))) {
          model.fraudScreening = v;
        }
      }
      case "leaderboards" -> {
        LeaderboardSettings v = (LeaderboardSettings) call.arg(0);
        if (attempt(call, once("leaderboards", model.leaderboards, v), () -> b.leaderboards(v))) {
          model.leaderboards = v;
        }
      }
      case "singleSignOn" -> {
        SsoSettings v = (SsoSettings) call.arg(0);
        if (attempt(call, once("singleSignOn", model.singleSignOn, v), () -> b.singleSignOn(v))) {
          model.singleSignOn = v;
        }
      }
      case "access" -> {
        AccessSettings v = (AccessSettings) call.arg(0);
        if (attempt(call, once("access", model.access, v), () -> b.access(v))) {
          model.access = v;
        }
      }
      case "listener" -> {
        String name = call.stringArg(0);
        EventFilter filter = switch (call.stringArg(1)) {
          case "all" -> EventFilter.all();
          case "awards" -> EventFilter.types(EventType.POINTS_AWARDED);
          default -> null;
        };
        EventListener listener = (Boolean) call.arg(2) ? event -> { } : null;
        if (attempt(call, refusals(name == null ? npe("name") : null, listener == null ? npe("listener") : null),
            () -> b.listener(name, filter, listener))) {
          model.listeners.add(new EngineConfig.Listener(name, filter == null ? EventFilter.all() : filter, listener));
        }
      }
      case "fulfilmentHandler" -> {
        String name = call.stringArg(0);
        FulfilmentHandler handler = (Boolean) call.arg(1) ? reward -> { } : null;
        if (attempt(call, refusals(name == null ? npe("name") : null, handler == null ? npe("handler") : null),
            () -> b.fulfilmentHandler(name, handler))) {
          model.handlers.add(new EngineConfig.Fulfiller(name, handler));
        }
      }
      case "build" -> build(session, model);
      default -> throw new AssertionError("no such call " + call);
    }
  }

  /** What build() may answer instead of an engine: one of these, and only when one of them applies. */
  private record BuildRefusals(List<Refusal> states, Set<ErrorCode> codes) {
    boolean any() {
      return !states.isEmpty() || !codes.isEmpty();
    }
  }

  private static BuildRefusals buildRefusals(Model model) {
    List<Refusal> states = new ArrayList<>();
    EventSettings events = Objects.requireNonNullElse(model.events, EventSettings.DEFAULTS);
    WebhookSettings webhooks = Objects.requireNonNullElse(model.webhooks, WebhookSettings.DEFAULTS);
    Duration least = webhooks.connectTimeout().plus(webhooks.requestTimeout()).multipliedBy(2);
    if (events.lease().compareTo(least) < 0) {
      states.add(new Refusal(IllegalStateException.class, "events.lease", least.toString()));
    }
    Set<ErrorCode> codes = new HashSet<>();
    Set<String> taken = new HashSet<>();
    for (EngineConfig.Listener l : model.listeners) {
      if (!LISTENER_NAME.matcher(l.name()).matches()) {
        codes.add(ErrorCode.VALIDATION_ERROR);
      } else if (!taken.add(l.name())) {
        codes.add(ErrorCode.CONFLICT);
      }
    }
    for (EngineConfig.Fulfiller f : model.handlers) {
      if (!HANDLER_NAME.matcher(f.name()).matches()) {
        codes.add(ErrorCode.VALIDATION_ERROR);
      } else if (!taken.add("fulfilment." + f.name())) {
        codes.add(ErrorCode.CONFLICT);
      }
    }
    return new BuildRefusals(states, codes);
  }

  private static void build(Session session, Model model) {
    Call call = Call.of("build");
    if (model.storage == null) {
      // Refused before anything is owned: the builder stays as it is, and the run goes on with it.
      attempt(call, refusals(ise("storage")), session.builder::build);
      session.count("no storage");
      return;
    }
    BuildRefusals refusals = buildRefusals(model);
    LoyaltyEngine engine;
    try {
      engine = session.builder.build();
    } catch (LoyaltyException e) {
      if (!refusals.codes().contains(e.code()) || !e.field().equals(Optional.of("name"))) {
        throw new AssertionError("build() threw " + e + ", but its javadoc documents " + refusals, e);
      }
      session.count(e.code().name());
      engine = null;
    } catch (RuntimeException e) {
      if (refusals.states().stream().noneMatch(r -> r.matches(e))) {
        throw new AssertionError("build() threw " + e + ", but its javadoc documents " + refusals, e);
      }
      session.count("events.lease");
      engine = null;
    }
    InMemoryStorage storage = model.storage;
    if (engine == null) {
      // A build that fails closes the storage: the engine owned it from storage() on.
      assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> null), "storage closed");
    } else {
      try (LoyaltyEngine built = engine) {
        if (refusals.any()) {
          throw new AssertionError("build() built an engine, but its javadoc documents " + refusals);
        }
        check(model, configOf(built));
      }
      session.count("built");
    }
    session.builder = LoyaltyEngine.builder();
    model.reset();
  }

  /** The engine's settings read back: each as set, or its documented default. */
  private static void check(Model model, EngineConfig config) {
    assertSame(model.storage, config.storage(), "storage");
    assertEquals(Objects.requireNonNullElse(model.clock, Clock.systemUTC()), config.clock(), "clock");
    assertSame(model.idGenerator, config.idGenerator(), "idGenerator");
    assertEquals(model.nodeId == null ? -1 : model.nodeId, config.nodeId(), "nodeId");
    assertEquals(Objects.requireNonNullElse(model.limits, EngineLimits.DEFAULTS), config.limits(), "limits");
    assertEquals(Objects.requireNonNullElse(model.maxTransactionRetries, 5), config.maxTransactionRetries(),
        "maxTransactionRetries");
    assertEquals(Objects.requireNonNullElse(model.maxGroupCommit, 64), config.maxGroupCommit(), "maxGroupCommit");
    assertEquals(Objects.requireNonNullElse(model.events, EventSettings.DEFAULTS), config.events(), "events");
    assertEquals(Objects.requireNonNullElse(model.webhooks, WebhookSettings.DEFAULTS), config.webhooks(),
        "webhooks");
    assertSame(Objects.requireNonNullElse(model.fraudScreening, FraudScreening.DEFAULTS), config.fraudScreening(),
        "fraudScreening");
    assertEquals(Objects.requireNonNullElse(model.leaderboards, LeaderboardSettings.DEFAULTS), config.leaderboards(),
        "leaderboards");
    assertEquals(Objects.requireNonNullElse(model.singleSignOn, SsoSettings.DEFAULTS), config.singleSignOn(),
        "singleSignOn");
    assertEquals(Objects.requireNonNullElse(model.access, AccessSettings.DEFAULTS), config.access(), "access");
    assertEquals(model.listeners, config.listeners(), "listeners, in order");
    assertEquals(model.handlers, config.fulfilmentHandlers(), "fulfilment handlers, in order");
  }

  private static EngineConfig configOf(LoyaltyEngine engine) {
    try {
      Field field = engine.getClass().getDeclaredField("config");
      field.setAccessible(true);
      return (EngineConfig) field.get(engine);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the core engine no longer keeps its EngineConfig in a field named config", e);
    }
  }
}
