package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.referrals.BrandStats;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionResult;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.DecodedCode;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.ReversalResult;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.referrals.SigningKeyInfo;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Referral chains, conversions and reversals of a real engine, driven against a reference model by a
 * {@link ModelRunner}: seeded sequences of basic signups, referral signups with a random kind of code (legacy, signed,
 * short) of a random person, deletions, conversions with order ids drawn from a small pool (so that order ids
 * repeat), reversals (some repeated, some after the referrer spent points), spending, and changes of what the
 * campaign does with a MEDIUM-risk referral (COUNT, REVIEW or REJECT) and a HIGH-risk one (REVIEW or REJECT; at
 * first REVIEW and REJECT); signups come from one of three IP addresses, each written two ways, or none, and a
 * quarter of the referral signups from the referrer's own address; and the tenant's signing
 * keys: rotations, retirements of a kept, retired, signing, unknown or non-positive key number, listings, decoding
 * of signed codes issued under any key so far, and signups and conversions with a person's earlier signed codes.
 *
 * <pre>{@code
 * ReferralScenario.runner(engine, outcome -> {}).steps(120).build().runSeeds(ReferralScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine, with one
 * brand and one campaign that keeps the default referral settings except that a conversion awards
 * {@code floor(orderValue x 1.5)} points, the velocity rule allows 3 signups from one address in a week, and a
 * referral is a loyalty action toward a message reward of 1,000,000 actions that no run reaches (so that a referral's status follows its screening, and nothing unlocks). Eight people are named by slot: three gmail mailboxes, whose random
 * dot, {@code +tag} and case aliases sanitize to one participant; {@code dan@example.com} and
 * {@code dan+shop@example.com}, two participants that fraud screening sees as one person; and three plain
 * addresses, sometimes in upper case. A deleted person signs up again as a new participant. The campaign's brand has
 * a second campaign, with no participants.
 *
 * <h2>Checked at every step</h2>
 * A signup's outcome (NONE, REFERRED, ALREADY_REFERRED, SELF_REFERRAL, CYCLE) and created flag are the model's, in
 * that order of precedence: the participant's own code is SELF_REFERRAL, then an existing referrer is
 * ALREADY_REFERRED (answered with the existing referral), then a code whose participant descends from the invitee is
 * CYCLE. A recorded referral carries the code's kind and the screening the model predicts (HIGH
 * {@code SELF_REFERRAL_EMAIL} for the two {@code dan} addresses, else HIGH {@code DUPLICATE_IDENTITY} for an invitee
 * enrolled before, else HIGH {@code VELOCITY_IP} when the live participants' first signups from its address are 3 or
 * more, else MEDIUM {@code SELF_REFERRAL_IP} from the address the referrer signed up from, however written, else
 * LOW), also on the invited participant, and the status its level's action gives now (LOW COUNTED, MEDIUM and HIGH
 * as last configured: COUNTED, IN_REVIEW or REJECTED). A code of a deleted participant is refused with
 * VALIDATION_ERROR on {@code code} and changes nothing. A conversion awards its points once per order id; a repeat
 * is replayed with the first conversion, whatever its code (a deleted participant's too) and value. One order in
 * three names its buyer by an alias of someone's email: the code's own mailbox (the {@code dan} pair included) is a
 * self-referral, REJECTED with no points and no stats, and its reversal answers it unchanged. A reversal
 * takes back its points as far as the balance allows (shortfall = points - taken back; all of it when the referrer
 * was deleted), once; a repeat is replayed. An unknown order id is NOT_FOUND.
 *
 * <p>Signing keys, all on the one engine, so that a change takes effect at once: the model knows the kept keys, the
 * retired ones and the highest number made, and which key each signed code issued in the run names (read from the
 * code, see {@link #keyOf}). A participant's signed code is under the signing key (key 1 made by the tenant's first
 * signed code), the same code each time under one key; legacy and short codes never change. A rotation returns the
 * next number, never one used before, or is CONFLICT on {@code signingKeys} at {@link Referrals#MAX_SIGNING_KEYS}
 * kept keys; retiring deletes a kept key, succeeds again for a retired one, and is CONFLICT on {@code keyId} for the
 * signing key, NOT_FOUND for a number never made and VALIDATION_ERROR on {@code keyId} below 1, changing nothing.
 * After every rotation and retirement, and at every tenth step, {@code signingKeys()} is the model's (signing key
 * first, then descending; createdAt stable). A code under a retired key is refused by decode, signup and convert
 * (a new order id) with VALIDATION_ERROR on {@code code}, changing nothing; codes under kept keys keep verifying.
 *
 * <h2>Checked after every step</h2>
 * The campaign's {@code campaignStats()} (the sum over its participants) equals the model, and so do the balance,
 * risk and {@code stats()} of each participant the step touched; a person not enrolled is NOT_FOUND.
 *
 * <h2>Checked after every tenth step (so a run of 100 steps ends with it), for every person</h2>
 * The chain is a forest equal to the model: {@code referrer()}, {@code referral()}, {@code ancestors()} (at most
 * 50, and at most 1) and every page of {@code referred()} (pages of two); no ancestor list repeats or contains its
 * participant. Each referrer's {@code stats()} (signups, conversions, reversals, revenue of conversions not
 * reversed) and the campaign's {@code campaignStats()} (the sum over its participants) equal the model; every
 * balance is the model's, never negative, and the sum of its ledger; a person not enrolled is NOT_FOUND. The
 * campaign's {@code referrals()} (in invited id order) and {@code conversions()} (in the order they were tracked, as
 * reversals left them; a deleted referrer's stay), all and in each status, and each live referrer's
 * {@code conversions()} (newest first), walked two at a time, are the model's, every field; so is
 * {@code conversion(orderId)} of every order id the scenario names (empty for one never tracked), which is also
 * checked after each conversion and reversal; and the brand's {@code brandStats()} (two campaigns, the live
 * participants, no tracks).
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class ReferralScenario {
  private static final List<String> GMAIL = List.of("ada", "bealee", "cyd");
  private static final List<String> PLAIN =
      List.of("dan@example.com", "dan+shop@example.com", "eve@example.org", "fay@mail.example.net", "gus@example.com");
  private static final int SLOTS = GMAIL.size() + PLAIN.size();
  /** The two slots fraud screening sees as one person ({@code dan} with and without a {@code +tag}). */
  private static final int DAN = 3;
  private static final int DAN_TAGGED = 4;
  private static final int ORDER_IDS = 12;
  private static final int REFERRED_PAGE = 2;
  /** The page size of the campaign's and referrers' lists: small, so that every walk follows cursors. */
  private static final int LIST_PAGE = 2;
  private static final int FULL_CHECK_EVERY = 10;
  private static final BigDecimal PER_UNIT = new BigDecimal("1.5");
  private static final ConversionPoints POINTS = ConversionPoints.perUnit(PER_UNIT);
  private static final List<CodeKind> KINDS = List.of(CodeKind.LEGACY, CodeKind.SIGNED, CodeKind.SHORT);
  /**
   * The smallest sum of three seeds among 1..60, each run alone for 120 steps, that together reach every outcome
   * (chosen when signups came with IP addresses, as ScenarioOutcomesTest holds them to).
   */
  private static final long[] DEFAULT_SEEDS = {2L, 5L, 8L};
  /**
   * The IP addresses signups come from, each in two spellings that fraud screening takes as one (an IPv4 address and
   * its IPv4-mapped IPv6 form; an IPv6 address compressed and in full, upper case).
   */
  private static final List<List<String>> ADDRESSES = List.of(List.of("192.0.2.1", "::ffff:192.0.2.1"),
      List.of("2001:db8::1", "2001:DB8:0:0:0:0:0:1"), List.of("198.51.100.7", "198.51.100.7"));
  /** A {@link Refer}'s {@code ip} that names the referrer's own address, in its other spelling. */
  private static final int REFERRERS_IP = ADDRESSES.size() * 2;
  /** Signups from one address a referral may follow before it is HIGH risk (VELOCITY_IP), within a week. */
  private static final int VELOCITY_LIMIT = 3;

  /** A signup without a code. */
  public static final String BASIC_SIGNUP = "a basic signup";
  /** A referral of a person not enrolled before. */
  public static final String REFERRED_NEW = "a referral of a new participant";
  /** A referral of a participant enrolled before (HIGH, duplicate identity). */
  public static final String REFERRED_EXISTING = "a referral of an existing participant";
  /** A referral between the two {@code dan} addresses (HIGH, self-referral by email). */
  public static final String REFERRED_TAGGED_SELF = "a referral of a +tag alias of the referrer";
  /** A signup of a participant that has a referrer already. */
  public static final String ALREADY_REFERRED = "already referred";
  /** A signup with the participant's own code, through an alias. */
  public static final String SELF_REFERRAL = "a self-referral";
  /** A signup whose referral would close a cycle. */
  public static final String CYCLE = "a cycle refused";
  /** A code of a deleted participant, refused. */
  public static final String REFUSED_CODE = "a code of a deleted participant refused";
  /** A participant deleted. */
  public static final String DELETED = "a deletion";
  /** A conversion tracked. */
  public static final String CONVERTED = "a conversion";
  /** An order whose named buyer is the code's own person (an alias of its mailbox), rejected with no points. */
  public static final String CONVERSION_SELF_REFERRAL = "an order of the code's own person rejected";
  /** A reversal of a rejected conversion, which changes nothing. */
  public static final String REVERSAL_OF_REJECTED = "a reversal of a rejected order";
  /** A conversion of an order id tracked before, replayed. */
  public static final String CONVERSION_REPLAYED = "a repeated order id replayed";
  /** A reversal that took back all the points. */
  public static final String REVERSED_IN_FULL = "a reversal in full";
  /** A reversal the balance could not cover. */
  public static final String REVERSED_WITH_SHORTFALL = "a reversal with a shortfall";
  /** A reversal of a conversion reversed before, replayed. */
  public static final String REVERSAL_REPLAYED = "a repeated reversal replayed";
  /** A reversal of a conversion whose referrer was deleted since (rare; not among {@link #outcomes()}). */
  public static final String REVERSED_AFTER_DELETION = "a reversal after the referrer was deleted";
  /** Points spent by a referrer. */
  public static final String SPENT = "points spent";
  /** A new signing key started. */
  public static final String ROTATED = "a signing key rotated";
  /** A rotation refused: the tenant keeps {@link Referrals#MAX_SIGNING_KEYS} keys already. */
  public static final String ROTATION_REFUSED = "a rotation past the most keys refused";
  /** A kept key retired (deleted). */
  public static final String KEY_RETIRED = "a kept signing key retired";
  /** A retired key retired again, which succeeds and changes nothing. */
  public static final String KEY_RETIRED_AGAIN = "a retired signing key retired again";
  /** Retiring the key that signs, refused. */
  public static final String RETIRING_SIGNING_REFUSED = "retiring the signing key refused";
  /** Retiring a key number never made, refused. */
  public static final String RETIRING_UNKNOWN_REFUSED = "retiring a key never made refused";
  /** Retiring a key number below 1, refused. */
  public static final String RETIRING_BELOW_ONE_REFUSED = "retiring a key number below 1 refused";
  /** A signed code under a retired key refused by decode. */
  public static final String DECODE_RETIRED_REFUSED = "a retired key's code refused by decode";
  /** A signed code under a retired key refused by signup. */
  public static final String SIGNUP_RETIRED_REFUSED = "a retired key's code refused by signup";
  /** A signed code under a retired key refused by convert (for an order id not tracked before). */
  public static final String CONVERT_RETIRED_REFUSED = "a retired key's code refused by convert";
  /** A signed code under a kept key older than the signing one, decoded. */
  public static final String DECODED_OLDER_KEY = "an older kept key's code decoded";
  /** A signed code under the signing key, decoded. */
  public static final String DECODED_SIGNING_KEY = "the signing key's code decoded";
  /** A signup with a signed code under a kept key older than the signing one. */
  public static final String SIGNUP_OLDER_KEY = "a signup with an older kept key's code";
  /** The signing keys listed. */
  public static final String KEYS_LISTED = "the signing keys listed";
  /** A HIGH-risk referral recorded IN_REVIEW (the campaign's action on HIGH risk is REVIEW). */
  public static final String HIGH_RISK_IN_REVIEW = "a HIGH-risk referral held for review";
  /** A HIGH-risk referral recorded REJECTED (the campaign's action on HIGH risk is REJECT). */
  public static final String HIGH_RISK_REJECTED = "a HIGH-risk referral rejected";
  /** The campaign's actions on MEDIUM and HIGH risk changed, which leaves the referrals recorded before as they are. */
  public static final String RISK_ACTION_CHANGED = "the actions on MEDIUM and HIGH risk changed";
  /** A referral of a new participant from the referrer's IP address (MEDIUM, SELF_REFERRAL_IP). */
  public static final String MEDIUM_RISK = "a MEDIUM-risk referral from the referrer's IP address";
  /** A MEDIUM-risk referral recorded IN_REVIEW (the campaign's action on MEDIUM risk is REVIEW). */
  public static final String MEDIUM_RISK_IN_REVIEW = "a MEDIUM-risk referral held for review";
  /** A referral of a new participant after {@value #VELOCITY_LIMIT} signups from its IP address (HIGH, VELOCITY_IP). */
  public static final String VELOCITY = "a HIGH-risk referral past the velocity limit";
  /** A referral recorded while the campaign holds both an IN_REVIEW and a REJECTED referral. */
  public static final String REVIEWED_AND_REJECTED = "IN_REVIEW and REJECTED referrals in one campaign";

  private ReferralScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test; each run creates its own tenant in it
   * @param outcomes told the name of every outcome a step reaches (one of {@link #outcomes()}, or another name for
   *     a rarer case), so that a caller can check that its seeds reach them all
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(outcomes, "outcomes");
    return ModelRunner.<Run, Model, Op>builder()
        .name("referrals")
        .system(() -> new Run(engine))
        .model(run -> new Model())
        .operations(operations())
        .step((run, model, op) -> {
          model.steps++;
          model.touched.clear();
          model.touchedOrder = null;
          op.apply(run, model, outcomes);
        })
        .invariant(ReferralScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the default seeds reach. */
  public static List<String> outcomes() {
    return List.of(BASIC_SIGNUP, REFERRED_NEW, REFERRED_EXISTING, REFERRED_TAGGED_SELF, ALREADY_REFERRED,
        SELF_REFERRAL, CYCLE, REFUSED_CODE, DELETED, CONVERTED, CONVERSION_SELF_REFERRAL, CONVERSION_REPLAYED,
        REVERSAL_OF_REJECTED, REVERSED_IN_FULL,
        REVERSED_WITH_SHORTFALL, REVERSAL_REPLAYED, SPENT, ROTATED, ROTATION_REFUSED, KEY_RETIRED, KEY_RETIRED_AGAIN,
        RETIRING_SIGNING_REFUSED, RETIRING_UNKNOWN_REFUSED, RETIRING_BELOW_ONE_REFUSED, DECODE_RETIRED_REFUSED,
        SIGNUP_RETIRED_REFUSED, CONVERT_RETIRED_REFUSED, DECODED_OLDER_KEY, DECODED_SIGNING_KEY, SIGNUP_OLDER_KEY,
        KEYS_LISTED, HIGH_RISK_IN_REVIEW, HIGH_RISK_REJECTED, RISK_ACTION_CHANGED, MEDIUM_RISK, MEDIUM_RISK_IN_REVIEW,
        VELOCITY, REVIEWED_AND_REJECTED);
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations() {
    Gen<BigDecimal> values = Gen.frequency(
        Gen.weight(1, Gen.constant(BigDecimal.ZERO)),
        Gen.weight(6, random -> BigDecimal.valueOf(random.nextLong(1, 20_000), 2)),
        Gen.weight(2, random -> BigDecimal.valueOf(random.nextLong(1, 10_000_000), 4)));
    // Rotations outnumber retirements two to one, so that a run of 120 steps usually reaches the bound of
    // MAX_SIGNING_KEYS kept keys, and its rotations past it are refused.
    return (random, previous) -> {
      int pick = random.nextInt(100);
      if (pick < 8) {
        int slot = random.nextInt(SLOTS);
        return new Join(slot, email(slot, random), random.nextBoolean() ? -1 : random.nextInt(REFERRERS_IP));
      }
      if (pick < 36) {
        int invitee = random.nextInt(SLOTS);
        int referrer = random.nextInt(SLOTS);
        if (random.nextInt(8) == 0) { // the two dan addresses, which screening must see as one person
          invitee = random.nextBoolean() ? DAN : DAN_TAGGED;
          referrer = invitee == DAN ? DAN_TAGGED : DAN;
        }
        CodeKind kind = KINDS.get(random.nextInt(KINDS.size()));
        // A quarter without an address, a quarter from the referrer's own (MEDIUM risk for a new participant).
        int ip = random.nextInt(4);
        return new Refer(invitee, email(invitee, random), referrer, kind, older(kind, random),
            ip == 0 ? -1 : ip == 1 ? REFERRERS_IP : random.nextInt(REFERRERS_IP));
      }
      if (pick < 40) {
        return new Delete(random.nextInt(SLOTS));
      }
      if (pick < 59) {
        CodeKind kind = KINDS.get(random.nextInt(KINDS.size()));
        int slot = random.nextInt(SLOTS);
        int older = older(kind, random);
        String orderId = "order-" + random.nextInt(ORDER_IDS);
        BigDecimal value = values.next(random);
        // One order in three names its buyer, half of those the code's own person (another alias of the mailbox).
        int buyer = random.nextInt(3) != 0 ? -1 : random.nextBoolean() ? slot : random.nextInt(SLOTS);
        return new Convert(slot, kind, older, orderId, value, buyer, buyer < 0 ? null : email(buyer, random));
      }
      if (pick < 71) {
        List<String> converted = previous.stream().filter(o -> o instanceof Convert)
            .map(o -> ((Convert) o).orderId()).toList();
        boolean known = !converted.isEmpty() && random.nextInt(8) != 0;
        return new Reverse(known ? converted.get(random.nextInt(converted.size()))
            : "order-" + random.nextInt(ORDER_IDS * 2));
      }
      if (pick < 76) {
        return new Spend(random.nextInt(SLOTS), List.of(25, 50, 100).get(random.nextInt(3)));
      }
      if (pick < 78) {
        return new Configure(RiskAction.values()[random.nextInt(RiskAction.values().length)],
            random.nextBoolean() ? RiskAction.REJECT : RiskAction.REVIEW);
      }
      if (pick < 90) {
        return new Rotate();
      }
      if (pick < 96) {
        int target = random.nextInt(20); // mostly a kept key, which is the only retirement that deletes one
        return new Retire(target < 9 ? KeyTarget.KEPT : target < 12 ? KeyTarget.RETIRED
            : target < 15 ? KeyTarget.SIGNING : target < 18 ? KeyTarget.UNKNOWN : KeyTarget.BELOW_ONE,
            random.nextInt(1_000));
      }
      if (pick < 99) {
        return new Decode(random.nextInt(1_000));
      }
      return new ListKeys();
    };
  }

  /**
   * Which earlier signed code of the referrer a step uses instead of the current one (half the signed ones), as
   * a pick among the codes issued to the participant so far, one per key; -1 for the current code.
   */
  private static int older(CodeKind kind, RandomGenerator random) {
    return kind == CodeKind.SIGNED && random.nextBoolean() ? random.nextInt(1_000) : -1;
  }

  /** Whether two slots are one mailbox to fraud screening: the same slot, or the two {@code dan} addresses. */
  private static boolean sameMailbox(int a, int b) {
    return a == b || (Math.min(a, b) == DAN && Math.max(a, b) == DAN_TAGGED);
  }

  /** An email of the person in {@code slot}: a random alias of a gmail mailbox, else the address in any case. */
  private static String email(int slot, RandomGenerator random) {
    if (slot < GMAIL.size()) {
      return Generators.gmailAliases(GMAIL.get(slot)).next(random);
    }
    String email = PLAIN.get(slot - GMAIL.size());
    return random.nextInt(3) == 0 ? Generators.upperCaseVariants(Gen.constant(email)).next(random) : email;
  }

  /** The sanitized email of the person in {@code slot}. */
  private static String canonical(int slot) {
    return slot < GMAIL.size() ? GMAIL.get(slot) + "@gmail.com" : PLAIN.get(slot - GMAIL.size());
  }

  private static String code(ReferralCodes codes, CodeKind kind) {
    return switch (kind) {
      case LEGACY -> codes.legacy();
      case SIGNED -> codes.signed();
      case SHORT -> codes.shortCode();
    };
  }

  /**
   * The person's current code of {@code kind}, or with {@code older >= 0} and a signed kind, one of the signed codes
   * issued to them so far, picked by {@code older}: an even pick among those under retired keys if there are any
   * (else, as an odd pick, among them all), so that refusals of retired keys' codes are not rare.
   */
  private static String pickCode(Run run, Model model, Person person, CodeKind kind, int older) {
    String code = code(run.codes(model, person), kind);
    if (kind != CodeKind.SIGNED || older < 0) {
      return code;
    }
    return pickRetiredOrAny(List.copyOf(person.signed.values()), model, older, c -> c);
  }

  /** An even {@code pick} among the {@code codes} under retired keys, if any; else, or if odd, among them all. */
  private static <T> T pickRetiredOrAny(List<T> codes, Model model, int pick,
      Function<T, String> code) {
    List<T> retired = codes.stream().filter(c -> model.retiredKey(code.apply(c))).toList();
    List<T> from = pick % 2 == 0 && !retired.isEmpty() ? retired : codes;
    return from.get(pick / 2 % from.size());
  }

  /**
   * The key number a signed code names ({@code r1.<key in base 36>.<campaign>.<participant>.<tag>}), read here
   * rather than by the engine's parser, so that the model does not take the engine's word for it.
   */
  static int keyOf(String signed) {
    String[] parts = signed.split("\\.", -1);
    assertEquals(5, parts.length, "a signed code has five dot-separated parts");
    assertEquals("r1", parts[0], "a signed code's version");
    return Integer.parseInt(parts[1], 36);
  }

  // ==================================================================== checks

  private static void check(Run run, Model model) {
    boolean full = model.steps % FULL_CHECK_EVERY == 0;
    for (int slot = 0; slot < SLOTS; slot++) {
      if (!full && !model.touched.contains(slot)) {
        continue;
      }
      Person person = model.enrolled[slot];
      if (person == null) {
        int s = slot;
        rejected(ErrorCode.NOT_FOUND, null, () -> "p" + s + " is not enrolled",
            () -> run.scope.participants().get(ParticipantRef.email(run.campaignId, canonical(s))));
        continue;
      }
      if (full) {
        checkPerson(run, model, person);
      } else {
        checkBalanceAndStats(run, person);
      }
    }
    ReferralStats campaign = ReferralStats.ZERO;
    for (Person p : model.enrolled) {
      if (p != null) {
        campaign = campaign.plus(p.stats());
      }
    }
    ReferralStats actual = run.scope.referrals().campaignStats(run.campaignId);
    assertEquals(campaign, actual, "campaign stats == the sum over its participants");
    if (model.touchedOrder != null) {
      checkConversion(run, model, model.touchedOrder);
    }
    if (full) {
      checkKeys(run, model, "after step " + model.steps);
      checkLists(run, model);
    }
  }

  /** {@code conversion(orderId)} is the model's conversion of the order as it stands, or empty if never tracked. */
  private static void checkConversion(Run run, Model model, String orderId) {
    Conv known = model.conversions.get(orderId);
    assertEquals(Optional.ofNullable(known).map(Conv::now), run.scope.referrals().conversion(run.campaignId, orderId),
        () -> "conversion(" + orderId + ")");
  }

  /**
   * The campaign's referrals (in invited id order) and conversions (in the order they were tracked), all and by each
   * status, each live referrer's conversions (newest first), each walked {@value #LIST_PAGE} at a time, and the
   * conversion of every order id the scenario may name: the model's, every field.
   */
  private static void checkLists(Run run, Model model) {
    List<Referral> referrals = model.byId.values().stream().map(p -> p.referral).filter(Objects::nonNull)
        .sorted(Comparator.comparingLong(Referral::invitedId)).toList();
    assertEquals(referrals, Pages.all(page -> run.scope.referrals().referrals(run.campaignId, null, page), LIST_PAGE),
        () -> "referrals(campaign, all) in " + model);
    for (ReferralStatus status : ReferralStatus.values()) {
      assertEquals(referrals.stream().filter(r -> r.status() == status).toList(),
          Pages.all(page -> run.scope.referrals().referrals(run.campaignId, status, page), LIST_PAGE),
          () -> "referrals(campaign, " + status + ") in " + model);
    }
    List<Conversion> conversions = model.conversions.values().stream().map(Conv::now).toList();
    assertEquals(conversions, Pages.all(page -> run.scope.referrals().conversions(run.campaignId, null, page),
        LIST_PAGE), "conversions(campaign, all), in the order they were tracked");
    for (ConversionStatus status : ConversionStatus.values()) {
      assertEquals(conversions.stream().filter(c -> c.status() == status).toList(),
          Pages.all(page -> run.scope.referrals().conversions(run.campaignId, status, page), LIST_PAGE),
          () -> "conversions(campaign, " + status + ")");
    }
    for (Person p : model.enrolled) {
      if (p == null) {
        continue;
      }
      List<Conversion> own = new ArrayList<>(conversions.stream().filter(c -> c.referrerId() == p.id).toList());
      Collections.reverse(own);
      assertEquals(own, Pages.all(page -> run.scope.referrals().conversions(ParticipantRef.id(p.id), page),
          LIST_PAGE), () -> "conversions(p" + p.slot + "), newest first");
    }
    for (int i = 0; i < ORDER_IDS * 2; i++) {
      checkConversion(run, model, "order-" + i);
    }
    // No step tracks impressions, shares or visits: the brand's counts of them stay 0.
    assertEquals(new BrandStats(run.brandId, 2, model.byId.size(), 0, 0, 0), run.scope.referrals().brandStats(run.brandId),
        () -> "brandStats: two campaigns, the live participants, in " + model);
  }

  /**
   * {@code signingKeys()} lists the model's kept keys, highest (the signing one) first and alone marked signing,
   * never more than {@link Referrals#MAX_SIGNING_KEYS}, each key's createdAt the same at every listing and not
   * before an older key's.
   */
  private static void checkKeys(Run run, Model model, String what) {
    List<SigningKeyInfo> listed = run.scope.referrals().signingKeys();
    assertEquals(List.copyOf(model.keys.descendingKeySet()), listed.stream().map(SigningKeyInfo::keyId).toList(),
        () -> what + ": signingKeys(), the signing key first, then by number descending");
    assertTrue(listed.size() <= Referrals.MAX_SIGNING_KEYS, () -> what + ": at most MAX_SIGNING_KEYS kept");
    Instant newer = null;
    for (int i = 0; i < listed.size(); i++) {
      SigningKeyInfo key = listed.get(i);
      assertEquals(i == 0, key.signing(), () -> what + ": only the highest key signs: " + key);
      assertNotNull(key.createdAt(), () -> what + ": createdAt of " + key);
      Instant known = model.keys.get(key.keyId());
      if (known == null) {
        model.keys.put(key.keyId(), key.createdAt());
      } else {
        assertEquals(known, key.createdAt(), () -> what + ": a key's createdAt never changes: " + key);
      }
      if (newer != null) {
        assertFalse(key.createdAt().isAfter(newer), () -> what + ": made no later than the key after it: " + key);
      }
      newer = key.createdAt();
    }
  }

  /** What decoding a kept key's signed code of a participant still enrolled gives. */
  private static DecodedCode decoded(Run run, Issued code) {
    return new DecodedCode(CodeKind.SIGNED, run.campaignId, "direct", code.participantId, null);
  }

  /** The cheap part of {@link #checkPerson}, for the participants a step touched. */
  private static void checkBalanceAndStats(Run run, Person person) {
    String who = "p" + person.slot + " (participant " + person.id + ")";
    ParticipantRef ref = ParticipantRef.id(person.id);
    Participant p = run.scope.participants().get(ref);
    assertEquals(person.balance, p.pointsBalance(), who + ": balance");
    assertEquals(person.riskLevel, p.riskLevel(), who + ": risk level kept on the participant");
    assertEquals(person.riskReason, p.riskReason(), who + ": risk reason kept on the participant");
    ReferralStats stats = run.scope.referrals().stats(ref);
    assertEquals(person.stats(), stats, who + ": stats");
  }

  private static void checkPerson(Run run, Model model, Person person) {
    String who = "p" + person.slot + " (participant " + person.id + ")";
    ParticipantRef ref = ParticipantRef.id(person.id);
    Participant p = run.scope.participants().get(ref);
    assertEquals(canonical(person.slot), p.sanitizedEmail(), who + ": sanitized email");
    // Before the model's balance, which is never negative: checked after it, this could never fail.
    assertTrue(p.pointsBalance() >= 0, who + ": a balance is never negative");
    assertEquals(person.balance, p.pointsBalance(), who + ": balance");
    assertEquals(person.riskLevel, p.riskLevel(), who + ": risk level kept on the participant");
    assertEquals(person.riskReason, p.riskReason(), who + ": risk reason kept on the participant");
    long ledger = 0;
    for (LedgerEntry e : Pages.all(page -> run.scope.points().history(ref, page), Keyset.MAX_LIMIT)) {
      ledger += e.signedAmount();
    }
    assertEquals(p.pointsBalance(), ledger, who + ": balance == sum of its ledger");

    Person referrer = person.referral == null ? null : model.byId.get(person.referral.referrerId());
    assertEquals(person.referral, run.scope.referrals().referral(ref).orElse(null), who + ": referral()");
    assertEquals(referrer == null ? null : referrer.id,
        run.scope.referrals().referrer(ref).map(Participant::id).orElse(null), who + ": referrer()");

    List<Long> chain = model.ancestors(person);
    List<Long> ancestors = run.scope.referrals().ancestors(ref, 50).stream().map(Participant::id).toList();
    assertEquals(chain, ancestors, who + ": ancestors(50), nearest first");
    assertEquals(ancestors.size(), new HashSet<>(ancestors).size(), who + ": no ancestor twice (a forest)");
    assertFalse(ancestors.contains(person.id), who + ": not its own ancestor (a forest)");
    assertEquals(chain.isEmpty() ? List.of() : chain.subList(0, 1),
        run.scope.referrals().ancestors(ref, 1).stream().map(Participant::id).toList(), who + ": ancestors(1)");

    List<Long> children = model.children(person);
    List<Long> referred = Pages.all(page -> run.scope.referrals().referred(ref, page), REFERRED_PAGE).stream()
        .map(Participant::id).toList();
    assertEquals(children, referred, who + ": referred(), every page of " + REFERRED_PAGE + ", in id order");

    ReferralStats stats = run.scope.referrals().stats(ref);
    assertEquals(person.stats(), stats, who + ": stats");
  }


  /** Runs {@code call} and asserts it throws a LoyaltyException with {@code code} (and {@code field} if not null). */
  private static void rejected(ErrorCode code, String field, java.util.function.Supplier<String> what,
      Runnable call) {
    try {
      call.run();
    } catch (LoyaltyException e) {
      assertEquals(code, e.code(), () -> what.get() + ": " + e);
      if (field != null) {
        assertEquals(field, e.field().orElse(null), () -> what.get() + ": the field named by " + e);
      }
      return;
    }
    fail(what.get() + ": expected " + code + " but the call succeeded");
  }

  // ==================================================================== system and model

  /**
   * One run's system under test: a fresh tenant of the engine with one campaign whose conversions award
   * {@code floor(orderValue x 1.5)} points. Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final long brandId;
    private final long campaignId;
    private ReferralSettings settings;

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Referral model run")).id());
      this.brandId = scope.brands().create(new NewBrand("Referral shop", "https://referrals.example.com")).id();
      Campaign campaign = scope.campaigns().create(NewCampaign.running(brandId, "Referrals"));
      // A second campaign of the brand, with no participants: the brand's stats are over both.
      scope.campaigns().create(NewCampaign.running(brandId, "Referrals, later"));
      this.campaignId = campaign.id();
      // A referrer reward no run can reach, so that a referral counts (or not) by its screening, and unlocks nothing.
      long goal = scope.rewards().define(campaignId,
          NewCampaignReward.message("Referrer goal", "Thank you", 1_000_000)).id();
      this.settings = ReferralSettings.defaults(campaignId).withConversionPoints(POINTS).withReferrerReward(goal)
          .withRiskActions(RiskAction.REVIEW, RiskAction.REJECT).withVelocity(VELOCITY_LIMIT, Duration.ofDays(7));
      assertEquals(settings, scope.referrals().configure(settings), "configure returns the settings");
      assertEquals(settings, scope.referrals().settings(campaignId), "settings are read back equal");
    }

    /** The tenant this run works in. */
    public TenantScope scope() {
      return scope;
    }

    /**
     * The person's codes, now: the legacy and short ones never change; the signed one is under the key that signs
     * (key 1, made now, if the tenant had none), the same code each time under one key. Remembered under its key.
     */
    private ReferralCodes codes(Model model, Person person) {
      ReferralCodes codes = scope.referrals().codes(ParticipantRef.id(person.id));
      String who = "p" + person.slot + "'s codes";
      if (person.codes == null) {
        assertEquals(person.id, codes.participantId(), "codes name their participant");
        person.codes = codes;
        model.shortCodes.add(codes.shortCode());
      } else {
        assertEquals(List.of(person.codes.participantId(), person.codes.legacy(), person.codes.shortCode()),
            List.of(codes.participantId(), codes.legacy(), codes.shortCode()),
            who + ": the legacy and short codes are stable (the short code is kept)");
      }
      if (model.keys.isEmpty()) {
        model.made(); // the tenant's first signed code makes key 1
      }
      int key = keyOf(codes.signed());
      assertEquals(model.signing(), key, who + ": the signed code is under the key that signs");
      String before = person.signed.putIfAbsent(key, codes.signed());
      if (before != null) {
        assertTrue(before.equals(codes.signed()), who + ": under one key, the same signed code each time");
      } else {
        model.issued.add(new Issued(codes.signed(), key, person.id, person.slot));
      }
      return codes;
    }

    @Override
    public String toString() {
      return "ReferralScenario.Run[tenant=" + scope.tenantId() + ", campaign=" + campaignId + "]";
    }
  }

  /** A participant as the model knows it. Not thread-safe. */
  private static final class Person {
    final int slot;
    final long id;
    /** The address of the signup that enrolled it (its first, kept for screening), by index, or -1 for none. */
    final int ip;
    Referral referral;
    RiskLevel riskLevel;
    String riskReason;
    long balance;
    long signups;
    long conversions;
    long reversals;
    BigDecimal revenue = BigDecimal.ZERO;
    ReferralCodes codes;
    /** The signed codes issued to the participant, by key number. */
    final TreeMap<Integer, String> signed = new TreeMap<>();

    Person(int slot, long id, int ip) {
      this.slot = slot;
      this.id = id;
      this.ip = ip;
    }

    ReferralStats stats() {
      return new ReferralStats(0, 0, 0, 0, signups, conversions, reversals, revenue);
    }
  }

  /**
   * A signed code issued in the run, with the key it names and its participant (deleted since, maybe).
   * {@link #toString()} hides the code, which names the participant.
   */
  private record Issued(String code, int keyId, long participantId, int slot) {
    @Override
    public String toString() {
      return "p" + slot + "'s signed code under key " + keyId;
    }
  }

  /** A tracked conversion as the model knows it. */
  private static final class Conv {
    final ConversionResult first;
    ReversalResult reversal;

    Conv(ConversionResult first) {
      this.first = first;
    }

    /** The conversion as it stands: as its reversal left it, else as first tracked. */
    Conversion now() {
      return reversal == null ? first.conversion() : reversal.conversion();
    }
  }

  /**
   * What the engine must agree with: who is enrolled in each slot, who referred whom, balances, stats counters and
   * conversions. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final Person[] enrolled = new Person[SLOTS];
    private final Map<Long, Person> byId = new HashMap<>();
    private final ReferralCodes[] deletedCodes = new ReferralCodes[SLOTS];
    /** The short codes of live participants: a deleted participant's short code may be given to another one. */
    private final Set<String> shortCodes = new HashSet<>();
    /** The tracked conversions by order id, in the order they were tracked. */
    private final Map<String, Conv> conversions = new LinkedHashMap<>();
    /** What the campaign does with a MEDIUM-risk referral now. */
    private RiskAction onMedium = RiskAction.REVIEW;
    /** What the campaign does with a HIGH-risk referral now. */
    private RiskAction onHigh = RiskAction.REJECT;
    private final Set<Integer> touched = new HashSet<>();
    /** The order id the step converted or reversed, if any. */
    private String touchedOrder;
    /** The tenant's kept signing keys (the highest signs), with createdAt once a listing showed it. */
    private final TreeMap<Integer, Instant> keys = new TreeMap<>();
    private final TreeSet<Integer> retired = new TreeSet<>();
    /** The highest key number made: numbers are never used again, a retired one's included. */
    private int made;
    /** Every signed code issued in the run, in order. */
    private final List<Issued> issued = new ArrayList<>();
    private int steps;

    Model() {
    }

    private Person enrol(int slot, long id, int ip) {
      Person p = new Person(slot, id, ip);
      enrolled[slot] = p;
      byId.put(id, p);
      return p;
    }

    /** Makes the next key number, which signs from now on. */
    private int made() {
      made++;
      keys.put(made, null);
      return made;
    }

    /** The key that signs new codes: the highest kept. */
    private int signing() {
      return keys.lastKey();
    }

    /** Whether the code's key was retired, so that it no longer verifies. */
    private boolean retiredKey(String code) {
      return retired.contains(keyOf(code));
    }

    /** The referrers of {@code person}, nearest first. */
    List<Long> ancestors(Person person) {
      List<Long> chain = new ArrayList<>();
      for (Referral r = person.referral; r != null; r = byId.get(r.referrerId()).referral) {
        chain.add(r.referrerId());
        if (chain.size() > SLOTS) {
          throw new AssertionError("the model holds a cycle: " + chain);
        }
      }
      return chain;
    }

    /** The participants {@code person} referred, in id order. */
    List<Long> children(Person person) {
      TreeSet<Long> ids = new TreeSet<>();
      for (Person p : byId.values()) {
        if (p.referral != null && p.referral.referrerId() == person.id) {
          ids.add(p.id);
        }
      }
      return List.copyOf(ids);
    }

    @Override
    public String toString() {
      StringBuilder out = new StringBuilder("ReferralScenario.Model[");
      for (Person p : enrolled) {
        if (p != null) {
          out.append(" p").append(p.slot).append('=').append(p.id)
              .append(p.referral == null ? "" : "<-" + p.referral.referrerId());
        }
      }
      return out.append(" keys=").append(keys.keySet()).append(" retired=").append(retired).append(" onMedium=")
          .append(onMedium).append(" onHigh=").append(onHigh).append(" ]").toString();
    }
  }

  // ==================================================================== operations

  /** One step of the scenario. Immutable and thread-safe; people are named by slot. */
  public sealed interface Op permits Join, Refer, Delete, Convert, Reverse, Spend, Configure, Rotate, Retire, Decode,
      ListKeys {
    /** Applies the step to the run and the model, asserting that they agree. */
    void apply(Run run, Model model, Consumer<String> outcomes);
  }

  /**
   * A basic signup, without a code. Immutable and thread-safe.
   *
   * @param slot the person
   * @param email the email they sign up with (an alias of the person's)
   * @param ip the address it comes from: -1 for none, else {@link #ADDRESSES}' {@code ip / 2}, spelt its
   *     {@code ip % 2}
   */
  public record Join(int slot, String email, int ip) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      model.touched.add(slot);
      boolean created = model.enrolled[slot] == null;
      SignupResult result = run.scope.referrals().signup(run.campaignId, Signup.of(NewParticipant.withEmail(email)
          .withIpAddress(ip < 0 ? null : ADDRESSES.get(ip / 2).get(ip % 2))));
      assertEquals(created, result.created(), () -> this + ": created only if not enrolled");
      assertEquals(ReferralOutcome.NONE, result.outcome(), () -> this + ": no code, no referral");
      assertNull(result.referral(), () -> this + ": no referral");
      assertEquals(List.of(), result.unlocked(), () -> this + ": nothing unlocked");
      Person p = created ? model.enrol(slot, result.participant().id(), ip < 0 ? -1 : ip / 2)
          : model.enrolled[slot];
      assertEquals(p.id, result.participant().id(), () -> this + ": the slot's participant");
      outcomes.accept(BASIC_SIGNUP);
    }

    @Override
    public String toString() {
      return "join p" + slot + " as " + email.strip() + (ip < 0 ? "" : " from address " + ip / 2);
    }
  }

  /**
   * A referral signup. Immutable and thread-safe.
   *
   * @param invitee the person signing up
   * @param email the email they sign up with (an alias of the person's)
   * @param referrer the person whose code they use
   * @param kind which of the referrer's codes
   * @param older for a signed code, -1 for the current one, else a pick among the signed codes issued to the
   *     referrer so far (one per key, retired keys' too)
   * @param ip the address the signup comes from: -1 for none, {@link #REFERRERS_IP} for the referrer's own (in its
   *     other spelling; none if it had none), else {@link #ADDRESSES}' {@code ip / 2}, spelt its {@code ip % 2}
   */
  public record Refer(int invitee, String email, int referrer, CodeKind kind, int older, int ip) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      model.touched.add(invitee);
      model.touched.add(referrer);
      Person by = model.enrolled[referrer];
      Signup signup;
      if (by == null) {
        if (model.deletedCodes[referrer] == null) {
          return; // nobody has held this slot's codes yet
        }
        String stale = code(model.deletedCodes[referrer], kind);
        if (model.shortCodes.contains(stale)) {
          return; // the short code was given to a participant enrolled since: it is theirs now
        }
        rejected(ErrorCode.VALIDATION_ERROR, "code", () -> this + ": a code of a deleted participant",
            () -> run.scope.referrals().signup(run.campaignId,
                Signup.referred(NewParticipant.withEmail(email), stale)));
        outcomes.accept(REFUSED_CODE);
        return;
      }
      String code = pickCode(run, model, by, kind, older);
      if (kind == CodeKind.SIGNED && model.retiredKey(code)) {
        rejected(ErrorCode.VALIDATION_ERROR, "code", () -> this + ": a code under retired key " + keyOf(code)
            + " in " + model, () -> run.scope.referrals().signup(run.campaignId,
                Signup.referred(NewParticipant.withEmail(email), code)));
        outcomes.accept(SIGNUP_RETIRED_REFUSED);
        return;
      }
      if (kind == CodeKind.SIGNED && keyOf(code) < model.signing()) {
        outcomes.accept(SIGNUP_OLDER_KEY);
      }
      int address = ip == REFERRERS_IP ? by.ip : ip < 0 ? -1 : ip / 2;
      String written = address < 0 ? null : ADDRESSES.get(address).get(ip == REFERRERS_IP ? 1 : ip % 2);
      signup = Signup.referred(NewParticipant.withEmail(email).withIpAddress(written), code);
      Person before = model.enrolled[invitee];
      boolean created = before == null;
      // The velocity rule counts the campaign's earlier signups from the address: each live participant's first.
      long fromAddress = address < 0 ? 0 : model.byId.values().stream().filter(q -> q.ip == address).count();
      SignupResult result = run.scope.referrals().signup(run.campaignId, signup);
      assertEquals(created, result.created(), () -> this + ": created only if not enrolled");
      assertEquals(Generators.sanitize(email), result.participant().sanitizedEmail(), () -> this + ": the invitee");
      assertEquals(List.of(), result.unlocked(), () -> this + ": nothing unlocked without a referrer reward");
      Person p = created ? model.enrol(invitee, result.participant().id(), address) : before;
      assertEquals(p.id, result.participant().id(), () -> this + ": the slot's participant");
      ReferralOutcome expected;
      if (p == by) {
        expected = ReferralOutcome.SELF_REFERRAL;
      } else if (p.referral != null) {
        expected = ReferralOutcome.ALREADY_REFERRED;
      } else if (model.ancestors(by).contains(p.id)) {
        expected = ReferralOutcome.CYCLE;
      } else {
        expected = ReferralOutcome.REFERRED;
      }
      assertEquals(expected, result.outcome(), () -> this + " in " + model);
      switch (expected) {
        case SELF_REFERRAL -> {
          assertNull(result.referral(), () -> this + ": nothing recorded");
          outcomes.accept(SELF_REFERRAL);
        }
        case ALREADY_REFERRED -> {
          assertEquals(p.referral, result.referral(), () -> this + ": the existing referral, never overwritten");
          outcomes.accept(ALREADY_REFERRED);
        }
        case CYCLE -> {
          assertNull(result.referral(), () -> this + ": nothing recorded");
          outcomes.accept(CYCLE);
        }
        case REFERRED -> {
          boolean taggedSelf = Math.min(invitee, referrer) == DAN && Math.max(invitee, referrer) == DAN_TAGGED;
          // FraudScreening's order: the first HIGH signal, else the referrer's address (MEDIUM), else LOW.
          RiskSignal risk = taggedSelf
              ? RiskSignal.of(RiskLevel.HIGH, "SELF_REFERRAL_EMAIL")
              : !created ? RiskSignal.of(RiskLevel.HIGH, "DUPLICATE_IDENTITY")
              : address >= 0 && fromAddress >= VELOCITY_LIMIT ? RiskSignal.of(RiskLevel.HIGH, "VELOCITY_IP")
              : address >= 0 && address == by.ip ? RiskSignal.of(RiskLevel.MEDIUM, "SELF_REFERRAL_IP")
              : RiskSignal.of(RiskLevel.LOW, RiskSignal.NO_SIGNAL);
          Referral r = result.referral();
          assertNotNull(r, () -> this + ": the referral recorded");
          assertEquals(List.of(run.scope.tenantId(), run.campaignId, p.id, by.id),
              List.of(r.tenantId(), r.campaignId(), r.invitedId(), r.referrerId()), () -> this + ": who referred whom");
          assertEquals(kind, r.codeKind(), () -> this + ": the kind of code used");
          assertEquals(risk.level(), r.riskLevel(), () -> this + ": risk level");
          assertEquals(risk.reason(), r.riskReason(), () -> this + ": risk reason");
          // LOW counts (toward a goal no run reaches); MEDIUM and HIGH do what the campaign's action says now.
          RiskAction action = risk.level() == RiskLevel.LOW ? RiskAction.COUNT
              : risk.level() == RiskLevel.MEDIUM ? model.onMedium : model.onHigh;
          ReferralStatus status = switch (action) {
            case COUNT -> ReferralStatus.COUNTED;
            case REVIEW -> ReferralStatus.IN_REVIEW;
            case REJECT -> ReferralStatus.REJECTED;
          };
          assertEquals(status, r.status(), () -> this + ": the status its risk level's action gives, in " + model);
          assertNotNull(r.createdAt(), () -> this + ": createdAt");
          if (risk.level() == RiskLevel.HIGH) {
            outcomes.accept(status == ReferralStatus.REJECTED ? HIGH_RISK_REJECTED : HIGH_RISK_IN_REVIEW);
          } else if (risk.level() == RiskLevel.MEDIUM) {
            outcomes.accept(MEDIUM_RISK);
            if (status == ReferralStatus.IN_REVIEW) {
              outcomes.accept(MEDIUM_RISK_IN_REVIEW);
            }
          }
          if (risk.reason().equals("VELOCITY_IP")) {
            outcomes.accept(VELOCITY);
          }
          p.referral = r;
          p.riskLevel = risk.level();
          p.riskReason = risk.reason();
          by.signups++;
          Set<ReferralStatus> held = new HashSet<>();
          model.byId.values().stream().filter(q -> q.referral != null).forEach(q -> held.add(q.referral.status()));
          if (held.contains(ReferralStatus.IN_REVIEW) && held.contains(ReferralStatus.REJECTED)) {
            outcomes.accept(REVIEWED_AND_REJECTED);
          }
          outcomes.accept(taggedSelf ? REFERRED_TAGGED_SELF
              : created ? REFERRED_NEW : REFERRED_EXISTING);
        }
        default -> throw new AssertionError(expected);
      }
      assertEquals(p.riskLevel, result.participant().riskLevel(), () -> this + ": the participant's risk level");
      assertEquals(p.riskReason, result.participant().riskReason(), () -> this + ": the participant's risk reason");
    }

    @Override
    public String toString() {
      return "signup p" + invitee + " as " + email.strip() + " with p" + referrer + "'s " + kind + " code"
          + (older < 0 ? "" : " (earlier one, pick " + older + ")")
          + (ip < 0 ? "" : ip == REFERRERS_IP ? " from the referrer's address" : " from address " + ip / 2);
    }
  }

  /**
   * Deletes the person's participant (NOT_FOUND if not enrolled). Immutable and thread-safe.
   *
   * @param slot the person
   */
  public record Delete(int slot) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      model.touched.add(slot);
      Person p = model.enrolled[slot];
      if (p == null) {
        rejected(ErrorCode.NOT_FOUND, null, () -> this + ": not enrolled",
            () -> run.scope.participants().delete(ParticipantRef.email(run.campaignId, canonical(slot))));
        return;
      }
      model.deletedCodes[slot] = run.codes(model, p);
      model.shortCodes.remove(model.deletedCodes[slot].shortCode());
      run.scope.participants().delete(ParticipantRef.id(p.id));
      model.enrolled[slot] = null;
      model.byId.remove(p.id);
      for (Person other : model.byId.values()) {
        if (other.referral != null && other.referral.referrerId() == p.id) {
          other.referral = null; // its referrals go with it; the invitees keep their screening
          model.touched.add(other.slot);
        }
      }
      outcomes.accept(DELETED);
    }

    @Override
    public String toString() {
      return "delete p" + slot;
    }
  }

  /**
   * Tracks a conversion with the person's code. Immutable and thread-safe.
   *
   * @param slot the person whose code converted
   * @param kind which of their codes
   * @param older for a signed code, -1 for the current one, else a pick among the signed codes issued to the
   *     person so far (one per key, retired keys' too)
   * @param orderId the order id (drawn from a small pool, so that it repeats)
   * @param value the order value
   * @param buyer the slot of the person the order names as its buyer, or -1 for none
   * @param buyerEmail that person's email (an alias of its mailbox), or null
   */
  public record Convert(int slot, CodeKind kind, int older, String orderId, BigDecimal value, int buyer,
      String buyerEmail) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      model.touched.add(slot);
      model.touchedOrder = orderId;
      Person by = model.enrolled[slot];
      Conv known = model.conversions.get(orderId);
      if (by == null && model.deletedCodes[slot] == null) {
        return; // nobody has held this slot's codes yet
      }
      String code = by == null ? code(model.deletedCodes[slot], kind) : pickCode(run, model, by, kind, older);
      if (by == null && model.shortCodes.contains(code)) {
        return; // the short code was given to a participant enrolled since: it is theirs now
      }
      if (by != null && kind == CodeKind.SIGNED && model.retiredKey(code) && known == null) {
        rejected(ErrorCode.VALIDATION_ERROR, "code", () -> this + ": a code under retired key " + keyOf(code)
            + " in " + model,
            () -> run.scope.referrals().convert(run.campaignId, conversion(code)));
        outcomes.accept(CONVERT_RETIRED_REFUSED);
        return;
      }
      if (by == null && known == null) {
        rejected(ErrorCode.VALIDATION_ERROR, "code", () -> this + ": a code of a deleted participant",
            () -> run.scope.referrals().convert(run.campaignId, conversion(code)));
        outcomes.accept(REFUSED_CODE);
        return;
      }
      // A tracked order id is answered with its first conversion whatever the code, even a deleted participant's.
      ConversionResult result = run.scope.referrals().convert(run.campaignId, conversion(code));
      if (known != null) {
        Conversion first = known.first.conversion();
        Conversion now = result.conversion();
        assertTrue(result.replayed(), () -> this + ": a repeated order id is replayed");
        assertEquals(List.of(first.id(), first.referrerId(), first.points()),
            List.of(now.id(), now.referrerId(), now.points()), () -> this + ": the first conversion");
        assertEquals(0, first.orderValue().compareTo(now.orderValue()), () -> this + ": the first order value");
        assertEquals(known.first.pointsAwarded(), result.pointsAwarded(), () -> this + ": the first result");
        Person first0 = model.byId.get(first.referrerId());
        if (first0 != null) {
          model.touched.add(first0.slot);
        }
        outcomes.accept(CONVERSION_REPLAYED);
        return;
      }
      Conversion c = result.conversion();
      // The decoded referrer is the slot's person (a deleted one's code was refused above): its own mailbox buying
      // is a self-referral, recorded with no points and no stats.
      if (buyer >= 0 && sameMailbox(buyer, slot)) {
        assertFalse(result.replayed(), () -> this + ": a new order id is not a replay");
        assertEquals(List.of(ConversionStatus.REJECTED, 0L, 0L, by.id), List.of(c.status(), c.points(),
            result.pointsAwarded(), c.referrerId()), () -> this + ": rejected, no points, the slot's person");
        model.conversions.put(orderId, new Conv(result));
        outcomes.accept(CONVERSION_SELF_REFERRAL);
        return;
      }
      long points = POINTS.pointsFor(value);
      assertFalse(result.replayed(), () -> this + ": a new order id is not a replay");
      assertEquals(points, result.pointsAwarded(), () -> this + ": floor(value x 1.5) points");
      assertEquals(List.of(run.scope.tenantId(), run.campaignId, by.id, points, 0L),
          List.of(c.tenantId(), c.campaignId(), c.referrerId(), c.points(), c.pointsReversed()),
          () -> this + ": the conversion (tenant, campaign, referrer, points, points reversed)");
      assertEquals(orderId, c.orderId(), () -> this + ": order id");
      assertEquals(0, value.compareTo(c.orderValue()), () -> this + ": order value");
      assertEquals(ConversionStatus.CONVERTED, c.status(), () -> this + ": status");
      assertNull(c.reversedAt(), () -> this + ": not reversed");
      by.balance += points;
      by.conversions++;
      by.revenue = by.revenue.add(value);
      model.conversions.put(orderId, new Conv(result));
      outcomes.accept(CONVERTED);
    }

    private NewConversion conversion(String code) {
      NewConversion conversion = new NewConversion(code, orderId, value);
      return buyer < 0 ? conversion : conversion.withBuyerEmail(buyerEmail);
    }

    @Override
    public String toString() {
      return "convert " + orderId + " worth " + value.toPlainString() + " with p" + slot + "'s " + kind + " code"
          + (older < 0 ? "" : " (earlier one, pick " + older + ")") + (buyer < 0 ? "" : ", bought by p" + buyer);
    }
  }

  /**
   * Reverses the conversion of an order id (NOT_FOUND if never tracked). Immutable and thread-safe.
   *
   * @param orderId the order id
   */
  public record Reverse(String orderId) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      model.touchedOrder = orderId;
      Conv known = model.conversions.get(orderId);
      if (known == null) {
        rejected(ErrorCode.NOT_FOUND, null, () -> this + ": never converted",
            () -> run.scope.referrals().reverse(run.campaignId, orderId));
        return;
      }
      Conversion c = known.first.conversion();
      Person referrer = model.byId.get(c.referrerId());
      if (referrer != null) {
        model.touched.add(referrer.slot);
      }
      ReversalResult result = run.scope.referrals().reverse(run.campaignId, orderId);
      if (c.status() == ConversionStatus.REJECTED) {
        assertEquals(new ReversalResult(c, 0, 0, true), result,
            () -> this + ": a rejected order has nothing to take back");
        outcomes.accept(REVERSAL_OF_REJECTED);
        return;
      }
      assertEquals(c.id(), result.conversion().id(), () -> this + ": the conversion");
      assertEquals(ConversionStatus.REVERSED, result.conversion().status(), () -> this + ": now REVERSED");
      assertNotNull(result.conversion().reversedAt(), () -> this + ": reversedAt");
      if (known.reversal != null) {
        assertTrue(result.replayed(), () -> this + ": reversing again is replayed");
        assertEquals(known.reversal.pointsReversed(), result.pointsReversed(), () -> this + ": the first reversal");
        assertEquals(known.reversal.shortfall(), result.shortfall(), () -> this + ": the first shortfall");
        outcomes.accept(REVERSAL_REPLAYED);
        return;
      }
      // Never below a zero balance; a deleted referrer has nothing left to take back.
      long taken = referrer == null ? 0 : Math.min(c.points(), referrer.balance);
      assertFalse(result.replayed(), () -> this + ": a first reversal is not a replay");
      assertEquals(taken, result.pointsReversed(), () -> this + ": points taken back, as far as the balance allows");
      assertEquals(c.points() - taken, result.shortfall(), () -> this + ": shortfall == points - taken back");
      assertEquals(taken, result.conversion().pointsReversed(), () -> this + ": the conversion's points reversed");
      if (referrer != null) {
        referrer.balance -= taken;
        referrer.reversals++;
        referrer.revenue = referrer.revenue.subtract(c.orderValue());
      }
      known.reversal = result;
      outcomes.accept(referrer == null ? REVERSED_AFTER_DELETION
          : taken < c.points() ? REVERSED_WITH_SHORTFALL : REVERSED_IN_FULL);
    }

    @Override
    public String toString() {
      return "reverse " + orderId;
    }
  }

  /**
   * The person spends a share of their balance (INSUFFICIENT_POINTS for one point of an empty balance). Immutable
   * and thread-safe.
   *
   * @param slot the person
   * @param percent the share, 1..100
   */
  public record Spend(int slot, int percent) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      model.touched.add(slot);
      Person p = model.enrolled[slot];
      if (p == null) {
        return;
      }
      ParticipantRef ref = ParticipantRef.id(p.id);
      if (p.balance == 0) {
        rejected(ErrorCode.INSUFFICIENT_POINTS, null, () -> this + ": an empty balance",
            () -> run.scope.points().deduct(ref, PointsChange.of(1, "redemption")));
        return;
      }
      long amount = Math.max(1, p.balance * percent / 100);
      PointsResult result = run.scope.points().deduct(ref, PointsChange.of(amount, "redemption"));
      p.balance -= amount;
      assertEquals(p.balance, result.balance(), () -> this + ": the balance after");
      outcomes.accept(SPENT);
    }

    @Override
    public String toString() {
      return "p" + slot + " spends " + percent + "% of the balance";
    }
  }

  /**
   * Sets what the campaign does with a MEDIUM-risk referral (COUNT, REVIEW or REJECT) and with a HIGH-risk one
   * (REVIEW or REJECT): the referrals recorded from now on get their status, those recorded before keep theirs.
   * Immutable and thread-safe.
   *
   * @param onMedium the action on MEDIUM risk
   * @param onHigh the action on HIGH risk
   */
  public record Configure(RiskAction onMedium, RiskAction onHigh) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      ReferralSettings settings = run.settings.withRiskActions(onMedium, onHigh);
      assertEquals(settings, run.scope.referrals().configure(settings), () -> this + ": configure returns them");
      run.settings = settings;
      model.onMedium = onMedium;
      model.onHigh = onHigh;
      outcomes.accept(RISK_ACTION_CHANGED);
    }

    @Override
    public String toString() {
      return onMedium + " on MEDIUM risk, " + onHigh + " on HIGH risk";
    }
  }

  /** Which key number a {@link Retire} names, resolved against the model when it runs. Immutable and thread-safe. */
  public enum KeyTarget {
    /** A kept key other than the signing one (else, if there is none, a number never made). */
    KEPT,
    /** A key retired before (else a number never made). */
    RETIRED,
    /** The key that signs (key 1 while the tenant has none, a number never made then). */
    SIGNING,
    /** A number above every key made, {@code Integer.MAX_VALUE} included. */
    UNKNOWN,
    /** 0, a negative number or {@code Integer.MIN_VALUE}. */
    BELOW_ONE
  }

  /**
   * Starts a new signing key: the next number, never one used before; CONFLICT on {@code signingKeys} when the
   * tenant keeps {@link Referrals#MAX_SIGNING_KEYS} already, changing nothing. Immutable and thread-safe.
   */
  public record Rotate() implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      if (model.keys.size() >= Referrals.MAX_SIGNING_KEYS) {
        rejected(ErrorCode.CONFLICT, "signingKeys", () -> this + ": past the bound in " + model,
            () -> run.scope.referrals().rotateSigningKey());
        outcomes.accept(ROTATION_REFUSED);
      } else {
        int key = run.scope.referrals().rotateSigningKey();
        assertEquals(model.made + 1, key, () -> this + ": the next number, never a retired one's, in " + model);
        model.made();
        outcomes.accept(ROTATED);
      }
      checkKeys(run, model, this.toString());
    }

    @Override
    public String toString() {
      return "rotate the signing key";
    }
  }

  /**
   * Retires a key number chosen by {@code target} (a pick among the candidates): a kept key is deleted, its codes
   * refused at once; a retired one again succeeds and changes nothing; the signing key is CONFLICT on {@code keyId},
   * a number never made NOT_FOUND, one below 1 VALIDATION_ERROR on {@code keyId}, each changing nothing. Right
   * after a retirement, a code issued under the key is refused by decode and one under a kept older key still
   * verifies. Immutable and thread-safe.
   *
   * @param target which kind of key number
   * @param pick which of the candidates
   */
  public record Retire(KeyTarget target, int pick) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      List<Integer> older = model.keys.isEmpty() ? List.of()
          : List.copyOf(model.keys.headMap(model.signing()).keySet());
      List<Integer> retired = List.copyOf(model.retired);
      int keyId = switch (target) {
        case KEPT -> older.isEmpty() ? model.made + 1 : older.get(pick % older.size());
        case RETIRED -> retired.isEmpty() ? model.made + 1 : retired.get(pick % retired.size());
        case SIGNING -> model.keys.isEmpty() ? 1 : model.signing();
        case UNKNOWN -> pick % 10 == 0 ? Integer.MAX_VALUE : model.made + 1 + pick % 3;
        case BELOW_ONE -> pick % 4 == 0 ? Integer.MIN_VALUE : -(pick % 3);
      };
      String what = this + ": key " + keyId + " in " + model;
      Runnable retire = () -> run.scope.referrals().retireSigningKey(keyId);
      if (keyId < 1) {
        rejected(ErrorCode.VALIDATION_ERROR, "keyId", () -> what, retire);
        outcomes.accept(RETIRING_BELOW_ONE_REFUSED);
      } else if (keyId > model.made) {
        rejected(ErrorCode.NOT_FOUND, null, () -> what, retire);
        outcomes.accept(RETIRING_UNKNOWN_REFUSED);
      } else if (keyId == model.signing()) {
        rejected(ErrorCode.CONFLICT, "keyId", () -> what, retire);
        outcomes.accept(RETIRING_SIGNING_REFUSED);
      } else if (model.keys.containsKey(keyId)) {
        retire.run();
        model.keys.remove(keyId);
        model.retired.add(keyId);
        outcomes.accept(KEY_RETIRED);
        // At once on this instance: a code under the key is refused, one under a kept older key still verifies.
        model.issued.stream().filter(c -> c.keyId == keyId).findFirst()
            .ifPresent(c -> {
              rejected(ErrorCode.VALIDATION_ERROR, "code", () -> what + ": " + c + " decoded",
                  () -> run.scope.referrals().decode(run.campaignId, c.code));
              outcomes.accept(DECODE_RETIRED_REFUSED);
            });
        model.issued.stream().filter(c -> model.keys.containsKey(c.keyId) && c.keyId < model.signing()
                && model.byId.containsKey(c.participantId)).findFirst()
            .ifPresent(c -> assertEquals(decoded(run, c), run.scope.referrals().decode(run.campaignId, c.code),
                () -> what + ": " + c + " still verifies"));
      } else {
        retire.run(); // idempotent: retired before, and gone
        outcomes.accept(KEY_RETIRED_AGAIN);
      }
      checkKeys(run, model, what);
    }

    @Override
    public String toString() {
      return "retire a " + target + " key (pick " + pick + ")";
    }
  }

  /**
   * Decodes one of the signed codes issued in the run (a pick among them, an even one among those under retired
   * keys if any): refused (VALIDATION_ERROR on
   * {@code code}) if its key was retired or its participant deleted, else it names its participant. Immutable and
   * thread-safe.
   *
   * @param pick which of the codes issued so far
   */
  public record Decode(int pick) implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      if (model.issued.isEmpty()) {
        return; // no signed code issued yet
      }
      Issued c = pickRetiredOrAny(model.issued, model, pick, Issued::code);
      String what = this + ": " + c + " in " + model;
      if (model.retired.contains(c.keyId)) {
        rejected(ErrorCode.VALIDATION_ERROR, "code", () -> what,
            () -> run.scope.referrals().decode(run.campaignId, c.code));
        outcomes.accept(DECODE_RETIRED_REFUSED);
      } else if (!model.byId.containsKey(c.participantId)) {
        rejected(ErrorCode.VALIDATION_ERROR, "code", () -> what + " (participant deleted)",
            () -> run.scope.referrals().decode(run.campaignId, c.code));
        outcomes.accept(REFUSED_CODE);
      } else {
        assertEquals(decoded(run, c), run.scope.referrals().decode(run.campaignId, c.code), () -> what);
        outcomes.accept(c.keyId < model.signing() ? DECODED_OLDER_KEY : DECODED_SIGNING_KEY);
      }
    }

    @Override
    public String toString() {
      return "decode a signed code issued before (pick " + pick + ")";
    }
  }

  /** Lists the signing keys: those the model keeps, the signing one first. Immutable and thread-safe. */
  public record ListKeys() implements Op {
    @Override
    public void apply(Run run, Model model, Consumer<String> outcomes) {
      checkKeys(run, model, this.toString());
      outcomes.accept(KEYS_LISTED);
    }

    @Override
    public String toString() {
      return "list the signing keys";
    }
  }
}
