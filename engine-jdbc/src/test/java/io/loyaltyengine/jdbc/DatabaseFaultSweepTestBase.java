package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SigningKeyInfo;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.math.BigDecimal;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every JDBC call of an operation failing in turn: the k-th statement prepared, savepoint set or released, or commit of
 * the operation on the calling thread fails (the connection lost, SQLState 08006, every later call on it 08003; the
 * commit lost after it committed; or a serialization failure, 40001, on a connection that stays usable), for every k up
 * to 10 and, of an operation making more than 16 calls, for one in its middle and its last four. Each time the caller
 * gets a {@link LoyaltyException} or its result, nothing is half applied (each balance is the sum of its ledger, a
 * catalog reward's stock and its redemptions add up to what it was given, each participant's events are the ones
 * numbered under its row, no row outlives its participant, coupon codes and the rewards holding them agree and none
 * waits while its pool has a free code, a points reward is credited exactly while approved, each quest completion has
 * its points and a completed quest its bonus, a participant signed on has its mapping, a month's winners are recorded
 * whole), a retry with the same idempotency key (or the same call again) applies the operation once, and what the
 * engine answers from memory (API keys, signing keys, the leaderboard index, which shows this engine's own writes at
 * once) agrees with what committed. Covered: award, deduct, bulk points (in one go and behind savepoints), loyalty
 * action, redemption, enrolment, referral signup and conversion, API key revocation, signing-key rotation and
 * retirement, coupon upload to a waiting reward, approval (points, coupon) and fulfilment, quest task completion,
 * metadata update, participant deletion, single sign-on of a new customer, webhook endpoint creation and disabling,
 * and a month's winners.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class DatabaseFaultSweepTestBase {
  /** How a call fails. */
  enum Fault {
    /** The connection is lost at the call (a commit did not commit). */
    LOST,
    /** A commit commits and then its answer is lost; a statement is lost as for {@link #LOST}. */
    LOST_AFTER_COMMIT,
    /** The call fails with a serialization failure (a commit is rolled back); the connection stays usable. */
    SERIALIZATION
  }

  private HikariDataSource pool;
  private final TestEngines engines = new TestEngines();
  /** Stands still: the leaderboard index catches up with storage only when it moves, so it shows its own writes. */
  private final SettableClock clock = SettableClock.at(Instant.parse("2026-03-10T12:00:00Z"));
  private LoyaltyEngine engine;
  /** The thread whose calls count; null: none. */
  private volatile Thread armedFor;
  /** Calls left before the failing one (counted on {@link #armedFor}'s calls only). */
  private final AtomicInteger callsLeft = new AtomicInteger();
  /** Calls made while armed. */
  private final AtomicInteger calls = new AtomicInteger();
  private volatile Fault fault;
  private volatile boolean failed;
  /** The call lost before the one that fails as armed (0: none): sends a bulk chunk behind savepoints first. */
  private volatile int lostFirstAt;

  /** A new pool on a fresh database of the backend. */
  abstract HikariDataSource openPool();

  /** Drops what {@link #openPool} made, once its pool is closed. */
  void closeDatabase() {
  }

  @BeforeEach
  void open() {
    pool = openPool();
    engine = engines.build(engines.builder(JdbcStorage.builder().dataSource(failing(pool)).build(), 0)
        .clock(clock)
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_ALL))
        .access(AccessSettings.builder().plan("free", 1_000_000, Duration.ofMinutes(1)).defaultPlan("free")
            .build()));
  }

  @AfterEach
  void close() {
    engines.close();
    pool.close();
    closeDatabase();
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyCallOfAnOperationFailingLeavesNothingHalfAppliedAndAKeyedRetryAppliesOnce(Fault kind) {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Sweep")).id());
    Brand brand = shop.brands().create(new NewBrand("Sweep", "https://sweep.example"));
    Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Sweep"));
    long ada = shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com")).id();
    ParticipantRef adaRef = ParticipantRef.id(ada);
    shop.points().award(adaRef, PointsChange.of(1_000_000, "opening"));
    CampaignReward loyal = shop.rewards().define(campaign.id(), NewCampaignReward.points("Loyal", 7, 2));
    CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tin", 10,
        RewardType.CUSTOM_MESSAGE).withStock(1_000));
    AtomicInteger n = new AtomicInteger();

    sweep(kind, "award", () -> {
      String key = "award-" + n.incrementAndGet();
      return new Operation(() -> shop.points().award(adaRef, PointsChange.of(3, "purchase").withIdempotencyKey(key)),
          () -> indexAgreesWithStorage(shop, adaRef, BoardMetric.POINTS));
    });
    sweep(kind, "deduct", () -> {
      String key = "deduct-" + n.incrementAndGet();
      return new Operation(
          () -> shop.points().deduct(adaRef, PointsChange.of(2, "redemption").withIdempotencyKey(key)));
    });
    sweep(kind, "action", () -> {
      String key = "action-" + n.incrementAndGet();
      return new Operation(
          () -> shop.rewards().recordAction(LoyaltyAction.of(adaRef, loyal.id()).withIdempotencyKey(key)),
          () -> indexAgreesWithStorage(shop, adaRef, BoardMetric.ACTIONS));
    });
    sweep(kind, "redeem", () -> {
      String key = "redeem-" + n.incrementAndGet();
      return new Operation(() -> shop.catalog().redeem(adaRef, tin.id(), key));
    });
    sweep(kind, "enrol", () -> {
      String email = "p" + n.incrementAndGet() + "@example.com";
      return new Operation(() -> shop.participants().create(campaign.id(), NewParticipant.withEmail(email)));
    });
    shop.referrals().configure(ReferralSettings.defaults(campaign.id())
        .withConversionPoints(ConversionPoints.fixed(25)));
    String code = shop.referrals().codes(adaRef).shortCode();
    sweep(kind, "signup", () -> {
      String email = "invited" + n.incrementAndGet() + "@example.com";
      return new Operation(() -> shop.referrals().signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail(email), code)));
    });
    sweep(kind, "convert", () -> {
      String order = "order-" + n.incrementAndGet();
      return new Operation(() -> shop.referrals().convert(campaign.id(),
          new NewConversion(code, order, new BigDecimal("40"))));
    });
    sweep(kind, "revoke", () -> {
      IssuedApiKey issued = shop.apiKeys().issue(NewApiKey.of("till", ApiScope.READ));
      engine.access().authenticate(issued.secret(), ApiScope.READ); // cached live
      return new Operation(() -> shop.apiKeys().revoke(issued.key().id()), () -> keyAgreesWithStorage(shop, issued));
    });
    sweep(kind, "rotate", () -> {
      keepOnlyTheSigningKey(shop); // each run makes a key or two: kept under Referrals.MAX_SIGNING_KEYS
      return new Operation(shop.referrals()::rotateSigningKey, () -> {
        String signed = shop.referrals().codes(adaRef).signed();
        assertEquals(ada, shop.referrals().decode(campaign.id(), signed).participantId(), "a signed code verifies");
      });
    });
    sweep(kind, "retire", () -> {
      keepOnlyTheSigningKey(shop);
      String underOld = shop.referrals().codes(adaRef).signed(); // cached: the retiring engine must forget it
      int old = shop.referrals().signingKeys().get(0).keyId();
      shop.referrals().rotateSigningKey();
      return new Operation(() -> {
        shop.referrals().retireSigningKey(old);
        return old;
      }, () -> signingKeyAgreesWithStorage(shop, campaign.id(), underOld, old),
          () -> assertEquals(List.of(old + 1), shop.referrals().signingKeys().stream().map(SigningKeyInfo::keyId)
              .toList(), "key " + old + " retired"));
    });
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyCallOfTheFeaturesOperationsFailingLeavesNothingHalfApplied(Fault kind) {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Sweep")).id());
    Brand brand = shop.brands().create(new NewBrand("Sweep", "https://sweep.example"));
    Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Sweep"));
    ParticipantRef ada = ParticipantRef.id(
        shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com")).id());
    ParticipantRef bob = ParticipantRef.id(
        shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com")).id());
    ParticipantRef cy = ParticipantRef.id(
        shop.participants().create(campaign.id(), NewParticipant.withEmail("cy@example.com")).id());
    shop.points().award(ada, PointsChange.of(1_000_000, "opening"));
    AtomicInteger n = new AtomicInteger();

    // Bulk points: a LOST connection in the run in one go sends the chunk behind savepoints, whose calls come next.
    int chunkCalls = sweep(kind, "applyAll", () -> {
      String key = "bulk-" + n.incrementAndGet() + "-";
      List<PointsOperation> operations = List.of(
          PointsOperation.award(ada, PointsChange.of(5, "import").withIdempotencyKey(key + "a")),
          PointsOperation.award(bob, PointsChange.of(4, "import").withIdempotencyKey(key + "b")),
          PointsOperation.deduct(ada, PointsChange.of(2, "refund").withIdempotencyKey(key + "c")),
          PointsOperation.deduct(cy, PointsChange.of(1, "refund").withIdempotencyKey(key + "d")));
      return new Operation(() -> bulk(shop, operations), () -> indexAgreesWithStorage(shop, bob, BoardMetric.POINTS),
          () -> {
            for (String applied : List.of("a", "b", "c")) {
              assertEquals(1, count("SELECT COUNT(*) FROM ledger_entry WHERE idempotency_key = '" + key + applied
                  + "'"), key + applied + " applied once");
            }
            assertEquals(0, count("SELECT COUNT(*) FROM ledger_entry WHERE idempotency_key = '" + key + "d'"),
                "an overdraft applies nothing");
          });
    });

    // The same chunk behind savepoints: its run in one go loses its connection at the call before its last.
    lostFirstAt = chunkCalls - 1;
    sweep(kind, "applyAll behind savepoints", () -> {
      String key = "careful-" + n.incrementAndGet() + "-";
      List<PointsOperation> operations = List.of(
          PointsOperation.award(ada, PointsChange.of(5, "import").withIdempotencyKey(key + "a")),
          PointsOperation.award(bob, PointsChange.of(4, "import").withIdempotencyKey(key + "b")),
          PointsOperation.deduct(ada, PointsChange.of(2, "refund").withIdempotencyKey(key + "c")),
          PointsOperation.deduct(cy, PointsChange.of(1, "refund").withIdempotencyKey(key + "d")));
      return new Operation(() -> bulk(shop, operations), () -> indexAgreesWithStorage(shop, ada, BoardMetric.POINTS),
          () -> {
            for (String applied : List.of("a", "b", "c")) {
              assertEquals(1, count("SELECT COUNT(*) FROM ledger_entry WHERE idempotency_key = '" + key + applied
                  + "'"), key + applied + " applied once");
            }
          });
    });
    lostFirstAt = 0;

    // Coupons: each round a reward of an AUTO campaign waits for a code, and an upload brings one.
    Campaign coupons = shop.campaigns().create(NewCampaign.running(brand.id(), "Coupons"));
    CampaignReward coupon = shop.rewards().define(coupons.id(),
        NewCampaignReward.coupon("Coupon", 1).unlimited());
    ParticipantRef dee = ParticipantRef.id(
        shop.participants().create(coupons.id(), NewParticipant.withEmail("dee@example.com")).id());
    sweep(kind, "upload", () -> {
      int i = n.incrementAndGet();
      EarnedReward waiting = onlyUnlocked(shop.rewards().recordAction(LoyaltyAction.of(dee, coupon.id())).unlocked());
      assertEquals(null, waiting.couponCode(), "the pool is empty");
      return new Operation(() -> shop.coupons().upload(coupons.id(), List.of("CODE-" + i)), () -> { }, () ->
          assertEquals("CODE-" + i, shop.rewards().getEarned(waiting.id()).couponCode(), "the waiting reward's code"));
    });

    // Approvals and fulfilments in a MANUAL campaign, its pool stocked.
    Campaign manual = shop.campaigns().create(NewCampaign.running(brand.id(), "Manual"));
    shop.rewards().configure(manual.id(), Automation.MANUAL, 0);
    CampaignReward points = shop.rewards().define(manual.id(),
        NewCampaignReward.points("Points", 9, 1).unlimited());
    CampaignReward manualCoupon = shop.rewards().define(manual.id(),
        NewCampaignReward.coupon("Coupon", 1).unlimited());
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      codes.add("STOCK-" + i);
    }
    shop.coupons().upload(manual.id(), codes);
    ParticipantRef eve = ParticipantRef.id(
        shop.participants().create(manual.id(), NewParticipant.withEmail("eve@example.com")).id());
    for (CampaignReward reward : List.of(points, manualCoupon)) {
      sweep(kind, "approve " + reward.type(), () -> {
        EarnedReward pending = onlyUnlocked(shop.rewards().recordAction(LoyaltyAction.of(eve, reward.id()))
            .unlocked());
        return new Operation(() -> shop.rewards().approve(pending.id(), false), () -> { }, () ->
            assertEquals(EarnedRewardStatus.APPROVED, shop.rewards().getEarned(pending.id()).status(), "approved"));
      });
    }
    sweep(kind, "fulfil", () -> {
      EarnedReward pending = onlyUnlocked(shop.rewards().recordAction(LoyaltyAction.of(eve, points.id())).unlocked());
      shop.rewards().approve(pending.id(), false);
      return new Operation(() -> shop.rewards().fulfil(pending.id()), () -> { }, () ->
          assertEquals(EarnedRewardStatus.FULFILLED, shop.rewards().getEarned(pending.id()).status(), "fulfilled"));
    });

    // The last task of a quest, which completes it (its bonus too).
    Quest quest = shop.quests().create(new NewQuest(campaign.id(), "Quest", "Three steps",
        List.of(new NewQuestTask("One", 5), new NewQuestTask("Two", 6), new NewQuestTask("Three", 7)), 10));
    sweep(kind, "completeTask", () -> {
      ParticipantRef who = ParticipantRef.id(shop.participants().create(campaign.id(),
          NewParticipant.withEmail("quester" + n.incrementAndGet() + "@example.com")).id());
      shop.quests().completeTask(who, quest.id(), 1);
      shop.quests().completeTask(who, quest.id(), 2);
      return new Operation(() -> shop.quests().completeTask(who, quest.id(), 3),
          () -> indexAgreesWithStorage(shop, who, BoardMetric.POINTS), () -> assertEquals(List.of(1, 2, 3),
              shop.quests().progress(who, quest.id()).completedTasks(), "every task completed"));
    });

    // A metadata patch.
    sweep(kind, "update", () -> {
      int i = n.incrementAndGet();
      return new Operation(() -> shop.participants().update(ada, ParticipantUpdate.builder().metadata("visits", i)
          .build()), () -> { }, () -> assertEquals(String.valueOf(i),
              String.valueOf(shop.participants().get(ada).metadata().get("visits")), "the patch applied"));
    });

    // A deletion of a participant with points, counters, a reward, a quest completion and a customer mapping.
    CampaignReward loyal = shop.rewards().define(campaign.id(), NewCampaignReward.points("Loyal", 7, 1));
    sweep(kind, "delete", () -> {
      int i = n.incrementAndGet();
      long id = shop.participants().create(campaign.id(), NewParticipant.withEmail("gone" + i + "@example.com")).id();
      ParticipantRef who = ParticipantRef.id(id);
      shop.points().award(who, PointsChange.of(3, "purchase").withIdempotencyKey("gone-" + i));
      shop.rewards().recordAction(LoyaltyAction.of(who, loyal.id()));
      shop.quests().completeTask(who, quest.id(), 1);
      shop.customerMappings().map(campaign.id(), "gone-" + i, who);
      indexAgreesWithStorage(shop, who, BoardMetric.POINTS); // on the index
      return new Operation(() -> {
        shop.participants().delete(who);
        return "deleted";
      }, () -> rankAgreesWithStorage(shop, campaign.id(), id), () -> assertEquals(0,
          count("SELECT COUNT(*) FROM participant WHERE participant_id = " + id), "deleted"));
    });

    // Single sign-on of new customers: a participant and its mapping.
    Campaign sso = shop.campaigns().create(NewCampaign.running(brand.id(), "Sso"));
    String secret = shop.singleSignOn().rotateSecret().secret();
    sweep(kind, "recognize", () -> {
      int i = n.incrementAndGet();
      SsoLogin login = SsoSignatures.login(secret, sso.id(), "customer-" + i, "sso" + i + "@example.com",
          clock.instant().getEpochSecond());
      return new Operation(() -> shop.singleSignOn().recognize(login), () -> { }, () -> assertEquals(
          shop.customerMappings().find(sso.id(), "customer-" + i).orElseThrow().participantId(),
          shop.participants().get(ParticipantRef.email(sso.id(), "sso" + i + "@example.com")).id(), "mapped"));
    });

    // Webhook endpoints: created, disabled. Each round starts with none, a tenant having at most 20.
    sweep(kind, "createEndpoint", () -> {
      shop.webhooks().list().forEach(e -> shop.webhooks().delete(e.id()));
      shop.participants().update(ada, ParticipantUpdate.builder().tier("t" + n.incrementAndGet()).build());
      return new Operation(() -> shop.webhooks().create(NewWebhookEndpoint.of("https://hooks.example.com/a")));
    });
    sweep(kind, "disableEndpoint", () -> {
      shop.webhooks().list().forEach(e -> shop.webhooks().delete(e.id()));
      shop.participants().update(ada, ParticipantUpdate.builder().tier("t" + n.incrementAndGet()).build());
      long endpoint = shop.webhooks().create(NewWebhookEndpoint.of("https://hooks.example.com/b")).endpoint().id();
      shop.participants().update(ada, ParticipantUpdate.builder().tier("t" + n.incrementAndGet()).build());
      return new Operation(() -> shop.webhooks().disable(endpoint), () -> { },
          () -> assertTrue(!shop.webhooks().get(endpoint).enabled(), "disabled"));
    });
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyCallOfRecordingAMonthsWinnersFailingLeavesOneRecord(Fault kind) {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Sweep")).id());
    Brand brand = shop.brands().create(new NewBrand("Sweep", "https://sweep.example"));
    List<Long> campaigns = new ArrayList<>();
    for (int c = 0; c < 20; c++) {
      long campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Month " + c)).id();
      campaigns.add(campaign);
      for (int p = 1; p <= 3; p++) {
        long id = shop.participants().create(campaign, NewParticipant.withEmail("p" + p + "@example.com")).id();
        shop.points().award(ParticipantRef.id(id), PointsChange.of(p * 10, "purchase"));
      }
    }
    clock.set(Instant.parse("2026-04-01T00:05:00Z"));
    AtomicInteger n = new AtomicInteger();
    sweep(kind, "winners", () -> {
      long campaign = campaigns.get(n.getAndIncrement());
      AtomicReference<Object> first = new AtomicReference<>();
      return new Operation(() -> {
        MonthWinners got = shop.leaderboards().winners(campaign, YearMonth.of(2026, 3), BoardMetric.POINTS);
        first.compareAndSet(null, got);
        return got;
      }, () -> { }, () -> {
        MonthWinners stored = shop.leaderboards().winners(campaign, YearMonth.of(2026, 3), BoardMetric.POINTS);
        assertEquals(List.of(30L, 20L, 10L), stored.winners().stream().map(BoardEntry::score).toList(),
            "the month's winners");
        assertEquals(stored, first.get(), "every answer is the one record");
      });
    });
    assertEquals(List.of(), rows("SELECT w.campaign_id, COUNT(r.position) FROM month_winners w"
        + " LEFT JOIN month_winner r ON r.tenant_id = w.tenant_id AND r.campaign_id = w.campaign_id"
        + " AND r.metric = w.metric AND r.year_month = w.year_month GROUP BY w.campaign_id"
        + " HAVING COUNT(r.position) <> 3"),
        "a record without its rows");
  }

  /** The outcomes of a bulk call, or the STORAGE_UNAVAILABLE one of them got (the others are this test's refusal). */
  private static List<PointsOutcome> bulk(TenantScope shop, List<PointsOperation> operations) {
    List<PointsOutcome> outcomes = shop.points().applyAll(operations);
    for (PointsOutcome outcome : outcomes) {
      if (!outcome.succeeded() && outcome.error().code() == ErrorCode.STORAGE_UNAVAILABLE) {
        throw outcome.error();
      }
    }
    for (int i = 0; i < 3; i++) {
      assertTrue(outcomes.get(i).succeeded(), () -> "applied: " + outcomes);
    }
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, outcomes.get(3).error().code(), () -> "refused: " + outcomes);
    return outcomes;
  }

  private static EarnedReward onlyUnlocked(List<EarnedReward> unlocked) {
    assertEquals(1, unlocked.size(), () -> "one reward unlocked: " + unlocked);
    return unlocked.get(0);
  }

  /** The index ranks a participant exactly while storage holds it. */
  private static void rankAgreesWithStorage(TenantScope shop, long campaignId, long participantId) {
    assertEquals(rank(shop, campaignId, participantId, Consistency.STRONG),
        rank(shop, campaignId, participantId, Consistency.INDEX), "the index holds the participant as storage does");
  }

  private static Object rank(TenantScope shop, long campaignId, long participantId, Consistency consistency) {
    try {
      Optional<BoardEntry> entry = shop.leaderboards().rank(campaignId, participantId, BoardPeriod.ALL_TIME,
          BoardMetric.POINTS, consistency);
      return entry.map(BoardEntry::score);
    } catch (LoyaltyException e) {
      return e.code();
    }
  }

  /**
   * An operation; what checks after it (failed or not) that the engine's memory agrees with storage; and what checks
   * after the host's retry that the operation applied.
   */
  private record Operation(Supplier<Object> run, Runnable check, Runnable applied) {
    Operation(Supplier<Object> run, Runnable check) {
      this(run, check, () -> { });
    }

    Operation(Supplier<Object> run) {
      this(run, () -> { });
    }
  }

  /**
   * Runs the operation {@code next} makes, failing its k-th call for k = 1, 2, ... until a run no longer reaches
   * the failure, checking after each run that nothing is half applied, and running it again with no failure (the
   * host's retry).
   *
   * @return how many calls the operation made when none failed (beyond {@link #lostFirstAt})
   */
  private int sweep(Fault kind, String name, Supplier<Operation> next) {
    int total = -1;
    for (int k = 1; ; k = nextCall(k, total)) {
      if (k == FULLY_SWEPT + 1 && total < 0) {
        total = callsUnfailed(next);
        k = nextCall(k - 1, total);
      }
      Operation operation = next.get();
      failed = false;
      arm(kind, k);
      Object got;
      try {
        got = operation.run().get();
      } catch (LoyaltyException e) {
        got = e;
        assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code(), () -> name + " at call " + calls.get() + ": " + e);
      } catch (RuntimeException | Error e) {
        disarm();
        throw new AssertionError(name + ", call " + calls.get() + " failing (" + kind + "): not a LoyaltyException",
            e);
      } finally {
        disarm();
      }
      boolean reached = failed;
      consistent(name + ", call " + k + " failing (" + kind + "), answered " + got);
      operation.check().run();
      Object retried;
      try {
        retried = operation.run().get();
      } catch (LoyaltyException e) {
        retried = e;
      }
      operation.check().run();
      consistent(name + ", call " + k + " failing (" + kind + "), then retried: " + retried);
      try {
        operation.applied().run();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(name + ", call " + k + " failing (" + kind + "), answered " + got
            + ", then retried: " + retried, e);
      }
      if (!reached) {
        assertTrue(k > 1, name + " made no call");
        return k - 1;
      }
      if (kind == Fault.SERIALIZATION && got instanceof LoyaltyException) {
        fail(name + ": a serialization failure at call " + k + " is retried, not answered with " + got);
      }
    }
  }

  /** The calls every operation has failed in turn; of a longer one, a few in its middle and those at its end. */
  private static final int FULLY_SWEPT = 10;

  /** The call to fail after {@code k}, of an operation that makes {@code total} calls unfailed (-1: not known). */
  private static int nextCall(int k, int total) {
    if (k < FULLY_SWEPT || total <= FULLY_SWEPT + 6 || k >= total - 3) {
      return k + 1;
    }
    return k < (FULLY_SWEPT + total) / 2 ? (FULLY_SWEPT + total) / 2 : total - 3;
  }

  /** How many calls an operation {@code next} makes when none fails (it runs, and nothing is half applied). */
  private int callsUnfailed(Supplier<Operation> next) {
    Operation operation = next.get();
    failed = false;
    arm(Fault.LOST, Integer.MAX_VALUE / 2);
    try {
      operation.run().get();
    } finally {
      disarm();
    }
    operation.check().run();
    consistent("no call failing");
    operation.applied().run();
    return calls.get();
  }

  private static void indexAgreesWithStorage(TenantScope shop, ParticipantRef who, BoardMetric metric) {
    assertEquals(shop.leaderboards().standing(who, metric, Consistency.STRONG).score(),
        shop.leaderboards().standing(who, metric, Consistency.INDEX).score(),
        "the index's " + metric + " score is the stored one");
  }

  /** Retires every key of the tenant's but the one that signs. */
  private static void keepOnlyTheSigningKey(TenantScope shop) {
    for (SigningKeyInfo key : shop.referrals().signingKeys()) {
      if (!key.signing()) {
        shop.referrals().retireSigningKey(key.keyId());
      }
    }
  }

  /** A code under signing key {@code keyId} verifies exactly while storage keeps the key. */
  private static void signingKeyAgreesWithStorage(TenantScope shop, long campaignId, String code, int keyId) {
    boolean kept = shop.referrals().signingKeys().stream().anyMatch(key -> key.keyId() == keyId);
    boolean verifies;
    try {
      shop.referrals().decode(campaignId, code);
      verifies = true;
    } catch (LoyaltyException e) {
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), e::toString);
      verifies = false;
    }
    assertEquals(kept, verifies, "a code under key " + keyId + " verifies exactly while storage keeps the key");
  }

  private void keyAgreesWithStorage(TenantScope shop, IssuedApiKey issued) {
    boolean revoked = shop.apiKeys().get(issued.key().id()).isRevoked();
    boolean accepted;
    try {
      engine.access().authenticate(issued.secret(), ApiScope.READ);
      accepted = true;
    } catch (LoyaltyException e) {
      assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e::toString);
      accepted = false;
    }
    assertEquals(!revoked, accepted, "the key is accepted exactly while it is not revoked in storage");
  }

  /** Each balance is the sum of its ledger; each catalog reward's stock plus its redemptions is what it was given. */
  private void consistent(String when) {
    String sum = "COALESCE(SUM(CASE l.kind WHEN 'DEDUCT' THEN -l.amount ELSE l.amount END), 0)";
    assertEquals(List.of(), rows("SELECT p.participant_id, p.points_balance, " + sum
        + " FROM participant p LEFT JOIN ledger_entry l ON l.tenant_id = p.tenant_id"
        + " AND l.participant_id = p.participant_id GROUP BY p.participant_id, p.points_balance"
        + " HAVING p.points_balance <> " + sum), "balances not their ledger's sum: " + when);
    assertEquals(List.of(), rows("SELECT c.catalog_reward_id, c.stock, COUNT(r.redemption_id) FROM catalog_reward c"
        + " LEFT JOIN redemption r ON r.tenant_id = c.tenant_id AND r.catalog_reward_id = c.catalog_reward_id"
        + " GROUP BY c.catalog_reward_id, c.stock HAVING c.stock + COUNT(r.redemption_id) <> 1000"),
        "stock and redemptions disagree: " + when);
    assertEquals(List.of(), rows("SELECT idempotency_key FROM ledger_entry WHERE idempotency_key IS NOT NULL"
        + " GROUP BY idempotency_key HAVING COUNT(*) > 1"), "a key applied twice: " + when);
    assertEquals(List.of(), rows("SELECT p.participant_id, p.event_sequence, COUNT(e.event_id) FROM participant p"
        + " LEFT JOIN event_outbox e ON e.tenant_id = p.tenant_id AND e.participant_id = p.participant_id"
        + " GROUP BY p.participant_id, p.event_sequence HAVING p.event_sequence <> COUNT(e.event_id)"),
        "events numbered and events written disagree: " + when);
    assertEquals(List.of(), rows("SELECT e.tenant_id, e.position FROM event_outbox e WHERE e.position > 0"
        + " GROUP BY e.tenant_id, e.position HAVING COUNT(*) > 1 UNION ALL SELECT e.tenant_id, e.position"
        + " FROM event_outbox e LEFT JOIN event_feed f ON f.tenant_id = e.tenant_id WHERE e.position > 0"
        + " AND (f.last_position IS NULL OR e.position > f.last_position)"), "positions not the feed's: " + when);
    for (String table : List.of("ledger_entry", "action_count", "points_count", "earned_reward", "quest_completion",
        "customer_mapping")) {
      assertEquals(List.of(), rows("SELECT t.participant_id FROM " + table + " t WHERE NOT EXISTS (SELECT 1 FROM"
          + " participant p WHERE p.tenant_id = t.tenant_id AND p.participant_id = t.participant_id)"),
          table + " rows of a participant that is gone: " + when);
    }
    assertEquals(List.of(), rows("SELECT p.participant_id FROM participant p WHERE p.email LIKE 'sso%'"
        + " AND NOT EXISTS (SELECT 1 FROM customer_mapping m WHERE m.tenant_id = p.tenant_id"
        + " AND m.participant_id = p.participant_id)"), "a participant signed on without its mapping: " + when);
    assertEquals(List.of(), rows("SELECT r.earned_reward_id FROM earned_reward r WHERE r.type = 'COUPON'"
        + " AND r.status = 'APPROVED' AND r.coupon_code IS NULL AND EXISTS (SELECT 1 FROM coupon_code c"
        + " WHERE c.tenant_id = r.tenant_id AND c.campaign_id = r.campaign_id AND c.status = 'FREE')"),
        "a reward waits while its pool has a free code: " + when);
    assertEquals(List.of(), rows("SELECT r.earned_reward_id, r.coupon_code, COUNT(c.coupon_id) FROM earned_reward r"
        + " LEFT JOIN coupon_code c ON c.tenant_id = r.tenant_id AND c.earned_reward_id = r.earned_reward_id"
        + " AND c.code = r.coupon_code AND c.status = 'ASSIGNED' WHERE r.coupon_code IS NOT NULL"
        + " GROUP BY r.earned_reward_id, r.coupon_code HAVING COUNT(c.coupon_id) <> 1 UNION ALL"
        + " SELECT c.earned_reward_id, c.code, 0 FROM coupon_code c JOIN earned_reward r ON r.tenant_id = c.tenant_id"
        + " AND r.earned_reward_id = c.earned_reward_id WHERE r.coupon_code IS NULL OR r.coupon_code <> c.code"
        + " UNION ALL SELECT c.earned_reward_id, c.code, 0 FROM coupon_code c WHERE (c.status = 'FREE')"
        + " <> (c.earned_reward_id IS NULL)"), "rewards and their codes disagree: " + when);
    assertEquals(List.of(), rows("SELECT r.earned_reward_id, r.status, COUNT(l.entry_id) FROM earned_reward r"
        + " LEFT JOIN ledger_entry l ON l.tenant_id = r.tenant_id AND l.idempotency_key = 'reward:'"
        + " || CAST(r.earned_reward_id AS VARCHAR) WHERE r.type = 'POINTS' GROUP BY r.earned_reward_id, r.status"
        + " HAVING COUNT(l.entry_id) <> CASE WHEN r.status IN ('APPROVED', 'FULFILLED') THEN 1 ELSE 0 END"),
        "a points reward's status and its credit disagree: " + when);
    assertEquals(List.of(), rows("SELECT r.earned_reward_id FROM earned_reward r WHERE"
        + " (r.approved_at IS NULL) <> (r.status = 'PENDING')"
        + " OR (r.fulfilled_at IS NULL) <> (r.status <> 'FULFILLED')"),
        "a reward's status and times disagree: " + when);
    String taskKey = "'quest:' || CAST(c.quest_id AS VARCHAR) || ':' || CAST(c.participant_id AS VARCHAR) || ':'"
        + " || CAST(c.task_number AS VARCHAR)";
    assertEquals(List.of(), rows("SELECT c.participant_id, c.task_number FROM quest_completion c WHERE NOT EXISTS"
        + " (SELECT 1 FROM ledger_entry l WHERE l.tenant_id = c.tenant_id AND l.idempotency_key = " + taskKey + ")"
        + " UNION ALL SELECT l.participant_id, 0 FROM ledger_entry l WHERE l.idempotency_key LIKE 'quest:%'"
        + " AND NOT EXISTS (SELECT 1 FROM quest_completion c WHERE c.tenant_id = l.tenant_id"
        + " AND l.idempotency_key = " + taskKey + ")"), "completions and their points disagree: " + when);
    assertEquals(List.of(), rows("SELECT c.quest_id, c.participant_id, COUNT(*) FROM quest_completion c"
        + " GROUP BY c.tenant_id, c.quest_id, c.participant_id HAVING CASE WHEN COUNT(*) = 3 THEN 1 ELSE 0 END"
        + " <> (SELECT COUNT(*) FROM ledger_entry l WHERE l.tenant_id = c.tenant_id"
        + " AND l.idempotency_key = 'quest_bonus:'"
        + " || CAST(c.quest_id AS VARCHAR) || ':' || CAST(c.participant_id AS VARCHAR))"),
        "a quest's bonus without its completion: " + when);
  }

  private long count(String query) {
    return Long.parseLong(rows(query).get(0));
  }

  private List<String> rows(String query) {
    try (Connection c = pool.getConnection(); var s = c.createStatement(); var rs = s.executeQuery(query)) {
      List<String> found = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(i > 1 ? ", " : "").append(rs.getString(i));
        }
        found.add(row.toString());
      }
      return found;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void arm(Fault kind, int k) {
    fault = kind;
    calls.set(0);
    callsLeft.set(lostFirstAt + k);
    armedFor = Thread.currentThread();
  }

  private void disarm() {
    armedFor = null;
  }

  private DataSource failing(DataSource dataSource) {
    return TestProxies.connectionsThrough(dataSource, this::failing);
  }

  /**
   * {@code connection}, failing its calls as armed. A statement that ends with {@code COMMIT} (PostgreSQL sends rows
   * held back with the commit) is the transaction's commit: the connection's {@code commit()} after it sends nothing,
   * so it is not counted, and its answer lost after it committed is lost after its execution.
   */
  private Connection failing(Connection connection) {
    boolean[] committedBySql = new boolean[1];
    return TestProxies.losable(connection, (method, args, loss) -> {
      String name = method.getName();
      boolean commit = name.equals("commit");
      boolean sqlCommits = name.startsWith("prepare") && args != null && args[0] instanceof String sql
          && sql.stripTrailing().endsWith("COMMIT");
      if (commit && committedBySql[0]) {
        committedBySql[0] = false;
        return TestProxies.invoke(connection, method, args);
      }
      committedBySql[0] = sqlCommits;
      boolean counted = (name.startsWith("prepare") || name.equals("createStatement") || commit
          || name.equals("setSavepoint") || name.equals("releaseSavepoint"))
          && armedFor == Thread.currentThread();
      if (counted && calls.incrementAndGet() == lostFirstAt) {
        connection.rollback();
        throw loss.lost();
      }
      if (counted && callsLeft.decrementAndGet() == 0) {
        failed = true;
        switch (fault) {
          case SERIALIZATION -> {
            if (commit) {
              connection.rollback();
            }
            throw new SQLException("serialization failure (" + TestProxies.INJECTED + ")", "40001");
          }
          case LOST_AFTER_COMMIT -> {
            if (sqlCommits) {
              return lostAfterExecution((PreparedStatement) TestProxies.invoke(connection, method, args), loss);
            }
            if (commit) {
              connection.commit();
            } else {
              connection.rollback();
            }
          }
          case LOST -> connection.rollback();
          default -> throw new IllegalStateException();
        }
        throw loss.lost();
      }
      return TestProxies.invoke(connection, method, args);
    });
  }

  /** {@code statement}, whose execution runs and then loses the connection. */
  private static PreparedStatement lostAfterExecution(PreparedStatement statement, TestProxies.Loss loss) {
    return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
          Object result = TestProxies.invoke(statement, method, args);
          if (method.getName().startsWith("execute")) {
            throw loss.lost();
          }
          return result;
        });
  }

}
