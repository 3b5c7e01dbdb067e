package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import io.loyaltyengine.access.ApiCaller;
import io.loyaltyengine.access.ApiKey;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.gen.Gen;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * API keys and per-plan rate limits of a real engine ({@code io.loyaltyengine.access}), driven against a reference
 * model by a {@link ModelRunner}: seeded sequences of key issues (valid, breaking a rule of {@link NewApiKey}, or
 * over {@value ApiKeys#MAX_LIVE_KEYS} live keys), revocations and deletions (repeated, of unknown keys, through the
 * other tenant), authentications with the key as issued, a wrong secret, the other tenant's id, an unknown key id or
 * a malformed key, needing a scope the key has or lacks, in bursts that exhaust the plan's bucket, retries after
 * exactly the {@code retryAfter} given (and one microsecond before), plan changes (to a configured plan, the default,
 * one not configured here, or an invalid name), all while the engine's {@link SettableClock} moves forward by seeded
 * amounts.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(storage).clock(clock)
 *     .access(AccessScenario.SETTINGS).build();
 * AccessScenario.runner(engine, clock, outcome -> {}).steps(120).build().runSeeds(AccessScenario.defaultSeeds());
 * }</pre>
 *
 * <p>The engine must be built with {@link #SETTINGS} and {@code clock}. Each run (and each re-run while shortening a
 * failure) works in two fresh tenants of the given engine, so their buckets start full; it first moves the clock
 * forward to the next whole second, and moves it only by whole microseconds, the resolution of the engine's times.
 * Operations name a key by its tenant and a slot: slot 0 is the tenant's newest key issued by an {@link Issue}, slot
 * 1 the one before, and a slot past the tenant's keys names a well-formed key that does not exist.
 *
 * <h2>The rules the model follows</h2>
 * From the javadoc of {@code io.loyaltyengine.access}, {@code Tenants} and {@code LoyaltyException}; where it is
 * silent, from README.md's "API keys and rate limits", as noted.
 *
 * <p>Issuing: a null request is VALIDATION_ERROR on {@code key}; a name that is null, blank, over 100 code points
 * once stripped or with a control character on {@code name}; scopes null, empty or with null on {@code scopes} (a call
 * breaking several may be refused for any); a tenant with {@value ApiKeys#MAX_LIVE_KEYS} live keys is CONFLICT on
 * {@code apiKeys}, and a tenant that does not exist NOT_FOUND. An issued key has the name (stripped) and scopes asked
 * for, {@code createdAt} the clock's instant, its hint the key's last four characters, and the key is
 * {@code lek_<tenantId>_<keyId>_<43 characters of base64url>}. Revoking sets {@code revokedAt} to the clock's instant, and revoking again returns the key unchanged;
 * deleting forgets the key, and deleting again is NOT_FOUND, as is every call on a key the tenant does not have (one
 * of the other tenant's). The list is the keys not deleted, newest first.
 *
 * <p>Authenticating, in the order the javadoc gives: a null scope is a NullPointerException; a null, blank,
 * malformed, unknown, revoked or deleted key, one with a wrong secret, or with the other tenant's id, is
 * UNAUTHENTICATED on {@code apiKey}, always with one message; a key without the scope is FORBIDDEN on {@code scope};
 * only then is the request counted against the rate of the tenant's plan ({@link AccessSettings#rateOf}: none, or
 * one not configured, is the default plan): a token bucket holding up to {@code limit} tokens, full at first use,
 * refilled continuously by one every {@code period / limit}. A request without a whole token is RATE_LIMITED with no
 * field and {@code retryAfter} the time until one token is back, in whole microseconds rounded up (the resolution of
 * the engine's times, so that waiting it lets the retry through and a microsecond less does not). A plan change
 * applies at once; the bucket is per tenant and rate, so the old rate's bucket keeps its count and refills meanwhile
 * (README). Plans under 20 requests per period lease one token at a time and are exact (README); a larger one
 * ({@code bulk}) leases {@code max(1, limit / 10)} at a time, and for it the javadoc gives only a bound, which the
 * model checks instead: over any interval of length {@code d} at most {@code limit + limit * d / period + batch - 1}
 * requests go through (one instance), a RATE_LIMITED's {@code retryAfter} is positive and at most one refill interval,
 * and a retry after exactly that wait goes through if no request of the tenant at that rate did meanwhile. Plan
 * changes: an invalid name is VALIDATION_ERROR on {@code plan}, an unknown tenant NOT_FOUND, and the tenant keeps the
 * name given, configured or not.
 *
 * <h2>Checked at every step and after every step</h2>
 * Every call's result or error code (and field, and {@code retryAfter}) is the model's, an authenticated caller is
 * the key's tenant, id and scopes, and no secret (no eight characters in a row of any key's secret part) appears in
 * any exception's message, {@code toString} or response body, nor in the {@code toString} of any returned value; the
 * only place a secret is returned is {@link IssuedApiKey#secret()}. After every step each tenant's list and its plan,
 * and each key the operations can name, read by id, are the model's.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class AccessScenario {
  /**
   * The settings the engine under test must have: {@code free} (the default) allows 4 requests per 8 seconds, a
   * token every 2 s, and {@code pro} 7 per second, a token every 142,857 1/7 µs, so that its {@code retryAfter} is
   * rounded up; both lease one token at a time, so their buckets are exact. {@code bulk} allows 20 per 20 seconds and
   * leases 2 at a time, so only the javadoc's bound holds.
   */
  public static final AccessSettings SETTINGS = AccessSettings.builder()
      .plan("free", 4, Duration.ofSeconds(8))
      .plan("pro", 7, Duration.ofSeconds(1))
      .plan("bulk", 20, Duration.ofSeconds(20))
      .defaultPlan("free")
      .build();

  private static final int TENANTS = 2;
  /** The index of a tenant that does not exist. */
  private static final int NO_TENANT = -1;
  private static final int SLOTS = 4;
  private static final int MAX_NAME = 100;
  private static final Pattern KEY_FORM = Pattern.compile("lek_([1-9][0-9]*)_([1-9][0-9]*)_([A-Za-z0-9_-]{43})");
  /** Eight characters in a row of a secret are taken as a leak: the hint (four) is shown on purpose. */
  private static final int LEAK = 8;
  /** Valid names; the gifts are 100 code points in 200 UTF-16 characters. */
  private static final List<String> NAMES = List.of("checkout service", " padded name ", "🎁 Zoë's «key»",
      "x".repeat(MAX_NAME), "🎁".repeat(MAX_NAME), "Robert'); DROP TABLE api_key;--");
  private static final List<String> INVALID_NAMES = Arrays.asList(null, "", "   ", "x".repeat(MAX_NAME + 1),
      "tab\tkey", "line\nbreak");
  private static final List<Set<ApiScope>> SCOPES = List.of(Set.of(ApiScope.READ), Set.of(ApiScope.WRITE),
      Set.of(ApiScope.ADMIN), Set.of(ApiScope.READ, ApiScope.WRITE), Set.of(ApiScope.values()));
  private static final List<String> PLANS = Arrays.asList("free", "pro", "bulk", "bulk", null, "gold");
  private static final List<String> INVALID_PLANS = List.of("", "Pro!",
      "p".repeat(AccessSettings.MAX_PLAN_NAME_LENGTH + 1));
  private static final long[] ADVANCES = {1, 999, 142_857, 142_858, 500_000, 1_000_000, 1_999_999, 2_000_000,
      5_000_000, 8_000_000, 31_000_000, 600_000_000};
  /** How many ways {@link Form#MALFORMED} spoils a key. */
  private static final int MALFORMATIONS = 11;
  private static final long[] DEFAULT_SEEDS = {3L, 13L, 102L};

  /** A key issued. */
  public static final String ISSUED = "issued";
  /** An issue breaking a rule of {@link NewApiKey}, or a plan change to an invalid name. */
  public static final String INVALID = "VALIDATION_ERROR";
  /** An issue over {@value ApiKeys#MAX_LIVE_KEYS} live keys. */
  public static final String CONFLICT = "CONFLICT on apiKeys";
  /** A live key revoked. */
  public static final String REVOKED = "revoked";
  /** A revoked key revoked again, returned unchanged. */
  public static final String UNCHANGED = "unchanged";
  /** A key deleted. */
  public static final String DELETED = "deleted";
  /** A key the tenant does not have (deleted, unknown, the other tenant's), or an unknown tenant. */
  public static final String NOT_FOUND = "NOT_FOUND";
  /** A request let through. */
  public static final String AUTHENTICATED = "authenticated";
  /** A key that does not authenticate. */
  public static final String UNAUTHENTICATED = "UNAUTHENTICATED on apiKey";
  /** A key without the scope. */
  public static final String FORBIDDEN = "FORBIDDEN on scope";
  /** A null scope. */
  public static final String NULL_SCOPE = "NullPointerException";
  /** A request over the plan's rate. */
  public static final String RATE_LIMITED = "RATE_LIMITED";
  /** A retry after exactly the {@code retryAfter} given, let through. */
  public static final String RETRIED = "retried after retryAfter";
  /** A retry one microsecond before the {@code retryAfter} given, refused. */
  public static final String TOO_EARLY = "retried 1 µs early";
  /** A request over a rate leased in batches: refused, within the javadoc's bound. */
  public static final String BATCHED_LIMITED = "RATE_LIMITED at a rate leased in batches";
  /** A tenant moved to another plan. */
  public static final String PLAN_CHANGED = "plan changed";

  private AccessScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test, built with {@link #SETTINGS} and {@code clock}; each run creates its own
   *     tenants in it
   * @param clock the engine's clock, moved forward by every run
   * @param outcomes told the outcome of every call (one of {@link #outcomes()})
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(outcomes, "outcomes");
    return ModelRunner.<Run, Model, Op>builder()
        .name("access")
        .system(() -> new Run(engine, clock))
        .model(run -> new Model())
        .operations(AccessScenario::next)
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(AccessScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(ISSUED, INVALID, CONFLICT, REVOKED, UNCHANGED, DELETED, NOT_FOUND, AUTHENTICATED, UNAUTHENTICATED,
        FORBIDDEN, NULL_SCOPE, RATE_LIMITED, RETRIED, TOO_EARLY, BATCHED_LIMITED, PLAN_CHANGED);
  }

  private static Op next(RandomGenerator random, List<Op> previous) {
    Op last = previous.isEmpty() ? null : previous.get(previous.size() - 1);
    if (last instanceof Authenticate && random.nextInt(3) == 0 || last instanceof Retry && random.nextInt(3) == 0) {
      return new Retry(random.nextBoolean() ? 0 : -1);
    }
    if ((last instanceof Revoke || last instanceof Delete) && random.nextInt(3) == 0) {
      return last; // again: unchanged, or NOT_FOUND
    }
    int roll = random.nextInt(200);
    int tenant = random.nextInt(TENANTS);
    int slot = random.nextInt(SLOTS);
    if (roll < 1 && previous.stream().noneMatch(Fill.class::isInstance)) {
      return new Fill(tenant); // at most once a run: it costs two hundred calls
    }
    if (roll < 36) {
      return issue(random, tenant);
    }
    if (roll < 50) {
      return new Revoke(tenant, slot, random.nextInt(6) == 0);
    }
    if (roll < 56) {
      return new Delete(tenant, slot, random.nextInt(6) == 0);
    }
    if (roll < 66) {
      int who = random.nextInt(20) == 0 ? -1 : tenant;
      String plan = random.nextInt(6) == 0 ? Gen.elements(INVALID_PLANS).next(random)
          : PLANS.get(random.nextInt(PLANS.size()));
      return new ChangePlan(who, plan);
    }
    if (roll < 94) {
      return new Advance(ADVANCES[random.nextInt(ADVANCES.length)]);
    }
    int times = random.nextInt(6) == 0 ? 24 : random.nextBoolean() ? 2 + random.nextInt(5) : 1;
    int f = times == 24 ? 0 : random.nextInt(20); // a flood presents a key as issued
    Form form = f < 13 ? Form.VALID : f < 15 ? Form.WRONG_SECRET : f < 17 ? Form.OTHER_TENANT
        : f < 18 ? Form.UNKNOWN_KEY : Form.MALFORMED;
    ApiScope required = random.nextInt(25) == 0 ? null : Gen.elements(ApiScope.values()).next(random);
    return new Authenticate(tenant, slot, form, random.nextInt(MALFORMATIONS), required, times);
  }

  private static Issue issue(RandomGenerator random, int slot) {
    int tenant = random.nextInt(40) == 0 ? NO_TENANT : slot;
    if (random.nextInt(30) == 0) {
      return new Issue(tenant, true, null, null);
    }
    String name = random.nextInt(10) == 0 ? INVALID_NAMES.get(random.nextInt(INVALID_NAMES.size()))
        : Gen.elements(NAMES).next(random);
    Set<ApiScope> scopes;
    int s = random.nextInt(16);
    if (s == 0) {
      scopes = null;
    } else if (s == 1) {
      scopes = Set.of();
    } else if (s == 2) {
      scopes = new LinkedHashSet<>(Arrays.asList(ApiScope.READ, null));
    } else {
      scopes = Gen.elements(SCOPES).next(random);
    }
    return new Issue(tenant, false, name, scopes);
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    if (op instanceof Issue i) {
      issue(run, model, i, outcomes);
    } else if (op instanceof Fill f) {
      fill(run, model, f, outcomes);
    } else if (op instanceof Revoke r) {
      revoke(run, model, r, outcomes);
    } else if (op instanceof Delete d) {
      delete(run, model, d, outcomes);
    } else if (op instanceof ChangePlan c) {
      changePlan(run, model, c, outcomes);
    } else if (op instanceof Advance a) {
      run.clock.advance(Duration.of(a.micros(), ChronoUnit.MICROS));
    } else if (op instanceof Authenticate a) {
      String presented = present(run, model, a);
      for (int i = 0; i < a.times(); i++) {
        outcomes.accept(authenticate(run, model, a.tenant(), presented, a.required(), a::toString));
      }
    } else if (op instanceof Retry r) {
      retry(run, model, r, outcomes);
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void issue(Run run, Model model, Issue i, Consumer<String> outcomes) {
    Set<String> refusals = new LinkedHashSet<>();
    if (i.nullRequest()) {
      refusals.add(ErrorCode.VALIDATION_ERROR + " on key");
    } else {
      String name = i.name() == null ? null : i.name().strip();
      if (name == null || name.isEmpty() || name.codePointCount(0, name.length()) > MAX_NAME
          || name.chars().anyMatch(Character::isISOControl)) {
        refusals.add(ErrorCode.VALIDATION_ERROR + " on name");
      }
      if (i.scopes() == null || i.scopes().isEmpty() || i.scopes().stream().anyMatch(Objects::isNull)) {
        refusals.add(ErrorCode.VALIDATION_ERROR + " on scopes");
      }
    }
    if (i.tenant() == NO_TENANT) {
      refusals.add(NOT_FOUND);
    } else if (model.live(i.tenant()) >= ApiKeys.MAX_LIVE_KEYS) {
      refusals.add(CONFLICT);
    }
    NewApiKey request = i.nullRequest() ? null : new NewApiKey(i.name(), i.scopes());
    IssuedApiKey got;
    try {
      got = run.keys(i.tenant()).issue(request);
    } catch (LoyaltyException e) {
      String actual = refusal(run, model, e, i.toString());
      assertTrue(refusals.contains(actual), () -> i + ": expected " + (refusals.isEmpty() ? "a key"
          : "one of " + refusals) + " but got " + actual);
      outcomes.accept(actual.startsWith(ErrorCode.VALIDATION_ERROR.name()) ? INVALID : actual);
      return;
    }
    assertTrue(refusals.isEmpty(), () -> i + ": expected one of " + refusals + " but got a key");
    model.keys.get(i.tenant()).add(issued(run, model, i.tenant(), got, i.name().strip(), i.scopes(), false,
        i.toString()));
    outcomes.accept(ISSUED);
  }

  /** Checks a newly issued key against the request and the clock, and returns it as the model keeps it. */
  private static Key issued(Run run, Model model, int tenant, IssuedApiKey got, String name, Set<ApiScope> scopes,
      boolean filler, String what) {
    var m = KEY_FORM.matcher(got.secret());
    assertTrue(m.matches(), () -> what + ": the key is lek_<tenantId>_<keyId>_<43 characters of base64url>");
    assertEquals(Long.toString(run.tenantIds[tenant]), m.group(1), () -> what + ": the key names its tenant");
    assertEquals(Long.toString(got.key().id()), m.group(2), () -> what + ": the key names its id");
    Key key = new Key(got.key().id(), name, Set.copyOf(scopes), got.secret(), run.clock.instant());
    assertTrue(run.ids.add(key.id), () -> what + ": a new key reuses an id");
    model.remember(key.secret);
    assertKey(key, got.key(), what);
    assertNoSecret(model, got.toString(), what + ": IssuedApiKey.toString()");
    key.filler = filler;
    return key;
  }

  private static void fill(Run run, Model model, Fill f, Consumer<String> outcomes) {
    int n = 0;
    while (model.live(f.tenant()) < ApiKeys.MAX_LIVE_KEYS) {
      String name = "filler " + n++;
      IssuedApiKey got = run.keys(f.tenant()).issue(NewApiKey.of(name, ApiScope.READ));
      model.keys.get(f.tenant()).add(issued(run, model, f.tenant(), got, name, Set.of(ApiScope.READ), true,
          f + ", " + name));
    }
    String actual = answer(run, model, () -> run.keys(f.tenant()).issue(NewApiKey.of("one too many", ApiScope.READ)),
        f.toString());
    assertEquals(CONFLICT, actual, () -> f + ": one key over " + ApiKeys.MAX_LIVE_KEYS + " live");
    outcomes.accept(actual);
    check(run, model);
    // The fillers go again, so that the tenant can issue keys and lists stay short.
    for (Key key : model.keys.get(f.tenant())) {
      if (key.filler && !key.deleted) {
        run.keys(f.tenant()).delete(key.id);
        key.deleted = true;
      }
    }
  }

  private static void revoke(Run run, Model model, Revoke r, Consumer<String> outcomes) {
    Key key = model.key(r.tenant(), r.slot());
    long id = key == null ? run.unknownId : key.id;
    int through = r.otherTenant() ? 1 - r.tenant() : r.tenant();
    String expected = key == null || key.deleted || r.otherTenant() ? NOT_FOUND
        : key.revokedAt != null ? UNCHANGED : REVOKED;
    ApiKey got;
    try {
      got = run.keys(through).revoke(id);
    } catch (LoyaltyException e) {
      String actual = refusal(run, model, e, r.toString());
      assertEquals(expected, actual, r::toString);
      outcomes.accept(actual);
      return;
    }
    assertTrue(expected.equals(REVOKED) || expected.equals(UNCHANGED), () -> r + ": expected " + expected
        + " but got " + got);
    if (expected.equals(REVOKED)) {
      key.revokedAt = run.clock.instant();
    }
    assertKey(key, got, r + ": the revoked key");
    assertNoSecret(model, got.toString(), r + ": ApiKey.toString()");
    outcomes.accept(expected);
  }

  private static void delete(Run run, Model model, Delete d, Consumer<String> outcomes) {
    Key key = model.key(d.tenant(), d.slot());
    long id = key == null ? run.unknownId : key.id;
    int through = d.otherTenant() ? 1 - d.tenant() : d.tenant();
    String expected = key == null || key.deleted || d.otherTenant() ? NOT_FOUND : DELETED;
    String actual = answer(run, model, () -> run.keys(through).delete(id), d.toString());
    assertEquals(expected, actual.equals("done") ? DELETED : actual, d::toString);
    if (expected.equals(DELETED)) {
      key.deleted = true;
    }
    outcomes.accept(expected);
  }

  private static void changePlan(Run run, Model model, ChangePlan c, Consumer<String> outcomes) {
    long tenantId = c.tenant() < 0 ? run.unknownId : run.tenantIds[c.tenant()];
    String expected = !(c.plan() == null || AccessSettings.isPlanName(c.plan()))
        ? ErrorCode.VALIDATION_ERROR + " on plan" : c.tenant() < 0 ? NOT_FOUND : PLAN_CHANGED;
    Tenant got;
    try {
      got = run.engine.tenants().changePlan(tenantId, c.plan());
    } catch (LoyaltyException e) {
      String actual = refusal(run, model, e, c.toString());
      // A call both naming an unknown tenant and an invalid plan may be refused for either.
      assertTrue(actual.equals(expected) || c.tenant() < 0 && actual.equals(NOT_FOUND), () -> c + ": expected "
          + expected + " but got " + actual);
      outcomes.accept(actual.startsWith(ErrorCode.VALIDATION_ERROR.name()) ? INVALID : actual);
      return;
    }
    assertEquals(PLAN_CHANGED, expected, () -> c + ": expected " + expected + " but got " + got);
    assertEquals(run.tenantIds[c.tenant()], got.id(), () -> c + ": the tenant");
    assertEquals(c.plan(), got.plan(), () -> c + ": the plan, as given");
    model.plans[c.tenant()] = c.plan();
    outcomes.accept(PLAN_CHANGED);
  }

  private static void retry(Run run, Model model, Retry r, Consumer<String> outcomes) {
    Refusal last = model.lastRefusal;
    if (last == null) {
      return;
    }
    run.clock.advance(last.retryAfter.plus(Duration.of(r.offsetMicros(), ChronoUnit.MICROS)));
    // At a rate leased in batches nothing is exact but this: the wait given is enough, if no request of the tenant
    // at that rate went through meanwhile (one instance, holding no leased token when it refused).
    boolean mustPass = last.batched != null && r.offsetMicros() == 0
        && model.bucket(last.tenant, micros(run.clock.instant())) == last.batched
        && last.batched.admitted.size() == last.admittedBefore;
    String outcome = authenticate(run, model, last.tenant, last.presented, last.required,
        () -> r + " of " + last.what);
    if (mustPass) {
      assertTrue(!outcome.equals(BATCHED_LIMITED), () -> r + " of " + last.what + ": refused again, at a rate leased"
          + " in batches, after waiting the retryAfter given");
    }
    if (r.offsetMicros() == 0 && outcome.equals(AUTHENTICATED) && last.batched == null) {
      outcome = RETRIED;
    } else if (r.offsetMicros() < 0 && outcome.equals(RATE_LIMITED)) {
      outcome = TOO_EARLY;
    }
    outcomes.accept(outcome);
  }

  /** The key an {@link Authenticate} presents. */
  private static String present(Run run, Model model, Authenticate a) {
    Key key = model.key(a.tenant(), a.slot());
    long tenantId = run.tenantIds[a.tenant()];
    // A slot without a key: a well-formed key the tenant does not have.
    String real = key != null ? key.secret : "lek_" + tenantId + "_" + run.unknownId + "_" + "A".repeat(43);
    String secret = real.substring(real.length() - 43);
    String keyId = key != null ? Long.toString(key.id) : Long.toString(run.unknownId);
    return switch (a.form()) {
      case VALID -> real;
      case WRONG_SECRET -> "lek_" + tenantId + "_" + keyId + "_" + (secret.charAt(0) == 'Q' ? 'R' : 'Q')
          + secret.substring(1);
      case OTHER_TENANT -> "lek_" + run.tenantIds[1 - a.tenant()] + "_" + keyId + "_" + secret;
      case UNKNOWN_KEY -> "lek_" + tenantId + "_" + run.unknownId + "_" + secret;
      case MALFORMED -> switch (a.variant()) {
        case 0 -> null;
        case 1 -> "";
        case 2 -> "   ";
        case 3 -> real.substring(0, real.length() - 1);
        case 4 -> real + "A";
        case 5 -> "Bearer " + real;
        case 6 -> "LEK" + real.substring(3);
        case 7 -> "lek_0" + real.substring(4);
        case 8 -> " " + real;
        case 9 -> real.substring(0, real.length() - 43) + "+" + secret.substring(1);
        default -> "lek_-" + real.substring(4);
      };
    };
  }

  /** Whether the model lets {@code presented} authenticate as {@code key} of {@code tenant}. */
  private static Key authentic(Model model, int tenant, String presented) {
    for (Key key : model.keys.get(tenant)) {
      if (key.secret.equals(presented)) {
        return key.deleted || key.revokedAt != null ? null : key;
      }
    }
    return null;
  }

  /** The model's answer at a rate leased in batches: let through or RATE_LIMITED, as long as the bound holds. */
  private static final String BATCHED = "authenticated or RATE_LIMITED within the bound";

  /** One authentication: its answer must be the model's; returns its outcome. */
  private static String authenticate(Run run, Model model, int tenant, String presented, ApiScope required,
      java.util.function.Supplier<String> what) {
    Key key = authentic(model, tenant, presented);
    long now = micros(run.clock.instant());
    String expected;
    Duration wait = null;
    if (required == null) {
      expected = NULL_SCOPE;
    } else if (key == null) {
      expected = UNAUTHENTICATED;
    } else if (!key.scopes.contains(required)) {
      expected = FORBIDDEN;
    } else if (model.bucket(tenant, now).batch > 1) {
      expected = BATCHED; // either, within the bound
    } else {
      wait = model.bucket(tenant, now).take(now);
      expected = wait == null ? AUTHENTICATED : RATE_LIMITED;
    }
    ApiCaller caller;
    try {
      caller = run.engine.access().authenticate(presented, required);
    } catch (NullPointerException e) {
      assertEquals(expected, NULL_SCOPE, () -> what.get() + ": expected " + NULL_SCOPE + " but got " + e);
      assertNoSecret(model, e.toString(), what.get() + ": the NullPointerException");
      return NULL_SCOPE;
    } catch (LoyaltyException e) {
      String actual = refusal(run, model, e, what.get());
      if (expected.equals(BATCHED) && actual.equals(RATE_LIMITED)) {
        Bucket bucket = model.bucket(tenant, now);
        Duration retryAfter = e.retryAfter().orElse(null);
        Duration interval = Duration.of((bucket.periodMicros + bucket.limit - 1) / bucket.limit, ChronoUnit.MICROS);
        assertTrue(retryAfter != null && !retryAfter.isNegative() && !retryAfter.isZero()
            && retryAfter.compareTo(interval) <= 0,
            () -> what.get() + ": retryAfter " + retryAfter + ", the time until a token is back, is at most one"
            + " refill interval, " + interval);
        model.lastRefusal = new Refusal(tenant, presented, required, retryAfter, what.get(), bucket,
            bucket.admitted.size());
        return BATCHED_LIMITED;
      }
      assertEquals(expected, actual, what);
      if (actual.equals(UNAUTHENTICATED)) {
        if (model.unauthenticated == null) {
          model.unauthenticated = e.getMessage();
        }
        assertEquals(model.unauthenticated, e.getMessage(), () -> what.get() + ": one message for every bad key");
      }
      if (actual.equals(RATE_LIMITED)) {
        assertEquals(wait, e.retryAfter().orElse(null), () -> what.get() + ": retryAfter, the time until a token is"
            + " back, rounded up to the microsecond");
        model.lastRefusal = new Refusal(tenant, presented, required, wait, what.get(), null, 0);
      } else {
        assertFalse(e.retryAfter().isPresent(), () -> what.get() + ": retryAfter only for RATE_LIMITED");
      }
      return actual;
    }
    assertTrue(expected.equals(AUTHENTICATED) || expected.equals(BATCHED), () -> what.get() + ": expected " + expected
        + " but got " + caller);
    if (expected.equals(BATCHED)) {
      model.bucket(tenant, now).admit(now, what);
    }
    assertEquals(run.tenantIds[tenant], caller.tenantId(), () -> what.get() + ": the caller's tenant");
    assertEquals(key.id, caller.keyId(), () -> what.get() + ": the caller's key");
    assertEquals(key.scopes, caller.scopes(), () -> what.get() + ": the caller's scopes");
    assertNoSecret(model, caller.toString(), what.get() + ": ApiCaller.toString()");
    return AUTHENTICATED;
  }

  /** What a refusal answers: NOT_FOUND whatever it names, else its code and field; checked to leak no secret. */
  private static String refusal(Run run, Model model, LoyaltyException e, String what) {
    assertNoSecret(model, e.getMessage(), what + ": the message");
    assertNoSecret(model, e.toString(), what + ": toString()");
    assertNoSecret(model, e.toResponseBody().toString(), what + ": the response body");
    if (e.code() == ErrorCode.RATE_LIMITED) {
      assertFalse(e.field().isPresent(), () -> what + ": RATE_LIMITED names no field");
      return RATE_LIMITED;
    }
    return e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
  }

  /** {@code "done"} after {@code call} went through, else what it was refused with. */
  private static String answer(Run run, Model model, Runnable call, String what) {
    try {
      call.run();
      return "done";
    } catch (LoyaltyException e) {
      return refusal(run, model, e, what);
    }
  }

  /** Fails if {@code text} holds {@value #LEAK} characters in a row of any secret issued in the run. */
  private static void assertNoSecret(Model model, String text, String what) {
    if (text == null) {
      return;
    }
    for (int i = 0; i + LEAK <= text.length(); i++) {
      if (model.secretParts.contains(text.substring(i, i + LEAK))) {
        fail(what + " shows part of a key's secret");
      }
    }
  }

  private static void assertKey(Key expected, ApiKey actual, String what) {
    assertEquals(expected.id, actual.id(), () -> what + ": id");
    assertEquals(expected.name, actual.name(), () -> what + ": name, stripped");
    assertEquals(expected.scopes, actual.scopes(), () -> what + ": scopes");
    assertEquals(expected.secret.substring(expected.secret.length() - 4), actual.hint(),
        () -> what + ": hint, the key's last 4 characters");
    assertEquals(expected.createdAt, actual.createdAt(), () -> what + ": createdAt, when it was issued");
    assertEquals(expected.revokedAt, actual.revokedAt(), () -> what + ": revokedAt, when it was first revoked");
    assertEquals(expected.revokedAt != null, actual.isRevoked(), () -> what + ": isRevoked()");
  }

  private static long micros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }

  private static void check(Run run, Model model) {
    for (int t = 0; t < TENANTS; t++) {
      String who = "tenant " + t;
      List<Key> expected = new ArrayList<>();
      for (Key key : model.keys.get(t)) {
        if (!key.deleted) {
          expected.add(0, key); // newest first
        }
      }
      List<ApiKey> listed = run.keys(t).list();
      assertEquals(expected.stream().map(k -> k.id).toList(), listed.stream().map(ApiKey::id).toList(),
          who + ": the keys not deleted, newest first");
      for (int i = 0; i < listed.size(); i++) {
        assertKey(expected.get(i), listed.get(i), who + ": listed key " + i);
      }
      assertNoSecret(model, listed.toString(), who + ": the list's toString()");
      // By id, the keys the operations name (the list above has every other one, field by field).
      for (int slot = 0; slot < SLOTS; slot++) {
        Key key = model.key(t, slot);
        if (key == null) {
          break;
        }
        if (key.deleted) {
          ApiKeys keys = run.keys(t);
          assertEquals(NOT_FOUND, answer(run, model, () -> keys.get(key.id), who), who + ": key " + key.id
              + " was deleted");
        } else {
          assertKey(key, run.keys(t).get(key.id), who + ": key " + key.id + " by id");
        }
      }
      assertEquals(model.plans[t], run.engine.tenants().get(run.tenantIds[t]).plan(), who + ": its plan");
    }
  }

  /**
   * One run's system under test: two fresh tenants of the engine, on their default plan, and its clock, set forward
   * to the next whole second. Not thread-safe: used by one run.
   */
  public static final class Run {
    private final LoyaltyEngine engine;
    private final SettableClock clock;
    private final long[] tenantIds = new long[TENANTS];
    private final Set<Long> ids = new HashSet<>();
    /** An id nothing has: ids are positive and time-ordered, far below this one. */
    private final long unknownId = Long.MAX_VALUE - 7;

    Run(LoyaltyEngine engine, SettableClock clock) {
      this.engine = engine;
      this.clock = clock;
      // Whole microseconds from here on: the model's times are the engine's.
      clock.set(clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1));
      for (int t = 0; t < TENANTS; t++) {
        tenantIds[t] = engine.tenants().create(NewTenant.business("Access model run " + t)).id();
      }
    }

    private ApiKeys keys(int tenant) {
      return engine.forTenant(tenant == NO_TENANT ? unknownId : tenantIds[tenant]).apiKeys();
    }

    @Override
    public String toString() {
      return "AccessScenario.Run[tenants=" + Arrays.toString(tenantIds) + "]";
    }
  }

  /**
   * What API keys and rate limits must do: each tenant's keys in issue order, its plan and its buckets by rate, the
   * last refusal for a rate limit, and the one message of UNAUTHENTICATED. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final List<List<Key>> keys = List.of(new ArrayList<>(), new ArrayList<>());
    private final String[] plans = new String[TENANTS];
    private final List<Map<RateLimit, Bucket>> buckets = List.of(new HashMap<>(), new HashMap<>());
    /** Every run of {@value #LEAK} characters of every secret issued in the run. */
    private final Set<String> secretParts = new HashSet<>();
    private Refusal lastRefusal;
    private String unauthenticated;

    Model() {
    }

    private int live(int tenant) {
      return (int) keys.get(tenant).stream().filter(k -> !k.deleted && k.revokedAt == null).count();
    }

    /** The key in {@code slot} of {@code tenant}: 0 the newest issued by an {@link Issue}; null past them. */
    private Key key(int tenant, int slot) {
      int seen = 0;
      List<Key> all = keys.get(tenant);
      for (int i = all.size() - 1; i >= 0; i--) {
        if (!all.get(i).filler && seen++ == slot) {
          return all.get(i);
        }
      }
      return null;
    }

    /** The bucket of the rate {@code tenant}'s plan holds it to, full at its first use. */
    private Bucket bucket(int tenant, long nowMicros) {
      RateLimit rate = SETTINGS.rateOf(plans[tenant]);
      return buckets.get(tenant).computeIfAbsent(rate, r -> new Bucket(r, nowMicros));
    }

    private void remember(String key) {
      String secret = key.substring(key.length() - 43);
      for (int i = 0; i + LEAK <= secret.length(); i++) {
        secretParts.add(secret.substring(i, i + LEAK));
      }
    }

    @Override
    public String toString() {
      return "AccessScenario.Model[plans=" + Arrays.toString(plans) + ", keys=" + keys + ", buckets=" + buckets + "]";
    }
  }

  /**
   * A token bucket in exact integers: a token is {@code periodMicros} units, a microsecond refills {@code limit}
   * units, so the bucket holds up to {@code limit * periodMicros} and refills one token every {@code period / limit}.
   * At a rate leased in batches ({@code batch > 1}) the engine may let through more than the bucket: then the model
   * keeps when each request went through and checks the javadoc's bound instead.
   */
  private static final class Bucket {
    private final long limit;
    private final long periodMicros;
    private final int batch;
    private final List<Long> admitted = new ArrayList<>();
    private long units;
    private long at;

    Bucket(RateLimit rate, long nowMicros) {
      this.limit = rate.limit();
      this.periodMicros = (rate.period().toNanos() + 999) / 1_000; // a fraction of a microsecond counts whole
      this.batch = Math.max(1, rate.limit() / 10);
      this.units = limit * periodMicros;
      this.at = nowMicros;
    }

    /** Takes a token at {@code nowMicros}: null if there was one, else the wait until one is back. */
    Duration take(long nowMicros) {
      units = Math.min(limit * periodMicros, units + (nowMicros - at) * limit);
      at = nowMicros;
      if (units >= periodMicros) {
        units -= periodMicros;
        return null;
      }
      long missing = periodMicros - units;
      return Duration.of((missing + limit - 1) / limit, ChronoUnit.MICROS);
    }

    /**
     * Records a request let through at {@code nowMicros} at a rate leased in batches, and checks the bound of
     * {@link AccessSettings}' javadoc for one instance: over any interval, at most the bucket ({@code limit}) plus its
     * refill plus {@code batch - 1}.
     */
    void admit(long nowMicros, java.util.function.Supplier<String> what) {
      admitted.add(nowMicros);
      int n = admitted.size();
      for (int i = 0; i < n; i++) {
        long window = nowMicros - admitted.get(i);
        long bound = limit + window * limit / periodMicros + batch - 1;
        int count = n - i;
        if (count > bound) {
          fail(what.get() + ": " + count + " requests let through in " + window + " µs, over the bound of " + bound
              + " (the bucket of " + limit + ", its refill, and " + (batch - 1) + " leased)");
        }
      }
    }

    @Override
    public String toString() {
      return batch > 1 ? admitted.size() + " let through" : units / (double) periodMicros + " tokens";
    }
  }

  /** A key as the model knows it. */
  private static final class Key {
    private final long id;
    private final String name;
    private final Set<ApiScope> scopes;
    private final String secret;
    private final Instant createdAt;
    private Instant revokedAt;
    private boolean deleted;
    private boolean filler;

    Key(long id, String name, Set<ApiScope> scopes, String secret, Instant createdAt) {
      this.id = id;
      this.name = name;
      this.scopes = scopes;
      this.secret = secret;
      this.createdAt = createdAt;
    }

    @Override
    public String toString() {
      return "key " + id + " " + scopes + (deleted ? " deleted" : revokedAt != null ? " revoked" : "");
    }
  }

  /**
   * The last RATE_LIMITED: what a {@link Retry} presents again, and after how long; at a rate leased in batches, its
   * bucket and how many requests it had let through then.
   */
  private record Refusal(int tenant, String presented, ApiScope required, Duration retryAfter, String what,
      Bucket batched, int admittedBefore) {
  }

  /** How an {@link Authenticate} presents a key. Immutable and thread-safe. */
  public enum Form {
    /** The key as issued. */
    VALID,
    /** The key's ids with another secret. */
    WRONG_SECRET,
    /** The key's id and secret under the other tenant's id. */
    OTHER_TENANT,
    /** The tenant's id and the key's secret with a key id nothing has. */
    UNKNOWN_KEY,
    /** Null, blank, or the key spoilt (a character short or over, a prefix, a sign, a leading zero, ...). */
    MALFORMED
  }

  /** An operation of the scenario, naming tenants by index and keys by slot. Immutable and thread-safe. */
  public sealed interface Op permits Issue, Fill, Revoke, Delete, ChangePlan, Advance, Authenticate, Retry {
  }

  /**
   * Issues a key in a tenant. Immutable and thread-safe.
   *
   * @param tenant 0 or 1, or -1 for one that does not exist
   * @param nullRequest whether the request itself is null
   * @param name the name, valid or not
   * @param scopes the scopes, valid or not
   */
  public record Issue(int tenant, boolean nullRequest, String name, Set<ApiScope> scopes) implements Op {
    @Override
    public String toString() {
      if (nullRequest) {
        return "t" + tenant + " issues a null request";
      }
      String shown = name == null ? "null" : name.length() > 40 ? name.length() + " characters"
          : "\"" + name.replace("\t", "\\t").replace("\n", "\\n") + "\"";
      return "t" + tenant + " issues " + shown + " " + scopes;
    }
  }

  /**
   * Issues keys in a tenant until it has {@value ApiKeys#MAX_LIVE_KEYS} live, then one more (refused), checks the
   * tenant's keys, and deletes the keys it issued. Immutable and thread-safe.
   *
   * @param tenant 0 or 1
   */
  public record Fill(int tenant) implements Op {
    @Override
    public String toString() {
      return "t" + tenant + " issues keys up to the cap and one more, then deletes them";
    }
  }

  /**
   * Revokes a tenant's key, through its own scope or the other tenant's. Immutable and thread-safe.
   *
   * @param tenant 0 or 1
   * @param slot the key's slot
   * @param otherTenant whether the other tenant's scope revokes it
   */
  public record Revoke(int tenant, int slot, boolean otherTenant) implements Op {
    @Override
    public String toString() {
      return (otherTenant ? "t" + (1 - tenant) : "t" + tenant) + " revokes t" + tenant + "'s key " + slot;
    }
  }

  /**
   * Deletes a tenant's key, through its own scope or the other tenant's. Immutable and thread-safe.
   *
   * @param tenant 0 or 1
   * @param slot the key's slot
   * @param otherTenant whether the other tenant's scope deletes it
   */
  public record Delete(int tenant, int slot, boolean otherTenant) implements Op {
    @Override
    public String toString() {
      return (otherTenant ? "t" + (1 - tenant) : "t" + tenant) + " deletes t" + tenant + "'s key " + slot;
    }
  }

  /**
   * Moves a tenant to a plan. Immutable and thread-safe.
   *
   * @param tenant 0 or 1, or -1 for one that does not exist
   * @param plan a configured plan, one not configured, null (the default) or an invalid name
   */
  public record ChangePlan(int tenant, String plan) implements Op {
    @Override
    public String toString() {
      String shown = plan == null ? "null" : plan.length() > 20 ? plan.length() + " characters" : "\"" + plan + "\"";
      return "t" + tenant + " changes plan to " + shown;
    }
  }

  /**
   * Moves the engine's clock forward. Immutable and thread-safe.
   *
   * @param micros microseconds, positive
   */
  public record Advance(long micros) implements Op {
    @Override
    public String toString() {
      return "the clock moves " + micros + " µs";
    }
  }

  /**
   * Authenticates a request {@code times} times in a row. Immutable and thread-safe.
   *
   * @param tenant 0 or 1
   * @param slot the key's slot
   * @param form how the key is presented
   * @param variant which malformation, for {@link Form#MALFORMED}
   * @param required the scope needed, or null
   * @param times how many requests, 1..6 or 24
   */
  public record Authenticate(int tenant, int slot, Form form, int variant, ApiScope required, int times)
      implements Op {
    @Override
    public String toString() {
      return "t" + tenant + "'s key " + slot + " presented " + form + (form == Form.MALFORMED ? " #" + variant : "")
          + " for " + required + (times > 1 ? " x" + times : "");
    }
  }

  /**
   * Waits the {@code retryAfter} of the last RATE_LIMITED, plus {@code offsetMicros}, and presents its request
   * again; nothing if there was none. Immutable and thread-safe.
   *
   * @param offsetMicros 0, or -1 to retry a microsecond early
   */
  public record Retry(int offsetMicros) implements Op {
    @Override
    public String toString() {
      return offsetMicros == 0 ? "retry after retryAfter" : "retry 1 µs before retryAfter";
    }
  }
}
