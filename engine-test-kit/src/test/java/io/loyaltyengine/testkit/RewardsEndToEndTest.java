package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.FeedReads.only;
import static io.loyaltyengine.testkit.FeedReads.payload;
import static io.loyaltyengine.testkit.FeedReads.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.CampaignTotals;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.FulfilmentHandler;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.ParticipantRewardSummary;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.rewards.Rewards;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Rewards end to end, through the public engine API: an engine on {@link InMemoryStorage} with manual dispatch and a
 * {@link SettableClock}. Goals, the earned-reward lifecycle, reward types, two-way rewards, enrolment by email,
 * monthly counts in a campaign's zone, idempotent replays and fulfilment handlers (driven by moving the clock and
 * calling {@code events().dispatch()}; nothing sleeps).
 *
 * <p>The model-based check of goals (unlocks == min(limit, floor(actions / conversionsRequired)), balance == sum of
 * the ledger) runs on every store in the storage contract suite; see
 * {@link io.loyaltyengine.testkit.model.RewardScenario}.
 *
 * <p>Each test name states the rule it checks.
 */
class RewardsEndToEndTest {
  private static final Instant START = Instant.parse("2025-03-15T12:00:00Z");
  /** Longer than the largest listener backoff (5 min). */
  private static final Duration PAST_BACKOFF = Duration.ofMinutes(10);

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  /** What the setUp engine's fulfilment handlers "tokens" and "other-handler" do; set by a test. */
  private volatile FulfilmentHandler tokens = r -> { };
  private volatile FulfilmentHandler otherHandler = r -> { };
  private SettableClock clock;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private Rewards rewards;
  private Brand brand;
  private Campaign campaign;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    engine = newEngine(EventSettings.builder().manualDispatch().build(), b -> b
        .fulfilmentHandler("tokens", r -> tokens.fulfil(r))
        .fulfilmentHandler("other-handler", r -> otherHandler.fulfil(r)));
    scope = newTenant(engine, "Reward shop");
    rewards = scope.rewards();
    brand = scope.brands().create(new NewBrand("Reward shop", "https://rewards.example.com"));
    campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Reward campaign"));
  }

  @AfterEach
  void tearDown() {
    for (LoyaltyEngine e : engines) {
      e.close();
    }
  }

  // ==================================================================== lifecycle

  @Test
  void everyIllegalTransitionIsRejectedWithInvalidTransitionAndChangesNothing() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.points("Every action", 7, 1).unlimited());
    Participant p = enrol("lifecycle@example.com");
    EarnedReward pending = earnOne(p, reward);
    EarnedReward approved = rewards.approve(earnOne(p, reward).id(), false);
    EarnedReward fulfilled = rewards.approve(earnOne(p, reward).id(), true);
    EarnedReward removed = rewards.remove(earnOne(p, reward).id());
    assertEquals(EarnedRewardStatus.PENDING, pending.status());
    assertEquals(EarnedRewardStatus.APPROVED, approved.status());
    assertEquals(EarnedRewardStatus.FULFILLED, fulfilled.status());
    assertEquals(EarnedRewardStatus.REMOVED, removed.status());

    Map<String, Function<Long, EarnedReward>> moves = Map.of(
        "approve", id -> rewards.approve(id, false),
        "approve+fulfil", id -> rewards.approve(id, true),
        "fulfil", rewards::fulfil,
        "remove", rewards::remove);
    Map<EarnedRewardStatus, Set<String>> illegal = Map.of(
        EarnedRewardStatus.PENDING, Set.of("fulfil"),
        EarnedRewardStatus.APPROVED, Set.of("approve", "approve+fulfil", "remove"),
        EarnedRewardStatus.FULFILLED, Set.of("approve", "approve+fulfil", "fulfil", "remove"),
        EarnedRewardStatus.REMOVED, Set.of("approve", "approve+fulfil", "fulfil", "remove"));
    for (EarnedReward r : List.of(pending, approved, fulfilled, removed)) {
      for (String move : illegal.get(r.status())) {
        assertNothingChanges(p, () -> {
          LoyaltyException e = assertThrows(LoyaltyException.class, () -> moves.get(move).apply(r.id()),
              move + " from " + r.status());
          assertEquals(ErrorCode.INVALID_TRANSITION, e.code(), move + " from " + r.status());
          assertEquals(409, e.httpStatus());
          assertEquals("status", e.field().orElseThrow());
        });
        assertEquals(r, rewards.getEarned(r.id()), "unchanged after " + move);
      }
    }
    for (Function<Long, EarnedReward> move : moves.values()) {
      assertCode(ErrorCode.NOT_FOUND, () -> move.apply(123_456_789L));
    }
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.getEarned(123_456_789L));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.markRead(123_456_789L));
    TenantScope other = newTenant(engine, "Other tenant");
    assertCode(ErrorCode.NOT_FOUND, () -> other.rewards().approve(pending.id(), false));
    assertCode(ErrorCode.NOT_FOUND, () -> other.rewards().getEarned(pending.id()));
  }

  @Test
  void legalTransitionsStampTheirTimesAndWriteTheirEvents() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.cash("Ten euros", 1_000, "EUR", 1)
        .unlimited());
    Participant p = enrol("moves@example.com");
    EarnedReward pending = earnOne(p, reward);
    assertNull(pending.approvedAt());
    assertTrue(pending.unread());
    assertEquals(1_000, pending.cashAmountMinor());
    assertEquals("EUR", pending.currency());
    clock.advance(Duration.ofMinutes(1));
    EarnedReward approved = rewards.approve(pending.id(), false);
    assertEquals(clock.instant(), approved.approvedAt());
    assertNull(approved.fulfilledAt());
    clock.advance(Duration.ofMinutes(1));
    EarnedReward fulfilled = rewards.fulfil(pending.id());
    assertEquals(approved.approvedAt(), fulfilled.approvedAt());
    assertEquals(clock.instant(), fulfilled.fulfilledAt());
    EarnedReward read = rewards.markRead(pending.id());
    assertFalse(read.unread());
    assertEquals(EarnedRewardStatus.FULFILLED, read.status());
    EarnedReward withdrawn = rewards.remove(earnOne(p, reward).id());
    assertEquals(EarnedRewardStatus.REMOVED, withdrawn.status());

    List<LoyaltyEvent> events = events(p.id());
    assertEquals(List.of(EventType.PARTICIPANT_CREATED, EventType.LOYALTY_ACTION_RECORDED, EventType.REWARD_REACHED,
        EventType.REWARD_APPROVED, EventType.REWARD_FULFILLED, EventType.LOYALTY_ACTION_RECORDED,
        EventType.REWARD_REACHED, EventType.REWARD_REMOVED), types(events));
    Map<String, Object> fulfilledPayload = payload(events.get(4));
    assertEquals(Long.toString(pending.id()), JsonValues.at(fulfilledPayload, "earnedReward", "id"));
    assertEquals("FULFILLED", JsonValues.at(fulfilledPayload, "earnedReward", "status"));
    assertEquals("CASH", JsonValues.at(fulfilledPayload, "earnedReward", "type"));
    assertEquals(1_000L, JsonValues.at(fulfilledPayload, "earnedReward", "cashAmountMinor"));
    assertEquals(fulfilled.fulfilledAt().toString(), JsonValues.at(fulfilledPayload, "earnedReward",
        "fulfilledAt"));
  }

  @Test
  void autoCampaignApprovesInTheUnlockingActionAndManualCampaignWaits() {
    assertEquals(new RewardProgram(campaign.id(), Automation.AUTO, 0), rewards.program(campaign.id()),
        "never configured: AUTO, threshold 0");
    CampaignReward autoReward = rewards.define(campaign.id(), NewCampaignReward.points("Auto", 40, 2));
    Participant ada = enrol("ada@example.com");
    ActionResult first = act(ada, autoReward);
    assertEquals(List.of(), first.unlocked());
    ActionResult second = act(ada, autoReward);
    assertEquals(1, second.unlocked().size());
    EarnedReward auto = second.unlocked().get(0);
    assertEquals(EarnedRewardStatus.APPROVED, auto.status(), "approved in the same unit of work");
    assertEquals(START, auto.approvedAt());
    assertEquals(40, balance(ada));
    assertEquals(List.of(EventType.LOYALTY_ACTION_RECORDED, EventType.REWARD_REACHED, EventType.POINTS_AWARDED,
        EventType.REWARD_APPROVED), types(events(ada.id())).subList(2, 6));

    Campaign manualCampaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Manual campaign"));
    assertEquals(new RewardProgram(manualCampaign.id(), Automation.MANUAL, 5),
        rewards.configure(manualCampaign.id(), Automation.MANUAL, 5));
    assertEquals(Automation.MANUAL, rewards.program(manualCampaign.id()).automation());
    CampaignReward manualReward = rewards.define(manualCampaign.id(), NewCampaignReward.points("Manual", 40, 1));
    Participant bob = scope.participants().create(manualCampaign.id(), NewParticipant.withEmail("bob@example.com"));
    EarnedReward waiting = act(bob, manualReward).unlocked().get(0);
    assertEquals(EarnedRewardStatus.PENDING, waiting.status());
    assertEquals(0, balance(bob), "nothing given before approval");
    assertEquals(new ParticipantRewardSummary(1, 1, 0, 1, 0, true), rewards.summary(ParticipantRef.id(bob.id())));
    rewards.approve(waiting.id(), false);
    assertEquals(40, balance(bob));
    assertEquals(new ParticipantRewardSummary(1, 1, 0, 0, 1, true), rewards.summary(ParticipantRef.id(bob.id())));
    rewards.fulfil(waiting.id());
    assertEquals(new ParticipantRewardSummary(1, 1, 0, 0, 0, true), rewards.summary(ParticipantRef.id(bob.id())));

    assertValidation("automation", () -> rewards.configure(campaign.id(), null, 0));
    assertValidation("couponLowStockThreshold", () -> rewards.configure(campaign.id(), Automation.AUTO, -1));
    assertValidation("couponLowStockThreshold",
        () -> rewards.configure(campaign.id(), Automation.AUTO, 1_000_001));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.configure(987_654_321L, Automation.AUTO, 0));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.program(987_654_321L));
  }

  // ==================================================================== reward types

  @Test
  void pointsRewardIsCreditedExactlyOnceAndTheLedgerMatchesTheBalance() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.points("Points", 25, 1).unlimited());
    Participant p = enrol("points@example.com");
    scope.points().award(ParticipantRef.id(p.id()), io.loyaltyengine.points.PointsChange.of(5, "purchase"));
    EarnedReward one = earnOne(p, reward);
    EarnedReward two = earnOne(p, reward);
    rewards.approve(one.id(), false);
    rewards.approve(two.id(), true);
    assertCode(ErrorCode.INVALID_TRANSITION, () -> rewards.approve(one.id(), false));
    rewards.fulfil(one.id());
    assertEquals(55, balance(p), "5 + 25 + 25: fulfilment credits nothing more, a second approval nothing at all");
    List<LedgerEntry> entries = scope.points().history(ParticipantRef.id(p.id()), Keyset.first(100)).items();
    List<LedgerEntry> fromRewards = entries.stream().filter(e -> e.type().equals("reward")).toList();
    assertEquals(2, fromRewards.size());
    assertEquals(Set.of("reward:" + one.id(), "reward:" + two.id()),
        fromRewards.stream().map(LedgerEntry::idempotencyKey).collect(Collectors.toSet()));
    assertEquals(balance(p), ledgerSum(scope, p.id()));
  }

  /** A participant 5 points short of Long.MAX_VALUE and a POINTS reward of 10 unlocked by one action. */
  private record FullBalance(TenantScope scope, Participant participant, ParticipantRef ref, CampaignReward reward) {
  }

  /** In a campaign of the given automation, on an engine whose largest award is Long.MAX_VALUE. */
  private FullBalance fullBalance(Automation automation) {
    LoyaltyEngine unbounded = LoyaltyEngine.builder().storage(new InMemoryStorage()).clock(clock)
        .limits(EngineLimits.builder().maxPointsPerOperation(Long.MAX_VALUE).build())
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(unbounded);
    TenantScope big = newTenant(unbounded, "Big shop");
    Campaign c = big.campaigns().create(NewCampaign.running(
        big.brands().create(new NewBrand("Big shop", "https://big.example.com")).id(), "Big campaign"));
    big.rewards().configure(c.id(), automation, 0);
    CampaignReward reward = big.rewards().define(c.id(), NewCampaignReward.points("Points", 10, 1));
    Participant p = big.participants().create(c.id(), NewParticipant.withEmail("full@example.com"));
    ParticipantRef ref = ParticipantRef.id(p.id());
    big.points().award(ref, io.loyaltyengine.points.PointsChange.of(Long.MAX_VALUE - 5, "purchase"));
    return new FullBalance(big, p, ref, reward);
  }

  @Test
  void approvingPointsThatWouldOverflowTheBalanceIsAValidationErrorOnEarnedRewardIdAndChangesNothing() {
    FullBalance full = fullBalance(Automation.MANUAL);
    TenantScope big = full.scope();
    ParticipantRef ref = full.ref();
    Participant p = full.participant();
    EarnedReward pending = big.rewards().recordAction(LoyaltyAction.of(ref, full.reward().id())).unlocked().get(0);

    // Not "amount", which is no parameter of approve: the reward the host asked to approve.
    for (boolean fulfil : new boolean[] {false, true}) {
      assertValidation("earnedRewardId", () -> big.rewards().approve(pending.id(), fulfil));
    }
    assertEquals(EarnedRewardStatus.PENDING, big.rewards().getEarned(pending.id()).status(), "stays PENDING");
    assertEquals(Long.MAX_VALUE - 5, big.participants().get(ref).pointsBalance());
    assertEquals(Long.MAX_VALUE - 5, ledgerSum(big, p.id()), "no entry");
  }

  @Test
  void anActionWhoseAutoApprovedPointsWouldOverflowTheBalanceIsAValidationErrorOnCampaignRewardIdAndChangesNothing() {
    FullBalance full = fullBalance(Automation.AUTO);
    TenantScope big = full.scope();
    ParticipantRef ref = full.ref();
    Participant p = full.participant();
    CampaignReward reward = full.reward();

    // Not "amount", which is no component of the action: the reward whose points the action would approve.
    assertValidation("campaignRewardId", () -> big.rewards().recordAction(LoyaltyAction.of(ref, reward.id())));
    assertEquals(0, big.rewards().counts(ref, reward.id()).allTime(), "the action is not recorded");
    assertEquals(Long.MAX_VALUE - 5, big.participants().get(ref).pointsBalance());
    assertEquals(Long.MAX_VALUE - 5, ledgerSum(big, p.id()), "no entry");
  }

  @Test
  void anActionWhoseInvitedParticipantsAutoApprovedPointsWouldOverflowIsAValidationErrorOnInvitedAndChangesNothing() {
    FullBalance full = fullBalance(Automation.AUTO);
    TenantScope big = full.scope();
    Participant invited = full.participant();
    long campaignId = invited.campaignId();
    // The acting participant's own reward gives no points: only the invited participant's two-way reward overflows.
    CampaignReward referrer = big.rewards().define(campaignId, NewCampaignReward.message("Thanks", "Thank you", 1));
    big.rewards().define(campaignId, NewCampaignReward.points("Welcome", 10, 1).forInvited());
    ParticipantRef actor = ParticipantRef.id(big.participants().create(campaignId,
        NewParticipant.withEmail("referrer@example.com")).id());

    // Not campaignRewardId: the action's reward is a message, and the balance that is full is the invited one's.
    assertValidation("invited", () -> big.rewards().recordAction(LoyaltyAction.of(actor, referrer.id())
        .referring(full.ref())));
    assertEquals(0, big.rewards().counts(actor, referrer.id()).allTime(), "the action is not recorded");
    assertEquals(Long.MAX_VALUE - 5, big.participants().get(full.ref()).pointsBalance());
    assertEquals(Long.MAX_VALUE - 5, ledgerSum(big, invited.id()), "no entry");
  }

  @Test
  void messageAndCashAreRecordedAsDefined() {
    CampaignReward message = rewards.define(campaign.id(),
        NewCampaignReward.message("Thanks", "  Thank you!\nSee you soon.  ", 1));
    assertEquals("Thank you!\nSee you soon.", message.message(), "stripped, lines kept");
    CampaignReward cash = rewards.define(campaign.id(), NewCampaignReward.cash("Cash", 250, "USD", 1));
    Participant p = enrol("types@example.com");
    EarnedReward m = act(p, message).unlocked().get(0);
    EarnedReward c = act(p, cash).unlocked().get(0);
    assertEquals(RewardType.CUSTOM_MESSAGE, m.type());
    assertEquals("Thank you!\nSee you soon.", m.message());
    assertEquals(EarnedRewardStatus.APPROVED, m.status());
    assertEquals(RewardType.CASH, c.type());
    assertEquals(250, c.cashAmountMinor());
    assertEquals("USD", c.currency());
    assertEquals(0, balance(p));
  }

  @Test
  void couponRewardGetsItsCodeOnApprovalAndOnlyApprovedEventsCarryIt() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.coupon("Coupon", 1).unlimited());
    scope.coupons().upload(campaign.id(), List.of("CODE-0001"));
    Participant p = enrol("coupon@example.com");
    EarnedReward pending = earnOne(p, reward);
    assertNull(pending.couponCode());
    EarnedReward approved = rewards.approve(pending.id(), false);
    assertEquals("CODE-0001", approved.couponCode());
    assertNull(approved.waitingReason());
    assertFalse(approved.toString().contains("CODE-0001"), "toString hides the code");

    List<LoyaltyEvent> events = events(p.id());
    LoyaltyEvent reached = only(events, EventType.REWARD_REACHED);
    LoyaltyEvent approvedEvent = only(events, EventType.REWARD_APPROVED);
    assertFalse(reached.payload().contains("couponCode"), "no code in a reached event");
    assertEquals("CODE-0001", JsonValues.at(payload(approvedEvent), "earnedReward", "couponCode"));
    assertEquals(rewards.fulfil(pending.id()).couponCode(), "CODE-0001");
  }

  @Test
  void couponWaitingForACodeCannotBeFulfilledAndApproveWithFulfilChangesNothing() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.coupon("Coupon", 1).unlimited());
    Participant p = enrol("empty-pool@example.com");
    EarnedReward pending = earnOne(p, reward);
    assertNothingChanges(p, () -> {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> rewards.approve(pending.id(), true));
      assertEquals(ErrorCode.INVALID_TRANSITION, e.code());
      assertEquals("status", e.field().orElseThrow());
    });
    assertEquals(pending, rewards.getEarned(pending.id()), "still PENDING: approval and fulfilment are one");
    EarnedReward waiting = rewards.approve(pending.id(), false);
    assertEquals(EarnedRewardStatus.APPROVED, waiting.status());
    assertNull(waiting.couponCode());
    assertNotNull(waiting.waitingReason());
    assertNothingChanges(p, () -> assertCode(ErrorCode.INVALID_TRANSITION, () -> rewards.fulfil(pending.id())));
    assertEquals(waiting, rewards.getEarned(pending.id()));
  }

  // ==================================================================== CUSTOM rewards and fulfilment handlers

  @Test
  void customHandlerIsCalledAfterCommitRetriedWithBackoffAndThenFulfils() {
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.custom("Token", "tokens", 1));
    List<EarnedReward> calls = new CopyOnWriteArrayList<>();
    AtomicInteger failuresLeft = new AtomicInteger(2);
    tokens = r -> {
      calls.add(r);
      if (failuresLeft.getAndDecrement() > 0) {
        throw new IllegalStateException("token service unavailable");
      }
    };
    List<EarnedReward> otherCalls = new CopyOnWriteArrayList<>();
    otherHandler = otherCalls::add;

    Participant p = enrol("custom@example.com");
    EarnedReward approved = act(p, reward).unlocked().get(0);
    assertEquals(EarnedRewardStatus.APPROVED, approved.status());
    assertEquals(List.of(), calls, "nothing runs inside the unit of work");

    dispatchUntilIdle();
    assertEquals(1, calls.size(), "called after commit");
    assertEquals(approved, calls.get(0), "with the committed, approved reward");
    assertEquals(EarnedRewardStatus.APPROVED, rewards.getEarned(approved.id()).status(), "failed: still approved");
    dispatchUntilIdle();
    assertEquals(1, calls.size(), "not retried before its backoff");
    clock.advance(PAST_BACKOFF);
    dispatchUntilIdle();
    assertEquals(2, calls.size(), "retried after the backoff");
    clock.advance(PAST_BACKOFF);
    dispatchUntilIdle();
    assertEquals(3, calls.size());
    EarnedReward fulfilled = rewards.getEarned(approved.id());
    assertEquals(EarnedRewardStatus.FULFILLED, fulfilled.status(), "fulfilled once the handler returned");
    assertEquals(clock.instant(), fulfilled.fulfilledAt());
    clock.advance(PAST_BACKOFF);
    dispatchUntilIdle();
    assertEquals(3, calls.size(), "never called again");
    assertEquals(List.of(), otherCalls, "a handler is called for its own rewards only");
    assertEquals(1, types(events(p.id())).stream().filter(t -> t == EventType.REWARD_FULFILLED).count());
  }

  @Test
  void customHandlerThatKeepsFailingIsParkedAndReplayed() {
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger failuresLeft = new AtomicInteger(2);
    LoyaltyEngine strict = newEngine(EventSettings.builder().manualDispatch().listenerMaxAttempts(2).build(),
        b -> b.fulfilmentHandler("gift-cards", r -> {
          calls.incrementAndGet();
          if (failuresLeft.getAndDecrement() > 0) {
            throw new IllegalStateException("gift card provider down");
          }
        }));
    TenantScope shop = newTenant(strict, "Strict shop");
    EarnedReward approved = customRewardEarned(shop, "gift-cards", "gift@example.com");
    FeedReads.dispatchUntilIdle(strict);
    clock.advance(PAST_BACKOFF);
    FeedReads.dispatchUntilIdle(strict);
    assertEquals(2, calls.get());
    CursorPage<ParkedDelivery> parked = strict.events().parked("fulfilment.gift-cards", Keyset.first(10));
    assertEquals(1, parked.items().size(), "parked after the listener's attempts");
    assertEquals(EventType.REWARD_APPROVED, parked.items().get(0).event().type());
    assertEquals(EarnedRewardStatus.APPROVED, shop.rewards().getEarned(approved.id()).status());

    assertTrue(strict.events().replay("fulfilment.gift-cards", shop.tenantId(), parked.items().get(0).event().id()));
    FeedReads.dispatchUntilIdle(strict);
    assertEquals(3, calls.get());
    assertEquals(EarnedRewardStatus.FULFILLED, shop.rewards().getEarned(approved.id()).status());
  }

  @Test
  void customRewardApprovedAndFulfilledByTheCallerSkipsItsHandler() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.custom("Token", "tokens", 1));
    AtomicInteger calls = new AtomicInteger();
    tokens = r -> calls.incrementAndGet();
    Participant p = enrol("by-hand@example.com");
    EarnedReward pending = act(p, reward).unlocked().get(0);
    assertEquals(EarnedRewardStatus.FULFILLED, rewards.approve(pending.id(), true).status());
    dispatchUntilIdle();
    assertEquals(0, calls.get());
  }

  @Test
  void fulfilmentHandlerNamesAreCheckedByBuild() {
    for (String bad : List.of("", "with space", "h".repeat(54))) {
      assertValidation("name", () -> newEngine(EventSettings.DEFAULTS, b -> b.fulfilmentHandler(bad, r -> { })));
    }
    assertThrows(NullPointerException.class, () -> LoyaltyEngine.builder().fulfilmentHandler(null, r -> { }));
    assertThrows(NullPointerException.class, () -> LoyaltyEngine.builder().fulfilmentHandler("tokens", null));
    assertCode(ErrorCode.CONFLICT, () -> newEngine(EventSettings.DEFAULTS, b -> b
        .fulfilmentHandler("tokens", r -> { }).fulfilmentHandler("tokens", r -> { })));
    assertCode(ErrorCode.CONFLICT, () -> newEngine(EventSettings.DEFAULTS, b -> b
        .listener("fulfilment.tokens", null, e -> { }).fulfilmentHandler("tokens", r -> { })));
    newEngine(EventSettings.builder().manualDispatch().build(), b -> b.fulfilmentHandler("h".repeat(53), r -> { }));
    assertValidation("handler", () -> rewards.define(campaign.id(), NewCampaignReward.custom("x", "h".repeat(54), 1)));
  }

  /**
   * An approval committed by one instance (or before a restart) and positioned by another instance's background
   * dispatcher as soon as it starts is still fulfilled there: handlers are given to the builder, so none can be
   * registered after dispatch has begun.
   */
  @Test
  void customRewardApprovedBeforeAnotherInstanceStartsIsFulfilledByThatInstance() throws Exception {
    InMemoryStorage shared = new InMemoryStorage();
    LoyaltyEngine first = LoyaltyEngine.builder().storage(shared).clock(clock)
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(first);
    TenantScope shop = newTenant(first, "Shared shop");
    EarnedReward approved = customRewardEarned(shop, "tokens", "restart@example.com");
    assertEquals(EarnedRewardStatus.APPROVED, approved.status());

    List<EarnedReward> calls = new CopyOnWriteArrayList<>();
    // Committed FULFILLED once its event reaches a listener of the same dispatcher.
    CountDownLatch fulfilled = new CountDownLatch(1);
    LoyaltyEngine second = LoyaltyEngine.builder().storage(shared).clock(clock)
        .fulfilmentHandler("tokens", calls::add)
        .listener("fulfilled", EventFilter.types(EventType.REWARD_FULFILLED), event -> fulfilled.countDown())
        .build();
    engines.add(second);
    assertTrue(fulfilled.await(1, TimeUnit.MINUTES), "the second instance's background dispatcher fulfils it");
    assertEquals(EarnedRewardStatus.FULFILLED, shop.rewards().getEarned(approved.id()).status());
    assertEquals(List.of(approved), calls, "called once, with the approved reward");
  }

  // ==================================================================== two-way rewards

  @Test
  void twoWayRewardIsEarnedOnceByTheInvitedParticipant() {
    CampaignReward referrals = rewards.define(campaign.id(), NewCampaignReward.points("Referrer", 100, 1)
        .unlimited());
    CampaignReward welcome = rewards.define(campaign.id(), NewCampaignReward.points("Welcome", 50, 1).forInvited());
    assertEquals(RewardAudience.INVITED, welcome.audience());
    Participant alice = enrol("alice@example.com");
    Participant bob = enrol("bob@example.com");
    Participant carol = enrol("carol@example.com");

    ActionResult first = rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()), referrals.id())
        .referring(ParticipantRef.email(campaign.id(), "BOB@example.com")));
    assertEquals(2, first.unlocked().size(), "the referrer's reward and the invited participant's");
    EarnedReward forBob = first.unlocked().stream().filter(e -> e.participantId() == bob.id()).findFirst()
        .orElseThrow();
    assertEquals(welcome.id(), forBob.campaignRewardId());
    assertEquals(1, forBob.cycle());
    assertEquals(EarnedRewardStatus.APPROVED, forBob.status(), "follows the campaign's automation");
    assertEquals(50, balance(bob));
    assertEquals(100, balance(alice));

    ActionResult second = rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(carol.id()), referrals.id())
        .referring(ParticipantRef.id(bob.id())));
    assertEquals(List.of(carol.id()), second.unlocked().stream().map(EarnedReward::participantId).toList(),
        "bob's welcome is not earned twice");
    assertEquals(1, allEarned(scope, ParticipantRef.id(bob.id())).size());
    assertEquals(50, balance(bob));
    assertEquals(0, rewards.summary(ParticipantRef.id(bob.id())).actionsAllTime(), "the invited did not act");
    assertTrue(rewards.summary(ParticipantRef.id(bob.id())).winner());
    assertEquals(List.of(EventType.REWARD_REACHED, EventType.POINTS_AWARDED, EventType.REWARD_APPROVED),
        types(events(bob.id())).subList(1, 4), "bob's own events");

    assertValidation("campaignRewardId", () -> rewards.recordAction(
        LoyaltyAction.of(ParticipantRef.id(bob.id()), welcome.id())));
    assertValidation("invited", () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.id(bob.id())).withSource(ActionSource.DIRECT)));
    assertValidation("invited", () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.id(alice.id()))));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.email(campaign.id(), "nobody@example.com"))));
    Campaign elsewhere = scope.campaigns().create(NewCampaign.running(brand.id(), "Elsewhere"));
    Participant stranger = scope.participants().create(elsewhere.id(), NewParticipant.withEmail("s@example.com"));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.id(stranger.id()))));
    assertValidation("invited", () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.email(elsewhere.id(), "s@example.com"))));
    assertEquals(1, rewards.summary(ParticipantRef.id(alice.id())).actionsAllTime(),
        "rejected actions count nothing");

    Participant dave = enrol("dave@example.com");
    Participant erin = enrol("erin@example.com");
    ActionResult keyed = rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()), referrals.id())
        .referring(ParticipantRef.id(dave.id())).withIdempotencyKey("referral-1"));
    ActionResult retried = rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()), referrals.id())
        .referring(ParticipantRef.email(campaign.id(), "dave@example.com")).withIdempotencyKey("referral-1"));
    assertTrue(retried.replayed(), "the same invited participant, named by email this time");
    assertEquals(keyed.unlocked(), retried.unlocked());
    assertConflict(() -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()), referrals.id())
        .referring(ParticipantRef.id(erin.id())).withIdempotencyKey("referral-1")));
    assertConflict(() -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()), referrals.id())
        .referring(ParticipantRef.email(campaign.id(), "erin@example.com")).withIdempotencyKey("referral-1")));
    assertConflict(() -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()), referrals.id())
        .withSource(ActionSource.REFERRAL).withIdempotencyKey("referral-1")));
    // Named by an email of another campaign (where another Dave is enrolled), the invited participant is refused as
    // without the key, not taken for this campaign's Dave and answered with the first request's result.
    scope.participants().create(elsewhere.id(), NewParticipant.withEmail("dave@example.com"));
    assertValidation("invited", () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.email(elsewhere.id(), "dave@example.com"))
        .withIdempotencyKey("referral-1")));
    // An invited participant the action cannot name (of another campaign, unknown) is NOT_FOUND whatever action the
    // key holds, as without the key: a CONFLICT would tell the caller that the key is in use.
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.id(stranger.id())).withIdempotencyKey("referral-1")));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.email(campaign.id(), "nobody@example.com"))
        .withIdempotencyKey("referral-1")));
    assertValidation("invited", () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(alice.id()),
        referrals.id()).referring(ParticipantRef.email(campaign.id(), "alice@example.com"))
        .withIdempotencyKey("referral-1")));
    assertEquals(50, balance(dave));
    assertEquals(0, balance(erin), "a key reused for another invited participant gives it nothing, as a CONFLICT");
  }

  // ==================================================================== enrolment by email

  @Test
  void actionByUnknownEmailEnrolsTheParticipantOnceAndWithoutEnrolmentIsNotFound() {
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.coupon("Coupon", 3));
    ActionResult first = rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), " New.Person+shop@googlemail.com "), reward.id()));
    assertTrue(first.participantCreated());
    Participant created = scope.participants().get(ParticipantRef.id(first.participantId()));
    assertEquals("New.Person+shop@googlemail.com", created.email());
    assertEquals("newperson@gmail.com", created.sanitizedEmail());
    assertEquals(campaign.id(), created.campaignId());
    ActionResult second = rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), "newperson@gmail.com"), reward.id()));
    assertFalse(second.participantCreated());
    assertEquals(first.participantId(), second.participantId(), "an alias finds the same participant");
    assertEquals(2, second.counts().rewardAllTime());
    List<EventType> types = types(events(created.id()));
    assertEquals(EventType.PARTICIPANT_CREATED, types.get(0), "enrolment writes its event first");
    assertEquals(1, types.stream().filter(t -> t == EventType.PARTICIPANT_CREATED).count());

    long participantsBefore = rewards.totals(campaign.id()).participants();
    assertNothingChanges(null, () -> assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), "absent@example.com"), reward.id()).withoutEnrolment())));
    assertEquals(participantsBefore, rewards.totals(campaign.id()).participants());
    ActionResult existing = rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), "newperson@gmail.com"), reward.id()).withoutEnrolment());
    assertEquals(first.participantId(), existing.participantId(), "withoutEnrolment still finds a known email");

    Campaign elsewhere = scope.campaigns().create(NewCampaign.running(brand.id(), "Elsewhere"));
    assertValidation("participant", () -> rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(elsewhere.id(), "newperson@gmail.com"), reward.id())));
    Participant stranger = scope.participants().create(elsewhere.id(), NewParticipant.withEmail("s@example.com"));
    assertNothingChanges(stranger, () -> assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(
        LoyaltyAction.of(ParticipantRef.id(stranger.id()), reward.id()))));
    assertNothingChanges(null, () -> assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.id(987_654_321L), reward.id()))));
    assertValidation("email", () -> rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), "not-an-email"), reward.id())));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(created.id()),
        987_654_321L)));
    assertEquals(new CampaignTotals(1, 3, 1), rewards.totals(campaign.id()), "one participant, three actions, "
        + "one winner (goal 3)");
  }

  // ==================================================================== months in the campaign's zone

  @Test
  void monthsFollowTheCampaignsZoneAcrossMidnightOfTheFirst() {
    // 23:30 on 31 March in Berlin (CEST, +02:00) is 21:30 UTC: still March in both zones.
    clock.set(Instant.parse("2025-03-31T21:30:00Z"));
    Campaign berlin = scope.campaigns().create(NewCampaign.running(brand.id(), "Berlin")
        .withTimeZone(ZoneId.of("Europe/Berlin")));
    CampaignReward reward = rewards.define(berlin.id(), NewCampaignReward.coupon("Coupon", 10));
    CampaignReward other = rewards.define(berlin.id(), NewCampaignReward.coupon("Other", 10));
    Participant p = scope.participants().create(berlin.id(), NewParticipant.withEmail("berlin@example.com"));
    act(p, reward);
    act(p, other);
    assertEquals(new ActionCounts(3, 3, 0, 2, 2), act(p, reward).counts());
    assertEquals(new ActionCounts(3, 3, 0, 2, 2), rewards.counts(ParticipantRef.id(p.id()), reward.id()));

    // 00:00:01 on 1 April in Berlin; 22:00:01 on 31 March in UTC.
    clock.set(Instant.parse("2025-03-31T22:00:01Z"));
    assertEquals(new ActionCounts(3, 0, 3, 2, 0), rewards.counts(ParticipantRef.id(p.id()), reward.id()),
        "a new month in Berlin: March's actions are last month's");
    assertEquals(new ParticipantRewardSummary(3, 0, 3, 0, 0, false), rewards.summary(ParticipantRef.id(p.id())));
    ActionResult april = act(p, reward);
    assertEquals(new ActionCounts(4, 1, 3, 3, 1), april.counts());
    assertEquals(april.counts(), rewards.counts(ParticipantRef.id(p.id()), reward.id()));
    assertEquals(new ActionCounts(4, 1, 3, 1, 0), rewards.counts(ParticipantRef.id(p.id()), other.id()));

    // The same instant is still March in a UTC campaign.
    CampaignReward utcReward = rewards.define(campaign.id(), NewCampaignReward.coupon("UTC", 10));
    Participant u = enrol("utc@example.com");
    clock.set(Instant.parse("2025-03-31T21:30:00Z"));
    act(u, utcReward);
    clock.set(Instant.parse("2025-03-31T22:00:01Z"));
    assertEquals(new ActionCounts(2, 2, 0, 2, 2), act(u, utcReward).counts());
    clock.set(Instant.parse("2025-04-01T00:00:00Z"));
    assertEquals(new ActionCounts(2, 0, 2, 2, 0), rewards.counts(ParticipantRef.id(u.id()), utcReward.id()));

    // Two months later, March is neither this month nor last month.
    clock.set(Instant.parse("2025-05-31T22:00:00Z")); // 1 June in Berlin
    assertEquals(new ActionCounts(4, 0, 0, 3, 0), rewards.counts(ParticipantRef.id(p.id()), reward.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.counts(ParticipantRef.id(u.id()), reward.id()));
  }

  // ==================================================================== idempotent actions

  @Test
  void actionRetriedWithItsIdempotencyKeyIsReplayedAndRecordsNothing() {
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.points("Points", 10, 2).unlimited());
    CampaignReward other = rewards.define(campaign.id(), NewCampaignReward.points("Other", 10, 2));
    ParticipantRef byEmail = ParticipantRef.email(campaign.id(), "retry@example.com");
    rewards.recordAction(LoyaltyAction.of(byEmail, reward.id()));
    LoyaltyAction action = LoyaltyAction.of(byEmail, reward.id()).withIdempotencyKey("order-1001")
        .withMetadata(Map.of("order", "1001"));
    ActionResult first = rewards.recordAction(action);
    assertFalse(first.replayed());
    assertEquals(1, first.unlocked().size());
    Participant p = scope.participants().get(byEmail);
    int eventsBefore = events(p.id()).size();

    ActionResult again = rewards.recordAction(action);
    assertTrue(again.replayed());
    assertEquals(first.actionId(), again.actionId());
    assertEquals(first.participantId(), again.participantId());
    assertEquals(first.counts(), again.counts());
    assertEquals(first.unlocked(), again.unlocked());
    assertEquals(first.counts(), rewards.counts(byEmail, reward.id()), "counted once");
    assertEquals(10, balance(p), "credited once");
    assertEquals(eventsBefore, events(p.id()).size(), "no new events");
    assertTrue(rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id())
        .withIdempotencyKey("order-1001")).replayed(), "the same participant by id");

    ActionResult enrolling = rewards.recordAction(LoyaltyAction.of(ParticipantRef.email(campaign.id(),
        "first@example.com"), reward.id()).withIdempotencyKey("signup-7"));
    ActionResult enrollingAgain = rewards.recordAction(LoyaltyAction.of(ParticipantRef.email(campaign.id(),
        "first@example.com"), reward.id()).withIdempotencyKey("signup-7"));
    assertTrue(enrollingAgain.replayed());
    assertTrue(enrollingAgain.participantCreated(), "the stored result, as the first call answered");
    assertEquals(enrolling.participantId(), enrollingAgain.participantId());

    assertTrue(rewards.recordAction(action.withMetadata(Map.of("order", "1002"))).replayed(),
        "only the participant, reward and source are compared: the first request's metadata stands");
    assertConflict(() -> rewards.recordAction(LoyaltyAction.of(byEmail, other.id()).withIdempotencyKey("order-1001")));
    assertConflict(() -> rewards.recordAction(action.withSource(ActionSource.IMPORT)));
    assertConflict(() -> rewards.recordAction(LoyaltyAction.of(ParticipantRef.email(campaign.id(),
        "someone-else@example.com"), reward.id()).withIdempotencyKey("order-1001")));
    assertEquals(first.counts(), rewards.counts(byEmail, reward.id()), "conflicts count nothing");
    assertValidation("idempotencyKey", () -> rewards.recordAction(action.withIdempotencyKey("has space")));
    assertValidation("metadata", () -> rewards.recordAction(action.withMetadata(Map.of("", 1))));
    assertValidation("metadata.nested", () -> rewards.recordAction(action.withMetadata(Map.of("nested",
        Map.of("a", 1)))));
    assertValidation("action", () -> rewards.recordAction(null));
    assertValidation("participant", () -> rewards.recordAction(LoyaltyAction.of(null, reward.id())));
    assertValidation("source", () -> rewards.recordAction(action.withSource(null)));
  }

  @Test
  void participantNotFoundIsNotFoundWhateverActionItsKeyNames() {
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.points("Points", 10, 5));
    Participant p = enrol("keyholder@example.com");
    rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()).withIdempotencyKey("order-9"));
    Campaign elsewhere = scope.campaigns().create(NewCampaign.running(brand.id(), "Elsewhere"));
    Participant stranger = scope.participants().create(elsewhere.id(), NewParticipant.withEmail("s@example.com"));

    // Without the key each is NOT_FOUND (Rewards.recordAction's javadoc); a key another participant's action holds
    // must not turn them into a CONFLICT that tells the caller the key is in use, as Points answers NOT_FOUND.
    assertNothingChanges(p, () -> assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.id(987_654_321L), reward.id()).withIdempotencyKey("order-9"))));
    assertNothingChanges(stranger, () -> assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(
        LoyaltyAction.of(ParticipantRef.id(stranger.id()), reward.id()).withIdempotencyKey("order-9"))));
    assertNothingChanges(p, () -> assertCode(ErrorCode.NOT_FOUND, () -> rewards.recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), "absent@example.com"), reward.id()).withoutEnrolment()
        .withIdempotencyKey("order-9"))));
  }

  // ==================================================================== definitions, lists, totals

  @Test
  void definitionsAreValidatedAndScopedToTheTenant() {
    CampaignReward first = rewards.define(campaign.id(), NewCampaignReward.points("First", 10, 5).withLimit(3));
    CampaignReward second = rewards.define(campaign.id(), NewCampaignReward.custom("Second", "tokens", 2)
        .unlimited());
    assertEquals(first, rewards.get(first.id()));
    assertEquals(List.of(first, second), rewards.list(campaign.id()), "oldest first");
    assertEquals(3, first.limit());
    assertFalse(first.isUnlimited());
    assertTrue(second.isUnlimited());
    assertEquals("tokens", second.handler());
    assertEquals(START, first.createdAt());
    assertValidation("name", () -> rewards.define(campaign.id(), NewCampaignReward.points(null, 10, 5)));
    assertValidation("conversionsRequired", () -> rewards.define(campaign.id(), NewCampaignReward.points("n", 1, 0)));
    assertValidation("points", () -> rewards.define(campaign.id(), NewCampaignReward.points("n", 0, 1)));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.define(987_654_321L, NewCampaignReward.points("n", 1, 1)));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.get(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.list(987_654_321L));
    TenantScope other = newTenant(engine, "Other tenant");
    assertCode(ErrorCode.NOT_FOUND, () -> other.rewards().define(campaign.id(), NewCampaignReward.points("n", 1, 1)));
    assertCode(ErrorCode.NOT_FOUND, () -> other.rewards().get(first.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> other.rewards().totals(campaign.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> other.rewards().recordAction(LoyaltyAction.of(
        ParticipantRef.email(campaign.id(), "x@example.com"), first.id())));
  }

  @Test
  void earnedRewardsArePagedNewestFirstWithAKeysetCursor() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.coupon("Each", 1).unlimited());
    Participant p = enrol("pages@example.com");
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(earnOne(p, reward).id());
    }
    List<Long> seen = new ArrayList<>();
    Keyset page = Keyset.first(2);
    int pages = 0;
    while (true) {
      CursorPage<EarnedReward> got = rewards.earned(ParticipantRef.email(campaign.id(), "pages@example.com"), page);
      got.items().forEach(e -> seen.add(e.id()));
      pages++;
      if (!got.hasMore()) {
        break;
      }
      page = Keyset.after(got.nextId(), 2);
    }
    assertEquals(3, pages);
    List<Long> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertEquals(newestFirst, seen, "newest first, each once");
    assertEquals(List.of(5, 4, 3, 2, 1), allEarned(scope, ParticipantRef.id(p.id())).stream()
        .map(EarnedReward::cycle).toList());
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.earned(ParticipantRef.id(987_654_321L), Keyset.first(10)));
    assertValidation("page", () -> rewards.earned(ParticipantRef.id(p.id()), null));
  }

  @Test
  void totalsCountParticipantsActionsAndWinnersButNotRemovedRewards() {
    rewards.configure(campaign.id(), Automation.MANUAL, 0);
    CampaignReward reward = rewards.define(campaign.id(), NewCampaignReward.coupon("Coupon", 2));
    Participant ada = enrol("ada@example.com");
    Participant bob = enrol("bob@example.com");
    enrol("idle@example.com");
    act(ada, reward);
    EarnedReward adas = act(ada, reward).unlocked().get(0);
    act(ada, reward);
    act(bob, reward);
    EarnedReward bobs = act(bob, reward).unlocked().get(0);
    assertEquals(new CampaignTotals(3, 5, 2), rewards.totals(campaign.id()));
    rewards.remove(bobs.id());
    assertEquals(new CampaignTotals(3, 5, 1), rewards.totals(campaign.id()), "a removed reward wins nothing");
    assertFalse(rewards.summary(ParticipantRef.id(bob.id())).winner());
    assertTrue(rewards.summary(ParticipantRef.id(ada.id())).winner());
    assertNotEquals(adas.id(), bobs.id());
    assertCode(ErrorCode.NOT_FOUND, () -> rewards.totals(987_654_321L));
  }

  // ==================================================================== helpers

  private LoyaltyEngine newEngine(EventSettings events) {
    return newEngine(events, b -> b);
  }

  /** An engine of its own store, with what {@code more} adds to its builder (fulfilment handlers). */
  private LoyaltyEngine newEngine(EventSettings events, UnaryOperator<LoyaltyEngine.Builder> more) {
    LoyaltyEngine e = more.apply(LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(events))
        .build();
    engines.add(e);
    return e;
  }

  /**
   * A new campaign of {@code shop} (AUTO, the default) whose CUSTOM reward names {@code handler}, earned once by a
   * new participant: the earned reward, approved.
   */
  private static EarnedReward customRewardEarned(TenantScope shop, String handler, String email) {
    Campaign c = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand(handler, "https://" + handler + ".example.com")).id(), handler));
    CampaignReward reward = shop.rewards().define(c.id(), NewCampaignReward.custom(handler, handler, 1));
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail(email));
    return shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id())).unlocked().get(0);
  }

  private static TenantScope newTenant(LoyaltyEngine e, String name) {
    return e.forTenant(e.tenants().create(NewTenant.business(name)).id());
  }

  private Participant enrol(String email) {
    return scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
  }

  private ActionResult act(Participant p, CampaignReward reward) {
    return rewards.recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()));
  }

  /** One action toward a goal-1 unlimited reward: earns exactly one new reward. */
  private EarnedReward earnOne(Participant p, CampaignReward reward) {
    List<EarnedReward> unlocked = act(p, reward).unlocked();
    assertEquals(1, unlocked.size());
    return unlocked.get(0);
  }

  private long balance(Participant p) {
    return scope.participants().get(ParticipantRef.id(p.id())).pointsBalance();
  }

  private static long ledgerSum(TenantScope scope, long participantId) {
    long sum = 0;
    Keyset page = Keyset.first(100);
    while (true) {
      CursorPage<LedgerEntry> got = scope.points().history(ParticipantRef.id(participantId), page);
      for (LedgerEntry e : got.items()) {
        sum += e.signedAmount();
      }
      if (!got.hasMore()) {
        return sum;
      }
      page = Keyset.after(got.nextId(), 100);
    }
  }

  private static List<EarnedReward> allEarned(TenantScope scope, ParticipantRef ref) {
    List<EarnedReward> all = new ArrayList<>();
    Keyset page = Keyset.first(100);
    while (true) {
      CursorPage<EarnedReward> got = scope.rewards().earned(ref, page);
      all.addAll(got.items());
      if (!got.hasMore()) {
        return all;
      }
      page = Keyset.after(got.nextId(), 100);
    }
  }

  private void dispatchUntilIdle() {
    FeedReads.dispatchUntilIdle(engine);
  }

  /** Every event of the tenant, or of one participant, in change-feed order (positions them first). */
  private List<LoyaltyEvent> events(Long participantId) {
    return FeedReads.ofParticipant(FeedReads.events(engine, scope, EventFilter.all()), participantId);
  }

  /** Runs {@code failing} and checks that the tenant's events and the participant (balance included) are unchanged. */
  private void assertNothingChanges(Participant p, Runnable failing) {
    int before = events(null).size();
    Supplier<Participant> read = () -> p == null ? null : scope.participants().get(ParticipantRef.id(p.id()));
    Participant participantBefore = read.get();
    failing.run();
    assertEquals(before, events(null).size(), "no event written");
    assertEquals(participantBefore, read.get(), "participant and balance unchanged");
  }

  private static void assertCode(ErrorCode code, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(code, e.code(), e.toString());
  }

  private static void assertValidation(String field, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), e.toString());
    assertEquals(field, e.field().orElseThrow(), e.toString());
  }

  private static void assertConflict(Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.CONFLICT, e.code(), e.toString());
    assertEquals("idempotencyKey", e.field().orElseThrow());
  }
}
