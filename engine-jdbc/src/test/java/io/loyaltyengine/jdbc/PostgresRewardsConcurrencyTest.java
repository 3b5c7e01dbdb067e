package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
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
 * Rewards under contention: two engine instances on one PostgreSQL database, eight threads each. Stock, coupon codes
 * and goal cycles are handed out exactly once however many requests arrive together.
 */
class PostgresRewardsConcurrencyTest {
  private static final int THREADS_PER_ENGINE = 8;

  private final PostgresFixture fixture = new PostgresFixture();
  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final List<TenantScope> scopes = new ArrayList<>();
  private long campaign;

  @BeforeEach
  void openTwoEngines() {
    for (int i = 0; i < 2; i++) {
      engines.add(LoyaltyEngine.builder()
          .storage(fixture.openStorage())
          .nodeId(i + 1)
          .events(EventSettings.builder().manualDispatch().build())
          .build());
    }
    long tenant = engines.get(0).tenants().create(NewTenant.business("Contention")).id();
    for (LoyaltyEngine engine : engines) {
      scopes.add(engine.forTenant(tenant));
    }
    long brand = scopes.get(0).brands().create(new NewBrand("Contention", "contention.example.com")).id();
    campaign = scopes.get(0).campaigns().create(NewCampaign.running(brand, "Contention")).id();
  }

  @AfterEach
  void close() {
    engines.forEach(LoyaltyEngine::close);
    fixture.close();
  }

  @Test
  void fiveHundredRedemptionsAgainstAStockOfOneHundredSucceedExactlyOneHundredTimes() throws Exception {
    TenantScope first = scopes.get(0);
    CatalogReward tin = first.catalog().create(NewCatalogReward.of(campaign, "Tea tin", 10, RewardType.CUSTOM_MESSAGE)
        .withStock(100));
    List<Long> participants = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      long id = first.participants().create(campaign, NewParticipant.withEmail("redeemer" + i + "@example.com")).id();
      first.points().award(ParticipantRef.id(id), PointsChange.of(1_000, "seed"));
      participants.add(id);
    }
    AtomicInteger redeemed = new AtomicInteger();
    AtomicInteger outOfStock = new AtomicInteger();
    runConcurrently(500, (scope, i) -> {
      try {
        scope.catalog().redeem(ParticipantRef.id(participants.get(i % participants.size())), tin.id(), null);
        redeemed.incrementAndGet();
      } catch (LoyaltyException e) {
        assertEquals(ErrorCode.OUT_OF_STOCK, e.code(), e.toString());
        outOfStock.incrementAndGet();
      }
    });
    assertEquals(100, redeemed.get());
    assertEquals(400, outOfStock.get());
    assertEquals(0L, first.catalog().get(tin.id()).stock());
    long spent = 0;
    for (long id : participants) {
      spent += 1_000 - first.participants().get(ParticipantRef.id(id)).pointsBalance();
    }
    assertEquals(100 * 10, spent, "points were taken from the hundred redemptions only");
  }

  @Test
  void twelveThousandAssignmentsAgainstAPoolOfTenThousandCodesHandEachCodeOutOnce() throws Exception {
    TenantScope first = scopes.get(0);
    first.rewards().configure(campaign, Automation.AUTO, 1_000);
    CampaignReward coupon = first.rewards().define(campaign, NewCampaignReward.coupon("Coupon", 1).unlimited());
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      codes.add("CODE-" + i);
    }
    for (int from = 0; from < codes.size(); from += 5_000) {
      first.coupons().upload(campaign, codes.subList(from, from + 5_000));
    }
    Map<Long, String> given = new ConcurrentHashMap<>();
    AtomicInteger waiting = new AtomicInteger();
    runConcurrently(12_000, (scope, i) -> {
      ActionResult result = scope.rewards().recordAction(
          LoyaltyAction.of(ParticipantRef.email(campaign, "shopper" + (i % 1_200) + "@example.com"), coupon.id()));
      assertEquals(1, result.unlocked().size());
      EarnedReward earned = result.unlocked().get(0);
      if (earned.couponCode() != null) {
        assertTrue(given.put(earned.id(), earned.couponCode()) == null);
      } else {
        assertEquals("coupon pool empty", earned.waitingReason());
        waiting.incrementAndGet();
      }
    });
    assertEquals(10_000, given.size(), "every code assigned");
    assertEquals(10_000, new HashSet<>(given.values()).size(), "no code assigned twice");
    assertTrue(new HashSet<>(codes).containsAll(given.values()), "every assigned code comes from the pool");
    assertEquals(2_000, waiting.get());
    assertEquals(0, first.coupons().remaining(campaign));
    assertEquals(1, poolLowEvents(), "the pool passed its low-stock threshold once, and said so once");
    Set<String> listed = new HashSet<>();
    Long cursor = null;
    do {
      var page = first.coupons().assigned(campaign, cursor == null ? Keyset.first(100) : Keyset.after(cursor, 100));
      listed.addAll(page.items().stream().map(AssignedCoupon::code).collect(Collectors.toSet()));
      cursor = page.nextId();
    } while (cursor != null);
    assertEquals(new HashSet<>(given.values()), listed);
  }

  /**
   * Two approvals assigning at once each see the other's code as still free (SKIP LOCKED lets them pass each other):
   * counted as free codes left, seven codes less two made six for both, and the pool reached its threshold of five
   * without a {@code coupon.pool_low} event.
   */
  @Test
  void twoApprovalsAssigningAtOnceThatReachTheLowStockThresholdWriteOnePoolLowEvent() throws Exception {
    TenantScope first = scopes.get(0);
    first.rewards().configure(campaign, Automation.MANUAL, 5);
    CampaignReward coupon = first.rewards().define(campaign, NewCampaignReward.coupon("Coupon", 1).unlimited());
    List<EarnedReward> pending = new ArrayList<>();
    for (String email : List.of("ann@example.com", "bob@example.com")) {
      pending.add(first.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, email), coupon.id()))
          .unlocked().get(0));
    }
    first.coupons().upload(campaign, List.of("C1", "C2", "C3", "C4", "C5", "C6", "C7"));
    try (Connection c = fixture.connect()) {
      c.setAutoCommit(false);
      // The first approval holds its code, uncommitted, while the second takes the next one and commits.
      EarnedReward held = first.joining(JdbcHostTransaction.of(c)).rewards().approve(pending.get(0).id(), false);
      EarnedReward committed = scopes.get(1).rewards().approve(pending.get(1).id(), false);
      assertEquals(List.of("C1", "C2"), List.of(held.couponCode(), committed.couponCode()));
      c.commit();
    }
    assertEquals(5, first.coupons().remaining(campaign));
    assertEquals(1, poolLowEvents());
  }

  /**
   * A pool uploaded below its threshold says it is low with the assignment of its first code, on whichever instance
   * takes it: not with the second code, which an approval takes past the first one held uncommitted, and once the
   * first one's holder rolled back, with the approval that takes the first code then.
   */
  @Test
  void aPoolUploadedBelowItsThresholdIsLowOnceWhicheverApprovalTakesItsFirstCode() throws Exception {
    TenantScope first = scopes.get(0);
    first.rewards().configure(campaign, Automation.MANUAL, 5);
    CampaignReward coupon = first.rewards().define(campaign, NewCampaignReward.coupon("Coupon", 1).unlimited());
    List<EarnedReward> pending = new ArrayList<>();
    for (String email : List.of("ann@example.com", "bob@example.com", "cy@example.com")) {
      pending.add(first.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, email), coupon.id()))
          .unlocked().get(0));
    }
    first.coupons().upload(campaign, List.of("C1", "C2", "C3"));
    try (Connection c = fixture.connect()) {
      c.setAutoCommit(false);
      EarnedReward held = first.joining(JdbcHostTransaction.of(c)).rewards().approve(pending.get(0).id(), false);
      EarnedReward committed = scopes.get(1).rewards().approve(pending.get(1).id(), false);
      assertEquals(List.of("C1", "C2"), List.of(held.couponCode(), committed.couponCode()));
      c.rollback();
    }
    assertEquals(0, poolLowEvents(), "the first code's assignment rolled back; the second's is not the first");
    assertEquals("C1", scopes.get(1).rewards().approve(pending.get(2).id(), false).couponCode());
    assertEquals(1, poolLowEvents());
    assertEquals(1, first.coupons().remaining(campaign));
  }

  @Test
  void oneHundredConcurrentActionsTowardAGoalOfTenWithALimitOfThreeUnlockExactlyThree() throws Exception {
    TenantScope first = scopes.get(0);
    CampaignReward reward = first.rewards().define(campaign, NewCampaignReward.points("Ten for ten", 10, 10)
        .withLimit(3));
    long participant = first.participants().create(campaign, NewParticipant.withEmail("goal@example.com")).id();
    AtomicInteger unlocks = new AtomicInteger();
    runConcurrently(100, (scope, i) -> unlocks.addAndGet(scope.rewards()
        .recordAction(LoyaltyAction.of(ParticipantRef.id(participant), reward.id())).unlocked().size()));
    assertEquals(3, unlocks.get());
    assertEquals(3, first.rewards().earned(ParticipantRef.id(participant), Keyset.first(100)).items().size());
    assertEquals(100, first.rewards().counts(ParticipantRef.id(participant), reward.id()).rewardAllTime());
    assertEquals(30, first.participants().get(ParticipantRef.id(participant)).pointsBalance(),
        "three POINTS rewards approved at once (AUTO), credited once each");
  }

  /** The {@code coupon.pool_low} events written, positioned or not. */
  private long poolLowEvents() throws SQLException {
    try (Connection c = fixture.connect();
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT COUNT(*) FROM event_outbox WHERE type = '" + EventType.COUPON_POOL_LOW.wireName() + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Runs {@code total} calls spread over both engines' threads, all released together. */
  private void runConcurrently(int total, Call call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS_PER_ENGINE * engines.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS_PER_ENGINE * engines.size(); t++) {
        TenantScope scope = scopes.get(t % scopes.size());
        workers.add(pool.submit((Callable<Void>) () -> {
          start.await();
          for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
            call.run(scope, i);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface Call {
    void run(TenantScope scope, int index) throws Exception;
  }
}
