package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The catalog and coupon pools end to end, through the public engine API: an engine on {@link InMemoryStorage} with
 * manual dispatch, so a test reads the events a change wrote from the change feed after dispatching. Coupon codes
 * are handed out when a COUPON reward is approved, so the coupon tests unlock rewards with loyalty actions in a
 * campaign that approves at once (AUTO, the default).
 *
 * <p>The model-based checks of redemptions (stock never below zero, points equal to the ledger) and of coupon
 * assignment (every code distinct and from the pool) run on every store in the storage contract suite; see
 * {@link io.loyaltyengine.testkit.model.CatalogScenario} and {@link io.loyaltyengine.testkit.model.CouponScenario}.
 *
 * <p>Each test name states the rule it checks.
 */
class CatalogAndCouponsEndToEndTest {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30Z");

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private Campaign campaign;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    engine = newEngine(new InMemoryStorage());
    scope = newTenant(engine, "Catalog shop");
    campaign = newCampaign(scope, "Tea Points");
  }

  @AfterEach
  void tearDown() {
    for (LoyaltyEngine e : engines) {
      e.close();
    }
  }

  // ==================================================================== catalog rewards

  @Test
  void aCreatedRewardIsReadBackAndListedOldestFirstWithFiltersOnStatusAndType() {
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "  Mug ", 500, RewardType.CUSTOM).withStock(3).withDescription("Big"));
    clock.advance(Duration.ofSeconds(1));
    CatalogReward cash = scope.catalog().create(
        new NewCatalogReward(campaign.id(), "Ten euros", null, 1_000, RewardType.CASH, null, false));
    clock.advance(Duration.ofSeconds(1));
    CatalogReward tea = scope.catalog().create(NewCatalogReward.of(campaign.id(), "Tea", 50, RewardType.CUSTOM));

    assertEquals("Mug", mug.name(), "the name is stripped");
    assertEquals(Long.valueOf(3), mug.stock());
    assertEquals(scope.tenantId(), mug.tenantId());
    assertEquals(START, mug.createdAt());
    assertEquals(mug, scope.catalog().get(mug.id()));
    assertNull(cash.stock(), "null stock is unlimited");
    assertFalse(cash.active());

    assertEquals(List.of(mug, cash, tea), scope.catalog().list(campaign.id(), null, null));
    assertEquals(List.of(mug, tea), scope.catalog().list(campaign.id(), true, null));
    assertEquals(List.of(cash), scope.catalog().list(campaign.id(), false, null));
    assertEquals(List.of(mug, tea), scope.catalog().list(campaign.id(), null, RewardType.CUSTOM));
    assertEquals(List.of(), scope.catalog().list(campaign.id(), false, RewardType.CUSTOM));
    assertEquals(List.of(), scope.catalog().list(newCampaign(scope, "Other").id(), null, null));
  }

  @Test
  void setActiveTogglesAndReturnsTheRewardAfterTheChange() {
    CatalogReward mug = scope.catalog().create(NewCatalogReward.of(campaign.id(), "Mug", 500, RewardType.CUSTOM));
    CatalogReward off = scope.catalog().setActive(mug.id(), false);
    assertFalse(off.active());
    assertEquals(off, scope.catalog().get(mug.id()));
    assertTrue(scope.catalog().setActive(mug.id(), true).active());
    assertTrue(scope.catalog().setActive(mug.id(), true).active(), "setting the same value again is fine");
  }

  @Test
  void badFieldsAreNamedAndAnotherTenantsCampaignOrRewardIsNotFound() {
    assertValidation("name", () -> scope.catalog().create(
        NewCatalogReward.of(campaign.id(), " ", 5, RewardType.CUSTOM)));
    assertValidation("pointsCost", () -> scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 0, RewardType.CUSTOM)));
    assertValidation("stock", () -> scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 5, RewardType.CUSTOM).withStock(-1)));
    assertValidation("type", () -> scope.catalog().create(NewCatalogReward.of(campaign.id(), "Mug", 5, null)));
    assertValidation("description", () -> scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 5, RewardType.CUSTOM).withDescription("d".repeat(2_001))));

    TenantScope stranger = newTenant(engine, "Stranger");
    Campaign theirs = newCampaign(stranger, "Theirs");
    CatalogReward theirReward = stranger.catalog().create(
        NewCatalogReward.of(theirs.id(), "Their mug", 5, RewardType.CUSTOM));
    Participant ada = enrol("ada@example.com", 1_000);

    assertNotFound(() -> scope.catalog().create(NewCatalogReward.of(theirs.id(), "Mug", 5, RewardType.CUSTOM)));
    assertNotFound(() -> scope.catalog().create(NewCatalogReward.of(123_456L, "Mug", 5, RewardType.CUSTOM)));
    assertNotFound(() -> scope.catalog().list(theirs.id(), null, null));
    assertNotFound(() -> scope.catalog().get(theirReward.id()));
    assertNotFound(() -> scope.catalog().setActive(theirReward.id(), false));
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.id(ada.id()), theirReward.id(), null));
    assertTrue(stranger.catalog().get(theirReward.id()).active(), "the other tenant's reward is untouched");
  }

  // ==================================================================== redemption

  @Test
  void aRedemptionDeductsTheCostTakesOneUnitWritesALedgerEntryAndAnEvent() {
    Participant ada = enrol("ada@example.com", 1_000);
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 300, RewardType.CUSTOM).withStock(5));
    clock.advance(Duration.ofMinutes(1));

    Redemption r = scope.catalog().redeem(ParticipantRef.email(campaign.id(), "ADA@example.com"), mug.id(), "o-1");

    assertEquals(scope.tenantId(), r.tenantId());
    assertEquals(mug.id(), r.catalogRewardId());
    assertEquals(ada.id(), r.participantId());
    assertEquals(300, r.pointsSpent());
    assertEquals(700, r.balance());
    assertEquals("o-1", r.idempotencyKey());
    assertEquals(START.plus(Duration.ofMinutes(1)), r.redeemedAt());
    assertFalse(r.replayed());
    assertEquals(700, balance(ada));
    assertEquals(Long.valueOf(4), scope.catalog().get(mug.id()).stock());

    LedgerEntry entry = history(ada).get(0);
    assertEquals(r.ledgerEntryId(), entry.id());
    assertEquals(LedgerEntryKind.DEDUCT, entry.kind());
    assertEquals(300, entry.amount());
    assertEquals("redemption", entry.type());
    assertEquals("Mug", entry.description());
    assertEquals("redemption:o-1", entry.idempotencyKey());
    assertEquals(700, entry.balanceAfter());

    List<LoyaltyEvent> redeemed = events(EventType.REWARD_REDEEMED);
    assertEquals(1, redeemed.size());
    LoyaltyEvent event = redeemed.get(0);
    assertEquals(ada.id(), event.participantId());
    assertEquals(campaign.id(), event.campaignId());
    Map<String, Object> data = FeedReads.payload(event);
    assertEquals(Long.toString(r.id()), JsonValues.at(data, "redemption", "id"));
    assertEquals(Long.toString(r.ledgerEntryId()), JsonValues.at(data, "redemption", "ledgerEntryId"));
    assertEquals(300L, JsonValues.at(data, "redemption", "pointsSpent"));
    assertEquals(700L, JsonValues.at(data, "redemption", "balance"));
    assertEquals("Mug", JsonValues.at(data, "catalogReward", "name"));
    assertEquals(300L, JsonValues.at(data, "catalogReward", "pointsCost"));
    assertEquals(1, events(EventType.POINTS_DEDUCTED).size(), "the deduction writes its own event");
    assertEquals(sumOfLedger(ada), balance(ada));
  }

  @Test
  void insufficientPointsLeavesPointsAndStockUntouched() {
    Participant ada = enrol("ada@example.com", 299);
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 300, RewardType.CUSTOM).withStock(5));
    int entries = history(ada).size();

    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), "o-1"));

    assertEquals(ErrorCode.INSUFFICIENT_POINTS, e.code());
    assertEquals(299, balance(ada));
    assertEquals(Long.valueOf(5), scope.catalog().get(mug.id()).stock(), "the unit taken first was given back");
    assertEquals(entries, history(ada).size());
    assertTrue(events(EventType.REWARD_REDEEMED).isEmpty());
    assertTrue(events(EventType.POINTS_DEDUCTED).isEmpty());

    award(ada, 1);
    assertEquals(0, scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), "o-1").balance(),
        "the key of a refused request is free for the retry");
  }

  @Test
  void outOfStockLeavesPointsAndStockUntouched() {
    Participant ada = enrol("ada@example.com", 1_000);
    Participant bob = enrol("bob@example.com", 1_000);
    CatalogReward last = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Last mug", 100, RewardType.CUSTOM).withStock(1));
    CatalogReward none = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "No mug", 100, RewardType.CUSTOM).withStock(0));

    scope.catalog().redeem(ParticipantRef.id(ada.id()), last.id(), null);
    LoyaltyException gone = assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(ParticipantRef.id(bob.id()), last.id(), "b-1"));
    LoyaltyException never = assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(ParticipantRef.id(bob.id()), none.id(), null));

    assertEquals(ErrorCode.OUT_OF_STOCK, gone.code());
    assertEquals(ErrorCode.OUT_OF_STOCK, never.code());
    assertEquals(409, gone.httpStatus());
    assertEquals(1_000, balance(bob));
    assertEquals(1, history(bob).size(), "only the award");
    assertEquals(Long.valueOf(0), scope.catalog().get(last.id()).stock());
    assertEquals(Long.valueOf(0), scope.catalog().get(none.id()).stock());
    assertEquals(1, events(EventType.REWARD_REDEEMED).size());
  }

  @Test
  void anInactiveRewardIsAConflictOnCatalogRewardIdAndChangesNothing() {
    Participant ada = enrol("ada@example.com", 1_000);
    CatalogReward mug = scope.catalog().create(
        new NewCatalogReward(campaign.id(), "Mug", null, 100, RewardType.CUSTOM, 2L, false));

    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), null));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertEquals("catalogRewardId", e.field().orElseThrow());
    assertEquals(1_000, balance(ada));
    assertEquals(Long.valueOf(2), scope.catalog().get(mug.id()).stock());

    scope.catalog().setActive(mug.id(), true);
    assertEquals(900, scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), null).balance());
    scope.catalog().setActive(mug.id(), false);
    assertEquals("catalogRewardId", assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), null)).field().orElseThrow());
    assertEquals(Long.valueOf(1), scope.catalog().get(mug.id()).stock());
  }

  @Test
  void aRetryWithTheSameKeyReturnsTheFirstRedemptionAndChangesNothing() {
    Participant ada = enrol("ada@example.com", 1_000);
    Participant bob = enrol("bob@example.com", 1_000);
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 300, RewardType.CUSTOM).withStock(5));
    CatalogReward tea = scope.catalog().create(NewCatalogReward.of(campaign.id(), "Tea", 10, RewardType.CUSTOM));

    Redemption first = scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), "order-1001");
    clock.advance(Duration.ofMinutes(5));
    Redemption retry = scope.catalog().redeem(ParticipantRef.email(campaign.id(), "ada@example.com"), mug.id(),
        "order-1001");

    assertTrue(retry.replayed());
    assertEquals(first.id(), retry.id());
    assertEquals(first.ledgerEntryId(), retry.ledgerEntryId());
    assertEquals(first.redeemedAt(), retry.redeemedAt());
    assertEquals(700, retry.balance());
    assertEquals(700, balance(ada));
    assertEquals(Long.valueOf(4), scope.catalog().get(mug.id()).stock());
    assertEquals(1, events(EventType.REWARD_REDEEMED).size());

    scope.catalog().setActive(mug.id(), false);
    assertTrue(scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), "order-1001").replayed(),
        "a retry is answered from the stored redemption, whatever changed since");

    assertKeyConflict(() -> scope.catalog().redeem(ParticipantRef.id(bob.id()), mug.id(), "order-1001"));
    assertKeyConflict(() -> scope.catalog().redeem(ParticipantRef.id(ada.id()), tea.id(), "order-1001"));
    assertEquals(1_000, balance(bob));
    assertEquals(700, balance(ada));
    assertEquals(Long.valueOf(4), scope.catalog().get(mug.id()).stock());
  }

  @Test
  void aKeyWhoseLedgerFormAHostPointsChangeTookIsAConflictAndChangesNothing() {
    Participant ada = enrol("ada@example.com", 1_000);
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 300, RewardType.CUSTOM).withStock(5));
    scope.points().deduct(ParticipantRef.id(ada.id()),
        PointsChange.of(300, "redemption").withDescription("Mug").withIdempotencyKey("redemption:k-1"));

    assertKeyConflict(() -> scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), "k-1"));
    assertEquals(700, balance(ada));
    assertEquals(Long.valueOf(5), scope.catalog().get(mug.id()).stock());
    assertTrue(events(EventType.REWARD_REDEEMED).isEmpty());
  }

  @Test
  void unlimitedStockNeverRunsOutAndStaysUnlimited() {
    Participant ada = enrol("ada@example.com", 1_000);
    CatalogReward tea = scope.catalog().create(NewCatalogReward.of(campaign.id(), "Tea", 10, RewardType.CUSTOM));
    for (int i = 0; i < 100; i++) {
      scope.catalog().redeem(ParticipantRef.id(ada.id()), tea.id(), "tea-" + i);
    }
    assertEquals(0, balance(ada));
    assertNull(scope.catalog().get(tea.id()).stock());
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(ParticipantRef.id(ada.id()), tea.id(), null)).code());
    assertEquals(sumOfLedger(ada), balance(ada));
  }

  @Test
  void onlyParticipantsOfTheRewardsCampaignRedeemAndBadInputIsRejectedFirst() {
    Campaign other = newCampaign(scope, "Other campaign");
    Participant outsider = scope.participants().create(other.id(), NewParticipant.withEmail("out@example.com"));
    scope.points().award(ParticipantRef.id(outsider.id()), PointsChange.of(1_000, "purchase"));
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 300, RewardType.CUSTOM).withStock(5));

    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.id(outsider.id()), mug.id(), null));
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.email(other.id(), "out@example.com"), mug.id(),
        null));
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.email(campaign.id(), "nobody@example.com"),
        mug.id(), null));
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.id(outsider.id()), 987_654L, null));
    assertValidation("idempotencyKey",
        () -> scope.catalog().redeem(ParticipantRef.id(outsider.id()), mug.id(), "has space"));
    assertValidation("idempotencyKey",
        () -> scope.catalog().redeem(ParticipantRef.id(outsider.id()), mug.id(), "k".repeat(129)));
    assertEquals(ErrorCode.VALIDATION_ERROR, assertThrows(LoyaltyException.class,
        () -> scope.catalog().redeem(null, mug.id(), null)).code());
    assertEquals(1_000, balance(outsider));
    assertEquals(Long.valueOf(5), scope.catalog().get(mug.id()).stock());
  }

  @Test
  void aRedemptionNotFoundIsNotFoundWhateverRedemptionItsKeyNames() {
    Participant ada = enrol("ada@example.com", 1_000);
    CatalogReward mug = scope.catalog().create(
        NewCatalogReward.of(campaign.id(), "Mug", 300, RewardType.CUSTOM).withStock(5));
    scope.catalog().redeem(ParticipantRef.id(ada.id()), mug.id(), "order-1");
    Campaign other = newCampaign(scope, "Other campaign");
    Participant outsider = scope.participants().create(other.id(), NewParticipant.withEmail("out@example.com"));
    scope.points().award(ParticipantRef.id(outsider.id()), PointsChange.of(1_000, "purchase"));
    TenantScope elsewhere = newTenant(engine, "Elsewhere");
    CatalogReward foreign = elsewhere.catalog().create(
        NewCatalogReward.of(newCampaign(elsewhere, "Foreign").id(), "Cup", 10, RewardType.CUSTOM));

    // Each is NOT_FOUND without a key (Catalog.redeem: "NOT_FOUND (also for a participant of another campaign than
    // the reward's)"), and must stay so with a key ada's redemption holds, as Points and Rewards answer: a CONFLICT
    // tells the caller the key is in use, and that an id it cannot see may be one.
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.id(outsider.id()), mug.id(), "order-1"));
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.id(ada.id()), 987_654L, "order-1"));
    assertNotFound(() -> scope.catalog().redeem(ParticipantRef.id(ada.id()), foreign.id(), "order-1"));
    assertEquals(1_000, balance(outsider));
    assertEquals(700, balance(ada));
    assertEquals(Long.valueOf(4), scope.catalog().get(mug.id()).stock());
  }

  @Test
  void withoutAKeyEveryRedemptionIsANewOne() {
    Participant ada = enrol("ada@example.com", 100);
    CatalogReward tea = scope.catalog().create(NewCatalogReward.of(campaign.id(), "Tea", 1, RewardType.CUSTOM));
    Redemption a = scope.catalog().redeem(ParticipantRef.id(ada.id()), tea.id(), null);
    Redemption b = scope.catalog().redeem(ParticipantRef.id(ada.id()), tea.id(), null);
    assertNotEquals(a.id(), b.id());
    assertNotEquals(a.ledgerEntryId(), b.ledgerEntryId());
    assertEquals(98, b.balance());
  }

  // ==================================================================== coupon pools: upload

  @Test
  void anUploadStoresEachCodeOnceAndReportsDuplicatesInTheUploadAndAgainstThePool() {
    CouponUpload first = scope.coupons().upload(campaign.id(), List.of("A-1", "B-2", " A-1 ", "C-3", "B-2"));
    assertEquals(3, first.added());
    assertEquals(List.of("A-1", "B-2"), first.duplicatesInUpload());
    assertEquals(List.of(), first.alreadyInPool());
    assertEquals(0, first.assignedToWaiting());
    assertEquals(3, scope.coupons().remaining(campaign.id()));

    CouponUpload second = scope.coupons().upload(campaign.id(), List.of("C-3", "D-4", "D-4", "A-1"));
    assertEquals(1, second.added());
    assertEquals(List.of("D-4"), second.duplicatesInUpload());
    assertEquals(List.of("C-3", "A-1"), second.alreadyInPool());
    assertEquals(4, scope.coupons().remaining(campaign.id()));
    assertFalse(second.toString().contains("A-1"), "toString shows counts, not codes");

    Campaign other = newCampaign(scope, "Other pool");
    assertEquals(2, scope.coupons().upload(other.id(), List.of("A-1", "Z-9")).added(), "pools are per campaign");
    assertEquals(4, scope.coupons().remaining(campaign.id()));
    assertEquals(2, scope.coupons().remaining(other.id()));
    assertTrue(scope.coupons().assigned(campaign.id(), Keyset.first(10)).items().isEmpty());
  }

  @Test
  void aBadUploadIsRejectedWholeWithoutNamingAnyCode() {
    scope.coupons().upload(campaign.id(), List.of("KEEP-1"));
    LoyaltyException e = assertValidation("codes",
        () -> scope.coupons().upload(campaign.id(), List.of("SECRET-1", "SECRET-2\u0000", "SECRET-3")));
    assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    assertFalse(e.toString().contains("SECRET"), e.toString());
    assertValidation("codes", () -> scope.coupons().upload(campaign.id(), List.of()));
    assertValidation("codes", () -> scope.coupons().upload(campaign.id(), null));
    assertValidation("codes", () -> scope.coupons().upload(campaign.id(), List.of("x".repeat(101))));
    assertValidation("codes", () -> scope.coupons().upload(campaign.id(), Arrays.asList("ok", null)));
    assertEquals(1, scope.coupons().remaining(campaign.id()), "nothing of a rejected upload is stored");

    List<String> tenThousand = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      tenThousand.add("BULK-" + i);
    }
    assertEquals(10_000, scope.coupons().upload(campaign.id(), tenThousand).added());
    tenThousand.add("BULK-10000");
    assertValidation("codes", () -> scope.coupons().upload(campaign.id(), tenThousand));
    assertEquals(10_001, scope.coupons().remaining(campaign.id()));
  }

  @Test
  void anotherTenantsOrAnUnknownCampaignIsNotFound() {
    TenantScope stranger = newTenant(engine, "Stranger");
    Campaign theirs = newCampaign(stranger, "Theirs");
    stranger.coupons().upload(theirs.id(), List.of("THEIRS-1"));
    assertNotFound(() -> scope.coupons().upload(theirs.id(), List.of("MINE-1")));
    assertNotFound(() -> scope.coupons().remaining(theirs.id()));
    assertNotFound(() -> scope.coupons().assigned(theirs.id(), Keyset.first(10)));
    assertNotFound(() -> scope.coupons().remaining(424_242L));
    assertEquals(1, stranger.coupons().remaining(theirs.id()));
  }

  // ==================================================================== coupon pools: assignment

  @Test
  void approvedCouponRewardsTakeCodesInUploadOrderAndLowAndEmptyPoolsWriteEvents() {
    scope.rewards().configure(campaign.id(), Automation.AUTO, 2);
    CampaignReward coupon = scope.rewards().define(campaign.id(), NewCampaignReward.coupon("Coupon", 1).unlimited());
    scope.coupons().upload(campaign.id(), List.of("C-1", "C-2", "C-3", "C-4", "C-5"));
    Participant ada = enrol("ada@example.com", 0);
    Participant bob = enrol("bob@example.com", 0);

    List<EarnedReward> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      got.add(unlock(ada, coupon));
    }
    assertEquals(List.of("C-1", "C-2", "C-3"), got.stream().map(EarnedReward::couponCode).toList());
    assertEquals(2, scope.coupons().remaining(campaign.id()));
    List<LoyaltyEvent> low = events(EventType.COUPON_POOL_LOW);
    assertEquals(1, low.size(), "the assignment that leaves the threshold writes the event");
    assertNull(low.get(0).participantId(), "a campaign event");
    assertEquals(campaign.id(), low.get(0).campaignId());
    Map<String, Object> lowData = FeedReads.payload(low.get(0));
    assertEquals(Long.toString(campaign.id()), lowData.get("campaignId"));
    assertEquals(2L, lowData.get("remaining"));
    assertEquals(2L, lowData.get("threshold"));

    got.add(unlock(bob, coupon));
    got.add(unlock(bob, coupon));
    assertEquals(0, scope.coupons().remaining(campaign.id()));
    assertEquals(1, events(EventType.COUPON_POOL_LOW).size(), "below the threshold: no further event");
    assertTrue(events(EventType.COUPON_POOL_EMPTY).isEmpty(), "the last code was still given");

    EarnedReward waiting = unlock(bob, coupon);
    assertNull(waiting.couponCode());
    assertEquals("coupon pool empty", waiting.waitingReason());
    List<LoyaltyEvent> empty = events(EventType.COUPON_POOL_EMPTY);
    assertEquals(1, empty.size());
    assertEquals(bob.id(), empty.get(0).participantId());
    assertEquals(Long.toString(waiting.id()), FeedReads.payload(empty.get(0)).get("earnedRewardId"));
    assertEquals(Long.toString(bob.id()), FeedReads.payload(empty.get(0)).get("participantId"));
    assertEquals(Long.toString(campaign.id()), FeedReads.payload(empty.get(0)).get("campaignId"));
    for (LoyaltyEvent event : events(EventType.COUPON_POOL_EMPTY, EventType.COUPON_POOL_LOW)) {
      for (String code : List.of("C-1", "C-2", "C-3", "C-4", "C-5")) {
        assertFalse(event.payload().contains(code), "no code in an event");
      }
    }

    List<AssignedCoupon> assigned = allAssigned(campaign.id(), 2);
    assertEquals(List.of("C-1", "C-2", "C-3", "C-4", "C-5"), assigned.stream().map(AssignedCoupon::code).toList());
    for (int i = 0; i < assigned.size(); i++) {
      AssignedCoupon a = assigned.get(i);
      assertEquals(got.get(i).id(), a.earnedRewardId());
      assertEquals(got.get(i).participantId(), a.participantId());
      assertNotNull(a.assignedAt());
      assertFalse(a.toString().contains(a.code()), "toString hides the code");
    }
  }

  /**
   * A pool that never held more than its threshold after a code (a first upload of at most that many codes) has no
   * code the threshold follows; its first assignment says it is low, once, and so does each later crossing.
   */
  @Test
  void aPoolUploadedAtOrBelowItsThresholdIsReportedLowOnceByItsFirstAssignment() {
    scope.rewards().configure(campaign.id(), Automation.AUTO, 3);
    CampaignReward coupon = scope.rewards().define(campaign.id(), NewCampaignReward.coupon("Coupon", 1).unlimited());
    scope.coupons().upload(campaign.id(), List.of("L-1", "L-2", "L-3"));
    Participant ada = enrol("ada@example.com", 0);

    assertEquals("L-1", unlock(ada, coupon).couponCode());
    List<LoyaltyEvent> low = events(EventType.COUPON_POOL_LOW);
    assertEquals(1, low.size(), "three codes and a threshold of three: low from the first assignment");
    assertEquals(2L, FeedReads.payload(low.get(0)).get("remaining"));
    assertEquals(3L, FeedReads.payload(low.get(0)).get("threshold"));
    unlock(ada, coupon);
    unlock(ada, coupon);
    scope.coupons().upload(campaign.id(), List.of("L-4"));
    assertEquals("L-4", unlock(ada, coupon).couponCode());
    assertEquals(1, events(EventType.COUPON_POOL_LOW).size(), "a refill that stays low crosses nothing");

    scope.coupons().upload(campaign.id(), List.of("L-5", "L-6", "L-7", "L-8", "L-9"));
    assertEquals("L-5", unlock(ada, coupon).couponCode());
    assertEquals(1, events(EventType.COUPON_POOL_LOW).size());
    assertEquals("L-6", unlock(ada, coupon).couponCode());
    low = events(EventType.COUPON_POOL_LOW);
    assertEquals(2, low.size(), "above the threshold again, then down to it");
    assertEquals(3L, FeedReads.payload(low.get(1)).get("remaining"));

    Campaign single = newCampaign(scope, "Single");
    scope.rewards().configure(single.id(), Automation.AUTO, 1);
    CampaignReward one = scope.rewards().define(single.id(), NewCampaignReward.coupon("One", 1).unlimited());
    scope.coupons().upload(single.id(), List.of("S-1"));
    Participant bob = scope.participants().create(single.id(), NewParticipant.withEmail("bob@example.com"));
    assertEquals("S-1", unlock(bob, one).couponCode());
    List<LoyaltyEvent> singleLow = events(EventType.COUPON_POOL_LOW).stream()
        .filter(e -> e.campaignId() == single.id()).toList();
    assertEquals(1, singleLow.size(), "a pool of one code below a threshold of one");
    assertEquals(0L, FeedReads.payload(singleLow.get(0)).get("remaining"));
  }

  @Test
  void aRewardWaitingForACodeGetsOneOnUploadOldestFirst() {
    CampaignReward coupon = scope.rewards().define(campaign.id(), NewCampaignReward.coupon("Coupon", 1).unlimited());
    Participant ada = enrol("ada@example.com", 0);
    Participant bob = enrol("bob@example.com", 0);
    EarnedReward first = unlock(ada, coupon);
    clock.advance(Duration.ofSeconds(1));
    EarnedReward second = unlock(bob, coupon);
    clock.advance(Duration.ofSeconds(1));
    EarnedReward third = unlock(ada, coupon);
    for (EarnedReward r : List.of(first, second, third)) {
      assertNull(r.couponCode());
      assertEquals("coupon pool empty", r.waitingReason());
    }
    assertEquals(3, events(EventType.COUPON_POOL_EMPTY).size());

    CouponUpload upload = scope.coupons().upload(campaign.id(), List.of("W-1", "W-2", "W-1"));
    assertEquals(2, upload.added());
    assertEquals(2, upload.assignedToWaiting());
    assertEquals(0, scope.coupons().remaining(campaign.id()));
    assertEquals("W-1", scope.rewards().getEarned(first.id()).couponCode());
    assertEquals("W-2", scope.rewards().getEarned(second.id()).couponCode());
    assertNull(scope.rewards().getEarned(first.id()).waitingReason(), "the reason is cleared");
    assertEquals("coupon pool empty", scope.rewards().getEarned(third.id()).waitingReason());
    assertEquals(3, events(EventType.COUPON_POOL_EMPTY).size(), "an upload writes no new empty-pool event");

    CouponUpload more = scope.coupons().upload(campaign.id(), List.of("W-2", "W-3", "W-4"));
    assertEquals(List.of("W-2"), more.alreadyInPool());
    assertEquals(2, more.added());
    assertEquals(1, more.assignedToWaiting());
    assertEquals("W-3", scope.rewards().getEarned(third.id()).couponCode());
    assertEquals(1, scope.coupons().remaining(campaign.id()));
    assertEquals(List.of("W-1", "W-2", "W-3"),
        allAssigned(campaign.id(), 100).stream().map(AssignedCoupon::code).toList());
  }

  // ==================================================================== helpers

  private LoyaltyEngine newEngine(InMemoryStorage storage) {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(storage)
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .build();
    engines.add(e);
    return e;
  }

  private static TenantScope newTenant(LoyaltyEngine e, String name) {
    return e.forTenant(e.tenants().create(NewTenant.business(name)).id());
  }

  private static Campaign newCampaign(TenantScope tenant, String name) {
    Brand brand = tenant.brands().create(new NewBrand(name, "https://" + name.toLowerCase().replace(' ', '-')
        + ".example.com"));
    return tenant.campaigns().create(NewCampaign.running(brand.id(), name));
  }

  private Participant enrol(String email, long points) {
    Participant p = scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
    if (points > 0) {
      award(p, points);
    }
    return p;
  }

  private void award(Participant p, long points) {
    scope.points().award(ParticipantRef.id(p.id()), PointsChange.of(points, "purchase"));
  }

  private long balance(Participant p) {
    return scope.participants().get(ParticipantRef.id(p.id())).pointsBalance();
  }

  private List<LedgerEntry> history(Participant p) {
    return history(scope, p);
  }

  private long sumOfLedger(Participant p) {
    return sumOfLedger(scope, p);
  }

  /** A participant's whole ledger, newest first, read page by page. */
  private static List<LedgerEntry> history(TenantScope tenant, Participant p) {
    List<LedgerEntry> all = new ArrayList<>();
    Keyset page = Keyset.first(100);
    while (true) {
      CursorPage<LedgerEntry> read = tenant.points().history(ParticipantRef.id(p.id()), page);
      all.addAll(read.items());
      if (!read.hasMore()) {
        return all;
      }
      page = Keyset.after(read.nextId(), 100);
    }
  }

  private static long sumOfLedger(TenantScope tenant, Participant p) {
    long sum = 0;
    for (LedgerEntry e : history(tenant, p)) {
      sum = Math.addExact(sum, e.kind() == LedgerEntryKind.AWARD ? e.amount() : -e.amount());
    }
    return sum;
  }

  /** Records one action toward the reward and returns the reward it unlocked, read after its approval. */
  private EarnedReward unlock(Participant p, CampaignReward reward) {
    List<EarnedReward> unlocked = scope.rewards()
        .recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id())).unlocked();
    assertEquals(1, unlocked.size());
    return scope.rewards().getEarned(unlocked.get(0).id());
  }

  private List<AssignedCoupon> allAssigned(long campaignId, int pageSize) {
    return allAssigned(scope, campaignId, pageSize);
  }

  /** A pool's assigned codes, read page by page; checks that pages follow each other in id order. */
  private static List<AssignedCoupon> allAssigned(TenantScope tenant, long campaignId, int pageSize) {
    List<AssignedCoupon> all = new ArrayList<>();
    Keyset page = Keyset.first(pageSize);
    while (true) {
      CursorPage<AssignedCoupon> read = tenant.coupons().assigned(campaignId, page);
      assertTrue(read.items().size() <= pageSize);
      for (AssignedCoupon a : read.items()) {
        assertTrue(all.isEmpty() || all.get(all.size() - 1).id() < a.id(), "ids ascend across pages");
        all.add(a);
      }
      if (!read.hasMore()) {
        return all;
      }
      assertEquals(pageSize, read.items().size());
      page = Keyset.after(read.nextId(), pageSize);
    }
  }

  /** The scope's events of these types, after dispatching everything committed, in feed order. */
  private List<LoyaltyEvent> events(EventType... types) {
    return FeedReads.events(engine, scope, EventFilter.types(types));
  }

  private static LoyaltyException assertValidation(String field, org.junit.jupiter.api.function.Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), e::toString);
    assertEquals(field, e.field().orElseThrow());
    return e;
  }

  private static void assertNotFound(org.junit.jupiter.api.function.Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.NOT_FOUND, e.code(), e::toString);
  }

  private static void assertKeyConflict(org.junit.jupiter.api.function.Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.CONFLICT, e.code(), e::toString);
    assertEquals("idempotencyKey", e.field().orElseThrow());
  }
}
