package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.Access;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.brand.Brands;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.campaign.Campaigns;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.Catalog;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.coupons.CouponPools;
import io.loyaltyengine.customers.CustomerMappings;
import io.loyaltyengine.events.ChangeFeed;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.Events;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.FeedbackBoards;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.participant.Participants;
import io.loyaltyengine.points.Points;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.quests.Quests;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.rewards.Rewards;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.sso.SingleSignOn;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.Tenants;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.Testimonials;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.StoreFixture.HostTransactions;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.testkit.model.ModelRunner;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookRegistration;
import io.loyaltyengine.webhooks.WebhookSettings;
import io.loyaltyengine.webhooks.Webhooks;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A seeded, reflective fuzzer of the engine's whole public API, in the style of Caffeine's fuzzers: every method of
 * every service reachable from {@link LoyaltyEngine} and {@link TenantScope} is called with arguments that are
 * mostly valid and have one malformed part, and each call must keep the engine's promise on bad input:
 * <ul>
 *   <li>it returns normally or throws {@link LoyaltyException}, never another exception (a record of the API that
 *       refuses its components in its own constructor may throw {@code LoyaltyException} too; the few records and
 *       methods whose javadoc documents a {@code NullPointerException} or {@code IllegalArgumentException} for a
 *       programming error are listed in {@link #DOCUMENTED});</li>
 *   <li>a {@code VALIDATION_ERROR} names a field, and no error is {@code STORAGE_UNAVAILABLE} (the fixture's store is
 *       healthy, so that code would mean a value the engine let through and the store refused);</li>
 *   <li>no message of the error's cause chain, and no log line of the engine, holds a personal or secret value given
 *       as input (emails and texts carrying a marker, the tenant's API key, webhook and single sign-on secrets);</li>
 *   <li>a call that threw changed nothing: a snapshot of every row of the store ({@link #storeSnapshot}) is equal
 *       before and after it;</li>
 *   <li>tenants stay apart: a call through a scope answers with no id of another tenant's entities (a component
 *       named {@code id} or {@code ...Id} of the result), and a call through the scope of a tenant that does not exist
 *       changes nothing, even when it returns normally.</li>
 * </ul>
 * On a store that joins host transactions, a quarter of the calls through a tenant scope run in one
 * ({@link TenantScope#joining}), which the fuzzer commits after the call, whether it threw or not, as a host going on
 * with its own work would: a call that threw must have left the host's transaction as it found it, so that the
 * host's commit changes nothing either, and the transaction must still commit.
 * Which error a bad value gets is left open: an unknown id may be NOT_FOUND or a VALIDATION_ERROR, as long as it is
 * a {@code LoyaltyException}.
 *
 * <h2>Arguments</h2>
 * Each run builds a small world in a fresh engine (a tenant with two brands, two campaigns, participants, a points, a
 * coupon and an invited reward, earned rewards in every status, catalog rewards in and out of stock, a redemption, a
 * quest, a feedback board and idea, a testimonial, a webhook endpoint, an API key, a single sign-on secret, a customer
 * mapping, signing keys 1 to 3 and referral codes, a listener; and a second tenant), so that valid ids exist beside
 * invalid ones (a valid {@code keyId} is 1 or 2, which a retirement takes, or takes again). A call's arguments are a
 * tree: the tenant scope, each parameter, and each component of a record parameter (built through the record's
 * canonical constructor from a valid template, so the deep validation paths are reached). One leaf of the tree, chosen
 * at random, gets a malformed value (for an id: 0, negative, {@code Long.MIN_VALUE}/{@code MAX_VALUE}, unknown, an id
 * of another kind or of the other tenant; for a text: null, empty, blank, 10,000 characters, control characters, a lone
 * surrogate, a marker; for a collection: null, empty, holding null, 10,000 elements; for metadata: null values,
 * nesting, 10,000 keys; for an enum: null), and the others keep valid values; a tenth of the calls get malformed values
 * at many leaves at once, and a few get none. A parameter's name (the API is compiled with {@code -parameters}) chooses
 * its valid values: a {@code campaignId} is one of the world's campaigns.
 *
 * <h2>Runs</h2>
 * The calls run through {@link ModelRunner}: each call is a value (the method and a seed for its arguments), a
 * failing run prints its seed and a shortened sequence of calls, and {@code -Dloyalty.seed=<seed>} replays one seed.
 * {@value #CALLS_PROPERTY} sets the number of calls (default {@value #DEFAULT_CALLS}), run as seeds of
 * {@value #CALLS_PER_SEED} calls each. {@code Events.dispatch()} is not called (webhook deliveries would go to the
 * network), and webhooks are created under {@link WebhookAddressPolicy#ALLOW_ALL} (no DNS lookup).
 *
 * <h2>Factories and named fields</h2>
 * Three more tests run on the same world: {@link #requestValueFactoriesTakeMalformedArguments} calls the request
 * values' factories and with-methods (which the test above bypasses through the canonical constructors) with one
 * malformed argument; {@link #newerFeaturesNameTheFieldTheyRefuse} and {@link #olderServicesNameTheFieldTheyRefuse}
 * pin the exact code and field of the newer features' and the older services' refusals, which the test above
 * leaves open.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class ApiInputFuzzContractTest {
  /** The system property giving the number of calls to make (default {@value #DEFAULT_CALLS}). */
  public static final String CALLS_PROPERTY = "loyalty.fuzz.calls";
  /** Calls made when {@value #CALLS_PROPERTY} is not set. */
  public static final int DEFAULT_CALLS = 20_000;
  /** Calls of one seed: each seed starts from a fresh world. */
  public static final int CALLS_PER_SEED = 500;
  /** Where the clock of every run starts. */
  protected static final Instant START = Instant.parse("2025-03-14T09:26:53Z");

  private static final EventSettings MANUAL_DISPATCH = EventSettings.builder().manualDispatch().build();
  private static final WebhookSettings NO_LOOKUPS =
      WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_ALL);
  /** What must never appear in an error or a log line: the markers the world's texts and emails carry. */
  private static final Pattern MARKERS = Pattern.compile("fuzz\\.?marker|fuzzsecret", Pattern.CASE_INSENSITIVE);
  /** A huge text's length, and a huge collection's size less one: one past the API's largest limits. */
  private static final int HUGE = 10_000;
  /** Where the world's webhooks point: the discard port of the loopback, refused at once if ever called. */
  private static final String HOOK = "http://127.0.0.1:9/fuzz";
  /** The name of the listener every world subscribes. */
  static final String TAKEN_LISTENER = "fuzz-taken";

  /**
   * Exceptions other than {@link LoyaltyException} that the API documents for a programming error, by where they
   * are thrown ({@code Type.method} or {@code Type.<init>}) and class: {@code Access.authenticate} with a null scope,
   * {@code PointsOperation} with a null part, the participant update builder's {@code metadata(null)},
   * {@code SsoSignatures.login} with a null or empty secret.
   */
  static final Map<String, Set<Class<? extends Throwable>>> DOCUMENTED = Map.of(
      "Access.authenticate", Set.of(NullPointerException.class),
      "PointsOperation.<init>", Set.of(NullPointerException.class),
      "ParticipantUpdate.Builder.metadata", Set.of(NullPointerException.class),
      "SsoSignatures.login", Set.of(NullPointerException.class, IllegalArgumentException.class));

  private static final List<Class<?>> SCOPE_SERVICES = List.of(Brands.class, Campaigns.class, Participants.class,
      Points.class, Rewards.class, CouponPools.class, Catalog.class, Leaderboards.class, Referrals.class,
      Testimonials.class, Quests.class, FeedbackBoards.class, ChangeFeed.class, Webhooks.class,
      CustomerMappings.class, SingleSignOn.class, ApiKeys.class);
  private static final List<Class<?>> ENGINE_SERVICES = List.of(Tenants.class, Events.class, Access.class);
  /** Methods not called: they take no input, and this one would send webhooks over the network. */
  private static final Set<String> SKIPPED = Set.of("Events.dispatch");

  /** Every method fuzzed, in a stable order (a call names one by its index). */
  static final List<Method> METHODS = methods();

  /**
   * The calls to make when {@value #CALLS_PROPERTY} is not set: {@value #DEFAULT_CALLS} unless a slower backend
   * asks for fewer.
   */
  protected int defaultCalls() {
    return DEFAULT_CALLS;
  }

  /**
   * The most rounds a refusal test ({@link #newerFeaturesNameTheFieldTheyRefuse},
   * {@link #olderServicesNameTheFieldTheyRefuse}) makes per seed: no bound unless a slower backend asks for fewer.
   */
  protected int maxRefusalRounds() {
    return Integer.MAX_VALUE;
  }

  /** A fixture on a fresh, empty database of the backend under test; each run (seed) gets its own. */
  protected abstract StoreFixture createFixture();

  /**
   * A snapshot of every row of {@code fixture}'s database, as a value whose {@code equals} tells whether anything
   * changed; taken between calls, never during one.
   */
  protected abstract Object storeSnapshot(StoreFixture fixture);

  @Test
  void malformedInputGetsTypedErrorsAndChangesNothing() {
    int calls = Integer.getInteger(CALLS_PROPERTY, defaultCalls());
    int seeds = Math.max(1, (calls + CALLS_PER_SEED - 1) / CALLS_PER_SEED);
    long[] defaults = new long[seeds];
    for (int i = 0; i < seeds; i++) {
      defaults[i] = 7_919L * (i + 1);
    }
    Stats stats = new Stats();
    LogCapture logs = LogCapture.install();
    try {
      ModelRunner<Session, Tracker, Call> runner = ModelRunner.<Session, Tracker, Call>builder()
          .name("api input fuzz")
          .system(() -> new Session(createFixture()))
          .model(session -> new Tracker(storeSnapshot(session.fixture)))
          .operations(random -> new Call(random.nextInt(METHODS.size()), random.nextLong()))
          .step((session, tracker, call) -> step(session, tracker, call, stats, logs))
          .steps(Math.min(calls, CALLS_PER_SEED))
          .shrinkBudget(60)
          .build();
      runner.runSeeds(defaults);
    } finally {
      logs.close();
    }
    System.out.println(stats.report(getClass().getSimpleName()));
    assertTrue(stats.calls > 0, "no call was made");
  }

  // ==================================================================== one call

  private void step(Session session, Tracker tracker, Call call, Stats stats, LogCapture logs) {
    Method method = METHODS.get(call.method);
    String where = method.getDeclaringClass().getSimpleName() + "." + method.getName();
    // Pass 1 counts the leaves of the argument tree; pass 2, from the same seed, breaks the chosen ones.
    Args counting = new Args(session.world, Gen.random(call.seed), -1, false);
    counting.receiver(method);
    counting.build(method);
    RandomGenerator choice = Gen.random(call.seed ^ 0x5DEECE66DL);
    boolean chaos = choice.nextInt(10) == 0;
    int target = chaos ? -1 : choice.nextInt(counting.leaves + Math.max(1, counting.leaves / 8));
    // The engine's own services (tenants, events, access) join no host transaction.
    boolean hosted = session.hostTransactions != null && !ENGINE_SERVICES.contains(method.getDeclaringClass())
        && choice.nextInt(4) == 0;
    try (HostTx host = hosted ? session.hostTransactions.begin() : null) {
      Args args = new Args(session.world, Gen.random(call.seed), target, chaos);
      args.host = host == null ? null : host.transaction();
      invoke(session, tracker, call, where, args, host, stats, logs);
    }
  }

  /** Makes {@code call} with {@code args}, in {@code host}'s transaction if not null, and checks its outcome. */
  private void invoke(Session session, Tracker tracker, Call call, String where, Args args, HostTx host, Stats stats,
      LogCapture logs) {
    Method method = METHODS.get(call.method);
    logs.clear();
    Object[] values;
    Object receiver;
    try {
      receiver = args.receiver(method);
      values = args.build(method);
    } catch (RecordRefused refused) {
      stats.count(where, "refused by " + refused.record + ": " + describe(refused.getCause()));
      checkThrown(refused.record + ".<init>", refused.getCause(), args, session.world);
      return;
    }
    Throwable thrown = null;
    Object result = null;
    try {
      result = method.invoke(receiver, values);
    } catch (InvocationTargetException e) {
      thrown = e.getCause();
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
    stats.count(where, (thrown == null ? "ok" : describe(thrown)) + (host == null ? "" : ", joining"));
    if (host != null) {
      try {
        host.commit();
      } catch (RuntimeException e) {
        throw new AssertionError(where + (thrown == null ? " returned" : " threw " + thrown) + " and left the host's"
            + " transaction unable to commit" + args.describe(), e);
      }
    }
    Object after = storeSnapshot(session.fixture);
    if (thrown != null) {
      checkThrown(where, thrown, args, session.world);
      if (!after.equals(tracker.last)) {
        throw new AssertionError(where + " threw " + thrown + " but changed the store" + args.describe());
      }
    } else if (args.scopeTenant != null && !session.world.isTenant(args.scopeTenant)
        && !after.equals(tracker.last)) {
      throw new AssertionError(where + " changed the store for a tenant that does not exist" + args.describe());
    }
    tracker.last = after;
    if (result instanceof io.loyaltyengine.sso.SsoSecret rotated && args.scopeTenant != null
        && args.scopeTenant == session.world.scope.tenantId()) {
      session.world.ssoSecret = rotated.secret();
      session.world.secrets.add(rotated.secret());
    }
    if (thrown == null && args.scopeTenant != null) {
      Long foreign = foreignId(result, session.world.foreignTo(args.scopeTenant), 0);
      if (foreign != null) {
        throw new AssertionError(where + " answered in tenant " + args.scopeTenant + " with id " + foreign
            + " of another tenant" + args.describe());
      }
    }
    String leaked = logs.leak(session.world.secrets);
    if (leaked != null) {
      throw new AssertionError(where + " logged personal or secret input: " + leaked + args.describe());
    }
  }

  private static void checkThrown(String where, Throwable thrown, Args args, World world) {
    checkThrown(where, thrown, args, world, DOCUMENTED.getOrDefault(where, Set.of()));
  }

  private static void checkThrown(String where, Throwable thrown, Args args, World world,
      Set<Class<? extends Throwable>> documented) {
    if (thrown instanceof LoyaltyException e) {
      if (e.code() == null) {
        throw new AssertionError(where + " threw a LoyaltyException without a code" + args.describe(), e);
      }
      if (e.code() == ErrorCode.VALIDATION_ERROR && e.field().map(String::isBlank).orElse(true)) {
        throw new AssertionError(where + " threw a VALIDATION_ERROR naming no field: " + e + args.describe(), e);
      }
      if (e.code() == ErrorCode.STORAGE_UNAVAILABLE) {
        throw new AssertionError(where + " let a value through that the store refused: " + e + args.describe(), e);
      }
    } else if (!documented.contains(thrown.getClass())) {
      throw new AssertionError(where + " threw " + thrown.getClass().getName() + " for malformed input"
          + args.describe(), thrown);
    }
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (leaks(message, world.secrets)) {
        throw new AssertionError(where + " put personal or secret input into an exception message ("
            + t.getClass().getSimpleName() + ")" + args.describe(), thrown);
      }
    }
  }

  /** The first id of {@code foreign} found in {@code result} (records, collections, optionals, maps), or null. */
  private static Long foreignId(Object result, Set<Long> foreign, int depth) {
    if (result == null || depth > 6) {
      return null;
    }
    if (result instanceof Long id) {
      return foreign.contains(id) ? id : null;
    }
    Collection<?> parts = null;
    if (result instanceof java.util.Optional<?> o) {
      parts = o.stream().toList();
    } else if (result instanceof Collection<?> c) {
      parts = c;
    } else if (result instanceof Map<?, ?> m) {
      parts = m.values();
    } else if (result.getClass().isRecord()) {
      List<Object> values = new ArrayList<>();
      for (RecordComponent component : result.getClass().getRecordComponents()) {
        String name = component.getName();
        boolean id = name.equals("id") || name.endsWith("Id");
        if (!id && (component.getType() == long.class || component.getType() == Long.class)) {
          continue; // an amount or a feed position, which may be any number (an input's, echoed)
        }
        try {
          values.add(component.getAccessor().invoke(result));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
      parts = values;
    }
    if (parts != null) {
      for (Object part : parts) {
        Long found = foreignId(part, foreign, depth + 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static boolean leaks(String text, Collection<String> secrets) {
    if (text == null) {
      return false;
    }
    if (MARKERS.matcher(text).find()) {
      return true;
    }
    for (String secret : secrets) {
      if (text.contains(secret)) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable t) {
    return t instanceof LoyaltyException e
        ? e.code() + e.field().map(f -> "(" + f + ")").orElse("")
        : t.getClass().getSimpleName();
  }

  // ==================================================================== the methods

  private static List<Method> methods() {
    List<Method> out = new ArrayList<>();
    for (Class<?> service : concat(SCOPE_SERVICES, ENGINE_SERVICES)) {
      for (Method m : service.getMethods()) {
        if (Modifier.isStatic(m.getModifiers()) || m.isSynthetic()
            || SKIPPED.contains(service.getSimpleName() + "." + m.getName())) {
          continue;
        }
        out.add(m);
      }
    }
    out.sort(Comparator.comparing((Method m) -> m.getDeclaringClass().getName())
        .thenComparing(Method::getName).thenComparing(m -> Arrays.toString(m.getParameterTypes())));
    return List.copyOf(out);
  }

  /** Every service accessor of the API is fuzzed: a new one must be added here, or the fuzzer fails. */
  @Test
  void everyServiceOfTheApiIsFuzzed() {
    Set<Class<?>> fuzzed = new HashSet<>(concat(SCOPE_SERVICES, ENGINE_SERVICES));
    for (Class<?> owner : List.of(TenantScope.class, LoyaltyEngine.class)) {
      for (Method m : owner.getMethods()) {
        Class<?> type = m.getReturnType();
        if (m.getParameterCount() == 0 && type.isInterface() && type.getName().startsWith("io.loyaltyengine.")
            && type != TenantScope.class) {
          assertTrue(fuzzed.contains(type), owner.getSimpleName() + "." + m.getName() + "() is not fuzzed");
        }
      }
    }
  }

  private static <T> List<T> concat(List<? extends T> a, List<? extends T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  // ==================================================================== the request values' factories

  /**
   * The request values whose public factories and with-methods are fuzzed: every record a service method takes,
   * the participant update's builder and the single sign-on signer. {@link #everyRequestValueIsFuzzed} fails when a
   * service method takes a record missing here.
   */
  static final List<Class<?>> REQUEST_VALUES = List.of(ParticipantRef.class, NewTenant.class, NewBrand.class,
      NewCampaign.class, NewParticipant.class, ParticipantUpdate.class, ParticipantUpdate.Builder.class,
      ParticipantFilter.class, Keyset.class, PageRequest.class, PointsChange.class, PointsOperation.class,
      NewCampaignReward.class, LoyaltyAction.class, NewCatalogReward.class, BoardRequest.class,
      ReferralSettings.class, ConversionPoints.class, io.loyaltyengine.referrals.LandingPage.class, Signup.class,
      Track.class, NewConversion.class, NewTestimonial.class, NewQuest.class, NewQuestTask.class,
      NewFeedbackBoard.class, NewIdea.class, EventFilter.class, NewWebhookEndpoint.class, SsoLogin.class,
      SsoSignatures.class, NewApiKey.class, BrandUpdate.class, CampaignUpdate.class, CatalogRewardUpdate.class,
      QuestUpdate.class, FeedbackBoardUpdate.class);

  /** Entities as read, taken by the update records' factories ({@code BrandUpdate.of(brand)}): a leaf each. */
  static final Set<Class<?>> ENTITIES =
      Set.of(Brand.class, Campaign.class, CatalogReward.class, Quest.class, FeedbackBoard.class);

  /**
   * Every factory fuzzed, in a stable order: a public static method of a request value returning a record of the
   * API, or a public instance method with parameters returning a value of its own type (a with-method, a builder's
   * setter). Their records' canonical constructors are fuzzed by
   * {@link #malformedInputGetsTypedErrorsAndChangesNothing}.
   */
  static final List<Method> FACTORIES = factories();

  private static List<Method> factories() {
    List<Method> out = new ArrayList<>();
    for (Class<?> owner : REQUEST_VALUES) {
      for (Method m : owner.getDeclaredMethods()) {
        Class<?> result = m.getReturnType();
        boolean factory = Modifier.isStatic(m.getModifiers())
            && (owner.isAssignableFrom(result)
                || result.isRecord() && result.getName().startsWith("io.loyaltyengine."));
        boolean with = !Modifier.isStatic(m.getModifiers()) && result == owner;
        if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && !m.isBridge() && m.getParameterCount() > 0
            && (factory || with)) {
          out.add(m);
        }
      }
    }
    out.sort(Comparator.comparing((Method m) -> m.getDeclaringClass().getName())
        .thenComparing(Method::getName).thenComparing(m -> Arrays.toString(m.getParameterTypes())));
    return List.copyOf(out);
  }

  /** A value's name in failure messages and {@link #DOCUMENTED}: {@code ParticipantUpdate.Builder} for a nested one. */
  private static String ownerName(Class<?> type) {
    return type.getEnclosingClass() == null ? type.getSimpleName()
        : ownerName(type.getEnclosingClass()) + "." + type.getSimpleName();
  }

  /** Every record a service method takes, directly or as a component of one, has its factories fuzzed. */
  @Test
  void everyRequestValueIsFuzzed() {
    Set<Class<?>> seen = new HashSet<>();
    List<Type> todo = new ArrayList<>();
    METHODS.forEach(m -> todo.addAll(Arrays.asList(m.getGenericParameterTypes())));
    while (!todo.isEmpty()) {
      Type type = todo.remove(todo.size() - 1);
      if (type instanceof ParameterizedType p) {
        todo.addAll(Arrays.asList(p.getActualTypeArguments()));
      }
      Class<?> raw = rawType(type);
      if (raw.getName().startsWith("io.loyaltyengine.") && (raw.isRecord() || raw == ParticipantRef.class)
          && seen.add(raw)) {
        assertTrue(REQUEST_VALUES.contains(raw),
            raw.getName() + " is taken by the API but its factories are not fuzzed");
        for (RecordComponent c : raw.isRecord() ? raw.getRecordComponents() : new RecordComponent[0]) {
          todo.add(c.getGenericType());
        }
      }
    }
    assertTrue(FACTORIES.size() > 40, "only " + FACTORIES.size() + " factories found");
  }

  /**
   * The request values' factories and with-methods, called with arguments built as the services' are (one of them
   * malformed): each returns, or throws LoyaltyException or what the javadoc of the method or of its record's
   * constructor documents ({@link #DOCUMENTED}), and no message quotes a marker or a secret. Only the values' own
   * code runs (the services get what they return in the other test), so the store is not read; one world serves a
   * seed's calls.
   */
  @Test
  void requestValueFactoriesTakeMalformedArguments() {
    Stats stats = new Stats();
    ModelRunner<Session, Object, FactoryCall> runner = ModelRunner.<Session, Object, FactoryCall>builder()
        .name("request value factory fuzz")
        .system(() -> new Session(createFixture()))
        .model(session -> Boolean.TRUE)
        .operations(random -> new FactoryCall(random.nextInt(FACTORIES.size()), random.nextLong()))
        .step((session, model, call) -> factoryStep(session.world, call, stats))
        .steps(FACTORY_CALLS_PER_SEED)
        .shrinkBudget(20)
        .build();
    runner.runSeeds(104_729L, 1_299_709L);
    System.out.println("Request value factories on " + getClass().getSimpleName() + ": " + stats.calls + " calls, "
        + FACTORIES.size() + " factories\n" + stats.outcomes.entrySet().stream()
            .map(e -> "  " + e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining("\n")));
    long named = FACTORIES.stream().map(m -> ownerName(m.getDeclaringClass()) + "." + m.getName()).distinct().count();
    assertTrue(stats.outcomes.size() == named, "not every factory was called: " + stats.outcomes.keySet());
  }

  /** Calls of one seed of the factory fuzzer (about 30 per factory over its two seeds). */
  static final int FACTORY_CALLS_PER_SEED = 1_500;

  private static void factoryStep(World world, FactoryCall call, Stats stats) {
    Method method = FACTORIES.get(call.method);
    Class<?> owner = method.getDeclaringClass();
    String where = ownerName(owner) + "." + method.getName();
    Args counting = new Args(world, Gen.random(call.seed), -1, false);
    counting.build(method);
    RandomGenerator choice = Gen.random(call.seed ^ 0x5DEECE66DL);
    boolean chaos = choice.nextInt(10) == 0;
    int target = chaos ? -1 : choice.nextInt(counting.leaves + 1);
    Args args = new Args(world, Gen.random(call.seed), target, chaos);
    Object receiver = null;
    if (!Modifier.isStatic(method.getModifiers())) {
      List<Object> templates = owner == ParticipantUpdate.Builder.class
          ? List.of(ParticipantUpdate.builder(), ParticipantUpdate.builder().tier("gold").metadata("n", 1L))
          : world.templates.get(owner);
      receiver = templates.get(choice.nextInt(templates.size()));
    }
    Object[] values;
    try {
      values = args.build(method);
    } catch (RecordRefused refused) {
      stats.count(where, "refused by " + refused.record + ": " + describe(refused.getCause()));
      checkThrown(refused.record + ".<init>", refused.getCause(), args, world);
      return;
    }
    Throwable thrown = null;
    try {
      method.invoke(receiver, values);
    } catch (InvocationTargetException e) {
      thrown = e.getCause();
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
    stats.count(where, thrown == null ? "ok" : describe(thrown));
    if (thrown != null) {
      // A factory is its record's constructor with defaults: it may throw what that constructor documents.
      Set<Class<? extends Throwable>> documented = new HashSet<>(DOCUMENTED.getOrDefault(where, Set.of()));
      documented.addAll(DOCUMENTED.getOrDefault(ownerName(owner) + ".<init>", Set.of()));
      checkThrown(where, thrown, args, world, documented);
    }
  }

  /** One factory call: a factory (by its index in {@link #FACTORIES}) and the seed of its arguments. */
  record FactoryCall(int method, long seed) {
    @Override
    public String toString() {
      Method m = FACTORIES.get(method);
      return ownerName(m.getDeclaringClass()) + "." + m.getName()
          + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).toList() + " seed " + seed;
    }
  }

  // ==================================================================== the field a refusal names

  /**
   * The newer features (quests, feedback boards and ideas, testimonials, landing pages, webhooks, API keys, single
   * sign-on, customer mappings, API key authentication), the referral program's visitor-facing inputs (codes, visitor,
   * customer and order ids, order values; signing key numbers), participants' personal data and points name what they
   * refuse: each call has one malformed value of a known kind at a known place (a text null, empty, blank, of no-break
   * spaces, with a control character or a lone surrogate, or one code point past its limit; a number out of its bounds;
   * a malformed URL or email; an id naming nothing of the tenant; a login signed again around its malformed field), and
   * must throw a LoyaltyException of exactly the expected code and field, whose messages quote no marker, secret or the
   * malformed text itself, changing nothing. The reflective test above allows any code and any field; this one pins
   * them, as a host maps them to its own responses.
   */
  @Test
  void newerFeaturesNameTheFieldTheyRefuse() {
    refuseEach("refused field fuzz", REFUSALS, 6, 15_485_863L, 32_452_843L);
  }

  /**
   * The older services (tenants, brands, campaigns, campaign rewards and loyalty actions, referral settings, earned
   * rewards, coupon pools, the catalog, leaderboards, events and the change feed) name what they refuse, as
   * {@link #newerFeaturesNameTheFieldTheyRefuse} checks for the newer ones: the refusals are
   * {@link OlderServiceRefusals#REFUSALS}, each call pinned to its exact code and field, quoting nothing, changing
   * nothing.
   */
  @Test
  void olderServicesNameTheFieldTheyRefuse() {
    refuseEach("older services' refused field fuzz", OlderServiceRefusals.REFUSALS, 4, 49_979_687L, 86_028_121L);
  }

  /**
   * Makes {@code rounds} rounds of calls of {@code refusals} (at most {@link #maxRefusalRounds}) from each seed's
   * fresh world, each round every refusal once in a random order with a malformed value of its own, and checks each
   * call as {@link #refusalStep} says. Rounds rather than independent choices: every refusal is tried as often as the
   * others, with no call spent on making that likely.
   */
  private void refuseEach(String name, List<Refusal> refusals, int rounds, long... seeds) {
    Map<String, Integer> counts = new TreeMap<>();
    LogCapture logs = LogCapture.install();
    try {
      ModelRunner<Session, Tracker, RefusalCall> runner = ModelRunner.<Session, Tracker, RefusalCall>builder()
          .name(name)
          .system(() -> new Session(createFixture()))
          .model(session -> new Tracker(storeSnapshot(session.fixture)))
          .operations((random, previous) -> {
            // The refusals this round has not tried yet: those not among its calls so far.
            List<RefusalCall> round = previous.subList(previous.size() - previous.size() % refusals.size(),
                previous.size());
            List<Refusal> left = new ArrayList<>(refusals);
            round.forEach(c -> left.remove(c.refusal));
            return new RefusalCall(left.get(random.nextInt(left.size())), random.nextLong());
          })
          .step((session, tracker, call) -> refusalStep(session, tracker, call, counts, logs))
          .steps(Math.min(rounds, maxRefusalRounds()) * refusals.size())
          .shrinkBudget(20)
          .build();
      runner.runSeeds(seeds);
    } finally {
      logs.close();
    }
    System.out.println("Refused fields (" + name + ") on " + getClass().getSimpleName() + ": " + counts);
    assertTrue(counts.size() == refusals.size(), "two refusals share a name: " + counts.keySet());
  }

  /**
   * One refusal: the call must throw a LoyaltyException of exactly the refusal's code and field, whose cause chain
   * quotes no marker, secret or the malformed text itself, with no such log line, and the store unchanged.
   */
  private void refusalStep(Session session, Tracker tracker, RefusalCall call, Map<String, Integer> counts,
      LogCapture logs) {
    Refusal refusal = call.refusal;
    World world = session.world;
    RandomGenerator random = Gen.random(call.seed);
    Object bad = refusal.values.pick(world, random);
    String shown = "\n    value: " + show(bad);
    logs.clear();
    Throwable thrown = null;
    try {
      refusal.attempt.call(world, bad);
    } catch (RuntimeException e) {
      thrown = e;
    }
    counts.merge(refusal.name, 1, Integer::sum);
    if (thrown == null) {
      throw new AssertionError(refusal.name + " accepted a malformed value" + shown);
    }
    if (!(thrown instanceof LoyaltyException e)) {
      throw new AssertionError(refusal.name + " threw " + thrown.getClass().getName() + shown, thrown);
    }
    if (e.code() != refusal.code || !e.field().equals(java.util.Optional.ofNullable(refusal.field))) {
      throw new AssertionError(refusal.name + " threw " + e.code() + e.field().map(f -> "(" + f + ")").orElse("")
          + ", expected " + refusal.code + "(" + refusal.field + ")" + shown, e);
    }
    // The malformed text itself, not only a marked one: a damaged key or signature carries no marker.
    List<String> quoted = new ArrayList<>(world.secrets);
    if (bad instanceof String text && text.strip().length() >= 12) {
      quoted.add(text.strip());
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (leaks(t.getMessage(), quoted)) {
        throw new AssertionError(refusal.name + " put personal or secret input into an exception message" + shown, e);
      }
    }
    String leaked = logs.leak(world.secrets);
    if (leaked != null) {
      throw new AssertionError(refusal.name + " logged personal or secret input: " + leaked + shown);
    }
    Object after = storeSnapshot(session.fixture);
    if (!after.equals(tracker.last)) {
      throw new AssertionError(refusal.name + " threw " + e.code() + " but changed the store" + shown);
    }
  }

  /** One refusal call: a refusal and the seed of its malformed value. */
  record RefusalCall(Refusal refusal, long seed) {
    @Override
    public String toString() {
      return refusal.name + " seed " + seed;
    }
  }

  /** Malformed values of one kind, some built from the world (a damaged key, a login signed again). */
  interface Values {
    Object pick(World world, RandomGenerator random);
  }

  /** A call of the world with one malformed value. */
  interface Attempt {
    void call(World world, Object bad);
  }

  /** A call with one malformed value, and the code and field its refusal must carry (null: no field). */
  record Refusal(String name, ErrorCode code, String field, Values values, Attempt attempt) {
  }

  static final List<Refusal> REFUSALS = refusals();

  private static List<Refusal> refusals() {
    ErrorCode invalid = ErrorCode.VALIDATION_ERROR;
    ErrorCode unauthenticated = ErrorCode.UNAUTHENTICATED;
    long maxPoints = io.loyaltyengine.EngineLimits.DEFAULTS.maxPointsPerOperation();
    Values badPoints = oneOf(-1L, Long.MIN_VALUE, maxPoints + 1, Long.MAX_VALUE);
    List<Refusal> out = new ArrayList<>();
    // Quests
    out.add(new Refusal("Quests.create name", invalid, "name", required(200),
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), (String) bad, null, tasks(), 1))));
    out.add(new Refusal("Quests.create description", invalid, "description", optionalLines(2_000),
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), "Q", (String) bad, tasks(), 1))));
    out.add(new Refusal("Quests.create tasks", invalid, "tasks",
        oneOf(null, List.of(), Collections.nCopies(51, new NewQuestTask("T", 1))),
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), "Q", null, cast(bad), 1))));
    out.add(new Refusal("Quests.create tasks[1]", invalid, "tasks[1]", oneOf((Object) null),
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), "Q", null,
            Arrays.asList(new NewQuestTask("One", 1), null), 1))));
    out.add(new Refusal("Quests.create tasks[1].name", invalid, "tasks[1].name", or(required(200), oneOf(" One ")),
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), "Q", null,
            List.of(new NewQuestTask("One", 1), new NewQuestTask((String) bad, 1)), 1))));
    out.add(new Refusal("Quests.create tasks[0].points", invalid, "tasks[0].points", badPoints,
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), "Q", null,
            List.of(new NewQuestTask("One", (long) bad)), 1))));
    out.add(new Refusal("Quests.create completionBonus", invalid, "completionBonus", badPoints,
        (w, bad) -> w.scope.quests().create(new NewQuest(w.campaign(), "Q", null, tasks(), (long) bad))));
    out.add(new Refusal("Quests.completeTask taskNumber", invalid, "taskNumber",
        oneOf(0, -1, 4, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.quests().completeTask(w.person(0), w.id("quest"), (int) bad)));
    // Feedback boards and ideas (an optional text there is none when blank)
    out.add(new Refusal("FeedbackBoards.createBoard name", invalid, "name", required(200),
        (w, bad) -> w.scope.feedback().createBoard(new NewFeedbackBoard(w.campaign(), (String) bad, null))));
    out.add(new Refusal("FeedbackBoards.createBoard description", invalid, "description", unreadableLines(2_000),
        (w, bad) -> w.scope.feedback().createBoard(new NewFeedbackBoard(w.campaign(), "B", (String) bad))));
    out.add(new Refusal("FeedbackBoards.submitIdea title", invalid, "title", required(200),
        (w, bad) -> w.scope.feedback().submitIdea(w.person(0), w.id("board"), new NewIdea((String) bad, null))));
    out.add(new Refusal("FeedbackBoards.submitIdea body", invalid, "body", unreadableLines(5_000),
        (w, bad) -> w.scope.feedback().submitIdea(w.person(0), w.id("board"), new NewIdea("I", (String) bad))));
    out.add(new Refusal("FeedbackBoards.submitIdea idempotencyKey", invalid, "idempotencyKey", badIdentifiers(),
        (w, bad) -> w.scope.feedback().submitIdea(w.person(0), w.id("board"), NewIdea.of("I")
            .withIdempotencyKey((String) bad))));
    out.add(new Refusal("FeedbackBoards.votedIdeas ideaIds", invalid, "ideaIds", oneOf(null,
        Arrays.asList(1L, null), Collections.nCopies(FeedbackBoards.MAX_VOTED_IDEAS_ASKED + 1, 1L),
        LongStream.rangeClosed(1, FeedbackBoards.MAX_VOTED_IDEAS_ASKED + 1).boxed().toList()),
        (w, bad) -> w.scope.feedback().votedIdeas(w.person(1), castIds(bad))));
    out.add(new Refusal("FeedbackBoards.submitIdea idea", invalid, "idea", oneOf((Object) null),
        (w, bad) -> w.scope.feedback().submitIdea(w.person(0), w.id("board"), (NewIdea) bad)));
    out.add(new Refusal("FeedbackBoards.setStatus status", invalid, "status", oneOf((Object) null),
        (w, bad) -> w.scope.feedback().setStatus(w.id("idea"), (io.loyaltyengine.feedback.IdeaStatus) bad)));
    out.add(new Refusal("FeedbackBoards.ideas order", invalid, "order", oneOf((Object) null),
        (w, bad) -> w.scope.feedback().ideas(w.id("board"), null, (io.loyaltyengine.feedback.IdeaOrder) bad,
            PageRequest.of(1, 10))));
    out.add(new Refusal("FeedbackBoards.ideas of a participant page", invalid, "page", oneOf((Object) null),
        (w, bad) -> w.scope.feedback().ideas(w.person(0), (Keyset) bad)));
    // Testimonials (the second participant has none yet)
    out.add(new Refusal("Testimonials.submit text", invalid, "text", requiredLines(5_000),
        (w, bad) -> w.scope.testimonials().submit(w.person(1), new NewTestimonial((String) bad, 3))));
    out.add(new Refusal("Testimonials.submit rating", invalid, "rating",
        oneOf(0, 6, -1, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.testimonials().submit(w.person(1), new NewTestimonial("Fine", (Integer) bad))));
    // Landing pages
    out.add(new Refusal("Referrals.configureLandingPage url", invalid, "url", or(required(2_000), badUrls()),
        (w, bad) -> w.scope.referrals().configureLandingPage(w.landingPage().withUrl((String) bad))));
    out.add(new Refusal("Referrals.configureLandingPage headline", invalid, "headline", required(200),
        (w, bad) -> w.scope.referrals().configureLandingPage(w.landingPage().withHeadline((String) bad))));
    out.add(new Refusal("Referrals.configureLandingPage description", invalid, "description", optionalLines(2_000),
        (w, bad) -> w.scope.referrals().configureLandingPage(w.landingPage().withDescription((String) bad))));
    out.add(new Refusal("Referrals.configureLandingPage shareMessage", invalid, "shareMessage", optionalLines(500),
        (w, bad) -> w.scope.referrals().configureLandingPage(w.landingPage().withShareMessage((String) bad))));
    out.add(new Refusal("Referrals.configureLandingPage imageUrl", invalid, "imageUrl",
        or(optional(2_000), badUrls()),
        (w, bad) -> w.scope.referrals().configureLandingPage(w.landingPage().withImageUrl((String) bad))));
    out.add(new Refusal("Referrals.configureLandingPage referralParameter", invalid, "referralParameter",
        oneOf(null, "", " ", "a b", "x".repeat(33), "ref=1", "fuzzmarker&", "é", "fuzz\u0000marker"),
        (w, bad) -> w.scope.referrals().configureLandingPage(w.landingPage().withReferralParameter((String) bad))));
    // Webhooks (under ALLOW_ALL, so a loopback or private host is no refusal here)
    out.add(new Refusal("Webhooks.create url", invalid, "url", or(required(2_048), badUrls()),
        (w, bad) -> w.scope.webhooks().create(NewWebhookEndpoint.of((String) bad))));
    out.add(new Refusal("Webhooks.create endpoint", invalid, "endpoint", oneOf((Object) null),
        (w, bad) -> w.scope.webhooks().create((NewWebhookEndpoint) bad)));
    out.add(new Refusal("Webhooks.deliveries page", invalid, "page", oneOf((Object) null),
        (w, bad) -> w.scope.webhooks().deliveries(w.id("endpoint"), (Keyset) bad)));
    out.add(new Refusal("Webhooks.deliveries in a status page", invalid, "page", oneOf((Object) null),
        (w, bad) -> w.scope.webhooks().deliveries(w.id("endpoint"), DeliveryStatus.PENDING, (Keyset) bad)));
    out.add(new Refusal("Webhooks.deliveries status", invalid, "status", oneOf((Object) null),
        (w, bad) -> w.scope.webhooks().deliveries(w.id("endpoint"), (DeliveryStatus) bad, Keyset.first(10))));
    // API keys
    out.add(new Refusal("ApiKeys.issue name", invalid, "name", required(100),
        (w, bad) -> w.scope.apiKeys().issue(NewApiKey.of((String) bad, ApiScope.READ))));
    out.add(new Refusal("ApiKeys.issue scopes", invalid, "scopes",
        oneOf(null, Set.of(), new HashSet<>(Arrays.asList(ApiScope.READ, null))),
        (w, bad) -> w.scope.apiKeys().issue(new NewApiKey("K", cast(bad)))));
    out.add(new Refusal("Access.authenticate presentedKey", unauthenticated, "apiKey",
        (w, r) -> {
          String key = w.texts.get("presentedKey").get(0);
          int at = r.nextInt(key.length());
          char c = key.charAt(at) == 'A' ? 'B' : 'A';
          return pickFrom(r, null, "", " ", key.substring(0, at) + c + key.substring(at + 1), key + "x",
              key.substring(0, key.length() - 1), key.substring(0, at) + key.substring(at + 1), "fuzzsecret_" + at,
              key + "\u0000", key.repeat(100));
        },
        (w, bad) -> w.engine.access().authenticate((String) bad, ApiScope.READ)));
    // Single sign-on: the login is signed again around the malformed field, so the check of that field is reached
    out.add(new Refusal("SingleSignOn.recognize customerId", invalid, "customerId", required(255),
        (w, bad) -> w.scope.singleSignOn().recognize(w.login(w.campaign(), (String) bad, null, w.now()))));
    out.add(new Refusal("SingleSignOn.recognize email", invalid, "email",
        or(badEmails(), oneOf("fuzz.marker.1@example.com\n", "\tfuzz.marker.1@example.com")),
        (w, bad) -> w.scope.singleSignOn().recognize(w.login(w.campaign(), "fuzzsecret-new", (String) bad,
            w.now()))));
    out.add(new Refusal("SingleSignOn.recognize campaignId", invalid, "campaignId", oneOf(0L, -1L, Long.MIN_VALUE),
        (w, bad) -> w.scope.singleSignOn().recognize(w.login((long) bad, "fuzzsecret-new", null, w.now()))));
    out.add(new Refusal("SingleSignOn.recognize timestamp", unauthenticated, "timestamp",
        oneOf(-301L, 301L, 3_600L, -86_400L, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2),
        (w, bad) -> w.scope.singleSignOn().recognize(w.login(w.campaign(), "fuzzsecret-customer-1", null,
            w.now() + (long) bad))));
    out.add(new Refusal("SingleSignOn.recognize signature", unauthenticated, "signature",
        (w, r) -> {
          String signature = w.login(w.campaign(), "fuzzsecret-customer-1", null, w.now()).signature();
          int at = r.nextInt(signature.length());
          char c = signature.charAt(at) == '0' ? '1' : '0';
          return pickFrom(r, null, "", signature.substring(0, at) + c + signature.substring(at + 1),
              signature.substring(1), signature + "0", "z".repeat(64), signature.substring(0, 63) + "g");
        },
        (w, bad) -> {
          SsoLogin signed = w.login(w.campaign(), "fuzzsecret-customer-1", null, w.now());
          w.scope.singleSignOn().recognize(new SsoLogin(signed.campaignId(), signed.customerId(), signed.email(),
              signed.timestamp(), (String) bad));
        }));
    // Customer mappings
    out.add(new Refusal("CustomerMappings.map customerId", invalid, "customerId", required(255),
        (w, bad) -> w.scope.customerMappings().map(w.campaign(), (String) bad, w.person(2))));
    out.add(new Refusal("CustomerMappings.find customerId", invalid, "customerId", required(255),
        (w, bad) -> w.scope.customerMappings().find(w.campaign(), (String) bad)));
    out.add(new Refusal("CustomerMappings.unmap customerId", invalid, "customerId", required(255),
        (w, bad) -> w.scope.customerMappings().unmap(w.campaign(), (String) bad)));
    // Referrals: codes, visitor and order ids and values come from visitors and shops
    out.add(new Refusal("Referrals.decode code", invalid, "code", badCodes(),
        (w, bad) -> w.scope.referrals().decode(w.campaign(), (String) bad)));
    out.add(new Refusal("Referrals.track code", invalid, "code", badCodes(),
        (w, bad) -> w.scope.referrals().track(w.campaign(), Track.visit((String) bad, "visitor-1"))));
    out.add(new Refusal("Referrals.track visitorId", invalid, "visitorId", badIdentifiers(),
        (w, bad) -> w.scope.referrals().track(w.campaign(), Track.visit(w.texts.get("code").get(0), (String) bad))));
    out.add(new Refusal("Referrals.signup code", invalid, "code", present(badCodes()),
        (w, bad) -> w.scope.referrals().signup(w.campaign(),
            Signup.referred(NewParticipant.withEmail("fuzz.marker.60@example.com"), (String) bad))));
    out.add(new Refusal("Referrals.signup visitorId", invalid, "visitorId", badIdentifiers(),
        (w, bad) -> w.scope.referrals().signup(w.campaign(),
            Signup.of(NewParticipant.withEmail("fuzz.marker.61@example.com")).withVisitorId((String) bad))));
    // As customer mappings take it, so that a mapped referrer's id can be compared with it.
    out.add(new Refusal("Referrals.signup customerId", invalid, "customerId", optional(255),
        (w, bad) -> w.scope.referrals().signup(w.campaign(),
            Signup.of(NewParticipant.withEmail("fuzz.marker.62@example.com")).withCustomerId((String) bad))));
    out.add(new Refusal("Referrals.convert code", invalid, "code", badCodes(),
        (w, bad) -> w.scope.referrals().convert(w.campaign(),
            new NewConversion((String) bad, "fuzzsecret-order-70", BigDecimal.TEN))));
    out.add(new Refusal("Referrals.convert orderId", invalid, "orderId", or(badIdentifiers(), oneOf((Object) null)),
        (w, bad) -> w.scope.referrals().convert(w.campaign(),
            new NewConversion(w.texts.get("code").get(0), (String) bad, BigDecimal.TEN))));
    out.add(new Refusal("Referrals.convert orderValue", invalid, "orderValue",
        oneOf(null, new BigDecimal("-0.01"), new BigDecimal("1E+12").add(new BigDecimal("0.0001")),
            new BigDecimal("1E+400"), new BigDecimal("0.00001"), new BigDecimal("1E-400"),
            new BigDecimal("-1E+400")),
        (w, bad) -> w.scope.referrals().convert(w.campaign(),
            new NewConversion(w.texts.get("code").get(0), "fuzzsecret-order-71", (BigDecimal) bad))));
    // A buyer's email and customer id, optional, as a participant's email and a signup's customer id are taken.
    out.add(new Refusal("Referrals.convert buyerEmail", invalid, "buyerEmail", or(badEmails(), oneOf("", "\u00a0")),
        (w, bad) -> w.scope.referrals().convert(w.campaign(),
            new NewConversion(w.texts.get("code").get(0), "fuzzsecret-order-72", BigDecimal.TEN)
                .withBuyerEmail((String) bad))));
    out.add(new Refusal("Referrals.convert buyerCustomerId", invalid, "buyerCustomerId", optional(255),
        (w, bad) -> w.scope.referrals().convert(w.campaign(),
            new NewConversion(w.texts.get("code").get(0), "fuzzsecret-order-73", BigDecimal.TEN)
                .withBuyerCustomerId((String) bad))));
    out.add(new Refusal("Referrals.reverse orderId", invalid, "orderId", or(badIdentifiers(), oneOf((Object) null)),
        (w, bad) -> w.scope.referrals().reverse(w.campaign(), (String) bad)));
    out.add(new Refusal("Referrals.conversion orderId", invalid, "orderId", or(badIdentifiers(), oneOf((Object) null)),
        (w, bad) -> w.scope.referrals().conversion(w.campaign(), (String) bad)));
    out.add(new Refusal("Referrals.retireSigningKey keyId", invalid, "keyId", oneOf(0, -1, Integer.MIN_VALUE),
        (w, bad) -> w.scope.referrals().retireSigningKey((int) bad)));
    // The key that signs cannot be retired (rotate first); the world's keys are 1 to 3, and no refusal rotates.
    out.add(new Refusal("Referrals.retireSigningKey the signing key", ErrorCode.CONFLICT, "keyId",
        (w, r) -> w.scope.referrals().signingKeys().get(0).keyId(),
        (w, bad) -> w.scope.referrals().retireSigningKey((int) bad)));
    out.add(new Refusal("Referrals.retireSigningKey a key never made", ErrorCode.NOT_FOUND, null,
        (w, r) -> r.nextInt(4) == 0 ? Integer.MAX_VALUE : w.scope.referrals().signingKeys().get(0).keyId() + 1
            + r.nextInt(1_000),
        (w, bad) -> w.scope.referrals().retireSigningKey((int) bad)));
    out.add(new Refusal("Referrals.ancestors depth", invalid, "depth",
        oneOf(0, -1, 51, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.referrals().ancestors(w.person(0), (int) bad)));
    // Participants and points: personal data and amounts
    out.add(new Refusal("Participants.create email", invalid, "email", or(badEmails(), oneOf(null, "", "\u00a0")),
        (w, bad) -> w.scope.participants().create(w.campaign(), NewParticipant.withEmail((String) bad))));
    out.add(new Refusal("Participants.create firstName", invalid, "firstName", optional(100),
        (w, bad) -> w.scope.participants().create(w.campaign(),
            NewParticipant.withEmail("fuzz.marker.90@example.com").withName((String) bad, "Person"))));
    out.add(new Refusal("Participants.create ipAddress", invalid, "ipAddress",
        oneOf("", " ", "fuzzmarker", "256.1.1.1", "1.2.3", "::g", "198.51.100.1\u0000", "2001:db8::1::2",
            "x".repeat(46)),
        (w, bad) -> w.scope.participants().create(w.campaign(),
            NewParticipant.withEmail("fuzz.marker.91@example.com").withIpAddress((String) bad))));
    out.add(new Refusal("Participants.create tier", invalid, "tier", optional(64),
        (w, bad) -> w.scope.participants().create(w.campaign(),
            NewParticipant.withEmail("fuzz.marker.92@example.com").withTier((String) bad))));
    out.add(new Refusal("Participants.create metadata.note", invalid, "metadata.note",
        oneOf("fuzzmarker\u0000", "fuzzmarker\u001b", "x".repeat(io.loyaltyengine.EngineLimits.DEFAULTS
            .maxMetadataValueLength() + 1), "fuzzmarker\ud800", "\udc00fuzzmarker", Double.NaN, Map.of("a", 1L),
            List.of("fuzzmarker"), new BigDecimal("1.5")),
        (w, bad) -> w.scope.participants().create(w.campaign(),
            NewParticipant.withEmail("fuzz.marker.93@example.com").withMetadata(Map.of("note", bad)))));
    out.add(new Refusal("Participants.update metadata.note", invalid, "metadata.note",
        oneOf("fuzzmarker\u0000", "fuzzmarker\ud800", "\udc00fuzzmarker", Double.POSITIVE_INFINITY),
        (w, bad) -> w.scope.participants().update(w.person(0),
            ParticipantUpdate.builder().metadata("note", bad).build())));
    out.add(new Refusal("Participants.update email", invalid, "email", or(badEmails(), oneOf("", "\u00a0")),
        (w, bad) -> w.scope.participants().update(w.person(0), ParticipantUpdate.builder().email((String) bad)
            .build())));
    out.add(new Refusal("Points.award amount", invalid, "amount",
        oneOf(0L, -1L, Long.MIN_VALUE, maxPoints + 1, Long.MAX_VALUE),
        (w, bad) -> w.scope.points().award(w.person(0), PointsChange.of((long) bad, "purchase"))));
    out.add(new Refusal("Points.award type", invalid, "type",
        oneOf(null, "", " ", "fuzz marker", "x".repeat(65), "fuzzmarker\u0000", "é", "\ud800"),
        (w, bad) -> w.scope.points().award(w.person(0), PointsChange.of(1, (String) bad))));
    out.add(new Refusal("Points.award description", invalid, "description", optional(500),
        (w, bad) -> w.scope.points().award(w.person(0), PointsChange.of(1, "purchase")
            .withDescription((String) bad))));
    out.add(new Refusal("Points.deduct idempotencyKey", invalid, "idempotencyKey", badIdentifiers(),
        (w, bad) -> w.scope.points().deduct(w.person(0), PointsChange.of(1, "refund")
            .withIdempotencyKey((String) bad))));
    // Ids that name nothing of the tenant: none, unknown, another kind's, another tenant's
    ErrorCode notFound = ErrorCode.NOT_FOUND;
    out.add(new Refusal("TenantScope.tenant of no tenant", notFound, null, unknownIds("tenant"),
        (w, bad) -> w.engine.forTenant((long) bad).tenant()));
    out.add(new Refusal("Quests.get questId", notFound, null, unknownIds("quest"),
        (w, bad) -> w.scope.quests().get((long) bad)));
    out.add(new Refusal("Quests.create campaignId", notFound, null, unknownIds("campaign"),
        (w, bad) -> w.scope.quests().create(new NewQuest((long) bad, "Q", null, tasks(), 1))));
    out.add(new Refusal("Quests.completeTask questId", notFound, null, unknownIds("quest"),
        (w, bad) -> w.scope.quests().completeTask(w.person(0), (long) bad, 1)));
    out.add(new Refusal("FeedbackBoards.createBoard campaignId", notFound, null, unknownIds("campaign"),
        (w, bad) -> w.scope.feedback().createBoard(new NewFeedbackBoard((long) bad, "B", null))));
    out.add(new Refusal("FeedbackBoards.submitIdea boardId", notFound, null, unknownIds("board"),
        (w, bad) -> w.scope.feedback().submitIdea(w.person(0), (long) bad, new NewIdea("I", null))));
    out.add(new Refusal("FeedbackBoards.vote ideaId", notFound, null, unknownIds("idea"),
        (w, bad) -> w.scope.feedback().vote(w.person(1), (long) bad)));
    out.add(new Refusal("FeedbackBoards.hasVoted ideaId", notFound, null, unknownIds("idea"),
        (w, bad) -> w.scope.feedback().hasVoted(w.person(1), (long) bad)));
    out.add(new Refusal("FeedbackBoards.ideas participant id", notFound, null, unknownIds("participant"),
        (w, bad) -> w.scope.feedback().ideas(ParticipantRef.id((long) bad), Keyset.first(10))));
    out.add(new Refusal("Testimonials.approve testimonialId", notFound, null, unknownIds("testimonial"),
        (w, bad) -> w.scope.testimonials().approve((long) bad)));
    out.add(new Refusal("Webhooks.disable endpointId", notFound, null, unknownIds("endpoint"),
        (w, bad) -> w.scope.webhooks().disable((long) bad)));
    out.add(new Refusal("Webhooks.deliveries endpointId", notFound, null, unknownIds("endpoint"),
        (w, bad) -> w.scope.webhooks().deliveries((long) bad, Keyset.first(10))));
    out.add(new Refusal("Webhooks.deliveries in a status endpointId", notFound, null, unknownIds("endpoint"),
        (w, bad) -> w.scope.webhooks().deliveries((long) bad, DeliveryStatus.PARKED, Keyset.first(10))));
    out.add(new Refusal("ApiKeys.revoke keyId", notFound, null, unknownIds("apiKey"),
        (w, bad) -> w.scope.apiKeys().revoke((long) bad)));
    out.add(new Refusal("CustomerMappings.map campaignId", notFound, null, unknownIds("campaign"),
        (w, bad) -> w.scope.customerMappings().map((long) bad, "fuzzsecret-customer-9", w.person(2))));
    out.add(new Refusal("Referrals.configureLandingPage campaignId", notFound, null, unknownIds("campaign"),
        (w, bad) -> {
          io.loyaltyengine.referrals.LandingPage page = w.landingPage();
          w.scope.referrals().configureLandingPage(new io.loyaltyengine.referrals.LandingPage((long) bad,
              page.url(), page.headline(), null, null, null, "ref", true));
        }));
    return List.copyOf(out);
  }

  /**
   * Ids naming nothing of the world's tenant: none (0, negative), unknown, at the bounds, an id of another kind, an
   * id of the other tenant.
   */
  static Values unknownIds(String kind) {
    return (w, r) -> {
      List<Long> otherKinds = w.ids.entrySet().stream().filter(e -> !e.getKey().equals(kind)
          && !e.getKey().equals("position") && !(kind.equals("tenant") && e.getKey().equals("tenant")))
          .flatMap(e -> e.getValue().stream()).filter(id -> !w.ids.getOrDefault(kind, List.of()).contains(id))
          .toList();
      List<Long> others = w.otherIds.values().stream().flatMap(List::stream)
          .filter(id -> !kind.equals("tenant") || !id.equals(w.otherScope.tenantId())).toList();
      return pickFrom(r, 0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 987_654_321L + r.nextInt(1000),
          otherKinds.get(r.nextInt(otherKinds.size())), others.get(r.nextInt(others.size())));
    };
  }

  private static List<NewQuestTask> tasks() {
    return List.of(new NewQuestTask("One", 1), new NewQuestTask("Two", 2));
  }

  @SuppressWarnings("unchecked")
  static <T> T cast(Object value) {
    return (T) value;
  }

  static Object pickFrom(RandomGenerator random, Object... values) {
    return values[random.nextInt(values.length)];
  }

  @SuppressWarnings("unchecked")
  private static Collection<Long> castIds(Object ids) {
    return (Collection<Long>) ids;
  }

  static Values oneOf(Object... values) {
    return (w, r) -> pickFrom(r, values);
  }

  static Values or(Values a, Values b) {
    return (w, r) -> r.nextBoolean() ? a.pick(w, r) : b.pick(w, r);
  }

  /** Texts no text field takes: control characters, lone surrogates, one code point too many (in several forms). */
  static Values unreadable(int max) {
    return (w, r) -> r.nextInt(8) == 0 ? "fuzz\nmarker" : unreadableLines(max).pick(w, r);
  }

  /**
   * Texts no text that may span lines takes (a testimonial, an idea's body, a description): as {@link #unreadable},
   * but tab, CR and LF are kept there, so the control characters are others.
   */
  static Values unreadableLines(int max) {
    return (w, r) -> pickFrom(r, "fuzzmarker\u0000", "fuzz\u000bmarker", "\u001b[31mfuzzmarker", "fuzzmarker\u007f",
        "fuzzmarker\u0085", "fuzzmarker\ud800", "\udc00fuzzmarker", "fuzzmarker-" + "x".repeat(max - 10),
        "fuzzmarker" + "😀".repeat(max - 9), " fuzzmarker" + "e\u0301".repeat((max - 9) / 2 + 1) + " ",
        "fuzz.marker.77@example.com\n" + "y".repeat(max));
  }

  /** Texts that are blank: nothing, spaces, no-break spaces, or characters drawn as nothing. */
  private static final Object[] BLANK = {"", " ", "\t\n", "\u00a0\u202f\u2007", "\u3000", "\u200b", "\u2060 \ufeff"};

  /** What a required text refuses: none, a blank one, or {@link #unreadable}. */
  static Values required(int max) {
    return refused(true, unreadable(max));
  }

  /** What an optional text refuses: as {@link #required}, except null (none). */
  static Values optional(int max) {
    return refused(false, unreadable(max));
  }

  /** What a required text that may span lines refuses: none, a blank one, or {@link #unreadableLines}. */
  static Values requiredLines(int max) {
    return refused(true, unreadableLines(max));
  }

  /** What an optional text that may span lines refuses: as {@link #requiredLines}, except null (none). */
  static Values optionalLines(int max) {
    return refused(false, unreadableLines(max));
  }

  private static Values refused(boolean nullRefused, Values unreadable) {
    return (w, r) -> {
      if (r.nextInt(3) != 0) {
        return unreadable.pick(w, r);
      }
      int blank = r.nextInt(BLANK.length + (nullRefused ? 1 : 0));
      return blank == BLANK.length ? null : BLANK[blank];
    };
  }

  static Values badUrls() {
    return oneOf("fuzzmarker", "ftp://fuzzmarker.example.com/", "https://user:fuzzsecret@example.com/",
        "https://", "//fuzzmarker.example.com/x", "javascript:alert('fuzzmarker')", "https://:443/",
        "https://fuzzmarker.example.com:0/", "https://fuzzmarker.example.com:70000/", "https://fuzz marker.com/",
        "https://fuzzmarker.example.com/\u0000", "mailto:fuzz.marker@example.com", "https://[::1/");
  }

  /** Referral codes no campaign has: none, blank, oversized, a valid one damaged or cut, with control characters. */
  private static Values badCodes() {
    return (w, r) -> {
      String code = w.texts.get("code").get(r.nextInt(w.texts.get("code").size()));
      int at = r.nextInt(code.length());
      return pickFrom(r, null, "", " ", "\u00a0", "x".repeat(513), code.substring(0, at) + "!" + code.substring(at + 1),
          code.substring(0, code.length() / 2), code + code, "fuzzmarker\u0000", "\ud800", code + "\u0000",
          "fuzzsecret_" + at);
    };
  }

  /** Values but null, for a place where null means none (a signup without a code). */
  static Values present(Values values) {
    return (w, r) -> {
      Object value;
      do {
        value = values.pick(w, r);
      } while (value == null);
      return value;
    };
  }

  /** Host identifiers (visitor, customer, order ids of the referral program) it refuses; null is none there. */
  static Values badIdentifiers() {
    return oneOf("", " ", "fuzz marker", "fuzzmarker-" + "x".repeat(118), "fuzzmarké", "fuzzmarker\u0000",
        "fuzzmarker\t", "\ud800", "😀", "fuzz.marker.80@example.com\n");
  }

  /**
   * Emails refused wherever an email is taken. A line break around an email is refused by single sign-on only (its
   * signed message is made of lines); elsewhere surrounding whitespace is stripped, as from every text.
   */
  static Values badEmails() {
    return oneOf("fuzz.marker", "fuzz.marker@", "@example.com", "fuzz.marker.1@exam\nple.com",
        "fuzz marker@example.com", "fuzz.marker\u0000@example.com", "\ud800fuzz.marker@example.com",
        "fuzzmarker" + "x".repeat(300) + "@example.com", "fuzz.marker@@example.com", " ", "fuzz.marker@exa mple.com");
  }

  // ==================================================================== the world

  /** The valid values of one run: ids by kind, templates of the API's records, and the secrets given out. */
  static final class World {
    final LoyaltyEngine engine;
    final TenantScope scope;
    final TenantScope otherScope;
    final Map<String, List<Long>> ids = new TreeMap<>();
    final Map<String, List<Long>> otherIds = new TreeMap<>();
    final Map<String, List<String>> texts = new TreeMap<>();
    final Map<Class<?>, List<Object>> templates = new HashMap<>();
    final List<String> secrets = new ArrayList<>();
    /**
     * The tenant's current single sign-on secret, to sign a login again after one of its fields was broken; a
     * rotation by a call replaces it.
     */
    String ssoSecret;
    /** Catalog rewards of the first campaign: none in stock, inactive, and of unlimited stock costing 900,000. */
    long emptyShelf;
    long retired;
    long unlimited;
    /** Earned rewards APPROVED, FULFILLED, REMOVED, and APPROVED waiting for a coupon code. */
    long approved;
    long fulfilled;
    long removed;
    long waitingCoupon;
    /** PENDING POINTS rewards whose ledger key a host's points change took, with the same parameters and others. */
    long keyTakenAlike;
    long keyTakenOtherwise;

    World(LoyaltyEngine engine) {
      this.engine = engine;
      Tenant tenant = engine.tenants().create(NewTenant.business("Fuzz tenant"));
      scope = engine.forTenant(tenant.id());
      Tenant other = engine.tenants().create(NewTenant.member("Other tenant"));
      otherScope = engine.forTenant(other.id());
      id("tenant", tenant.id());

      Brand brand = scope.brands().create(new NewBrand("Fuzz brand", "https://shop.fuzz.example.com"));
      id("brand", brand.id());
      Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Fuzz campaign"));
      Campaign second = scope.campaigns().create(NewCampaign.running(brand.id(), "Second campaign")
          .withTimeZone(ZoneId.of("Pacific/Kiritimati")));
      id("campaign", campaign.id());
      id("campaign", second.id());
      long c = campaign.id();

      List<Participant> people = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        people.add(scope.participants().create(c, NewParticipant.withEmail(markerEmail(i))
            .withName("Fuzzmarker" + i, "Person").withTier("gold").withIpAddress("198.51.100." + i)
            .withMetadata(Map.of("note", "fuzzmarker note " + i, "age", 40L + i))));
      }
      people.add(scope.participants().create(second.id(), NewParticipant.withEmail(markerEmail(4))));
      people.forEach(p -> id("participant", p.id()));
      people.forEach(p -> text("email", p.email()));
      Participant ada = people.get(0);
      ParticipantRef adaRef = ParticipantRef.id(ada.id());

      scope.rewards().configure(c, Automation.MANUAL, 2);
      CampaignReward points = scope.rewards().define(c, NewCampaignReward.points("Points reward", 10, 1));
      CampaignReward coupon = scope.rewards().define(c, NewCampaignReward.coupon("Coupon reward", 2).withLimit(3));
      CampaignReward invited = scope.rewards().define(c, NewCampaignReward.message("Invited reward",
          "fuzzmarker welcome", 1).forInvited());
      id("campaignReward", points.id());
      id("campaignReward", coupon.id());
      id("campaignReward", invited.id());
      scope.coupons().upload(c, List.of("FUZZ-1", "FUZZ-2", "FUZZ-3"));
      ActionResult action = scope.rewards().recordAction(LoyaltyAction.of(adaRef, points.id())
          .withIdempotencyKey("fuzzsecret-action-1"));
      action.unlocked().forEach(e -> id("earned", e.id()));
      scope.points().award(adaRef, PointsChange.of(500, "purchase").withIdempotencyKey("fuzzsecret-order-1"));
      scope.points().award(ParticipantRef.id(people.get(1).id()), PointsChange.of(50, "purchase"));

      CatalogReward tin = scope.catalog().create(NewCatalogReward.of(c, "Tea tin", 5, RewardType.CUSTOM_MESSAGE)
          .withStock(20).withDescription("fuzzmarker description"));
      id("catalog", tin.id());
      Quest quest = scope.quests().create(new NewQuest(c, "Fuzz quest", "fuzzmarker quest",
          List.of(new NewQuestTask("One", 5), new NewQuestTask("Two", 0), new NewQuestTask("Three", 7)), 3));
      id("quest", quest.id());
      FeedbackBoard board = scope.feedback().createBoard(new NewFeedbackBoard(c, "Fuzz board", "fuzzmarker board"));
      id("board", board.id());
      Idea idea = scope.feedback().submitIdea(adaRef, board.id(), new NewIdea("Fuzz idea", "fuzzmarker body"));
      id("idea", idea.id());
      Testimonial testimonial = scope.testimonials().submit(adaRef, NewTestimonial.of("fuzzmarker said").withRating(4));
      id("testimonial", testimonial.id());
      olderServices(second.id(), people, points, coupon, tin);

      // Positions the events so far (the change feed reads positioned events), before any endpoint exists.
      engine.events().dispatch();
      WebhookRegistration hook = scope.webhooks().create(NewWebhookEndpoint.of(HOOK + "/in"));
      id("endpoint", hook.endpoint().id());
      secrets.add(hook.secret());
      IssuedApiKey key = scope.apiKeys().issue(NewApiKey.of("Fuzz key", ApiScope.READ, ApiScope.WRITE));
      id("apiKey", key.key().id());
      secrets.add(key.secret());
      text("presentedKey", key.secret());
      ssoSecret = scope.singleSignOn().rotateSecret().secret();
      secrets.add(ssoSecret);

      scope.customerMappings().map(c, "fuzzsecret-customer-1", adaRef);
      text("customerId", "fuzzsecret-customer-1");
      // Keys 1 to 3, so that a valid keyId (1 or 2) retires a key, or retires it again, and the world's signed code
      // (under key 3, which only a rotation by a call can make retirable, and no valid keyId names) keeps verifying.
      for (int signingKey = 1; signingKey <= 3; signingKey++) {
        assertEquals(signingKey, scope.referrals().rotateSigningKey(), "the world's signing keys");
      }
      ReferralCodes codes = scope.referrals().codes(adaRef);
      text("code", codes.signed());
      text("code", codes.shortCode());
      text("code", codes.legacy());
      scope.referrals().configure(ReferralSettings.defaults(c).withReferrerReward(points.id())
          .withConversionPoints(ConversionPoints.fixed(5)));
      scope.referrals().convert(c, new NewConversion(codes.signed(), "fuzzsecret-order-7", new BigDecimal("12.50")));
      text("orderId", "fuzzsecret-order-7");
      text("idempotencyKey", "fuzzsecret-redeem-1");
      text("plan", "pro");
      text("name", "fuzz-listener");
      List<LoyaltyEvent> events = scope.changeFeed().read(0, EventFilter.all(), 100).events();
      for (LoyaltyEvent event : events) {
        id("position", event.position());
      }
      text("eventId", events.get(0).id());

      Tenant o = engine.tenants().get(other.id());
      Brand oBrand = otherScope.brands().create(new NewBrand("Other brand", "https://other.fuzz.example.com"));
      Campaign oCampaign = otherScope.campaigns().create(NewCampaign.running(oBrand.id(), "Other campaign"));
      Participant oPerson = otherScope.participants().create(oCampaign.id(), NewParticipant.withEmail(markerEmail(9)));
      otherIds.computeIfAbsent("tenant", k -> new ArrayList<>()).add(o.id());
      otherIds.computeIfAbsent("brand", k -> new ArrayList<>()).add(oBrand.id());
      otherIds.computeIfAbsent("campaign", k -> new ArrayList<>()).add(oCampaign.id());
      otherIds.computeIfAbsent("participant", k -> new ArrayList<>()).add(oPerson.id());

      // Entities as read, which the update records' factories start from (BrandUpdate.of(brand) and the like).
      template(Brand.class, brand);
      template(Campaign.class, campaign, second);
      template(CatalogReward.class, tin);
      template(Quest.class, quest);
      template(FeedbackBoard.class, board);
      templates(c, second.id(), people, points, coupon, invited, tin, quest, board, codes, ssoSecret);
      // A listener's name taken on this engine; subscribed after the last dispatch, so it has no deliveries.
      engine.events().subscribe(TAKEN_LISTENER, null, event -> { });
    }

    /**
     * What the older services' refusals ({@link OlderServiceRefusals}) need beside the rest: a second brand (whose
     * domain another brand cannot take), catalog rewards out of stock, inactive and of unlimited stock (too dear for
     * anyone), a redemption with a key, and earned rewards in every status: APPROVED, FULFILLED, REMOVED, an
     * APPROVED coupon waiting for a code (the second campaign, AUTO, has an empty pool), and PENDING ones whose
     * ledger key the host took. The earned rewards are kept after the first one ({@link #id(String) id("earned")}
     * stays PENDING), the catalog rewards after the tin.
     */
    private void olderServices(long second, List<Participant> people, CampaignReward points, CampaignReward coupon,
        CatalogReward tin) {
      long c = ids.get("campaign").get(0);
      id("brand", scope.brands().create(new NewBrand("Second brand", "https://second.fuzz.example.com")).id());
      emptyShelf = scope.catalog().create(NewCatalogReward.of(c, "Empty shelf", 1, RewardType.CUSTOM_MESSAGE)
          .withStock(0)).id();
      retired = scope.catalog().create(new NewCatalogReward(c, "Retired", null, 1, RewardType.CUSTOM_MESSAGE, 5L,
          false)).id();
      unlimited = scope.catalog().create(NewCatalogReward.of(c, "Unlimited", 900_000, RewardType.POINTS)).id();
      List.of(emptyShelf, retired, unlimited).forEach(id -> id("catalog", id));
      ParticipantRef ada = ParticipantRef.id(people.get(0).id());
      scope.catalog().redeem(ada, tin.id(), "fuzzsecret-redeem-1");
      ParticipantRef bob = ParticipantRef.id(people.get(1).id());
      ParticipantRef cy = ParticipantRef.id(people.get(2).id());
      approved = earn(bob, points.id());
      scope.rewards().approve(approved, false);
      fulfilled = earn(cy, points.id());
      scope.rewards().approve(fulfilled, true);
      scope.rewards().recordAction(LoyaltyAction.of(bob, coupon.id()));
      removed = earn(bob, coupon.id());
      scope.rewards().remove(removed);
      CampaignReward elsewhere = scope.rewards().define(second, NewCampaignReward.coupon("Second coupon", 1));
      id("campaignReward", elsewhere.id());
      waitingCoupon = earn(ParticipantRef.id(people.get(3).id()), elsewhere.id());
      // Two PENDING rewards whose ledger keys (reward:<id>) points changes of the host took: the first with the
      // parameters the approval's credit would have, the second with others.
      CampaignReward taken = scope.rewards().define(c, NewCampaignReward.points("Taken reward", 7, 1));
      id("campaignReward", taken.id());
      keyTakenAlike = earn(ada, taken.id());
      scope.points().award(ada, PointsChange.of(7, "reward").withIdempotencyKey("reward:" + keyTakenAlike));
      keyTakenOtherwise = earn(bob, taken.id());
      scope.points().award(bob, PointsChange.of(3, "purchase").withIdempotencyKey("reward:" + keyTakenOtherwise));
    }

    /** Records an action of {@code who} toward {@code reward}, which must unlock exactly one reward: its id. */
    private long earn(ParticipantRef who, long reward) {
      List<io.loyaltyengine.rewards.EarnedReward> unlocked =
          scope.rewards().recordAction(LoyaltyAction.of(who, reward)).unlocked();
      if (unlocked.size() != 1) {
        throw new IllegalStateException("the world's action unlocked " + unlocked.size() + " rewards");
      }
      long id = unlocked.get(0).id();
      id("earned", id);
      return id;
    }

    private void templates(long c, long second, List<Participant> people, CampaignReward points,
        CampaignReward coupon, CampaignReward invited, CatalogReward tin, Quest quest, FeedbackBoard board,
        ReferralCodes codes, String ssoSecret) {
      ParticipantRef ada = ParticipantRef.id(people.get(0).id());
      ParticipantRef bob = ParticipantRef.email(c, people.get(1).email());
      ParticipantRef cy = ParticipantRef.id(people.get(2).id());
      template(ParticipantRef.class, ada, bob, cy, ParticipantRef.email(second, markerEmail(4)));
      template(NewTenant.class, NewTenant.business("Fuzzmarker tenant"), NewTenant.member("Member"));
      template(NewBrand.class, new NewBrand("Another brand", "https://fuzzmarker.example.org/shop"));
      template(BrandUpdate.class, new BrandUpdate("Renamed brand", "https://shop.fuzz.example.com/renamed"),
          new BrandUpdate("Fuzzmarker brand", "fuzzmarker.example.net"));
      template(NewCampaign.class, NewCampaign.running(ids.get("brand").get(0), "Another campaign")
          .withTimeZone(ZoneId.of("Europe/Oslo")));
      template(CampaignUpdate.class, new CampaignUpdate("Renamed campaign", CampaignVisibility.PRIVATE),
          new CampaignUpdate("Fuzzmarker campaign", CampaignVisibility.PUBLIC));
      template(NewParticipant.class, NewParticipant.withEmail(markerEmail(20)).withName("Zoë", "Fuzzmarker")
          .withIpAddress("2001:db8::7").withTier("silver").withMetadata(Map.of("plan", "fuzzmarker", "n", 3L)),
          NewParticipant.withEmail("Fuzz.Marker.21+tag@gmail.com"));
      template(ParticipantUpdate.class, ParticipantUpdate.builder().firstName("Ada").tier("platinum")
          .metadata("note", "fuzzmarker changed").build(), ParticipantUpdate.builder().email(markerEmail(22)).build());
      template(ParticipantFilter.class, ParticipantFilter.all(),
          ParticipantFilter.search("fuzzmarker").andTier("gold"));
      template(Keyset.class, Keyset.first(20), Keyset.after(people.get(0).id(), 5));
      template(PageRequest.class, PageRequest.of(1, 20), PageRequest.of(2, 1));
      PointsChange award = PointsChange.of(7, "purchase").withDescription("fuzzmarker order")
          .withIdempotencyKey("fuzzsecret-order-2");
      template(PointsChange.class, award, PointsChange.of(1, "refund"));
      template(PointsOperation.class, PointsOperation.award(ada, award),
          PointsOperation.deduct(bob, PointsChange.of(3, "redemption")),
          PointsOperation.deductUpToBalance(cy, PointsChange.of(9, "refund")));
      template(NewCampaignReward.class, NewCampaignReward.points("Fuzz points", 5, 2).withLimit(4),
          NewCampaignReward.coupon("Fuzz coupon", 1), NewCampaignReward.cash("Fuzz cash", 500, "EUR", 3),
          NewCampaignReward.message("Fuzz note", "fuzzmarker note", 1).forInvited(),
          NewCampaignReward.custom("Fuzz custom", "fuzz-handler", 1).unlimited());
      template(LoyaltyAction.class, LoyaltyAction.of(ada, points.id()).withIdempotencyKey("fuzzsecret-action-2")
          .withMetadata(Map.of("sku", "fuzzmarker")),
          LoyaltyAction.of(bob, coupon.id()).withSource(ActionSource.MANUAL),
          LoyaltyAction.of(ParticipantRef.email(c, markerEmail(30)), points.id()).referring(cy),
          LoyaltyAction.of(cy, invited.id()).withoutEnrolment());
      template(NewCatalogReward.class, NewCatalogReward.of(c, "Mug", 3, RewardType.CUSTOM_MESSAGE).withStock(2)
          .withDescription("fuzzmarker mug"), NewCatalogReward.of(c, "Cash back", 10, RewardType.POINTS));
      template(CatalogRewardUpdate.class, CatalogRewardUpdate.of(tin).withPointsCost(7),
          new CatalogRewardUpdate("Big tin", "fuzzmarker tin", 9));
      template(BoardRequest.class, BoardRequest.of(c, BoardPeriod.ALL_TIME).by(BoardMetric.POINTS).limit(10),
          BoardRequest.of(c, BoardPeriod.CURRENT_MONTH).after(people.get(0).id()).read(Consistency.STRONG));
      template(ReferralSettings.class, ReferralSettings.defaults(c).withReferrerReward(points.id())
              .withConversionPoints(ConversionPoints.perUnit(new BigDecimal("1.5")))
              .withRiskActions(RiskAction.COUNT, RiskAction.REVIEW).withVelocity(5, Duration.ofHours(1)),
          ReferralSettings.defaults(c).withGoal(ReferralGoal.SIGNUP).withSignedCodesRequired(true));
      template(ConversionPoints.class, ConversionPoints.NONE, ConversionPoints.fixed(3),
          ConversionPoints.perUnit(new BigDecimal("0.25")));
      template(io.loyaltyengine.referrals.LandingPage.class, scope.referrals().landingPage(c)
          .withUrl("https://shop.fuzz.example.com/spring?utm=fuzzmarker").withHeadline("Fuzzmarker headline")
          .withShareMessage("fuzzmarker share").withReferralParameter("ref"));
      template(Signup.class, Signup.referred(NewParticipant.withEmail(markerEmail(40)).withIpAddress("203.0.113.9"),
          codes.signed()).withVisitorId("fuzzsecret-visitor").withCustomerId("fuzzsecret-customer-2"),
          Signup.of(NewParticipant.withEmail(markerEmail(41))));
      template(Track.class, Track.visit(codes.shortCode(), "fuzzsecret-visitor-2"), Track.share(codes.signed()),
          Track.impression(codes.legacy()));
      template(NewConversion.class, new NewConversion(codes.signed(), "fuzzsecret-order-8", new BigDecimal("40.00")),
          new NewConversion(codes.signed(), "fuzzsecret-order-9", new BigDecimal("41.00"))
              .withBuyerEmail(markerEmail(42)).withBuyerCustomerId("fuzzsecret-customer-4"));
      template(NewTestimonial.class, NewTestimonial.of("fuzzmarker was quick").withRating(5),
          NewTestimonial.of("fuzzmarker plain"));
      template(NewQuest.class, new NewQuest(c, "Another quest", "fuzzmarker steps",
          List.of(new NewQuestTask("Follow", 2), new NewQuestTask("Share", 3)), 4));
      template(NewQuestTask.class, new NewQuestTask("Task", 1));
      template(QuestUpdate.class, QuestUpdate.of(quest).withName("Renamed quest"),
          new QuestUpdate("Fuzzmarker quest", null));
      template(NewFeedbackBoard.class, new NewFeedbackBoard(c, "Another board", "fuzzmarker ideas"),
          NewFeedbackBoard.of(c, "Plain board"));
      template(FeedbackBoardUpdate.class, FeedbackBoardUpdate.of(board).withDescription("fuzzmarker renamed"),
          new FeedbackBoardUpdate("Renamed board", null));
      template(NewIdea.class, new NewIdea("Fuzzmarker idea", "fuzzmarker detail"), NewIdea.of("Short idea"),
          NewIdea.of("Keyed idea").withIdempotencyKey("fuzzsecret-idea-1"));
      template(EventFilter.class, EventFilter.all(), EventFilter.types(EventType.LOYALTY_ACTION_RECORDED)
          .inCampaign(c));
      template(NewWebhookEndpoint.class, NewWebhookEndpoint.of(HOOK + "/other"),
          new NewWebhookEndpoint(HOOK + "/x?fuzzsecret=1", EventFilter.all().inCampaign(c)));
      long now = START.getEpochSecond();
      template(SsoLogin.class, SsoSignatures.login(ssoSecret, c, "fuzzsecret-customer-3", markerEmail(50), now),
          SsoSignatures.login(ssoSecret, c, "fuzzsecret-customer-1", null, now));
      template(NewApiKey.class, NewApiKey.of("Another key", ApiScope.READ), NewApiKey.of("Writer", ApiScope.WRITE));
      template(EventListener.class, (EventListener) event -> { });
    }

    // Shorthands of the refused-field fuzzer.

    long campaign() {
      return ids.get("campaign").get(0);
    }

    long id(String kind) {
      return ids.get(kind).get(0);
    }

    ParticipantRef person(int index) {
      return ParticipantRef.id(ids.get("participant").get(index));
    }

    io.loyaltyengine.referrals.LandingPage landingPage() {
      return scope.referrals().landingPage(campaign());
    }

    long now() {
      return START.getEpochSecond();
    }

    SsoLogin login(long campaignId, String customerId, String email, long timestamp) {
      return SsoSignatures.login(ssoSecret, campaignId, customerId, email, timestamp);
    }

    private void template(Class<?> type, Object... values) {
      templates.computeIfAbsent(type, k -> new ArrayList<>()).addAll(Arrays.asList(values));
    }

    private void id(String kind, long id) {
      ids.computeIfAbsent(kind, k -> new ArrayList<>()).add(id);
    }

    /** Whether {@code tenantId} is one of the world's two tenants (the scope of any other id has no tenant). */
    boolean isTenant(long tenantId) {
      return tenantId == scope.tenantId() || tenantId == otherScope.tenantId();
    }

    /** The entity ids that a scope of {@code tenantId} must never answer with: those of every other tenant. */
    Set<Long> foreignTo(long tenantId) {
      Set<Long> out = new HashSet<>();
      if (tenantId != scope.tenantId()) {
        ids.forEach((kind, values) -> {
          if (!kind.equals("position")) {
            out.addAll(values);
          }
        });
      }
      if (tenantId != otherScope.tenantId()) {
        otherIds.values().forEach(out::addAll);
      }
      return out;
    }

    private void text(String name, String value) {
      texts.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    private static String markerEmail(int n) {
      return "fuzz.marker." + n + "@example.com";
    }
  }

  /** One run's database, engine and world; closing it closes the engine and drops the database. */
  static final class Session implements AutoCloseable {
    final StoreFixture fixture;
    final World world;
    /** The store's host transactions, or null if it joins none. */
    final HostTransactions hostTransactions;

    Session(StoreFixture fixture) {
      this.fixture = fixture;
      this.hostTransactions = fixture.hostTransactions().orElse(null);
      LoyaltyEngine engine = null;
      try {
        engine = LoyaltyEngine.builder().storage(fixture.openStorage()).clock(SettableClock.at(START)).nodeId(1)
            .events(MANUAL_DISPATCH).webhooks(NO_LOOKUPS).build();
        this.world = new World(engine);
        if (hostTransactions != null) {
          // Creates the host's own table now, before the first snapshot, not in the first hosted call.
          hostTransactions.countHostOrders();
        }
      } catch (RuntimeException | Error e) {
        if (engine != null) {
          engine.close();
        }
        fixture.close();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        world.engine.close();
      } finally {
        fixture.close();
      }
    }
  }

  /** The snapshot taken after the last call. */
  static final class Tracker {
    Object last;

    Tracker(Object last) {
      this.last = last;
    }
  }

  /** One call: a method (by its index in {@link #METHODS}) and the seed of its arguments. */
  record Call(int method, long seed) {
    @Override
    public String toString() {
      Method m = METHODS.get(method);
      return m.getDeclaringClass().getSimpleName() + "." + m.getName()
          + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).toList() + " seed " + seed;
    }
  }

  /** A record of the API refused the components it was built from, in its own constructor. */
  static final class RecordRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String record;

    RecordRefused(String record, Throwable cause) {
      super(record, cause, false, false);
      this.record = record;
    }
  }

  // ==================================================================== the arguments

  /**
   * Builds one call's arguments as a tree, counting its leaves; the leaf numbered {@code target} (or, in chaos, a
   * quarter of them) gets a malformed value.
   */
  static final class Args {
    private final World world;
    private final RandomGenerator random;
    private final int target;
    private final boolean chaos;
    private final List<String> broken = new ArrayList<>();
    private final List<String> shown = new ArrayList<>();
    int leaves;
    /** The tenant of the scope the call went through, or null for the engine's own services. */
    Long scopeTenant;
    /** The host transaction a call through a tenant scope joins, or null. */
    HostTransaction host;

    Args(World world, RandomGenerator random, int target, boolean chaos) {
      this.world = world;
      this.random = random;
      this.target = target;
      this.chaos = chaos;
    }

    private boolean breakNext(String path) {
      int me = leaves++;
      boolean bad = chaos ? random.nextInt(4) == 0 : me == target;
      if (bad) {
        broken.add(path);
      }
      return bad;
    }

    Object receiver(Method method) {
      Class<?> service = method.getDeclaringClass();
      LoyaltyEngine engine = world.engine;
      if (service == Tenants.class) {
        return engine.tenants();
      }
      if (service == Events.class) {
        return engine.events();
      }
      if (service == Access.class) {
        return engine.access();
      }
      TenantScope scope = world.scope;
      if (breakNext("scope")) {
        long tenant = random.nextInt(3) == 0 ? world.otherScope.tenantId() : badLong("tenantId");
        scope = engine.forTenant(tenant);
        shown.add("scope=tenant " + tenant);
      }
      scopeTenant = scope.tenantId();
      if (host != null) {
        scope = scope.joining(host);
        shown.add("joining a host transaction");
      }
      try {
        return TenantScope.class.getMethod(accessor(service)).invoke(scope);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    private static String accessor(Class<?> service) {
      for (Method m : TenantScope.class.getMethods()) {
        if (m.getParameterCount() == 0 && m.getReturnType() == service) {
          return m.getName();
        }
      }
      throw new AssertionError("no accessor of " + service);
    }

    Object[] build(Method method) {
      java.lang.reflect.Parameter[] params = method.getParameters();
      Object[] values = new Object[params.length];
      for (int i = 0; i < params.length; i++) {
        values[i] = value(params[i].getParameterizedType(), params[i].getName(), params[i].getName(), null);
        shown.add(params[i].getName() + "=" + show(values[i]));
      }
      return values;
    }

    /** A value for a parameter or component: {@code template} (may be null) is the valid value when it has one. */
    private Object value(Type type, String name, String path, Object template) {
      Class<?> raw = rawType(type);
      if (ENTITIES.contains(raw)) {
        // An entity the engine answered, not input: whole, or null (its components are the engine's own).
        return breakNext(path) ? null : pick(world.templates.get(raw), raw);
      }
      if (isApiRecord(raw)) {
        return record(raw, path, template);
      }
      if (raw == List.class && template == null && isTopLevel(path) && type instanceof ParameterizedType p
          && isApiRecord(rawType(p.getActualTypeArguments()[0]))) {
        Class<?> element = rawType(p.getActualTypeArguments()[0]);
        List<Object> valid = new ArrayList<>();
        for (int i = random.nextInt(3); i >= 0; i--) {
          valid.add(pick(world.templates.get(element), element));
        }
        return list(type, valid, path);
      }
      Object valid = template != null || !isTopLevel(path) ? template : good(type, raw, name, path);
      if (breakNext(path)) {
        // A text is as often a valid one slightly damaged (a code or a signature with a character changed) as
        // a malformed one.
        return valid instanceof String text && random.nextBoolean() ? damage(text) : bad(type, raw, name);
      }
      return valid;
    }

    private static boolean isTopLevel(String path) {
      return path.indexOf('.') < 0;
    }

    private static boolean isApiRecord(Class<?> raw) {
      return raw.getName().startsWith("io.loyaltyengine.")
          && (raw.isRecord() || raw == ParticipantRef.class || raw == EventListener.class);
    }

    private Object record(Class<?> type, String path, Object template) {
      if (breakNext(path)) {
        return null;
      }
      Object base = template != null ? template : isTopLevel(path) ? pick(world.templates.get(type), type) : null;
      if (base == null || !base.getClass().isRecord()) {
        return base;
      }
      Class<?> actual = base.getClass();
      RecordComponent[] components = actual.getRecordComponents();
      Object[] values = new Object[components.length];
      boolean changed = false;
      for (int i = 0; i < components.length; i++) {
        Object original;
        try {
          original = components[i].getAccessor().invoke(base);
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
        String sub = path + "." + components[i].getName();
        Object v;
        if (original instanceof List<?> list && !list.isEmpty() && isApiRecord(list.get(0).getClass())) {
          v = list(components[i].getGenericType(), list, sub);
        } else if (original == null && isApiRecord(components[i].getType())) {
          // A null record component stays null unless broken, and then it gets a valid value.
          v = breakNext(sub) ? pick(world.templates.get(components[i].getType()), components[i].getType()) : null;
        } else {
          v = value(components[i].getGenericType(), components[i].getName(), sub, original);
        }
        changed |= v != original;
        values[i] = v;
      }
      if (!changed) {
        return base;
      }
      if (actual == SsoLogin.class) {
        resign(values, (SsoLogin) base);
      }
      try {
        Constructor<?> canonical = actual.getDeclaredConstructor(
            Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        return canonical.newInstance(values);
      } catch (InvocationTargetException e) {
        throw new RecordRefused(actual.getSimpleName(), e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    /**
     * Signs a login again whose fields were broken but whose signature was not, three times in four: a login whose
     * signature no longer matches its fields stops at the signature check, and the checks of its fields after it
     * (timestamp, campaign, customer id, email) would never see a malformed value.
     */
    private void resign(Object[] values, SsoLogin base) {
      if (values[4] != base.signature() || random.nextInt(4) == 0) {
        return;
      }
      values[4] = SsoSignatures.sign(world.ssoSecret, (long) values[0], (String) values[1], (String) values[2],
          (long) values[3]);
    }

    /** A list of records: the whole list may be broken, else its first element is built as a record. */
    private Object list(Type type, List<?> template, String path) {
      if (breakNext(path)) {
        return badCollection(type, List.class);
      }
      List<Object> out = new ArrayList<>(template);
      Object first = record(template.get(0).getClass(), path + "[0]", template.get(0));
      out.set(0, first);
      return out;
    }

    private Object pick(List<?> values, Class<?> type) {
      if (values == null || values.isEmpty()) {
        throw new AssertionError("no template for " + type.getName());
      }
      return values.get(random.nextInt(values.size()));
    }

    // ---------------------------------------------------------------- valid values of top-level parameters

    private Object good(Type type, Class<?> raw, String name, String path) {
      if (raw == long.class || raw == Long.class) {
        String kind = kind(name);
        if (kind != null && world.ids.containsKey(kind)) {
          return pick(world.ids.get(kind), raw);
        }
        if (raw == Long.class) {
          return null;
        }
        return name.equals("afterPosition") ? 0L : 1L + random.nextInt(5);
      }
      if (raw == int.class || raw == Integer.class) {
        return switch (name) {
          case "taskNumber" -> 1 + random.nextInt(3);
          case "keyId" -> 1 + random.nextInt(2); // a signing key below the world's signing key 3: retirable
          case "limit", "depth" -> 1 + random.nextInt(20);
          default -> random.nextInt(10);
        };
      }
      if (raw == boolean.class) {
        return random.nextBoolean();
      }
      if (raw == Boolean.class) {
        return random.nextInt(3) == 0 ? null : random.nextBoolean();
      }
      if (raw == String.class) {
        List<String> texts = world.texts.get(name);
        return texts == null ? "fuzz-" + name : pick(texts, raw);
      }
      if (raw.isEnum()) {
        Object[] constants = raw.getEnumConstants();
        return constants[random.nextInt(constants.length)];
      }
      if (raw == YearMonth.class) {
        return YearMonth.from(START.atZone(ZoneOffset.UTC)).minusMonths(random.nextInt(2));
      }
      if (raw == Collection.class && name.equals("ideaIds")) {
        // The world's ideas, one named twice, and an id of no idea.
        List<Long> ideas = world.ids.get("idea");
        return List.of(pick(ideas, Long.class), pick(ideas, Long.class), 987_654_321L);
      }
      if (raw == List.class && name.equals("codes")) {
        return List.of("FUZZ-" + random.nextInt(1000), "fuzzsecret-code-" + random.nextInt(1000));
      }
      // The types below are taken by the request values' factories only (no service method takes them bare).
      if (raw.isArray() && raw.getComponentType().isEnum()) {
        Object[] constants = raw.getComponentType().getEnumConstants();
        Object array = java.lang.reflect.Array.newInstance(raw.getComponentType(), 1);
        java.lang.reflect.Array.set(array, 0, constants[random.nextInt(constants.length)]);
        return array;
      }
      if (raw == Map.class) {
        return Map.of("plan", "fuzzmarker", "n", 3L);
      }
      if (raw == Object.class) {
        return "fuzzmarker value";
      }
      if (raw == Duration.class) {
        return Duration.ofHours(1);
      }
      if (raw == ZoneId.class) {
        return ZoneId.of("Europe/Oslo");
      }
      if (raw == BigDecimal.class) {
        return new BigDecimal("1.5");
      }
      throw new AssertionError("no valid value for " + type + " " + path);
    }

    private static String kind(String name) {
      return switch (name) {
        case "campaignId" -> "campaign";
        case "brandId" -> "brand";
        case "tenantId" -> "tenant";
        case "participantId", "nextId", "afterId" -> "participant";
        case "campaignRewardId", "referrerRewardId" -> "campaignReward";
        case "earnedRewardId" -> "earned";
        case "catalogRewardId" -> "catalog";
        case "testimonialId" -> "testimonial";
        case "questId" -> "quest";
        case "boardId" -> "board";
        case "ideaId" -> "idea";
        case "endpointId" -> "endpoint";
        case "keyId" -> "apiKey";
        case "afterPosition" -> "position";
        default -> null;
      };
    }

    // ---------------------------------------------------------------- malformed values

    private Object bad(Type type, Class<?> raw, String name) {
      if (raw == long.class) {
        return badLong(name);
      }
      if (raw == Long.class) {
        return random.nextInt(4) == 0 ? null : badLong(name);
      }
      if (raw == int.class) {
        return badInt();
      }
      if (raw == Integer.class) {
        return random.nextInt(4) == 0 ? null : badInt();
      }
      if (raw == boolean.class) {
        return random.nextBoolean();
      }
      if (raw == Boolean.class) {
        return null;
      }
      if (raw == String.class) {
        return badString();
      }
      if (raw.isEnum()) {
        return null;
      }
      if (raw == BigDecimal.class) {
        return pickOne(null, BigDecimal.ZERO, new BigDecimal("-0.01"), new BigDecimal("-1E+3"),
            new BigDecimal("1E+400"), new BigDecimal("1E-400"), new BigDecimal("123456789012345678901234567890.5"),
            new BigDecimal("0.00000000000000000001"), new BigDecimal("9223372036854775808"));
      }
      if (raw == Duration.class) {
        return pickOne(null, Duration.ZERO, Duration.ofNanos(1), Duration.ofSeconds(-1),
            Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(Long.MIN_VALUE),
            Duration.ofDays(36_500));
      }
      if (raw == YearMonth.class) {
        return pickOne(null, YearMonth.of(Year.MIN_VALUE, 1), YearMonth.of(Year.MAX_VALUE, 12), YearMonth.of(1, 1),
            YearMonth.of(1969, 12), YearMonth.of(9999, 12), YearMonth.from(START.atZone(ZoneOffset.UTC)).plusMonths(1));
      }
      if (raw == ZoneId.class) {
        return pickOne(null, ZoneOffset.MAX, ZoneOffset.MIN, ZoneId.of("Pacific/Kiritimati"), ZoneId.of("UTC"),
            ZoneId.of("GMT+14"));
      }
      if (raw == List.class || raw == Set.class || raw == Collection.class) {
        return badCollection(type, raw);
      }
      if (raw == Map.class) {
        return badMap();
      }
      if (raw == EventListener.class) {
        return null;
      }
      if (raw.isArray()) {
        // A varargs parameter: a null array, an empty one, one holding null.
        Object withNull = java.lang.reflect.Array.newInstance(raw.getComponentType(), 2);
        return pickOne(null, java.lang.reflect.Array.newInstance(raw.getComponentType(), 0), withNull);
      }
      if (raw == Object.class) {
        return pickOne(null, badString(), badMap(), List.of("fuzzmarker"), new Object());
      }
      throw new AssertionError("no malformed value for " + type + " " + name);
    }

    long badLong(String name) {
      String kind = kind(name);
      int choice = random.nextInt(10);
      switch (choice) {
        case 0:
          return 0;
        case 1:
          return -1;
        case 2:
          return Long.MIN_VALUE;
        case 3:
          return Long.MAX_VALUE;
        case 4:
          return 987_654_321L + random.nextInt(1000);
        case 5: {
          // An id of another kind: a campaign's id where a participant's is expected.
          List<Long> all = world.ids.values().stream().flatMap(List::stream).toList();
          return all.get(random.nextInt(all.size()));
        }
        case 6: {
          List<Long> other = kind == null ? null : world.otherIds.get(kind);
          List<Long> any = other != null ? other
              : world.otherIds.values().stream().flatMap(List::stream).toList();
          return any.get(random.nextInt(any.size()));
        }
        case 7:
          return Integer.MAX_VALUE + 1L;
        case 8:
          return -random.nextLong(1, Long.MAX_VALUE);
        default:
          return random.nextLong();
      }
    }

    private int badInt() {
      return (int) pickOne(0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 101, 1_000_000, 51, 4, 6);
    }

    private String badString() {
      if (random.nextInt(6) == 0) {
        return null;
      }
      if (random.nextInt(4) == 0) {
        // At or just past a documented length, counted in characters or in code points (an emoji is two
        // characters): a limit checked in one unit and stored in the other fails in the store, not in validation.
        int length = (int) pickOne(32, 64, 65, 100, 101, 128, 129, 200, 201, 254, 255, 256, 512, 513, 1000, 2000,
            2048, 2049, 5000, 5001);
        return (String) pickOne("x".repeat(length), "😀".repeat(length), "e\u0301".repeat(length),
            "fuzzmarker-" + "y".repeat(Math.max(0, length - 11)));
      }
      int n = random.nextInt(1_000_000);
      return (String) pickOne("", " ", "\t\n", "x".repeat(HUGE), "é".repeat(HUGE + 1), "a\u0000b", "line\nbreak",
          "\u001b[31mred", "lone\ud800surrogate", "\udfff", "\u202eevil", "  padded  ",
          "fuzz.marker." + n + "@example.com", "fuzzsecret_" + Long.toHexString(random.nextLong()) + "_key",
          "Fuzzmarker" + n, "'; DROP TABLE participant; --", "%_%", "\\", "null", "😀".repeat(200),
          "https://", "ftp://fuzzmarker.example.com/", "https://user:fuzzsecret@example.com/",
          "https://[::1]:99999/", "https://127.0.0.1/", "javascript:alert(1)");
    }

    /** {@code text} with one damage: a character changed, dropped or added, cut short, case or spaces changed. */
    private String damage(String text) {
      int at = text.isEmpty() ? 0 : random.nextInt(text.length());
      String c = (String) pickOne("x", "0", "\u0000", "€", " ", "\ud800", ".", "=", "😀");
      return switch (random.nextInt(8)) {
        case 0 -> text.substring(0, at) + c + (text.isEmpty() ? "" : text.substring(at + 1));
        case 1 -> text.isEmpty() ? c : text.substring(0, at) + text.substring(at + 1);
        case 2 -> text.substring(0, at) + c + text.substring(at);
        case 3 -> text.substring(0, text.length() / 2);
        case 4 -> text.toUpperCase(java.util.Locale.ROOT);
        case 5 -> " " + text + "\t";
        case 6 -> text + text;
        default -> text + "x".repeat(HUGE);
      };
    }

    private Object badCollection(Type type, Class<?> raw) {
      Type elementType = type instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
      Class<?> element = rawType(elementType);
      int choice = random.nextInt(5);
      Collection<Object> out = raw == Set.class ? new HashSet<>() : new ArrayList<>();
      switch (choice) {
        case 0:
          return null;
        case 1:
          return raw == Set.class ? Set.of() : List.of();
        case 2:
          out.add(null);
          return out;
        case 3:
          if (element == String.class) {
            for (int i = 0; i <= HUGE; i++) {
              out.add("FUZZ-HUGE-" + i);
            }
          } else if (element.isEnum()) {
            out.addAll(Arrays.asList(element.getEnumConstants()));
            out.add(null);
          } else if (element == Long.class) {
            for (long i = 0; i <= HUGE; i++) {
              out.add(i);
            }
          } else {
            List<Object> templates = world.templates.get(element);
            for (int i = 0; i <= HUGE && templates != null; i++) {
              out.add(templates.get(i % templates.size()));
            }
          }
          return out;
        default:
          if (element == String.class) {
            out.add(badString());
            out.add("FUZZ-OK");
            return out;
          }
          out.add(null);
          return out;
      }
    }

    private Map<String, Object> badMap() {
      int choice = random.nextInt(6);
      Map<String, Object> map = new HashMap<>();
      switch (choice) {
        case 0:
          return null;
        case 1:
          map.put("note", null);
          return map;
        case 2:
          map.put("nested", Map.of("deep", Map.of("deeper", "fuzzmarker")));
          return map;
        case 3:
          for (int i = 0; i < HUGE; i++) {
            map.put("k" + i, (long) i);
          }
          return map;
        case 4:
          map.put(null, "fuzzmarker");
          return map;
        default: {
          Map<String, Object> out = new LinkedHashMap<>(
              Generators.invalidMetadata(io.loyaltyengine.EngineLimits.DEFAULTS).next(random).value());
          out.put("secret", "fuzzsecret-" + random.nextInt(1000));
          return out;
        }
      }
    }

    private Object pickOne(Object... values) {
      return values[random.nextInt(values.length)];
    }

    /** What was built, for failure messages: the broken leaves, then every argument (values never in full). */
    String describe() {
      return "\n    broken: " + broken + "\n    arguments: " + shown;
    }
  }

  private static Class<?> rawType(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    return Object.class;
  }

  /** A short, printable form of a value: texts cut and escaped, collections by size, records by type. */
  static String show(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      StringBuilder out = new StringBuilder("\"");
      s.codePoints().limit(40).forEach(cp -> {
        if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0x202e) {
          out.append(String.format("\\u%04x", cp));
        } else {
          out.appendCodePoint(cp);
        }
      });
      out.append('"');
      if (s.length() > 40) {
        out.append("(").append(s.length()).append(" chars)");
      }
      return out.toString();
    }
    if (value instanceof Collection<?> c) {
      return value.getClass().getSimpleName() + "(" + c.size() + ")"
          + (c.size() <= 3 ? c.stream().map(ApiInputFuzzContractTest::show).toList() : "");
    }
    if (value instanceof Map<?, ?> m) {
      return "Map(" + m.size() + ")" + (m.size() <= 3 ? m.keySet() : "");
    }
    if (value.getClass().isRecord()) {
      StringBuilder out = new StringBuilder(value.getClass().getSimpleName()).append('[');
      RecordComponent[] components = value.getClass().getRecordComponents();
      for (int i = 0; i < components.length; i++) {
        try {
          out.append(i == 0 ? "" : ", ").append(components[i].getName()).append('=')
              .append(show(components[i].getAccessor().invoke(value)));
        } catch (ReflectiveOperationException e) {
          out.append('?');
        }
      }
      return out.append(']').toString();
    }
    return String.valueOf(value);
  }

  // ==================================================================== statistics and logs

  /** Outcomes by method, for the summary printed after the run. */
  static final class Stats {
    private final Map<String, Map<String, Integer>> outcomes = new TreeMap<>();
    int calls;

    void count(String method, String outcome) {
      calls++;
      outcomes.computeIfAbsent(method, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
    }

    String report(String store) {
      StringBuilder out = new StringBuilder("API input fuzz on " + store + ": " + calls + " calls\n");
      outcomes.forEach((m, o) -> out.append("  ").append(m).append(' ').append(o).append('\n'));
      Set<String> never = new java.util.TreeSet<>();
      for (Method m : METHODS) {
        String name = m.getDeclaringClass().getSimpleName() + "." + m.getName();
        if (!outcomes.containsKey(name) || !outcomes.get(name).containsKey("ok")) {
          never.add(name);
        }
      }
      out.append("  never returned normally: ").append(never).append('\n');
      return out.toString();
    }
  }

  /** Captures the engine's log lines (System.Logger, which goes to java.util.logging unless the host binds it). */
  static final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("io.loyaltyengine");
    private final Level previous;
    private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());

    private LogCapture() {
      previous = logger.getLevel();
    }

    static LogCapture install() {
      LogCapture capture = new LogCapture();
      capture.logger.setLevel(Level.ALL);
      capture.logger.addHandler(capture);
      return capture;
    }

    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    void clear() {
      records.clear();
    }

    /** The first line that leaks a marker or a secret, or null. */
    String leak(Collection<String> secrets) {
      synchronized (records) {
        for (LogRecord r : records) {
          StringBuilder text = new StringBuilder(String.valueOf(r.getMessage()));
          if (r.getParameters() != null) {
            Arrays.stream(r.getParameters()).forEach(p -> text.append(' ').append(p));
          }
          for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
            text.append(' ').append(t.getMessage());
          }
          if (leaks(text.toString(), secrets)) {
            return r.getLoggerName() + " " + r.getLevel();
          }
        }
      }
      return null;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
      logger.removeHandler(this);
      logger.setLevel(previous);
    }
  }
}
