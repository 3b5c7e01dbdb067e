package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.fraud.FraudRules;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionResult;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReversalResult;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.referrals.TrackResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Referrals under contention, through the public API of the engines a subclass opens on one database (calls are
 * spread over them in turn, all released together behind a latch): a participant gets exactly one referrer however
 * many signups race with different codes, an order id converts once and reverses once, and concurrent signups
 * never close a cycle.
 *
 * <p>Not thread-safe: JUnit creates an instance per test; the engines are.
 */
abstract class ReferralConcurrencyTestBase {
  private static final int REFERRERS = 50;
  private static final long CONVERSION_POINTS = 25;
  /** Orders raced one after another: a loser's answer goes wrong only in some interleavings. */
  private static final int ORDER_ROUNDS = 5;

  private List<LoyaltyEngine> engines;
  private final List<TenantScope> scopes = new ArrayList<>();
  private long campaign;
  private final List<Participant> referrers = new ArrayList<>();
  private final List<String> codes = new ArrayList<>();

  /** Opens the engines under test on one fresh database; each must dispatch events only when asked. */
  protected abstract List<LoyaltyEngine> openEngines();

  /** Threads running calls at once, spread over the engines. */
  protected abstract int threads();

  /** Rounds of each cycle race. */
  protected abstract int cycleRounds();

  /** Releases the database after the engines are closed. */
  protected abstract void closeDatabase();

  @BeforeEach
  final void setUp() {
    engines = openEngines();
    long tenant = engines.get(0).tenants().create(NewTenant.business("Referral races")).id();
    for (LoyaltyEngine engine : engines) {
      scopes.add(engine.forTenant(tenant));
    }
    TenantScope first = scopes.get(0);
    long brand = first.brands().create(new NewBrand("Races", "https://races.example.com")).id();
    campaign = first.campaigns().create(NewCampaign.running(brand, "Races")).id();
    first.referrals().configure(ReferralSettings.defaults(campaign)
        .withConversionPoints(ConversionPoints.fixed(CONVERSION_POINTS)));
    for (int i = 0; i < REFERRERS; i++) {
      Participant p = first.participants().create(campaign, NewParticipant.withEmail("referrer" + i + "@example.com"));
      referrers.add(p);
      ReferralCodes c = first.referrals().codes(ParticipantRef.id(p.id()));
      codes.add(switch (i % 3) {
        case 0 -> c.signed();
        case 1 -> c.shortCode();
        default -> c.legacy();
      });
    }
  }

  @AfterEach
  final void tearDown() {
    try {
      engines.forEach(LoyaltyEngine::close);
    } finally {
      closeDatabase();
    }
  }

  @Test
  void fiftySignupsOfOneNewEmailWithFiftyCodesRecordExactlyOneReferrer() throws Exception {
    List<SignupResult> results = runTogether(REFERRERS, (scope, i) -> scope.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail("Invitee@Example.com"), codes.get(i))));
    Referral referral = assertOneReferral(results, "invitee@example.com");
    assertEquals(1, results.stream().filter(SignupResult::created).count(), "enrolled once");
    assertEquals(RiskLevel.LOW, referral.riskLevel());
    assertEquals(REFERRERS + 1L, participants(), "one participant more");
  }

  @Test
  void signupsFromOneAddressAtOnceCountEachOtherForTheVelocityRule() throws Exception {
    scopes.get(0).referrals().configure(ReferralSettings.defaults(campaign)
        .withConversionPoints(ConversionPoints.fixed(CONVERSION_POINTS)).withVelocity(2, Duration.ofHours(1)));
    int signups = 24;
    List<SignupResult> results = runTogether(signups, (scope, i) -> scope.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail("bot" + i + "@example.com").withIpAddress("203.0.113.7"),
            codes.get(i % REFERRERS))));
    // Whatever the interleaving, the third and later signups of the address count at least two before them.
    List<String> reasons = results.stream().map(r -> r.referral().riskReason()).toList();
    assertEquals(signups - 2, reasons.stream().filter(FraudRules.VELOCITY_IP::equals).count(), reasons.toString());
  }

  @Test
  void signupsFromOneAddressWrittenThreeWaysAtOnceCountEachOtherForTheVelocityRule() throws Exception {
    scopes.get(0).referrals().configure(ReferralSettings.defaults(campaign)
        .withConversionPoints(ConversionPoints.fixed(CONVERSION_POINTS)).withVelocity(2, Duration.ofHours(1)));
    List<String> spellings = List.of("203.0.113.9", "::FFFF:203.0.113.9", "0:0:0:0:0:ffff:cb00:7109");
    int signups = 24;
    List<SignupResult> results = runTogether(signups, (scope, i) -> scope.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail("bot" + i + "@example.com").withIpAddress(spellings.get(i % 3)),
            codes.get(i % REFERRERS))));
    // One address however written: the third and later signups of it count at least two before them.
    List<String> reasons = results.stream().map(r -> r.referral().riskReason()).toList();
    assertEquals(signups - 2, reasons.stream().filter(FraudRules.VELOCITY_IP::equals).count(), reasons.toString());
  }

  @Test
  void fiftySignupsOfOneExistingParticipantWithFiftyCodesRecordExactlyOneReferrer() throws Exception {
    scopes.get(0).participants().create(campaign, NewParticipant.withEmail("known@example.com"));
    List<SignupResult> results = runTogether(REFERRERS, (scope, i) -> scope.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail("known@example.com"), codes.get(i))));
    Referral referral = assertOneReferral(results, "known@example.com");
    assertTrue(results.stream().noneMatch(SignupResult::created), "enrolled before");
    assertEquals(RiskLevel.HIGH, referral.riskLevel());
    assertEquals("DUPLICATE_IDENTITY", referral.riskReason());
    assertEquals(REFERRERS + 1L, participants());
  }

  @Test
  void twentyConversionsOfAnOrderAwardOnceAndTenReversalsTakeBackOnceAndAllAnswerAlike() throws Exception {
    for (int round = 0; round < ORDER_ROUNDS; round++) {
      String order = "order-" + round;
      int offset = round;
      List<ConversionResult> converted = runTogether(20, (scope, i) -> scope.referrals().convert(campaign,
          new NewConversion(codes.get((i + offset) % REFERRERS), order, new BigDecimal("99.95"))));
      String where = order + ": ";
      assertEquals(1, converted.stream().filter(r -> !r.replayed()).count(), where + "one conversion");
      assertEquals(19, converted.stream().filter(ConversionResult::replayed).count(), where + "19 replayed");
      assertEquals(1, converted.stream().map(r -> r.conversion().id()).distinct().count(), where + "one id");
      long referrer = converted.get(0).conversion().referrerId();
      for (ConversionResult r : converted) {
        assertEquals(referrer, r.conversion().referrerId(), where + "one referrer");
        assertEquals(CONVERSION_POINTS, r.pointsAwarded(), where + "the first result");
      }
      assertEquals(CONVERSION_POINTS, totalBalance(), where + "points awarded once, to the winner's referrer");
      assertEquals(CONVERSION_POINTS, balance(referrer));
      assertEquals(2L * round + 1, ledgerEntries(), where + "one ledger entry more");

      List<ReversalResult> reversed = runTogether(10, (scope, i) -> scope.referrals().reverse(campaign, order));
      assertEquals(1, reversed.stream().filter(r -> !r.replayed()).count(), where + "reversed once");
      for (ReversalResult r : reversed) {
        assertEquals(converted.get(0).conversion().id(), r.conversion().id(), where + "the conversion");
        assertEquals(ConversionStatus.REVERSED, r.conversion().status(), where + "every answer sees it REVERSED");
        assertEquals(CONVERSION_POINTS, r.pointsReversed(), where + "every answer is the one reversal");
        assertEquals(0, r.shortfall(), where + "no shortfall");
      }
      assertEquals(0, totalBalance(), where + "the balance is back");
      assertEquals(2L * round + 2, ledgerEntries(), where + "the award and one deduction");
    }
    long conversions = 0;
    long reversals = 0;
    for (Participant p : referrers) {
      ReferralStats stats = scopes.get(0).referrals().stats(ParticipantRef.id(p.id()));
      conversions += stats.conversions();
      reversals += stats.reversals();
    }
    assertEquals(ORDER_ROUNDS, conversions, "each order counted once");
    assertEquals(ORDER_ROUNDS, reversals, "each reversal counted once");
  }

  @Test
  void visitsOfOneCodeAtOnceCountEveryClickEachVisitorOnceAndUnlockTheGoalOncePerCycleUpToItsLimit()
      throws Exception {
    // Goal VISIT: every fifth new visitor of the code earns its referrer a coupon, at most three times. The pool holds
    // two codes, so the third unlock waits for an upload.
    TenantScope first = scopes.get(0);
    CampaignReward reward = first.rewards().define(campaign, new NewCampaignReward("Five visitors",
        RewardType.COUPON, RewardAudience.PARTICIPANT, 5, 3, 0, null, 0, null, null));
    first.referrals().configure(ReferralSettings.defaults(campaign).withGoal(ReferralGoal.VISIT)
        .withReferrerReward(reward.id()));
    first.coupons().upload(campaign, List.of("VISIT-A", "VISIT-B"));
    Participant referrer = referrers.get(0);
    String code = codes.get(0);
    int visitors = 17;
    int visitsEach = 3;
    List<TrackResult> results = runTogether(visitors * visitsEach, (scope, i) -> scope.referrals().track(campaign,
        Track.visit(code, "visitor-" + i % visitors)));

    assertEquals(visitors, results.stream().filter(TrackResult::uniqueVisitor).count(), "each visitor new once");
    assertEquals(visitors, results.stream().filter(TrackResult::counted).count(), "each new visitor counted once");
    List<EarnedReward> unlocked = results.stream().flatMap(r -> r.unlocked().stream()).toList();
    assertEquals(List.of(1, 2, 3), unlocked.stream().map(EarnedReward::cycle).sorted().toList(),
        "the 5th, 10th and 15th new visitors unlock a cycle each; the limit stops there");
    ReferralStats stats = first.referrals().stats(ParticipantRef.id(referrer.id()));
    assertEquals(visitors * visitsEach, stats.clicks(), "every visit a click");
    assertEquals(visitors, stats.uniqueVisitors());
    assertEquals(stats, first.referrals().campaignStats(campaign), "the campaign's stats are the referrer's");
    assertEquals(visitors, first.rewards().counts(ParticipantRef.id(referrer.id()), reward.id()).rewardAllTime(),
        "one action per new visitor");

    List<EarnedReward> earned = first.rewards().earned(ParticipantRef.id(referrer.id()), Keyset.first(10)).items();
    assertEquals(3, earned.size(), "three rewards earned: " + earned);
    Set<String> given = earned.stream().map(EarnedReward::couponCode).filter(c -> c != null)
        .collect(Collectors.toSet());
    assertEquals(Set.of("VISIT-A", "VISIT-B"), given, "each code given once");
    assertEquals(1, earned.stream().filter(e -> e.couponCode() == null).count(), "the third waits for a code");
    assertEquals(1, first.coupons().upload(campaign, List.of("VISIT-C")).assignedToWaiting());
    assertEquals(Set.of("VISIT-A", "VISIT-B", "VISIT-C"),
        first.rewards().earned(ParticipantRef.id(referrer.id()), Keyset.first(10)).items().stream()
            .map(EarnedReward::couponCode).collect(Collectors.toSet()), "the upload gave the waiting reward its code");
    assertEquals(0, first.coupons().remaining(campaign));
    assertEquals(visitors * visitsEach, events(EventType.REFERRAL_TRACKED).size(), "one event per visit");
  }

  @Test
  void twoExistingParticipantsSigningUpWithEachOthersCodesAtOnceNeverMakeACycle() throws Exception {
    for (int round = 0; round < cycleRounds(); round++) {
      raceRing(ring(round, 2), round);
    }
  }

  @Test
  void threeExistingParticipantsSigningUpAroundARingAtOnceNeverMakeACycle() throws Exception {
    for (int round = 0; round < cycleRounds(); round++) {
      raceRing(ring(round, 3), round);
    }
  }

  // ==================================================================== helpers

  /** {@code size} new participants, enrolled before the race. */
  private List<Participant> ring(int round, int size) {
    List<Participant> ring = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ring.add(scopes.get(0).participants().create(campaign,
          NewParticipant.withEmail("ring" + size + "-" + round + "-" + i + "@example.com")));
    }
    return ring;
  }

  /** Signs up each member of the ring with the next one's code, all at once; then checks the chains. */
  private void raceRing(List<Participant> ring, int round) throws Exception {
    List<String> ringCodes = ring.stream()
        .map(p -> scopes.get(0).referrals().codes(ParticipantRef.id(p.id())).signed()).toList();
    int n = ring.size();
    List<SignupResult> results = runTogether(n, (scope, i) -> scope.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail(ring.get(i).email()), ringCodes.get((i + 1) % n))));
    long referred = results.stream().filter(r -> r.outcome() == ReferralOutcome.REFERRED).count();
    assertEquals(n - 1, referred, "round " + round + ": all but one referral of the ring recorded: "
        + results.stream().map(SignupResult::outcome).toList());
    assertEquals(1, results.stream().filter(r -> r.outcome() == ReferralOutcome.CYCLE).count(),
        "round " + round + ": the last one would close the ring");
    for (Participant p : ring) {
      List<Long> ancestors = scopes.get(round % scopes.size()).referrals().ancestors(ParticipantRef.id(p.id()), 50)
          .stream().map(Participant::id).toList();
      assertFalse(ancestors.contains(p.id()), "round " + round + ": nobody is their own ancestor");
      assertEquals(ancestors.size(), new HashSet<>(ancestors).size(), "round " + round + ": a chain, not a loop");
    }
  }

  /** Checks that exactly one signup recorded the referral and every other one names the same referrer. */
  private Referral assertOneReferral(List<SignupResult> results, String sanitizedEmail) {
    List<SignupResult> won = results.stream().filter(r -> r.outcome() == ReferralOutcome.REFERRED).toList();
    assertEquals(1, won.size(), "exactly one REFERRED: " + results.stream().map(SignupResult::outcome)
        .collect(Collectors.groupingBy(o -> o, Collectors.counting())));
    Referral referral = won.get(0).referral();
    assertEquals(REFERRERS - 1L,
        results.stream().filter(r -> r.outcome() == ReferralOutcome.ALREADY_REFERRED).count(), "49 ALREADY_REFERRED");
    Set<Long> invited = new HashSet<>();
    for (SignupResult r : results) {
      invited.add(r.participant().id());
      assertEquals(referral, r.referral(), "every answer names the one referral");
      assertEquals(sanitizedEmail, r.participant().sanitizedEmail());
    }
    assertEquals(Set.of(referral.invitedId()), invited, "one invited participant");
    for (TenantScope scope : scopes) {
      ParticipantRef ref = ParticipantRef.email(campaign, sanitizedEmail);
      assertEquals(referral.referrerId(), scope.referrals().referrer(ref).orElseThrow().id(), "referrer()");
      assertEquals(referral, scope.referrals().referral(ref).orElseThrow(), "referral()");
    }
    List<LoyaltyEvent> signups = events(EventType.REFERRAL_SIGNUP);
    assertEquals(1, signups.size(), "exactly one referral.signup event");
    assertEquals(referral.invitedId(), signups.get(0).participantId());
    long counted = 0;
    for (Participant p : referrers) {
      counted += scopes.get(0).referrals().stats(ParticipantRef.id(p.id())).signups();
    }
    assertEquals(1, counted, "one signup in the referrers' stats");
    return referral;
  }

  private long participants() {
    long count = 0;
    Keyset page = Keyset.first(Keyset.MAX_LIMIT);
    while (true) {
      CursorPage<Participant> got = scopes.get(0).participants().list(campaign, ParticipantFilter.all(), page);
      count += got.items().size();
      if (!got.hasMore()) {
        return count;
      }
      page = Keyset.after(got.nextId(), Keyset.MAX_LIMIT);
    }
  }

  private long balance(long participant) {
    return scopes.get(0).participants().get(ParticipantRef.id(participant)).pointsBalance();
  }

  private long totalBalance() {
    return referrers.stream().mapToLong(p -> balance(p.id())).sum();
  }

  private long ledgerEntries() {
    long entries = 0;
    for (Participant p : referrers) {
      List<LedgerEntry> page = scopes.get(0).points().history(ParticipantRef.id(p.id()), Keyset.first(10)).items();
      entries += page.size();
    }
    return entries;
  }

  /** The tenant's events of one type, after dispatching until idle. */
  private List<LoyaltyEvent> events(EventType type) {
    for (int i = 0; !engines.get(0).events().dispatch().isIdle(); i++) {
      assertTrue(i < 1_000, "dispatch settles");
    }
    List<LoyaltyEvent> all = new ArrayList<>();
    long position = 0;
    while (true) {
      FeedPage page = scopes.get(0).changeFeed().read(position, EventFilter.types(type), 100);
      all.addAll(page.events());
      if (page.nextPosition() == position) {
        return all;
      }
      position = page.nextPosition();
    }
  }

  /**
   * Runs {@code calls} calls on {@link #threads()} threads, call {@code i} on engine {@code i % engines}, all
   * released together; returns the results in call order, or throws the first failure.
   */
  private <T> List<T> runTogether(int calls, Call<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads(), calls));
    try {
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger next = new AtomicInteger();
      List<Future<List<Indexed<T>>>> workers = new ArrayList<>();
      for (int t = 0; t < Math.min(threads(), calls); t++) {
        workers.add(pool.submit((Callable<List<Indexed<T>>>) () -> {
          start.await();
          List<Indexed<T>> mine = new ArrayList<>();
          for (int i = next.getAndIncrement(); i < calls; i = next.getAndIncrement()) {
            mine.add(new Indexed<>(i, call.run(scopes.get(i % scopes.size()), i)));
          }
          return mine;
        }));
      }
      start.countDown();
      List<T> results = new ArrayList<>(Collections.nCopies(calls, (T) null));
      for (Future<List<Indexed<T>>> worker : workers) {
        for (Indexed<T> r : worker.get(5, TimeUnit.MINUTES)) {
          results.set(r.index(), r.value());
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private record Indexed<T>(int index, T value) {
  }

  /** One call of a race. */
  @FunctionalInterface
  interface Call<T> {
    T run(TenantScope scope, int index) throws Exception;
  }
}
