package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.jdbc.internal.DatabaseChecks;
import io.loyaltyengine.jdbc.internal.H2TransactionGate;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.sql.Connection;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On H2 the engine's write transactions take turns ({@link H2TransactionGate}), and its public reads take none: each
 * read of the API (every method that writes nothing, lazily or not) answers while one of the engine's writes, an
 * award paused before its balance changes, holds the turn. A read run as a unit of work that may write
 * ({@code Transactions.run}) would queue behind it, and so behind every write of the instance. A write called
 * meanwhile does queue, which shows that the award holds the turn and that queueing is seen: in the gate's queue,
 * not by timing. Left out, as they may write: {@code Referrals.codes} (a short code, the first signing key) and
 * {@code Leaderboards.winners} (records a month's winners).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ReadsBesideAWriteH2Test {
  private final H2FileFixture fixture = new H2FileFixture(true);
  private final ExecutorService writer = Executors.newSingleThreadExecutor();
  private final ExecutorService reader = Executors.newSingleThreadExecutor();
  /** The pause the next credit of {@link #holder} takes, while the award holds the turn; null: none. */
  private final AtomicReference<Pause> nextCredit = new AtomicReference<>();
  private volatile long holder;
  private LoyaltyEngine engine;
  private TenantScope shop;
  private H2TransactionGate gate;

  @BeforeEach
  void open() throws Exception {
    engine = LoyaltyEngine.builder()
        .storage(new InterceptingStorage(fixture.openStorage(), tx -> new ForwardingTransaction(tx) {
          @Override
          public LedgerPort ledger() {
            return InterceptingStorage.intercept(LedgerPort.class, tx.ledger(), (method, args, port) -> {
              if (method.getName().equals("credit") && (long) args[1] == holder) {
                Pause pause = nextCredit.getAndSet(null);
                if (pause != null) {
                  pause.here();
                }
              }
              return InterceptingStorage.invoke(method, port, args);
            });
          }
        }))
        // Fixed: no node lease renewal falls due, which would be a write of the reader's own.
        .clock(SettableClock.at(Instant.parse("2026-03-10T12:00:00Z")))
        .events(EventSettings.builder().manualDispatch().build())
        // A loopback address needs no lookup; the endpoint is never called (manual dispatch).
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK))
        .build();
    try (Connection c = fixture.connect()) {
      gate = H2TransactionGate.of(DatabaseChecks.h2DatabasePath(c));
    }
  }

  @AfterEach
  void close() {
    Pause pause = nextCredit.getAndSet(null);
    if (pause != null) {
      pause.release();
    }
    writer.shutdownNow();
    reader.shutdownNow();
    if (engine != null) {
      engine.close();
    }
    fixture.close();
  }

  @Test
  void everyPublicReadAnswersWhileAnEngineWriteHoldsTheTurn() throws Exception {
    long tenant = engine.tenants().create(NewTenant.business("Turns")).id();
    shop = engine.forTenant(tenant);
    long brand = shop.brands().create(new NewBrand("Turns", "https://turns.example.com")).id();
    long campaign = shop.campaigns().create(NewCampaign.running(brand, "C")).id();
    holder = shop.participants().create(campaign, NewParticipant.withEmail("holder@example.com")).id();
    long ada = shop.participants().create(campaign, NewParticipant.withEmail("ada@example.com")).id();
    ParticipantRef adaRef = ParticipantRef.id(ada);
    long catalogReward = shop.catalog().create(NewCatalogReward.of(campaign, "Mug", 10, RewardType.CUSTOM)).id();
    long reward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1)).id();
    long earned = shop.rewards().recordAction(LoyaltyAction.of(adaRef, reward)).unlocked().get(0).id();
    shop.coupons().upload(campaign, List.of("CODE-1"));
    shop.customerMappings().map(campaign, "cust-1", adaRef);
    long board = shop.feedback().createBoard(new NewFeedbackBoard(campaign, "Ideas", null)).id();
    long idea = shop.feedback().submitIdea(adaRef, board, new NewIdea("An idea", null)).id();
    long quest = shop.quests().create(new NewQuest(campaign, "Quest", null, List.of(new NewQuestTask("One", 5)), 1))
        .id();
    long testimonial = shop.testimonials().submit(adaRef, NewTestimonial.of("Good")).id();
    long endpoint = shop.webhooks().create(NewWebhookEndpoint.of("http://127.0.0.1:9/hook")).endpoint().id();
    var key = shop.apiKeys().issue(NewApiKey.of("Reader", ApiScope.READ));
    String signedCode = shop.referrals().codes(adaRef).signed();
    shop.referrals().convert(campaign, new NewConversion(signedCode, "order-9", BigDecimal.ONE));
    shop.points().award(adaRef, PointsChange.of(5, "purchase").withIdempotencyKey("order-1"));

    // A control: a write called while the award holds the turn queues for it.
    assertFalse(answeredWhileAWriteHoldsTheTurn(() -> shop.brands().create(new NewBrand("Later",
        "https://later.example.com"))), "a write queues behind the award");

    Map<String, Callable<?>> reads = new LinkedHashMap<>();
    reads.put("Tenants.get", () -> engine.tenants().get(tenant));
    reads.put("TenantScope.tenant", shop::tenant);
    reads.put("Brands.get", () -> shop.brands().get(brand));
    reads.put("Brands.list", () -> shop.brands().list());
    reads.put("Campaigns.get", () -> shop.campaigns().get(campaign));
    reads.put("Campaigns.listByBrand", () -> shop.campaigns().listByBrand(brand));
    reads.put("Participants.get", () -> shop.participants().get(adaRef));
    reads.put("Participants.list", () -> shop.participants().list(campaign, ParticipantFilter.all(),
        Keyset.first(10)));
    reads.put("Catalog.get", () -> shop.catalog().get(catalogReward));
    reads.put("Catalog.list", () -> shop.catalog().list(campaign, null, null));
    reads.put("Rewards.get", () -> shop.rewards().get(reward));
    reads.put("Rewards.list", () -> shop.rewards().list(campaign));
    reads.put("Rewards.program", () -> shop.rewards().program(campaign));
    reads.put("Rewards.getEarned", () -> shop.rewards().getEarned(earned));
    reads.put("Referrals.settings", () -> shop.referrals().settings(campaign));
    reads.put("Referrals.decode", () -> shop.referrals().decode(campaign, signedCode));
    reads.put("Referrals.signingKeys", () -> shop.referrals().signingKeys());
    reads.put("Referrals.campaignStats", () -> shop.referrals().campaignStats(campaign));
    reads.put("CouponPools.remaining", () -> shop.coupons().remaining(campaign));
    reads.put("CouponPools.assigned", () -> shop.coupons().assigned(campaign, Keyset.first(10)));
    reads.put("CustomerMappings.find", () -> shop.customerMappings().find(campaign, "cust-1"));
    reads.put("FeedbackBoards.board", () -> shop.feedback().board(board));
    reads.put("FeedbackBoards.boards", () -> shop.feedback().boards(campaign));
    reads.put("FeedbackBoards.idea", () -> shop.feedback().idea(idea));
    reads.put("Quests.get", () -> shop.quests().get(quest));
    reads.put("Quests.list", () -> shop.quests().list(campaign));
    reads.put("Testimonials.get", () -> shop.testimonials().get(testimonial));
    reads.put("Testimonials.list", () -> shop.testimonials().list(campaign, null, Keyset.first(10)));
    reads.put("Webhooks.get", () -> shop.webhooks().get(endpoint));
    reads.put("Webhooks.list", () -> shop.webhooks().list());
    reads.put("ApiKeys.get", () -> shop.apiKeys().get(key.key().id()));
    reads.put("ApiKeys.list", () -> shop.apiKeys().list());
    // The key's first use: not cached yet, so read from storage. The tenant has no plan: no rate limit to lease.
    reads.put("Access.authenticate", () -> engine.access().authenticate(key.secret(), ApiScope.READ));
    reads.put("ChangeFeed.read", () -> shop.changeFeed().read(0, EventFilter.all(), 10));
    // By email: the participant is looked up in storage before the campaign's index is asked.
    reads.put("Leaderboards.standing (INDEX)", () -> shop.leaderboards().standing(
        ParticipantRef.email(campaign, "ada@example.com"), BoardMetric.POINTS, Consistency.INDEX));

    // And those that read at one snapshot already.
    reads.put("Participants.page", () -> shop.participants().page(campaign, ParticipantFilter.all(),
        PageRequest.of(1, 10)));
    reads.put("Points.history", () -> shop.points().history(adaRef, Keyset.first(10)));
    reads.put("Points.findByIdempotencyKey", () -> shop.points().findByIdempotencyKey("order-1"));
    reads.put("Catalog.redemptions (reward)", () -> shop.catalog().redemptions(catalogReward, Keyset.first(10)));
    reads.put("Catalog.redemptions (participant)", () -> shop.catalog().redemptions(adaRef, Keyset.first(10)));
    reads.put("Rewards.counts", () -> shop.rewards().counts(adaRef, reward));
    reads.put("Rewards.summary", () -> shop.rewards().summary(adaRef));
    reads.put("Rewards.totals", () -> shop.rewards().totals(campaign));
    reads.put("Rewards.earned (participant)", () -> shop.rewards().earned(adaRef, Keyset.first(10)));
    reads.put("Rewards.earned (campaign)", () -> shop.rewards().earned(campaign, null, Keyset.first(10)));
    reads.put("Referrals.landingPage", () -> shop.referrals().landingPage(campaign));
    reads.put("Referrals.referral", () -> shop.referrals().referral(adaRef));
    reads.put("Referrals.referrer", () -> shop.referrals().referrer(adaRef));
    reads.put("Referrals.referred", () -> shop.referrals().referred(adaRef, Keyset.first(10)));
    reads.put("Referrals.referrals", () -> shop.referrals().referrals(campaign, null, Keyset.first(10)));
    reads.put("Referrals.conversion", () -> shop.referrals().conversion(campaign, "order-9"));
    reads.put("Referrals.conversions (campaign)", () -> shop.referrals().conversions(campaign, null,
        Keyset.first(10)));
    reads.put("Referrals.conversions (referrer)", () -> shop.referrals().conversions(adaRef, Keyset.first(10)));
    reads.put("Referrals.ancestors", () -> shop.referrals().ancestors(adaRef, 3));
    reads.put("Referrals.stats", () -> shop.referrals().stats(adaRef));
    reads.put("Referrals.brandStats", () -> shop.referrals().brandStats(brand));
    reads.put("CustomerMappings.findByParticipant", () -> shop.customerMappings().findByParticipant(adaRef));
    reads.put("FeedbackBoards.hasVoted", () -> shop.feedback().hasVoted(adaRef, idea));
    reads.put("FeedbackBoards.ideas", () -> shop.feedback().ideas(board, null, IdeaOrder.NEWEST,
        PageRequest.of(1, 10)));
    reads.put("FeedbackBoards.ideas (participant)", () -> shop.feedback().ideas(adaRef, Keyset.first(10)));
    reads.put("FeedbackBoards.votedIdeas", () -> shop.feedback().votedIdeas(adaRef, List.of(idea)));
    reads.put("Quests.progress", () -> shop.quests().progress(adaRef, quest));
    reads.put("Testimonials.of", () -> shop.testimonials().of(adaRef));
    reads.put("Webhooks.parked", () -> shop.webhooks().parked(endpoint, Keyset.first(10)));
    reads.put("Webhooks.deliveries", () -> shop.webhooks().deliveries(endpoint, Keyset.first(10)));
    reads.put("Webhooks.deliveries in a status", () -> shop.webhooks().deliveries(endpoint, DeliveryStatus.PARKED,
        Keyset.first(10)));
    reads.put("Events.parked", () -> engine.events().parked("crm", Keyset.first(10)));
    reads.put("Leaderboards.page (INDEX)", () -> shop.leaderboards().page(BoardRequest.of(campaign,
        BoardPeriod.ALL_TIME).read(Consistency.INDEX)));
    reads.put("Leaderboards.page (STRONG)", () -> shop.leaderboards().page(BoardRequest.of(campaign,
        BoardPeriod.ALL_TIME).read(Consistency.STRONG)));
    reads.put("Leaderboards.monthPage", () -> shop.leaderboards().monthPage(campaign, YearMonth.of(2026, 3),
        BoardMetric.POINTS, null, 10));
    reads.put("Leaderboards.standing (STRONG)", () -> shop.leaderboards().standing(adaRef, BoardMetric.POINTS,
        Consistency.STRONG));
    reads.put("Leaderboards.rank (STRONG)", () -> shop.leaderboards().rank(campaign, ada, BoardPeriod.ALL_TIME,
        BoardMetric.POINTS, Consistency.STRONG));

    List<String> queued = new ArrayList<>();
    for (Map.Entry<String, Callable<?>> read : reads.entrySet()) {
      if (!answeredWhileAWriteHoldsTheTurn(read.getValue())) {
        queued.add(read.getKey());
      }
    }
    assertEquals(List.of(), queued, "reads that queued for the write turn behind the award");
  }

  /**
   * Runs {@code call} on the reader thread while an award of the holder, on the writer thread, holds the turn (paused
   * before its credit): true if it answered, false if it queued at the gate. Either way the award then goes on, and
   * the call's answer is awaited (a failure of the call fails the test).
   */
  private boolean answeredWhileAWriteHoldsTheTurn(Callable<?> call) throws Exception {
    Pause pause = new Pause();
    nextCredit.set(pause);
    Future<?> holding = writer.submit(() -> shop.points().award(ParticipantRef.id(holder),
        PointsChange.of(1, "hold")));
    pause.awaitReached("the award took the turn and reached its credit");
    Future<?> answer = reader.submit(call);
    boolean answered;
    try {
      answered = answeredNotQueued(answer);
    } finally {
      pause.release();
    }
    holding.get(60, TimeUnit.SECONDS);
    answer.get(60, TimeUnit.SECONDS);
    return answered;
  }

  /**
   * Waits until {@code answer} is done (true) or a caller queues at the gate (false): only the reader can, the award
   * holding the turn. The bound only keeps a read stuck elsewhere from hanging the build; it is below the pause's own
   * 30 s, after which the award would let the turn go.
   */
  private boolean answeredNotQueued(Future<?> answer) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!answer.isDone()) {
      if (gate.waiting() > 0) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        fail("the read neither answered nor queued for the turn");
      }
      LockSupport.parkNanos(100_000);
    }
    return true;
  }
}
