package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.model.ScenarioEvents.Check;
import io.loyaltyengine.testkit.model.ScenarioEvents.Some;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Participant profiles, customer mappings and single sign-on of a real engine, driven against a reference model by a
 * {@link ModelRunner}: seeded sequences of enrolments (new, duplicate in the campaign, the same email in the other
 * campaign, invalid), reads by id and by another form of the email, profile updates (email, names, tier set or
 * cleared, metadata merged with keys removed by null, breaking a rule or a limit), lists with a search text and a
 * tier walked a keyset page at a time and read a numbered page at a time, deletions, customer mappings made, repeated, refused, looked up and removed, signed logins (valid,
 * upper-case hex, tampered, under a wrong or a replaced secret, without a signature, with a timestamp at and one
 * second beyond {@link SsoSettings#maxClockSkew()} either way), secret rotations, disabling, and moves of the
 * engine's settable clock.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(storage).clock(clock)
 *     .limits(ProfileScenario.LIMITS).singleSignOn(ProfileScenario.SSO)
 *     .events(EventSettings.builder().manualDispatch().build()).build();
 * ProfileScenario.runner(engine, clock, outcome -> {}).steps(120).build().runSeeds(ProfileScenario.defaultSeeds());
 * }</pre>
 *
 * <p>The engine must be built with {@link #LIMITS}, {@link #SSO} and {@code clock}, and dispatch events manually.
 * Each run (and each re-run while shortening a failure) sets the clock back to where it stood when the runner was
 * built, then works in a fresh tenant with two campaigns and a single sign-on secret. Operations name participants by
 * slot (slots 0..3 are of the first campaign, 4..5 of the second): a slot names the participant last enrolled in it
 * (by an enrolment, or by a login that enrolled while the slot was free), deleted or not, and a slot never filled
 * names an id nothing has. Every valid email is a form of one of a few addresses, so the model knows each sanitized
 * form from a table rather than by computing it as the engine does.
 *
 * <h2>The rules the model follows (the javadoc of {@link io.loyaltyengine.participant.Participants},
 * {@link ParticipantUpdate}, {@link ParticipantFilter}, {@link io.loyaltyengine.customers.CustomerMappings} and
 * {@link io.loyaltyengine.sso.SingleSignOn})</h2>
 * An enrolment or update breaking a rule is VALIDATION_ERROR naming the field: {@code email}, {@code firstName},
 * {@code lastName}, {@code tier}, {@code metadata} for a key that is empty or too long and for too many keys after
 * the merge, {@code metadata.<key>} for a value too long or not a scalar; an unknown or deleted participant is
 * NOT_FOUND, a sanitized email another participant of the campaign holds CONFLICT on {@code email}. Where the javadoc
 * gives no order between refusals, a call breaking several may be refused for any of them; a refused call changes
 * nothing. Names and tiers are stripped, an empty string in an update clears, metadata integers are kept as
 * {@code Long}. An accepted update sets {@code updatedAt} to the engine's clock. A search matches when the stripped
 * text, ignoring case, is in the first name, the last name or the email as given, compared in NFC (a composed
 * accented letter matches the decomposed one) with the final sigma as the medial one; a blank one is none. A mapping is
 * unique both ways per campaign: the same pair again returns the first mapping, another participant for the customer
 * id is CONFLICT on {@code customerId}, another customer id for the participant CONFLICT on {@code participant}; a
 * deletion takes the participant's mapping. A login is refused, in the javadoc's order, FORBIDDEN without a secret,
 * UNAUTHENTICATED on {@code signature}, on {@code timestamp} beyond the skew (exactly the skew is accepted),
 * VALIDATION_ERROR, NOT_FOUND for an unknown campaign; then recognises the mapped participant, maps the campaign's
 * participant with the email, or enrols a new one, and without an email is NOT_FOUND.
 *
 * <h2>The events the model expects</h2>
 * An enrolment (also by a login) writes {@code participant.created} with the participant, an accepted update
 * {@code participant.updated} with the participant after it, a deletion {@code participant.deleted} with the
 * participant as it was, each at the engine's clock; mappings, logins that enrol nobody, reads and refusals write
 * none.
 *
 * <h2>Checked at every step and after every step</h2>
 * Every call's result or error code (and field) is the model's, times included; no refusal's message or
 * {@code toString}, nor any returned value's or request's {@code toString}, holds a secret, an email or a customer id
 * the run used. A list's numbered pages ({@code page}) hold the participants its keyset pages do, a page of the same
 * size each, with the model's total and page count, and are refused as the keyset pages are. After every step the change feed holds exactly the events the model expects of the step, and each
 * campaign's participants, listed in one page, are the model's in creation order, every field equal.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class ProfileScenario {
  /**
   * The limits the engine under test must have: three metadata keys of at most eight characters, string values of at
   * most twelve, so that the scenario's patches reach each limit.
   */
  public static final EngineLimits LIMITS = EngineLimits.builder().maxMetadataKeys(3).maxMetadataKeyLength(8)
      .maxMetadataValueLength(12).build();

  /**
   * The single sign-on settings the engine under test must have: a skew of one minute, and no grace for a replaced
   * secret, so that a login signed with it is refused at once.
   */
  public static final SsoSettings SSO = SsoSettings.builder().maxClockSkew(Duration.ofMinutes(1))
      .rotationGrace(Duration.ZERO).build();

  private static final int SLOTS = 6;
  /** Slots 0..3 are of the first campaign, 4..5 of the second. */
  private static final int FIRST_CAMPAIGN = 4;
  /** The index of a campaign that does not exist. */
  private static final int NO_CAMPAIGN = -1;
  /** The index of campaign id 0, which a login refuses as malformed. */
  private static final int ZERO_CAMPAIGN = -2;
  private static final long SKEW = SSO.maxClockSkew().getSeconds();
  /**
   * 1, 2 and 8 reach every outcome; 191 enrols an address in its decomposed form and searches it composed at its
   * fifth step.
   */
  private static final long[] DEFAULT_SEEDS = {1L, 2L, 8L, 191L};

  /** The forms of each address; the first of each is its sanitized form but for the Gmail one's. */
  private static final List<List<String>> EMAILS = List.of(
      List.of("ann@example.com", "ANN@Example.COM", "  ann@example.com  "),
      List.of("john.doe@gmail.com", "JohnDoe+promo@googlemail.com", "j.o.h.n.doe@Gmail.com"),
      List.of("zo\u00eb@ex\u00e4mple.org", "ZO\u00cb@EX\u00c4MPLE.ORG", "zoe\u0308@exa\u0308mple.org"),
      List.of("o'brien+news@shop.example", "O'Brien+News@SHOP.example", "o'brien+news@shop.example "),
      List.of("obrien@shop.example", "OBrien@Shop.Example", " obrien@shop.example"),
      List.of("li.wei@example.net", "Li.Wei@Example.Net", "li.wei@EXAMPLE.net  "),
      List.of("mo@example.net", "MO@example.NET", " Mo@Example.net "));
  private static final List<String> SANITIZED = List.of("ann@example.com", "johndoe@gmail.com",
      "zo\u00eb@ex\u00e4mple.org", "o'brien+news@shop.example", "obrien@shop.example", "li.wei@example.net",
      "mo@example.net");
  private static final List<String> INVALID_EMAILS = List.of("not-an-email", "ann@example", "a@@example.com",
      "ann smith@example.com");
  private static final Map<String, Integer> ADDRESS = new HashMap<>();
  private static final List<String> FIRST_NAMES = List.of("Ann", "  Zo\u00eb \uD83C\uDF81 ", "Annabel", "Jo");
  private static final List<String> LAST_NAMES = List.of("O'Brien", "Doe", "50%_off", "Exampleton");
  private static final String TOO_LONG_NAME = "x".repeat(101);
  private static final List<String> TIERS = List.of("gold", "silver", "Gold");
  private static final String TOO_LONG_TIER = "t".repeat(65);
  private static final List<String> KEYS = List.of("plan", "visits", "vip", "score", "note");
  private static final List<Object> VALUES = List.of("basic", "pro \uD83D\uDE80", 3, 7L, true, 2.5);
  private static final List<String> SEARCHES = List.of("ann", "ANN", "  Doe ", "GMAIL", "zo\u00eb", "ZO\u00cb", "%",
      "_", "Example.COM", "o'B", "\u00a0\u00a0", "   ");
  private static final List<String> INVALID_SEARCHES = List.of("x".repeat(101), "a\u0007b");
  private static final List<String> CUSTOMERS = List.of("cust-1001", "Cust-1001", "cust-2002 ", "\uD83C\uDF81-3003");
  private static final List<String> INVALID_CUSTOMERS = List.of("", "   ", "c".repeat(256), "cust\n4004");
  /** A secret the tenant never has, for signatures that must fail. */
  private static final String WRONG_SECRET = "not-the-tenants-secret-0123456789abcdefghijk";

  static {
    for (int i = 0; i < EMAILS.size(); i++) {
      for (String form : EMAILS.get(i)) {
        ADDRESS.put(form, i);
        ADDRESS.put(form.strip(), i);
      }
    }
  }

  /** A participant enrolled. */
  public static final String ENROLLED = "enrolled";
  /** A participant enrolled with an email that a participant of the other campaign holds. */
  public static final String ENROLLED_BESIDE = "enrolled with an email taken in the other campaign";
  /** A participant read by id. */
  public static final String FOUND = "found";
  /** A participant read by another form of its email. */
  public static final String FOUND_BY_ALIAS = "found by another form of its email";
  /** A profile updated. */
  public static final String UPDATED = "updated";
  /** An update that changed no field: nothing written, no event. */
  public static final String UNCHANGED = "unchanged";
  /** An email changed to another sanitized form. */
  public static final String EMAIL_CHANGED = "email changed";
  /** An email changed in case or surrounding spaces only: the same sanitized form. */
  public static final String EMAIL_RECASED = "email changed to another form of itself";
  /** A tier cleared. */
  public static final String TIER_CLEARED = "tier cleared";
  /** A metadata key removed by a null value. */
  public static final String KEY_REMOVED = "metadata key removed";
  /** An email another participant of the campaign holds, on enrolment or update. */
  public static final String EMAIL_TAKEN = "CONFLICT on email";
  /** A malformed email. */
  public static final String INVALID_EMAIL = "VALIDATION_ERROR on email";
  /** Metadata with a bad key, or too many keys. */
  public static final String INVALID_METADATA = "VALIDATION_ERROR on metadata";
  /** A metadata value too long or not a scalar. */
  public static final String INVALID_METADATA_VALUE = "VALIDATION_ERROR on metadata.<key>";
  /** Any other field breaking a rule. */
  public static final String INVALID = "VALIDATION_ERROR";
  /** An unknown or deleted participant, an unknown campaign, a login of an unmapped customer without an email. */
  public static final String NOT_FOUND = "NOT_FOUND";
  /** A list walked. */
  public static final String LISTED = "listed";
  /** A list searched with upper-case letters that found participants. */
  public static final String FOUND_IGNORING_CASE = "found by a search ignoring case";
  /** A participant deleted. */
  public static final String DELETED = "deleted";
  /** A customer id mapped. */
  public static final String MAPPED = "mapped";
  /** The same pair mapped again. */
  public static final String MAPPED_AGAIN = "mapped again";
  /** A customer id mapped to another participant. */
  public static final String CUSTOMER_TAKEN = "CONFLICT on customerId";
  /** A participant mapped to another customer id. */
  public static final String PARTICIPANT_TAKEN = "CONFLICT on participant";
  /** A mapping looked up. */
  public static final String LOOKED_UP = "mapping looked up";
  /** A mapping removed. */
  public static final String UNMAPPED = "unmapped";
  /** An unmapping of a customer id not mapped. */
  public static final String NOTHING_TO_UNMAP = "nothing to unmap";
  /** A login recognised as the mapped participant. */
  public static final String RECOGNISED = "recognised";
  /** A login recognised at exactly the skew from the clock. */
  public static final String RECOGNISED_AT_SKEW = "recognised at the skew's edge";
  /** A login mapped to the campaign's participant with its email. */
  public static final String MAPPED_BY_LOGIN = "mapped by a login";
  /** A login that enrolled a participant. */
  public static final String ENROLLED_BY_LOGIN = "enrolled by a login";
  /** A login without a secret. */
  public static final String FORBIDDEN = "FORBIDDEN";
  /** A login with a bad signature. */
  public static final String BAD_SIGNATURE = "UNAUTHENTICATED on signature";
  /** A login with a timestamp beyond the skew. */
  public static final String STALE = "UNAUTHENTICATED on timestamp";
  /** A secret rotated. */
  public static final String ROTATED = "rotated";
  /** Single sign-on disabled. */
  public static final String DISABLED = "disabled";

  private ProfileScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test, with {@link #LIMITS} and {@link #SSO}, dispatching events manually, whose
   *     clock is {@code clock}; each run creates its own tenant in it
   * @param clock the engine's clock: set back to its present instant at the start of every run, then moved forward
   * @param outcomes told the outcome of every call (one of {@link #outcomes()})
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(outcomes, "outcomes");
    Instant origin = clock.instant();
    return ModelRunner.<Run, Model, Op>builder()
        .name("profiles")
        .system(() -> new Run(engine, clock, origin))
        .model(Run::model)
        .operations(ProfileScenario::next)
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(ProfileScenario::check);
  }

  /** Seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(ENROLLED, ENROLLED_BESIDE, FOUND, FOUND_BY_ALIAS, UPDATED, UNCHANGED, EMAIL_CHANGED, EMAIL_RECASED,
        TIER_CLEARED, KEY_REMOVED, EMAIL_TAKEN, INVALID_EMAIL, INVALID_METADATA, INVALID_METADATA_VALUE, INVALID,
        NOT_FOUND, LISTED, FOUND_IGNORING_CASE, DELETED, MAPPED, MAPPED_AGAIN, CUSTOMER_TAKEN, PARTICIPANT_TAKEN,
        LOOKED_UP, UNMAPPED, NOTHING_TO_UNMAP, RECOGNISED, RECOGNISED_AT_SKEW, MAPPED_BY_LOGIN, ENROLLED_BY_LOGIN,
        FORBIDDEN, BAD_SIGNATURE, STALE, ROTATED, DISABLED);
  }

  // ==================================================================== generation

  private static Op next(RandomGenerator random, List<Op> previous) {
    int roll = random.nextInt(100);
    int slot = random.nextInt(SLOTS);
    if (roll < 8 && !previous.isEmpty()) {
      // A retry: a mapping or a login again (the same pair, a replayed login), or any other call.
      Op again = previous.get(previous.size() - 1 - random.nextInt(Math.min(previous.size(), 10)));
      if (again instanceof MapCustomer || again instanceof Login) {
        return again;
      }
    }
    if (roll < 18) {
      return new Enrol(slot, email(random, false), optional(random, FIRST_NAMES, TOO_LONG_NAME, false),
          optional(random, LAST_NAMES, TOO_LONG_NAME, false), optional(random, TIERS, TOO_LONG_TIER, false),
          patch(random, false));
    }
    if (roll < 24) {
      return new Get(slot, random.nextInt(3));
    }
    if (roll < 42) {
      int e = random.nextInt(6);
      return new Update(slot, e < 2 ? email(random, true) : null, e == 2 ? random.nextInt(3) : -1,
          optional(random, FIRST_NAMES, TOO_LONG_NAME, true), optional(random, LAST_NAMES, TOO_LONG_NAME, true),
          optional(random, TIERS, TOO_LONG_TIER, true), random.nextInt(3) == 0 ? null : patch(random, true));
    }
    if (roll < 48) {
      String search = random.nextInt(3) == 0 ? null : random.nextInt(12) == 0
          ? Gen.elements(INVALID_SEARCHES).next(random) : Gen.elements(SEARCHES).next(random);
      String tier = random.nextInt(2) == 0 ? null : random.nextInt(10) == 0 ? TOO_LONG_TIER
          : Gen.elements(TIERS).next(random);
      return new ListPage(campaign(random), search, tier, 1 + random.nextInt(3));
    }
    if (roll < 51) {
      return new Delete(slot);
    }
    if (roll < 60) {
      return new MapCustomer(campaign(random), customer(random), slot, random.nextInt(3) == 0);
    }
    if (roll < 63) {
      return new FindMapping(campaign(random), customer(random));
    }
    if (roll < 66) {
      return new Unmap(campaign(random), customer(random));
    }
    if (roll < 87) {
      int c = random.nextInt(25) == 0 ? ZERO_CAMPAIGN : campaign(random);
      int e = random.nextInt(10);
      String email = e < 3 ? null : e == 3 ? "" : email(random, true);
      int t = random.nextInt(12);
      long offset = t < 6 ? random.nextLong(-SKEW + 1, SKEW) : switch (t) {
        case 6 -> -SKEW;
        case 7 -> SKEW;
        case 8 -> -SKEW - 1;
        case 9 -> SKEW + 1;
        case 10 -> 0;
        default -> -SKEW * 60;
      };
      Signature signature = random.nextInt(3) > 0 ? Signature.VALID : Gen.elements(Signature.values()).next(random);
      return new Login(c, customer(random), email, offset, signature);
    }
    if (roll < 91) {
      return new Secret(random.nextInt(3) > 0);
    }
    return new Tick(1 + random.nextLong(Duration.ofSeconds(45).toNanos()));
  }

  private static int campaign(RandomGenerator random) {
    return random.nextInt(15) == 0 ? NO_CAMPAIGN : random.nextInt(3) == 0 ? 1 : 0;
  }

  private static String email(RandomGenerator random, boolean often) {
    if (random.nextInt(often ? 8 : 12) == 0) {
      return Gen.elements(INVALID_EMAILS).next(random);
    }
    return EMAILS.get(random.nextInt(EMAILS.size())).get(random.nextInt(2) == 0 ? 1 + random.nextInt(2) : 0);
  }

  private static String customer(RandomGenerator random) {
    return random.nextInt(12) == 0 ? Gen.elements(INVALID_CUSTOMERS).next(random) : Gen.elements(CUSTOMERS)
        .next(random);
  }

  /** A value of {@code pool}, sometimes null, the empty string (in an update) or {@code invalid}. */
  private static String optional(RandomGenerator random, List<String> pool, String invalid, boolean update) {
    int r = random.nextInt(20);
    if (r < (update ? 10 : 7)) {
      return null;
    }
    if (r < 11 && update) {
      return "";
    }
    return r == 19 ? invalid : Gen.elements(pool).next(random);
  }

  /** Up to three metadata keys; an update's may remove keys; about one in ten breaks a rule. */
  private static Map<String, Object> patch(RandomGenerator random, boolean update) {
    Map<String, Object> patch = new LinkedHashMap<>();
    int size = random.nextInt(update ? 1 : 0, 4);
    for (int i = 0; i < size; i++) {
      String key = Gen.elements(KEYS).next(random);
      int r = random.nextInt(40);
      Object value = update && r < 10 ? null : Gen.elements(VALUES).next(random);
      if (r >= 38) {
        key = random.nextBoolean() ? "" : "longerkey";
      } else if (r >= 36) {
        value = Gen.elements("v".repeat(13), Map.of("a", 1), List.of(1), new BigDecimal("1.5")).next(random);
      }
      patch.put(key, value);
    }
    return patch.isEmpty() ? null : Collections.unmodifiableMap(patch);
  }

  // ==================================================================== application

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    if (op instanceof Enrol e) {
      enrol(run, model, e, outcomes);
    } else if (op instanceof Get g) {
      get(run, model, g, outcomes);
    } else if (op instanceof Update u) {
      update(run, model, u, outcomes);
    } else if (op instanceof ListPage l) {
      list(run, model, l, outcomes);
    } else if (op instanceof Delete d) {
      delete(run, model, d, outcomes);
    } else if (op instanceof MapCustomer m) {
      map(run, model, m, outcomes);
    } else if (op instanceof FindMapping f) {
      Set<String> refusals = new LinkedHashSet<>();
      customerRefusal(f.customer(), refusals);
      campaignRefusal(f.campaign(), refusals);
      Optional<Stored> expected = refusals.isEmpty() ? model.mapping(f.campaign(), f.customer()) : null;
      outcomes.accept(call(run, f, refusals, () -> run.scope.customerMappings().find(campaignId(run, f.campaign()),
          f.customer()), got -> {
            assertEquals(expected.map(s -> s.mapping(run)), got, f::toString);
            return LOOKED_UP;
          }));
    } else if (op instanceof Unmap u) {
      Set<String> refusals = new LinkedHashSet<>();
      customerRefusal(u.customer(), refusals);
      campaignRefusal(u.campaign(), refusals);
      String expected = refusals.isEmpty() && model.mapping(u.campaign(), u.customer()).isPresent()
          ? UNMAPPED : NOTHING_TO_UNMAP;
      outcomes.accept(call(run, u, refusals, () -> {
        run.scope.customerMappings().unmap(campaignId(run, u.campaign()), u.customer());
        return expected;
      }, got -> {
        model.mappings.removeIf(s -> s.campaign == u.campaign() && s.customer.equals(u.customer()));
        return got;
      }));
    } else if (op instanceof Login l) {
      login(run, model, l, outcomes);
    } else if (op instanceof Secret s) {
      if (s.rotate()) {
        SsoSecret secret = run.scope.singleSignOn().rotateSecret();
        run.personal.add(secret.secret());
        assertEquals(43, secret.secret().length(), "a secret is 43 characters of base64url");
        assertEquals(new SsoSecret(secret.secret(), now(run), null), secret,
            "made now, and with no grace the secret replaced stops at once");
        noPersonalData(run, secret.toString(), "the secret's toString");
        model.previous = model.secret;
        model.secret = secret.secret();
        outcomes.accept(ROTATED);
      } else {
        run.scope.singleSignOn().disable();
        model.previous = model.secret;
        model.secret = null;
        outcomes.accept(DISABLED);
      }
    } else if (op instanceof Tick t) {
      run.clock.advance(Duration.ofNanos(t.nanos()));
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void enrol(Run run, Model model, Enrol e, Consumer<String> outcomes) {
    Set<String> refusals = new LinkedHashSet<>();
    textRefusals(e.email(), true, e.firstName(), e.lastName(), e.tier(), refusals);
    metadataRefusals(Map.of(), e.metadata(), refusals);
    int campaign = campaignOf(e.slot());
    if (refusals.isEmpty() && model.byEmail(campaign, e.email()) != null) {
      refusals.add(EMAIL_TAKEN);
    }
    NewParticipant request = new NewParticipant(e.email(), e.firstName(), e.lastName(), null, e.tier(),
        e.metadata());
    noPersonalData(run, request.toString(), "the request's toString");
    outcomes.accept(call(run, e, refusals, () -> run.scope.participants().create(run.campaignIds.get(campaign),
        request), got -> {
          Profile fresh = new Profile(got.id(), campaign, e.email(), now(run));
          fresh.firstName = stripped(e.firstName());
          fresh.lastName = stripped(e.lastName());
          fresh.tier = stripped(e.tier());
          merge(fresh.metadata, e.metadata());
          assertParticipant(run, fresh, got, e + ": the new participant");
          boolean beside = model.byEmail(1 - campaign, e.email()) != null;
          model.enrol(run, fresh, e.slot());
          return beside ? ENROLLED_BESIDE : ENROLLED;
        }));
  }

  private static void get(Run run, Model model, Get g, Consumer<String> outcomes) {
    Profile live = model.live(run, g.slot());
    Set<String> refusals = live == null ? Set.of(NOT_FOUND) : Set.of();
    ParticipantRef ref = ParticipantRef.id(run.slotId(g.slot()));
    outcomes.accept(call(run, g, refusals, () -> run.scope.participants().get(ref), got -> {
      assertParticipant(run, live, got, g + ": by id");
      return FOUND;
    }));
    outcomes.accept(call(run, g, refusals, () -> run.scope.customerMappings().findByParticipant(ref), got -> {
      assertEquals(model.mappingOf(live.id).map(s -> s.mapping(run)), got, () -> g + ": its mapping");
      return LOOKED_UP;
    }));
    Profile known = run.slotProfiles[g.slot()];
    if (known == null) {
      return;
    }
    // Another form of the email the slot's participant had: after a deletion (or an email change) whoever holds it.
    String alias = EMAILS.get(known.address).get(g.form());
    Profile holder = model.byEmail(known.campaign, alias);
    ParticipantRef byEmail = ParticipantRef.email(run.campaignIds.get(known.campaign), alias);
    noPersonalData(run, byEmail.toString(), "the reference's toString");
    outcomes.accept(call(run, g, holder == null ? Set.of(NOT_FOUND) : Set.of(),
        () -> run.scope.participants().get(byEmail), got -> {
          assertParticipant(run, holder, got, g + ": by the email form " + g.form());
          return FOUND_BY_ALIAS;
        }));
  }

  private static void update(Run run, Model model, Update u, Consumer<String> outcomes) {
    Profile live = model.live(run, u.slot());
    Profile known = run.slotProfiles[u.slot()];
    String email = u.email() != null || u.ownForm() < 0 ? u.email()
        : EMAILS.get(known == null ? 0 : known.address).get(u.ownForm());
    Set<String> refusals = new LinkedHashSet<>();
    textRefusals(email, false, u.firstName(), u.lastName(), u.tier(), refusals);
    if (live == null) {
      refusals.add(NOT_FOUND);
      metadataRefusals(Map.of(), u.metadata(), refusals);
    } else {
      metadataRefusals(live.metadata, u.metadata(), refusals);
    }
    if (refusals.isEmpty() && email != null) {
      Profile holder = model.byEmail(live.campaign, email);
      if (holder != null && holder.id != live.id) {
        refusals.add(EMAIL_TAKEN);
      }
    }
    ParticipantUpdate update = new ParticipantUpdate(email, u.firstName(), u.lastName(), null, u.tier(),
        u.metadata());
    noPersonalData(run, update.toString(), "the update's toString");
    List<String> also = new ArrayList<>();
    String answer = call(run, u, refusals, () -> run.scope.participants().update(ParticipantRef.id(
        run.slotId(u.slot())), update), got -> {
          List<Object> before = live.profileFields();
          if (email != null) {
            int address = ADDRESS.get(email);
            if (address != live.address) {
              also.add(EMAIL_CHANGED);
            } else if (!live.email.equals(email.strip())) {
              also.add(EMAIL_RECASED);
            }
            live.address = address;
            live.email = email.strip();
          }
          live.firstName = cleared(live.firstName, u.firstName());
          live.lastName = cleared(live.lastName, u.lastName());
          if ("".equals(u.tier()) && live.tier != null) {
            also.add(TIER_CLEARED);
          }
          live.tier = cleared(live.tier, u.tier());
          if (u.metadata() != null && u.metadata().entrySet().stream()
              .anyMatch(e -> e.getValue() == null && live.metadata.containsKey(e.getKey()))) {
            also.add(KEY_REMOVED);
          }
          merge(live.metadata, u.metadata());
          if (live.profileFields().equals(before)) {
            // Nothing changed: nothing written, no event, updatedAt kept.
            assertParticipant(run, live, got, u + ": the participant, unchanged");
            return UNCHANGED;
          }
          live.updatedAt = now(run);
          assertParticipant(run, live, got, u + ": the participant after the update");
          run.events.expect(EventType.PARTICIPANT_UPDATED, run.campaignIds.get(live.campaign), live.id, now(run),
              ScenarioEvents.fields("participant", payload(run, live)));
          return UPDATED;
        });
    outcomes.accept(answer);
    also.forEach(outcomes);
  }

  private static void list(Run run, Model model, ListPage l, Consumer<String> outcomes) {
    Set<String> refusals = new LinkedHashSet<>();
    campaignRefusal(l.campaign(), refusals);
    String search = l.search() == null || l.search().replace('\u00a0', ' ').isBlank() ? null : l.search().strip();
    if (search != null && (search.codePointCount(0, search.length()) > 100
        || search.chars().anyMatch(Character::isISOControl))) {
      refusals.add(INVALID + " on search");
    }
    if (l.tier() != null && l.tier().length() > 64) {
      refusals.add(INVALID + " on tier");
    }
    ParticipantFilter filter = new ParticipantFilter(l.search(), l.tier());
    noPersonalData(run, filter.toString(), "the filter's toString");
    long campaignId = campaignId(run, l.campaign());
    String answer = call(run, l, refusals, () -> walk(run, campaignId, filter, l.size()), got -> {
      List<Profile> expected = model.participants.values().stream()
          .filter(p -> p.campaign == l.campaign() && (l.tier() == null || l.tier().equals(p.tier))
              && (search == null || p.matches(search)))
          .toList();
      assertEquals(expected.stream().map(p -> p.id).toList(), got.stream().map(Participant::id).toList(),
          () -> l + ": the participants, in creation order");
      for (int i = 0; i < got.size(); i++) {
        assertParticipant(run, expected.get(i), got.get(i), l + ": item " + i);
      }
      // The same list as numbered pages of the same size: the keyset pages' participants, with the totals.
      long pages = (got.size() + l.size() - 1) / l.size();
      for (int page = 1; page <= Math.max(1, pages); page++) {
        List<Participant> items = got.subList(Math.min(got.size(), (page - 1) * l.size()),
            Math.min(got.size(), page * l.size()));
        assertEquals(new NumberedPage<>(items, page, l.size(), got.size(), pages),
            run.scope.participants().page(campaignId, filter, PageRequest.of(page, l.size())),
            l + ": numbered page " + page);
      }
      return search != null && !search.equals(search.toLowerCase(Locale.ROOT)) && !got.isEmpty()
          ? FOUND_IGNORING_CASE : LISTED;
    });
    if (!refusals.isEmpty()) {
      // Refused as list is (Participants.page's javadoc): the same code and field.
      assertEquals(answer, call(run, l, refusals,
          () -> run.scope.participants().page(campaignId, filter, PageRequest.of(1, l.size())), got -> LISTED),
          () -> l + ": page refused as list");
    }
    outcomes.accept(answer);
  }

  private static void delete(Run run, Model model, Delete d, Consumer<String> outcomes) {
    Profile live = model.live(run, d.slot());
    outcomes.accept(call(run, d, live == null ? Set.of(NOT_FOUND) : Set.of(), () -> {
      run.scope.participants().delete(ParticipantRef.id(run.slotId(d.slot())));
      return DELETED;
    }, got -> {
      run.events.expect(EventType.PARTICIPANT_DELETED, run.campaignIds.get(live.campaign), live.id, now(run),
          ScenarioEvents.fields("participant", payload(run, live)));
      model.participants.remove(live.id);
      // Participants.delete: the mapping goes with the participant.
      model.mappings.removeIf(s -> s.participantId == live.id);
      return got;
    }));
  }

  private static void map(Run run, Model model, MapCustomer m, Consumer<String> outcomes) {
    Set<String> refusals = new LinkedHashSet<>();
    customerRefusal(m.customer(), refusals);
    campaignRefusal(m.campaign(), refusals);
    Profile known = run.slotProfiles[m.slot()];
    boolean byEmail = m.byEmail() && known != null;
    int refCampaign = byEmail ? known.campaign : campaignOf(m.slot());
    if (byEmail && refCampaign != m.campaign()) {
      refusals.add(INVALID + " on participant");
    }
    Profile live = byEmail ? model.byEmail(known.campaign, known.email) : model.live(run, m.slot());
    if (live == null || live.campaign != m.campaign()) {
      refusals.add(NOT_FOUND);
    }
    Optional<Stored> byCustomer = Optional.empty();
    if (refusals.isEmpty()) {
      byCustomer = model.mapping(m.campaign(), m.customer());
      if (byCustomer.isPresent() && byCustomer.get().participantId != live.id) {
        refusals.add(CUSTOMER_TAKEN);
      }
      Optional<Stored> ofParticipant = model.mappingOf(live.id);
      if (ofParticipant.isPresent() && !ofParticipant.get().customer.equals(m.customer())) {
        refusals.add(PARTICIPANT_TAKEN);
      }
    }
    // By an upper-cased email: any form that sanitizes alike names the participant.
    ParticipantRef ref = byEmail ? ParticipantRef.email(run.campaignIds.get(refCampaign),
        known.email.toUpperCase(Locale.ROOT)) : ParticipantRef.id(run.slotId(m.slot()));
    Optional<Stored> existing = byCustomer;
    outcomes.accept(call(run, m, refusals, () -> run.scope.customerMappings().map(campaignId(run, m.campaign()),
        m.customer(), ref), got -> {
          Stored stored = existing.orElseGet(() -> new Stored(m.campaign(), m.customer(), live.id, now(run)));
          assertEquals(stored.mapping(run), got, m::toString);
          noPersonalData(run, got.toString(), "the mapping's toString");
          if (existing.isPresent()) {
            return MAPPED_AGAIN;
          }
          model.mappings.add(stored);
          return MAPPED;
        }));
  }

  private static void login(Run run, Model model, Login l, Consumer<String> outcomes) {
    long timestamp = run.clock.instant().getEpochSecond() + l.offset();
    long campaignId = l.campaign() == ZERO_CAMPAIGN ? 0 : campaignId(run, l.campaign());
    String secret = l.signature() == Signature.PREVIOUS ? model.previous : model.secret;
    String signature = SsoSignatures.sign(secret == null ? WRONG_SECRET : secret, campaignId, l.customer(),
        l.email(), timestamp);
    signature = switch (l.signature()) {
      case VALID, PREVIOUS -> signature;
      case UPPER_CASE -> signature.toUpperCase(Locale.ROOT);
      case TAMPERED -> (signature.charAt(0) == '0' ? "1" : "0") + signature.substring(1);
      case WRONG_SECRET -> SsoSignatures.sign(WRONG_SECRET, campaignId, l.customer(), l.email(), timestamp);
      case MALFORMED -> "not a signature";
      case NONE -> null;
    };
    SsoLogin login = new SsoLogin(campaignId, l.customer(), l.email(), timestamp, signature);
    noPersonalData(run, login.toString(), "the login's toString");

    // SingleSignOn.recognize: the refusals in its order, then the three ways to recognise.
    boolean signed = l.signature() == Signature.VALID || l.signature() == Signature.UPPER_CASE;
    boolean withEmail = l.email() != null && !l.email().isEmpty();
    Set<String> refusals = new LinkedHashSet<>();
    Optional<Stored> mapped = Optional.empty();
    Profile byEmail = null;
    if (model.secret == null) {
      refusals.add(FORBIDDEN);
    } else if (!signed) {
      refusals.add(BAD_SIGNATURE);
    } else if (Math.abs(l.offset()) > SKEW) {
      refusals.add(STALE);
    } else {
      if (l.campaign() == ZERO_CAMPAIGN) {
        refusals.add(INVALID + " on campaignId");
      }
      customerRefusal(l.customer(), refusals);
      if (withEmail && !ADDRESS.containsKey(l.email())) {
        refusals.add(INVALID_EMAIL);
      }
      if (refusals.isEmpty()) {
        campaignRefusal(l.campaign(), refusals);
      }
      if (refusals.isEmpty()) {
        mapped = model.mapping(l.campaign(), l.customer());
        byEmail = mapped.isPresent() || !withEmail ? null : model.byEmail(l.campaign(), l.email());
        if (mapped.isEmpty() && !withEmail) {
          refusals.add(NOT_FOUND);
        } else if (byEmail != null && model.mappingOf(byEmail.id).isPresent()) {
          refusals.add(PARTICIPANT_TAKEN);
        }
      }
    }
    Optional<Stored> theMapping = mapped;
    Profile theHolder = byEmail;
    String answer = call(run, l, refusals, () -> run.scope.singleSignOn().recognize(login), got -> {
      noPersonalData(run, got.toString(), "the recognition's toString");
      if (theMapping.isPresent()) {
        assertParticipant(run, model.participants.get(theMapping.get().participantId), got.participant(),
            l + ": the mapped participant");
        assertFalse(got.created() || got.newlyMapped(), () -> l + ": neither enrolled nor mapped now");
        return Math.abs(l.offset()) == SKEW ? RECOGNISED_AT_SKEW : RECOGNISED;
      }
      if (theHolder != null) {
        assertParticipant(run, theHolder, got.participant(), l + ": the campaign's participant with the email");
        assertTrue(!got.created() && got.newlyMapped(), () -> l + ": mapped now, not enrolled");
        model.mappings.add(new Stored(l.campaign(), l.customer(), theHolder.id, now(run)));
        return MAPPED_BY_LOGIN;
      }
      Profile fresh = new Profile(got.participant().id(), l.campaign(), l.email(), now(run));
      assertParticipant(run, fresh, got.participant(), l + ": a new participant");
      assertTrue(got.created() && got.newlyMapped(), () -> l + ": enrolled and mapped now");
      int free = -1;
      for (int slot = SLOTS - 1; slot >= 0; slot--) {
        free = campaignOf(slot) == l.campaign() && model.live(run, slot) == null ? slot : free;
      }
      model.enrol(run, fresh, free);
      model.mappings.add(new Stored(l.campaign(), l.customer(), fresh.id, now(run)));
      return ENROLLED_BY_LOGIN;
    });
    outcomes.accept(answer);
    if (refusals.isEmpty()) {
      Optional<CustomerMapping> after = run.scope.customerMappings().find(campaignId, l.customer());
      assertEquals(model.mapping(l.campaign(), l.customer()).map(s -> s.mapping(run)), after,
          () -> l + ": the customer's mapping after the login");
    }
  }

  /**
   * Calls the engine and checks its answer against the refusals the model allows: none means the call must go
   * through, and {@code accept} checks its result and returns the outcome; otherwise the call must be refused with
   * one of them, with no personal data in the refusal. Returns the outcome or the refusal as an outcome.
   */
  private static <T> String call(Run run, Op op, Set<String> refusals, Supplier<T> call,
      Function<T, String> accept) {
    T got;
    try {
      got = call.get();
    } catch (LoyaltyException e) {
      noPersonalData(run, e.getMessage(), op + ": the refusal's message");
      noPersonalData(run, e.toString(), op + ": the refusal's toString");
      String actual = e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND
          : e.code() + e.field().map(f -> " on " + f).orElse("");
      assertTrue(refusals.contains(actual), () -> op + ": expected " + (refusals.isEmpty() ? "a result"
          : "one of " + refusals) + " but got " + actual + " (" + e.getMessage() + ")");
      if (actual.startsWith(INVALID + " on metadata.")) {
        return INVALID_METADATA_VALUE;
      }
      return actual.startsWith(INVALID + " on ") && !actual.equals(INVALID_EMAIL)
          && !actual.equals(INVALID_METADATA) ? INVALID : actual;
    }
    assertTrue(refusals.isEmpty(), () -> op + ": expected one of " + refusals + " but got " + got);
    return accept.apply(got);
  }

  // ==================================================================== the rules

  /** The refusals of the text fields; an update's {@code email} is not required (null leaves it). */
  private static void textRefusals(String email, boolean required, String first, String last, String tier,
      Set<String> refusals) {
    if (email == null ? required : !ADDRESS.containsKey(email)) {
      refusals.add(INVALID_EMAIL);
    }
    if (TOO_LONG_NAME.equals(first)) {
      refusals.add(INVALID + " on firstName");
    }
    if (TOO_LONG_NAME.equals(last)) {
      refusals.add(INVALID + " on lastName");
    }
    if (TOO_LONG_TIER.equals(tier)) {
      refusals.add(INVALID + " on tier");
    }
  }

  /** The refusals of merging {@code patch} into {@code current}: a bad key, a bad value, or too many keys after. */
  private static void metadataRefusals(Map<String, Object> current, Map<String, Object> patch, Set<String> refusals) {
    if (patch == null) {
      return;
    }
    boolean bad = false;
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (key.isEmpty() || key.codePointCount(0, key.length()) > LIMITS.maxMetadataKeyLength()) {
        refusals.add(INVALID_METADATA);
        bad = true;
      } else if (value != null && !(value instanceof Boolean || value instanceof Long || value instanceof Integer
          || value instanceof Double || value instanceof String s
          && s.codePointCount(0, s.length()) <= LIMITS.maxMetadataValueLength())) {
        refusals.add(INVALID + " on metadata." + key);
        bad = true;
      }
    }
    if (!bad) {
      Map<String, Object> merged = new LinkedHashMap<>(current);
      merge(merged, patch);
      if (merged.size() > LIMITS.maxMetadataKeys()) {
        refusals.add(INVALID_METADATA);
      }
    }
  }

  private static void customerRefusal(String customer, Set<String> refusals) {
    if (INVALID_CUSTOMERS.contains(customer)) {
      refusals.add(INVALID + " on customerId");
    }
  }

  private static void campaignRefusal(int campaign, Set<String> refusals) {
    if (campaign == NO_CAMPAIGN) {
      refusals.add(NOT_FOUND);
    }
  }

  /** A shallow merge: integers kept as Long, a null value removes its key. */
  private static void merge(Map<String, Object> metadata, Map<String, Object> patch) {
    if (patch == null) {
      return;
    }
    patch.forEach((k, v) -> {
      if (v == null) {
        metadata.remove(k);
      } else {
        metadata.put(k, v instanceof Integer i ? Long.valueOf(i) : v);
      }
    });
  }

  private static String stripped(String text) {
    return text == null ? null : text.strip();
  }

  /** An update of an optional text: null keeps, the empty string clears, anything else is stripped. */
  private static String cleared(String current, String change) {
    return change == null ? current : change.isEmpty() ? null : change.strip();
  }

  private static int campaignOf(int slot) {
    return slot < FIRST_CAMPAIGN ? 0 : 1;
  }

  private static long campaignId(Run run, int campaign) {
    return campaign == NO_CAMPAIGN ? run.unknownId : run.campaignIds.get(campaign);
  }

  /** The engine's clock as the engine keeps times: truncated to microseconds. */
  private static Instant now(Run run) {
    return run.clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  /** No secret, email or customer id the run used is in {@code text}. */
  private static void noPersonalData(Run run, String text, String what) {
    if (text == null) {
      return;
    }
    for (String secret : run.personal) {
      assertFalse(text.contains(secret), () -> what + " holds a secret, an email or a customer id: " + text);
    }
  }

  /** The fields of a participant event's participant that the model knows. */
  private static Some payload(Run run, Profile p) {
    Map<String, Object> metadata = Map.copyOf(p.metadata);
    return new Some(ScenarioEvents.fields("id", p.id, "campaignId", run.campaignIds.get(p.campaign), "email",
        p.email, "sanitizedEmail", SANITIZED.get(p.address), "firstName", p.firstName, "lastName", p.lastName,
        "tier", p.tier, "metadata", new Check("the metadata " + metadata, metadata::equals), "pointsBalance", 0L,
        "lifetimePoints", 0L, "createdAt", ScenarioEvents.time(p.createdAt), "updatedAt",
        ScenarioEvents.time(p.updatedAt)));
  }

  private static void assertParticipant(Run run, Profile expected, Participant actual, String what) {
    assertEquals(expected.id, actual.id(), () -> what + ": id");
    assertEquals(run.scope.tenantId(), actual.tenantId(), () -> what + ": tenant");
    assertEquals(run.campaignIds.get(expected.campaign), actual.campaignId(), () -> what + ": campaign");
    assertEquals(expected.email, actual.email(), () -> what + ": the email as given, stripped");
    assertEquals(SANITIZED.get(expected.address), actual.sanitizedEmail(), () -> what + ": the sanitized email");
    assertEquals(expected.firstName, actual.firstName(), () -> what + ": firstName");
    assertEquals(expected.lastName, actual.lastName(), () -> what + ": lastName");
    assertNull(actual.ipAddress(), () -> what + ": ipAddress");
    assertEquals(expected.tier, actual.tier(), () -> what + ": tier");
    assertEquals(expected.metadata, actual.metadata(), () -> what + ": metadata");
    assertEquals(0, actual.pointsBalance(), () -> what + ": pointsBalance");
    assertEquals(0, actual.lifetimePoints(), () -> what + ": lifetimePoints");
    assertEquals(expected.createdAt, actual.createdAt(), () -> what + ": createdAt");
    assertEquals(expected.updatedAt, actual.updatedAt(), () -> what + ": updatedAt");
    assertNull(actual.riskLevel(), () -> what + ": never screened");
    noPersonalData(run, actual.toString(), what + ": toString");
  }

  /** The participants the engine lists, walked a page of {@code size} at a time. */
  private static List<Participant> walk(Run run, long campaignId, ParticipantFilter filter, int size) {
    return Pages.all(page -> run.scope.participants().list(campaignId, filter, page), size);
  }

  private static void check(Run run, Model model) {
    run.events.check("the events of the step");
    for (int campaign = 0; campaign < 2; campaign++) {
      int c = campaign;
      List<Profile> expected = model.participants.values().stream().filter(p -> p.campaign == c).toList();
      List<Participant> got = run.scope.participants().list(run.campaignIds.get(c), ParticipantFilter.all(),
          Keyset.first(Keyset.MAX_LIMIT)).items();
      assertEquals(expected.stream().map(p -> p.id).toList(), got.stream().map(Participant::id).toList(),
          "the participants of campaign " + c + ", in creation order");
      for (int i = 0; i < got.size(); i++) {
        assertParticipant(run, expected.get(i), got.get(i), "campaign " + c + ", participant " + i);
      }
    }
  }

  /**
   * One run's system under test: a fresh tenant of the engine with two campaigns and a single sign-on secret, the
   * engine's clock, the tenant's change feed, and the slots' participants. Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final SettableClock clock;
    private final ScenarioEvents events;
    private final List<Long> campaignIds = new ArrayList<>();
    /** The participant each slot names, as last known, deleted or not; null if never filled. */
    private final Profile[] slotProfiles = new Profile[SLOTS];
    /** Every secret, email and customer id of the run: personal data no message may hold. */
    private final Set<String> personal = new LinkedHashSet<>();
    private final String firstSecret;
    /** An id nothing has: ids are positive and time-ordered, far below this one. */
    private final long unknownId = Long.MAX_VALUE - 7;

    Run(LoyaltyEngine engine, SettableClock clock, Instant origin) {
      this.clock = clock;
      clock.set(origin);
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Profile model run")).id());
      this.events = new ScenarioEvents(engine, scope);
      long brand = scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id();
      campaignIds.add(scope.campaigns().create(NewCampaign.running(brand, "Model campaign")).id());
      campaignIds.add(scope.campaigns().create(NewCampaign.running(brand, "Other campaign")).id());
      this.firstSecret = scope.singleSignOn().rotateSecret().secret();
      personal.add(firstSecret);
      personal.add(WRONG_SECRET);
      EMAILS.forEach(forms -> forms.forEach(form -> personal.add(form.strip())));
      personal.addAll(SANITIZED);
      INVALID_EMAILS.forEach(email -> personal.add(email.strip()));
      CUSTOMERS.forEach(customer -> personal.add(customer.strip()));
      personal.add(INVALID_CUSTOMERS.get(2));
      personal.add(INVALID_CUSTOMERS.get(3));
    }

    private Model model() {
      Model model = new Model();
      model.secret = firstSecret;
      return model;
    }

    private long slotId(int slot) {
      return slotProfiles[slot] == null ? unknownId : slotProfiles[slot].id;
    }

    @Override
    public String toString() {
      return "ProfileScenario.Run[tenant=" + scope.tenantId() + "]";
    }
  }

  /**
   * What the engine must hold: the live participants in creation order, the customer mappings, and the tenant's
   * secret and the one it replaced. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final Map<Long, Profile> participants = new LinkedHashMap<>();
    private final List<Stored> mappings = new ArrayList<>();
    private String secret;
    private String previous;

    Model() {
    }

    /** The live participant the slot names, or null. */
    private Profile live(Run run, int slot) {
      Profile p = run.slotProfiles[slot];
      return p == null ? null : participants.get(p.id);
    }

    /** The live participant of the campaign whose sanitized email is that of {@code email}, or null. */
    private Profile byEmail(int campaign, String email) {
      Integer address = ADDRESS.get(email);
      return participants.values().stream().filter(p -> p.campaign == campaign && Objects.equals(p.address, address))
          .findFirst().orElse(null);
    }

    private Optional<Stored> mapping(int campaign, String customer) {
      return mappings.stream().filter(s -> s.campaign == campaign && s.customer.equals(customer)).findFirst();
    }

    private Optional<Stored> mappingOf(long participantId) {
      return mappings.stream().filter(s -> s.participantId == participantId).findFirst();
    }

    /** Adds a new participant and, unless {@code slot} is negative, names it by that slot. */
    private void enrol(Run run, Profile fresh, int slot) {
      participants.put(fresh.id, fresh);
      if (slot >= 0) {
        run.slotProfiles[slot] = fresh;
      }
      run.events.expect(EventType.PARTICIPANT_CREATED, run.campaignIds.get(fresh.campaign), fresh.id, fresh.createdAt,
          ScenarioEvents.fields("participant", payload(run, fresh)));
    }

    @Override
    public String toString() {
      return "ProfileScenario.Model[participants=" + participants.size() + ", mappings=" + mappings.size()
          + ", enabled=" + (secret != null) + "]";
    }
  }

  /** A participant as the model knows it. Its toString shows no personal data. */
  private static final class Profile {
    private final long id;
    private final int campaign;
    private final Instant createdAt;
    private int address;
    private String email;
    private String firstName;
    private String lastName;
    private String tier;
    private final Map<String, Object> metadata = new HashMap<>();
    private Instant updatedAt;

    /** What an update can change, to tell an update that changed nothing. */
    List<Object> profileFields() {
      return Arrays.asList(email, firstName, lastName, tier, new HashMap<>(metadata));
    }

    Profile(long id, int campaign, String email, Instant createdAt) {
      this.id = id;
      this.campaign = campaign;
      this.address = ADDRESS.get(email);
      this.email = email.strip();
      this.createdAt = createdAt;
      this.updatedAt = createdAt;
    }

    /**
     * ParticipantFilter: the search text, ignoring case, in the first name, the last name or the email, compared in
     * NFC (a composed accented letter matches the decomposed one) with the final sigma as the medial one.
     */
    boolean matches(String search) {
      String s = folded(search);
      return firstName != null && folded(firstName).contains(s)
          || lastName != null && folded(lastName).contains(s)
          || folded(email).contains(s);
    }

    private static String folded(String text) {
      return Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT).replace('\u03c2', '\u03c3');
    }

    @Override
    public String toString() {
      return "Profile[id=" + id + ", campaign=" + campaign + ", address=" + address + ", tier=" + tier + "]";
    }
  }

  /** A customer mapping as the model knows it. */
  private static final class Stored {
    private final int campaign;
    private final String customer;
    private final long participantId;
    private final Instant createdAt;

    Stored(int campaign, String customer, long participantId, Instant createdAt) {
      this.campaign = campaign;
      this.customer = customer;
      this.participantId = participantId;
      this.createdAt = createdAt;
    }

    CustomerMapping mapping(Run run) {
      return new CustomerMapping(run.campaignIds.get(campaign), customer, participantId, createdAt);
    }

    @Override
    public String toString() {
      return "Stored[campaign=" + campaign + ", participant=" + participantId + "]";
    }
  }

  /** How a login's signature is made. Immutable and thread-safe. */
  public enum Signature {
    /** With the tenant's secret. */
    VALID,
    /** With the tenant's secret, in upper-case hex. */
    UPPER_CASE,
    /** With the tenant's secret, one hex digit changed. */
    TAMPERED,
    /** With a secret the tenant never had. */
    WRONG_SECRET,
    /** With the secret the last rotation or disabling replaced (no grace: refused). */
    PREVIOUS,
    /** Not hex. */
    MALFORMED,
    /** Missing. */
    NONE
  }

  /** An operation of the scenario, naming participants by slot and campaigns by index. Immutable and thread-safe. */
  public sealed interface Op permits Enrol, Get, Update, ListPage, Delete, MapCustomer, FindMapping, Unmap, Login,
      Secret, Tick {
  }

  /**
   * Enrols a participant in the slot's campaign; once enrolled the slot names it. Immutable.
   *
   * @param slot the slot, 0..5
   * @param email the email, valid or not
   * @param firstName a first name, too long, or null
   * @param lastName a last name, too long, or null
   * @param tier a tier, too long, or null
   * @param metadata the metadata, breaking a rule or not, or null
   */
  public record Enrol(int slot, String email, String firstName, String lastName, String tier,
      Map<String, Object> metadata) implements Op {
    @Override
    public String toString() {
      return "enrol p" + slot + " as " + shown(email) + " " + shown(firstName) + " " + shown(lastName) + " tier "
          + shown(tier) + " metadata " + shown(metadata);
    }
  }

  /**
   * Reads the slot's participant by id, its mapping, and by another form of the email it had. Immutable.
   *
   * @param slot the slot, 0..5
   * @param form which form of the email, 0..2
   */
  public record Get(int slot, int form) implements Op {
    @Override
    public String toString() {
      return "get p" + slot + " (and by email form " + form + ")";
    }
  }

  /**
   * Updates the slot's participant. Immutable.
   *
   * @param slot the slot, 0..5
   * @param email a new email, valid or not, or null
   * @param ownForm with no {@code email}, the form 0..2 of the slot's participant's own address to change its email
   *     to, or -1 for none
   * @param firstName a first name, "" to clear, too long, or null
   * @param lastName a last name, "" to clear, too long, or null
   * @param tier a tier, "" to clear, too long, or null
   * @param metadata the patch, null values removing keys, or null
   */
  public record Update(int slot, String email, int ownForm, String firstName, String lastName, String tier,
      Map<String, Object> metadata) implements Op {
    @Override
    public String toString() {
      String to = ownForm >= 0 ? "form " + ownForm + " of its own" : shown(email);
      return "update p" + slot + ": email " + to + ", " + shown(firstName) + " " + shown(lastName)
          + ", tier " + shown(tier) + ", metadata " + shown(metadata);
    }
  }

  /**
   * Walks a campaign's participants matching a filter, a keyset page of {@code size} at a time. Immutable.
   *
   * @param campaign 0, 1 or {@value #NO_CAMPAIGN}
   * @param search the search text, or null
   * @param tier the tier, or null
   * @param size the page size, 1..3
   */
  public record ListPage(int campaign, String search, String tier, int size) implements Op {
    @Override
    public String toString() {
      return "list campaign " + campaign + " searching " + shown(search) + " tier " + shown(tier) + " by " + size;
    }
  }

  /**
   * Deletes the slot's participant. Immutable.
   *
   * @param slot the slot, 0..5
   */
  public record Delete(int slot) implements Op {
    @Override
    public String toString() {
      return "delete p" + slot;
    }
  }

  /**
   * Maps a customer id to the slot's participant, by id or by an upper-cased form of its email in its campaign.
   * Immutable.
   *
   * @param campaign the mapping's campaign, 0, 1 or {@value #NO_CAMPAIGN}
   * @param customer the customer id, valid or not
   * @param slot the slot, 0..5
   * @param byEmail whether the participant is named by email
   */
  public record MapCustomer(int campaign, String customer, int slot, boolean byEmail) implements Op {
    @Override
    public String toString() {
      return "map " + shown(customer) + " in campaign " + campaign + " to p" + slot + (byEmail ? " by email" : "");
    }
  }

  /**
   * Looks up a customer id's mapping. Immutable.
   *
   * @param campaign 0, 1 or {@value #NO_CAMPAIGN}
   * @param customer the customer id, valid or not
   */
  public record FindMapping(int campaign, String customer) implements Op {
    @Override
    public String toString() {
      return "find " + shown(customer) + " in campaign " + campaign;
    }
  }

  /**
   * Removes a customer id's mapping. Immutable.
   *
   * @param campaign 0, 1 or {@value #NO_CAMPAIGN}
   * @param customer the customer id, valid or not
   */
  public record Unmap(int campaign, String customer) implements Op {
    @Override
    public String toString() {
      return "unmap " + shown(customer) + " in campaign " + campaign;
    }
  }

  /**
   * A signed login. Immutable.
   *
   * @param campaign 0, 1, {@value #NO_CAMPAIGN}, or {@value #ZERO_CAMPAIGN} for campaign id 0
   * @param customer the customer id, valid or not
   * @param email the email, valid or not, "" or null for none
   * @param offset the timestamp's seconds from the engine's clock
   * @param signature how it is signed
   */
  public record Login(int campaign, String customer, String email, long offset, Signature signature) implements Op {
    @Override
    public String toString() {
      return "login " + shown(customer) + " in campaign " + campaign + " with " + shown(email) + " at "
          + (offset >= 0 ? "+" : "") + offset + " s, " + signature;
    }
  }

  /**
   * Rotates the tenant's secret, or disables single sign-on. Immutable.
   *
   * @param rotate a rotation, else disabling
   */
  public record Secret(boolean rotate) implements Op {
    @Override
    public String toString() {
      return rotate ? "rotate the secret" : "disable single sign-on";
    }
  }

  /**
   * Moves the engine's clock forward. Immutable.
   *
   * @param nanos by how many nanoseconds, 1 to 45 seconds' worth
   */
  public record Tick(long nanos) implements Op {
    @Override
    public String toString() {
      return "clock +" + Duration.ofNanos(nanos);
    }
  }

  /** A value for an operation's toString: long texts by their length. */
  private static String shown(Object value) {
    if (value instanceof String s) {
      return s.length() > 30 ? s.length() + " characters" : "\"" + s.replace("\n", "\\n") + "\"";
    }
    return String.valueOf(value);
  }
}
