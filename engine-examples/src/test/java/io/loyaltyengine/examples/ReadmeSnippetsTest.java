package io.loyaltyengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiCaller;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.fraud.FraudRules;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.FeedbackBoards;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.feedback.VoteResult;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.jdbc.JdbcHostTransaction;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.quests.Quests;
import io.loyaltyengine.quests.TaskCompletion;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionResult;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.ReversalResult;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.referrals.TrackResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testimonials.Testimonials;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.WebhookReceiver;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookRegistration;
import io.loyaltyengine.webhooks.WebhookSettings;
import io.loyaltyengine.webhooks.WebhookVerificationException;
import io.loyaltyengine.webhooks.WebhookVerifier;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java snippets, run as written as far as a test allows (on an H2 file in a temporary directory) and
 * held to what their comments say: a developer copies them. Where a snippet leaves a name to the host
 * ({@code id}, {@code dataSource}, {@code order}), the test supplies one; a change here that the README does not
 * follow (or the reverse) is a README to fix.
 */
class ReadmeSnippetsTest {
  @TempDir
  Path dir;

  private LoyaltyEngine engine;
  private Tenant tenant;
  private TenantScope shop;
  private Brand brand;
  private Campaign campaign;
  private Participant ada;

  /** The Quickstart, up to the award, on a file of its own. */
  @BeforeEach
  void quickstart() {
    engine = LoyaltyEngine.builder()
        .storage(JdbcStorage.h2File(dir.resolve("data/loyalty")))
        .build();
    tenant = engine.tenants().create(NewTenant.business("Corner Tea Shop"));
    shop = engine.forTenant(tenant.id());
    brand = shop.brands().create(new NewBrand("Corner Tea", "https://shop.cornertea.example"));
    campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Tea Points"));
    ada = shop.participants().create(campaign.id(),
        NewParticipant.withEmail("ada.lovelace@gmail.com").withName("Ada", "Lovelace").withTier("gold"));
  }

  @AfterEach
  void close() {
    engine.close();
  }

  private long balance(long participantId) {
    return shop.participants().get(ParticipantRef.id(participantId)).pointsBalance();
  }

  @Test
  void quickstartAwardsOnceAndTheGooglemailAliasIsTheSamePerson() {
    PointsResult r = shop.points().award(ParticipantRef.id(ada.id()),
        PointsChange.of(42, "purchase").withIdempotencyKey("order-1001"));
    assertEquals(42, r.balance());   // 42

    // "a retried checkout never awards twice"
    PointsResult retried = shop.points().award(ParticipantRef.id(ada.id()),
        PointsChange.of(42, "purchase").withIdempotencyKey("order-1001"));
    assertTrue(retried.replayed());
    assertEquals(42, retried.balance());

    PointsResult deducted = shop.points().deduct(
        ParticipantRef.email(campaign.id(), "AdaLovelace+shop@googlemail.com"),  // same person
        PointsChange.of(40, "redemption"));
    assertEquals(ada.id(), deducted.entry().participantId());
    assertEquals(2, balance(ada.id()));
  }

  @Test
  void brandsAndCampaignsAreCorrectedInPlaceWithoutEvents() {
    long events = outboxRows();
    shop.brands().update(brand.id(), BrandUpdate.of(brand).withWebsite("https://cornertea.example"));
    shop.campaigns().update(campaign.id(), CampaignUpdate.of(campaign).withName("Tea Points+"));
    shop.campaigns().changeStatus(campaign.id(), CampaignStatus.PAUSED);

    Campaign now = shop.campaigns().get(campaign.id());
    assertEquals("Tea Points+", now.name());
    assertEquals(CampaignStatus.PAUSED, now.status());
    assertEquals(events, outboxRows(), "neither change writes an event");

    // Another brand of the tenant with that domain is a CONFLICT.
    Brand other = shop.brands().create(new NewBrand("Other", "https://other.example"));
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> shop.brands().update(other.id(), BrandUpdate.of(other).withWebsite("https://cornertea.example")));
    assertEquals(ErrorCode.CONFLICT, e.code());
  }

  @Test
  void anErrorIsTypedSafeToShowAndChangesNothing() {
    long id = ada.id();
    shop.points().award(ParticipantRef.id(id), PointsChange.of(10, "purchase"));
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> shop.points().deduct(ParticipantRef.id(id), PointsChange.of(1_000, "redemption")));
    // e.code() == INSUFFICIENT_POINTS, e.httpStatus() == 409, nothing changed
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, e.code());
    assertEquals(409, e.httpStatus());
    assertEquals(10, balance(id));
    // {"error":{"code","message","field"}}
    Map<String, Object> body = e.toResponseBody();
    assertEquals(List.of("error"), List.copyOf(body.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) body.get("error");
    assertEquals("INSUFFICIENT_POINTS", error.get("code"));
    assertTrue(error.containsKey("message"));
  }

  @Test
  void pointsInsideTheHostsTransactionCommitOrRollBackWithIt() throws SQLException {
    long tenantId = shop.tenantId();
    long customerId = ada.id();
    // The URL JdbcStorage.h2File opens the file with: H2 refuses one file under two file systems at once.
    String url = "jdbc:h2:retry:" + dir.resolve("data/loyalty").toAbsolutePath();
    try (Connection setup = DriverManager.getConnection(url); Statement s = setup.createStatement()) {
      s.execute("CREATE TABLE shop_order (id BIGINT PRIMARY KEY, points BIGINT)");
    }
    for (boolean commit : new boolean[] {false, true}) {
      try (Connection c = DriverManager.getConnection(url)) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.executeUpdate("INSERT INTO shop_order VALUES (1, 25)");                  // your own SQL
        }
        engine.forTenant(tenantId).joining(JdbcHostTransaction.of(c))
            .points().award(ParticipantRef.id(customerId), PointsChange.of(25, "purchase"));
        if (commit) {
          c.commit();                                                                // both, or neither
        } else {
          c.rollback();
        }
      }
      assertEquals(commit ? 25 : 0, balance(customerId));
      assertEquals(commit ? 1 : 0, count(url, "SELECT COUNT(*) FROM shop_order"));
    }
  }

  @Test
  void aRefundTakesBackWhatIsLeftAndAnImportAppliesEachChangeOnItsOwn() {
    long id = ada.id();
    shop.points().award(ParticipantRef.id(id), PointsChange.of(120, "purchase").withIdempotencyKey("order-1001"));
    shop.points().deduct(ParticipantRef.id(id), PointsChange.of(20, "redemption"));
    long earned = shop.points().findByIdempotencyKey("order-1001").orElseThrow().amount();
    assertEquals(120, earned);
    PointsResult r = shop.points().deductUpToBalance(ParticipantRef.id(id),
        PointsChange.of(earned, "refund").withIdempotencyKey("refund-1001"));
    assertEquals(100, r.entry().amount());          // what was taken (<= 120)
    assertEquals(120, r.entry().requestedAmount()); // the 120 asked for
    assertTrue(shop.points().deductUpToBalance(ParticipantRef.id(id),
        PointsChange.of(120, "refund").withIdempotencyKey("refund-1001")).replayed(), "a retry with the key");
    assertEquals(ErrorCode.CONFLICT, assertThrows(LoyaltyException.class,
        () -> shop.points().deduct(ParticipantRef.id(id),
            PointsChange.of(120, "refund").withIdempotencyKey("refund-1001"))).code(), "a plain deduct(...)");
    PointsResult zero = shop.points().deductUpToBalance(ParticipantRef.id(id), PointsChange.of(5, "refund"));
    assertNull(zero.entry(), "with a zero balance nothing is written");

    long a = id;
    long b = shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com")).id();
    List<PointsOutcome> outcomes = shop.points().applyAll(List.of(
        PointsOperation.award(ParticipantRef.id(a), PointsChange.of(30, "purchase").withIdempotencyKey("order-1")),
        PointsOperation.deductUpToBalance(ParticipantRef.id(b), PointsChange.of(12, "refund").withIdempotencyKey("refund-7")),
        PointsOperation.award(ParticipantRef.id(a), PointsChange.of(-1, "purchase"))));
    assertTrue(outcomes.get(0).succeeded());
    assertEquals(30, outcomes.get(0).result().balance());
    assertTrue(outcomes.get(1).succeeded());
    assertNull(outcomes.get(1).result().entry(), "Bob has nothing to take");
    assertFalse(outcomes.get(2).succeeded());
    assertEquals(ErrorCode.VALIDATION_ERROR, outcomes.get(2).error().code());
  }

  @Test
  void rewardsCouponsAndTheCatalog() {
    CampaignReward reward = shop.rewards().define(campaign.id(),
        NewCampaignReward.points("Loyal customer", 100, 10).withLimit(3));
    shop.rewards().configure(campaign.id(), Automation.MANUAL, 0);          // rewards wait for approval

    ActionResult r = null;
    for (int order = 1; order <= 10; order++) {
      r = shop.rewards().recordAction(                                     // enrols an unknown email by default
          LoyaltyAction.of(ParticipantRef.email(campaign.id(), "ada@example.com"), reward.id())
              .withIdempotencyKey("order-" + order));
    }
    assertEquals(10, r.counts().rewardAllTime());
    assertEquals(1, r.unlocked().size(), "the 10th purchase unlocks the reward");
    long enrolled = r.participantId();
    CursorPage<EarnedReward> queue = shop.rewards().earned(campaign.id(), EarnedRewardStatus.PENDING,
        Keyset.first(50));
    assertEquals(r.unlocked(), queue.items(), "the approval queue holds the unlocked reward");
    for (EarnedReward earned : r.unlocked()) {
      shop.rewards().approve(earned.id(), false);   // PENDING -> APPROVED: points credited
      shop.rewards().fulfil(earned.id());           // APPROVED -> FULFILLED
      assertEquals(ErrorCode.INVALID_TRANSITION,
          assertThrows(LoyaltyException.class, () -> shop.rewards().fulfil(earned.id())).code());
    }
    assertEquals(100, balance(enrolled));
    assertEquals(List.of(), shop.rewards().earned(campaign.id(), EarnedRewardStatus.PENDING, Keyset.first(50))
        .items(), "approved, it left the queue");
    assertEquals(List.of(EarnedRewardStatus.FULFILLED), shop.rewards().earned(campaign.id(), null,
        Keyset.first(50)).items().stream().map(EarnedReward::status).toList());

    shop.coupons().upload(campaign.id(), List.of("TEA-1A2B", "TEA-3C4D"));

    shop.points().award(ParticipantRef.id(ada.id()), PointsChange.of(600, "purchase"));
    CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tea tin", 500,
        RewardType.CUSTOM_MESSAGE).withStock(100));
    Redemption redeemed = shop.catalog().redeem(ParticipantRef.id(ada.id()), tin.id(), "redeem-42");
    assertEquals(100, balance(ada.id()));
    assertEquals(List.of(redeemed), shop.catalog().redemptions(tin.id(), Keyset.first(50)).items(), "to ship");
    assertEquals(List.of(redeemed), shop.catalog().redemptions(ParticipantRef.id(ada.id()), Keyset.first(20))
        .items(), "on Ada's account page");
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, assertThrows(LoyaltyException.class,
        () -> shop.catalog().redeem(ParticipantRef.id(ada.id()), tin.id(), "redeem-43")).code());
    assertEquals(100, balance(ada.id()), "INSUFFICIENT_POINTS changes nothing");
    shop.catalog().adjustStock(tin.id(), 50);    // restock
    shop.catalog().update(tin.id(), CatalogRewardUpdate.of(tin).withPointsCost(450));
    CatalogReward now = shop.catalog().get(tin.id());
    assertEquals(149, now.stock());
    assertEquals(450, now.pointsCost());
  }

  @Test
  void testimonialsQuestsAndFeedback() {
    Testimonials testimonials = shop.testimonials();
    Testimonial t = testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of("Quick delivery").withRating(5));
    assertEquals(1, testimonials.list(campaign.id(), TestimonialStatus.PENDING, Keyset.first(20)).items().size());
    testimonials.approve(t.id());
    assertEquals(1, testimonials.list(campaign.id(), TestimonialStatus.APPROVED, Keyset.first(20)).items().size());
    testimonials.reject(t.id());
    assertEquals(ErrorCode.INVALID_TRANSITION,
        assertThrows(LoyaltyException.class, () -> testimonials.approve(t.id())).code());

    Quests quests = shop.quests();
    Quest summer = quests.create(new NewQuest(campaign.id(), "Summer quest", "Three steps to 250 points",
        List.of(new NewQuestTask("Follow us", 20), new NewQuestTask("Share a link", 30), new NewQuestTask("Review", 50)),
        150));                                                                           // the completion bonus
    TaskCompletion done = quests.completeTask(ParticipantRef.id(ada.id()), summer.id(), 2);   // +30, "quest_task"
    assertEquals(30, done.points().balance());
    assertEquals("quest_task", done.points().entry().type());
    assertFalse(done.replayed());
    assertFalse(done.questCompleted());
    assertTrue(quests.completeTask(ParticipantRef.id(ada.id()), summer.id(), 2).replayed());
    assertEquals(List.of(2), quests.progress(ParticipantRef.id(ada.id()), summer.id()).completedTasks());   // [2]
    quests.completeTask(ParticipantRef.id(ada.id()), summer.id(), 1);
    assertTrue(quests.completeTask(ParticipantRef.id(ada.id()), summer.id(), 3).questCompleted());
    assertEquals(20 + 30 + 50 + 150, balance(ada.id()), "\"Three steps to 250 points\": the tasks and the bonus");
    quests.setActive(summer.id(), false);
    LoyaltyException inactive = assertThrows(LoyaltyException.class, () -> quests.completeTask(
        ParticipantRef.id(shop.participants().create(campaign.id(), NewParticipant.withEmail("eve@example.com")).id()),
        summer.id(), 1));
    assertEquals(ErrorCode.CONFLICT, inactive.code());
    assertEquals("questId", inactive.field().orElseThrow());
    assertTrue(quests.completeTask(ParticipantRef.id(ada.id()), summer.id(), 2).replayed(), "replays still answer");
    quests.update(summer.id(), QuestUpdate.of(summer).withName("Summer quest 2026"));

    Participant bob = shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com"));
    FeedbackBoards feedback = shop.feedback();
    FeedbackBoard board = feedback.createBoard(new NewFeedbackBoard(campaign.id(), "Ideas", "What should we build?"));
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(),
        new NewIdea("Dark mode", "Too bright.").withIdempotencyKey("form-7f3a"));   // a retry answers this idea
    assertEquals(idea, feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(),
        new NewIdea("Dark mode", "Too bright.").withIdempotencyKey("form-7f3a")));
    VoteResult first = feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    assertEquals(1, first.votes());
    assertTrue(first.changed());
    VoteResult again = feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    assertEquals(1, again.votes());
    assertFalse(again.changed());
    assertTrue(feedback.hasVoted(ParticipantRef.id(bob.id()), idea.id()), "show Bob's vote button pressed");
    assertEquals(Set.of(idea.id()), feedback.votedIdeas(ParticipantRef.id(bob.id()), List.of(idea.id(), 42L)),
        "a page's vote buttons at once");
    NumberedPage<Idea> page = feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(1, 20));
    assertEquals(1, page.items().size());
    assertEquals(List.of(feedback.idea(idea.id())), feedback.ideas(ParticipantRef.id(ada.id()), Keyset.first(20))
        .items(), "on Ada's account page");
    feedback.setStatus(idea.id(), IdeaStatus.PLANNED);
    feedback.deleteIdea(idea.id());
    feedback.closeBoard(board.id());
    feedback.updateBoard(board.id(), FeedbackBoardUpdate.of(board).withName("Ideas 2026"));
  }

  @Test
  void singleSignOnRecognisesTheSignedCustomerOnce() {
    SsoSecret sso = shop.singleSignOn().rotateSecret();
    SsoLogin login = SsoSignatures.login(sso.secret(), campaign.id(), "customer-1042", "ada@example.com",
        Instant.now().getEpochSecond());
    SsoRecognition who = shop.singleSignOn().recognize(login);
    assertTrue(who.created());
    assertTrue(who.newlyMapped());
    SsoRecognition again = shop.singleSignOn().recognize(login);   // "it only recognises the same customer"
    assertEquals(who.participant().id(), again.participant().id());
    assertFalse(again.created());
    assertFalse(again.newlyMapped());

    shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com"));
    shop.customerMappings().map(campaign.id(), "customer-7", ParticipantRef.email(campaign.id(), "bob@example.com"));
    assertTrue(shop.customerMappings().find(campaign.id(), "customer-7").isPresent());
  }

  @Test
  void leaderboards() {
    long adaId = ada.id();
    Leaderboards boards = shop.leaderboards();
    CursorPage<BoardEntry> top = boards.page(BoardRequest.of(campaign.id(), BoardPeriod.CURRENT_MONTH).limit(100));
    assertEquals(List.of(adaId), top.items().stream().map(BoardEntry::participantId).toList(),
        "every participant is on the board (0 without actions)");
    boards.page(BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME).by(BoardMetric.POINTS).after(top.nextId()));
    Standing standing = boards.standing(ParticipantRef.id(adaId), BoardMetric.ACTIONS, Consistency.INDEX);
    assertEquals(1, standing.rank());
    assertNull(standing.previousMonthRank(), "null if Ada joined after last month ended");
    boards.monthPage(campaign.id(), YearMonth.of(2026, 3), BoardMetric.ACTIONS, null, 10);
  }

  /**
   * The Referrals section's snippet, with what its bullets say of codes, chains, conversions, stats and landing
   * pages. {@code reward} is the Rewards section's; {@code ip} and {@code cookie} are the host's.
   */
  @Test
  void referralsCodesSignupTrackingConversionsAndLandingPages() {
    CampaignReward reward = shop.rewards().define(campaign.id(),
        NewCampaignReward.points("Loyal customer", 100, 10).withLimit(3));
    String ip = "203.0.113.7";
    String cookie = "visitor-7f3a";

    Referrals referrals = shop.referrals();
    referrals.configure(ReferralSettings.defaults(campaign.id())
        .withReferrerReward(reward.id())                         // every conversionsRequired referrals, as any goal
        .withConversionPoints(ConversionPoints.perUnit(new BigDecimal("1.5")))
        .withSignedCodesRequired(true));                          // refuse forgeable legacy codes (short ones stay)

    ReferralCodes codes = referrals.codes(ParticipantRef.id(ada.id()));
    // r1.1.<campaign>.<participant>.<tag>, ids in base 36
    assertTrue(codes.signed().startsWith("r1.1." + Long.toString(campaign.id(), 36) + "."
        + Long.toString(ada.id(), 36) + "."), codes.signed());
    assertTrue(codes.shortCode().matches("ADA[0-9]{2}"), codes.shortCode());   // ADA42
    assertEquals(codes.shortCode(), referrals.codes(ParticipantRef.id(ada.id())).shortCode(), "kept for good");
    // base64 of campaign_id:social_type:participant_id
    assertEquals(campaign.id() + ":direct:" + ada.id(),
        new String(Base64.getDecoder().decode(codes.legacy()), StandardCharsets.UTF_8));
    // decode reads all three forms; a legacy code is refused where signed codes are required
    assertEquals(ada.id(), referrals.decode(campaign.id(), codes.signed()).participantId());
    assertEquals(ada.id(), referrals.decode(campaign.id(), codes.shortCode()).participantId());
    assertCodeRefused(() -> referrals.decode(campaign.id(), codes.legacy()));
    String tampered = codes.signed().substring(0, codes.signed().length() - 1)
        + (codes.signed().endsWith("A") ? "B" : "A");
    assertCodeRefused(() -> referrals.decode(campaign.id(), tampered));
    assertCodeRefused(() -> referrals.decode(campaign.id(), "r".repeat(513)));

    String code = codes.signed();
    SignupResult s = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com").withIpAddress(ip), code).withVisitorId(cookie));
    assertEquals(ReferralOutcome.REFERRED, s.outcome());
    assertEquals(RiskLevel.LOW, s.referral().riskLevel());
    assertEquals(RiskLevel.LOW, s.participant().riskLevel(), "also on the participant");
    long bob = s.participant().id();
    assertEquals(ReferralOutcome.ALREADY_REFERRED, referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), codes.shortCode())).outcome());
    assertEquals(ReferralOutcome.SELF_REFERRAL, referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("AdaLovelace+again@googlemail.com"), code)).outcome(),
        "self-referral through a gmail alias");
    String bobsCode = referrals.codes(ParticipantRef.id(bob)).signed();
    assertEquals(ReferralOutcome.CYCLE, referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("ada.lovelace@gmail.com"), bobsCode)).outcome());
    // Chains: referrer, referred, ancestors
    assertEquals(ada.id(), referrals.referrer(ParticipantRef.id(bob)).orElseThrow().id());
    assertEquals(List.of(bob), referrals.referred(ParticipantRef.id(ada.id()), Keyset.first(10)).items().stream()
        .map(Participant::id).toList());
    assertEquals(List.of(ada.id()), referrals.ancestors(ParticipantRef.id(bob), 50).stream()
        .map(Participant::id).toList());
    // A fraud review's queue: the campaign's referrals IN_REVIEW (or REJECTED; null: all), a keyset page at a time
    CursorPage<Referral> review = referrals.referrals(campaign.id(), ReferralStatus.IN_REVIEW, Keyset.first(50));
    assertEquals(List.of(), review.items(), "Bob's referral was LOW risk: it counted");
    assertEquals(List.of(bob), referrals.referrals(campaign.id(), null, Keyset.first(50)).items().stream()
        .map(Referral::invitedId).toList());

    referrals.track(campaign.id(), Track.visit(code, cookie));              // clicks, unique visitors
    referrals.track(campaign.id(), Track.visit(code, cookie));
    ConversionResult converted = referrals.convert(campaign.id(),
        new NewConversion(code, "order-7", new BigDecimal("40.00")).withBuyerEmail("bob@example.com"));
    assertEquals(60, converted.pointsAwarded(), "floor(40.00 x 1.5)");
    ConversionResult ownOrder = referrals.convert(campaign.id(),
        new NewConversion(code, "order-own", new BigDecimal("40.00")).withBuyerEmail("Ada.Lovelace+shop@gmail.com"));
    assertEquals(List.of(ConversionStatus.REJECTED, 0L), List.of(ownOrder.conversion().status(),
        ownOrder.pointsAwarded()), "the code's own participant bought: a self-referral earns nothing");
    assertTrue(referrals.convert(campaign.id(), new NewConversion(code, "order-7", new BigDecimal("40.00")))
        .replayed());
    assertEquals(60, balance(ada.id()));
    Conversion order7 = referrals.conversion(campaign.id(), "order-7").orElseThrow();   // did it earn its points?
    assertEquals(List.of(ConversionStatus.CONVERTED, 60L), List.of(order7.status(), order7.points()));
    assertEquals(Optional.empty(), referrals.conversion(campaign.id(), "order-9"), "never converted");
    ReversalResult reversed = referrals.reverse(campaign.id(), "order-7"); // refund: the points come back off
    assertEquals(ConversionStatus.REVERSED, referrals.conversion(campaign.id(), "order-7").orElseThrow().status());
    CursorPage<Conversion> selfReferrals = referrals.conversions(campaign.id(), ConversionStatus.REJECTED,
        Keyset.first(50));                                                       // self-referral orders
    assertEquals(List.of("order-own"), selfReferrals.items().stream().map(Conversion::orderId).toList());
    assertEquals(List.of("order-own", "order-7"), referrals.conversions(ParticipantRef.id(ada.id()),
        Keyset.first(20)).items().stream().map(Conversion::orderId).toList(), "Ada's referred orders, newest first");
    assertEquals(60, reversed.pointsReversed());
    assertEquals(0, balance(ada.id()));

    // A reversal takes back as far as the balance goes and reports the rest as shortfall.
    referrals.convert(campaign.id(), new NewConversion(code, "order-8", new BigDecimal("10.30")));   // floor(15.45)
    shop.points().deduct(ParticipantRef.id(ada.id()), PointsChange.of(10, "redemption"));
    ReversalResult partial = referrals.reverse(campaign.id(), "order-8");
    assertEquals(5, partial.pointsReversed());
    assertEquals(10, partial.shortfall());
    assertEquals(0, balance(ada.id()));

    ReferralStats stats = referrals.stats(ParticipantRef.id(ada.id()));    // also campaignStats, brandStats
    assertEquals(2, stats.clicks());
    assertEquals(1, stats.uniqueVisitors());
    assertEquals(1, stats.signups());
    assertEquals(2, stats.conversions());
    assertEquals(2, stats.reversals());
    assertEquals(0, stats.revenue().signum(), "revenue of conversions not reversed");
    assertEquals(stats, referrals.campaignStats(campaign.id()), "Ada is the campaign's only referrer");
    assertEquals(1, referrals.brandStats(brand.id()).campaigns());

    // Landing pages: the default, a configured one, its links, and back.
    LandingPage page = referrals.landingPage(campaign.id());
    assertFalse(page.customised());
    assertEquals("https://shop.cornertea.example/", page.url());
    assertEquals("Tea Points", page.headline());
    assertEquals("https://shop.cornertea.example/?ref=" + code, page.linkFor(code));
    LandingPage spring = referrals.configureLandingPage(page.withUrl("https://shop.example.com/spring?utm=mail#top")
        .withHeadline("Spring tea").withShareMessage("A cup on me"));
    assertTrue(spring.customised());
    assertEquals("https://shop.example.com/spring?utm=mail&ref=" + code + "#top", spring.linkFor(code),
        "before any fragment");
    assertEquals("https://shop.example.com/spring?utm=mail&ref="
        + URLEncoder.encode(codes.legacy(), StandardCharsets.UTF_8) + "#top", spring.linkFor(codes.legacy()));
    assertTrue(spring.linkFor("A+B/C=").contains("&ref=A%2BB%2FC%3D#"), "the code percent-encoded");
    referrals.configureLandingPage(page.withUrl("https://bücher.example/tee"));   // a Unicode host
    for (String bad : List.of("ftp://shop.example.com/", "/spring", "https://user@shop.example.com/",
        "https://shop.example.com:0/", "https://shop.example.com:65536/")) {
      LoyaltyException e = assertThrows(LoyaltyException.class,
          () -> referrals.configureLandingPage(page.withUrl(bad)), bad);
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), bad);
      assertEquals("url", e.field().orElseThrow(), bad);
    }
    assertEquals(page, referrals.resetLandingPage(campaign.id()));
    assertFalse(referrals.landingPage(campaign.id()).customised());

    // The referrer reward's goal is 10: the 10th counted referral unlocks it for Ada, as 10 purchases would.
    List<EarnedReward> unlocked = List.of();
    for (int friend = 2; friend <= 10; friend++) {
      assertTrue(unlocked.isEmpty(), "unlocked before the 10th referral");
      unlocked = referrals.signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail("friend" + friend + "@example.com"), code)).unlocked();
    }
    assertEquals(List.of(ada.id()), unlocked.stream().map(EarnedReward::participantId).toList());
    assertEquals(reward.id(), unlocked.get(0).campaignRewardId());
  }

  /**
   * The Referrals section's fraud-screening bullet, rule by rule: each new referral's level and reason (on the
   * referral and on the participant), then what the campaign's risk actions make of MEDIUM and HIGH. The engine is
   * built again on the test's file with the bullet's {@code FraudScreening}: one extra disposable domain and one host
   * {@code RiskRule}. The campaign is AUTO (never configured), so a reward that waits shows the review, not the
   * campaign; its referrer reward unlocks at every counted referral, and its INVITED reward (two-way) with it.
   */
  @Test
  void fraudScreeningGivesEachReferralALevelAndAReasonAndTheCampaignCountsReviewsOrRejectsIt() {
    engine.close();
    engine = LoyaltyEngine.builder()
        .storage(JdbcStorage.h2File(dir.resolve("data/loyalty")))
        .fraudScreening(FraudScreening.builder().disposableDomain("throwaway.example")
            .rule(candidate -> candidate.invited().sanitizedEmail().endsWith("@watchlist.example")
                ? Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_WATCHLIST")) : Optional.empty())
            .build())
        .build();
    shop = engine.forTenant(tenant.id());
    CampaignReward perReferral = shop.rewards().define(campaign.id(),
        NewCampaignReward.points("Referral", 10, 1).unlimited());
    shop.rewards().define(campaign.id(), NewCampaignReward.points("Welcome", 5, 1).forInvited());
    Referrals referrals = shop.referrals();
    referrals.configure(ReferralSettings.defaults(campaign.id()).withReferrerReward(perReferral.id()));

    // The referrer signed up herself from her office, on her laptop, as the host's customer-7; Ada is mapped to the
    // host's customer-1042 (single sign-on's customer mappings).
    String office = "203.0.113.7";
    Participant grace = referrals.signup(campaign.id(), Signup.of(NewParticipant.withEmail("grace@example.com")
        .withIpAddress(office)).withVisitorId("grace-laptop").withCustomerId("customer-7")).participant();
    String code = referrals.codes(ParticipantRef.id(grace.id())).signed();
    shop.customerMappings().map(campaign.id(), "customer-1042", ParticipantRef.id(ada.id()));
    String adasCode = referrals.codes(ParticipantRef.id(ada.id())).signed();
    Participant known = shop.participants().create(campaign.id(), NewParticipant.withEmail("known@example.com"));

    // "self-referral through an email alias, the referrer's visitor id or host customer id (HIGH)"
    assertRisk(RiskLevel.HIGH, "SELF_REFERRAL_EMAIL", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("grace+deals@example.com"), code)));
    assertRisk(RiskLevel.HIGH, "SELF_REFERRAL_VISITOR", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("g.alt@example.net"), code).withVisitorId("grace-laptop")));
    assertRisk(RiskLevel.HIGH, "SELF_REFERRAL_CUSTOMER", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("g.other@example.net"), code).withCustomerId("customer-7")));
    assertRisk(RiskLevel.HIGH, "SELF_REFERRAL_CUSTOMER", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("ada.work@example.net"), adasCode).withCustomerId("customer-1042")),
        "the host customer id the referrer is mapped to");
    // "or IP address (MEDIUM: offices share one)"
    assertRisk(RiskLevel.MEDIUM, "SELF_REFERRAL_IP", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("colleague@example.org").withIpAddress(office), code)));
    // "an invitee enrolled before (HIGH)"
    SignupResult duplicate = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("known@example.com"), code));
    assertEquals(known.id(), duplicate.participant().id());
    assertRisk(RiskLevel.HIGH, "DUPLICATE_IDENTITY", duplicate);
    // "a disposable email domain (HIGH; 391 shipped, extend with FraudScreening.builder().disposableDomain(...))"
    assertEquals(391, FraudRules.shippedDomainCount());
    assertRisk(RiskLevel.HIGH, "DISPOSABLE_EMAIL", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("burner@mailinator.com"), code)));
    assertRisk(RiskLevel.HIGH, "DISPOSABLE_EMAIL", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("burner@throwaway.example"), code)));
    // "more signups from one IP or visitor than the campaign's velocity limit (HIGH)"
    referrals.configure(referrals.settings(campaign.id()).withVelocity(2, Duration.ofHours(1)));
    for (String who : List.of("v1", "v2")) {
      assertRisk(RiskLevel.LOW, "NO_SIGNAL", referrals.signup(campaign.id(), Signup.referred(
          NewParticipant.withEmail(who + "@example.net").withIpAddress("198.51.100.9"), code)
          .withVisitorId("kiosk-" + who)));
    }
    assertRisk(RiskLevel.HIGH, "VELOCITY_IP", referrals.signup(campaign.id(), Signup.referred(
        NewParticipant.withEmail("v3@example.net").withIpAddress("198.51.100.9"), code)));
    for (String who : List.of("w1", "w2")) {
      referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail(who + "@example.net"), code)
          .withVisitorId("kiosk"));
    }
    assertRisk(RiskLevel.HIGH, "VELOCITY_VISITOR", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("w3@example.net"), code).withVisitorId("kiosk")));
    // "and the host's own RiskRules"
    assertRisk(RiskLevel.MEDIUM, "HOST_WATCHLIST", referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("someone@watchlist.example"), code)));

    // "(defaults: MEDIUM counts, HIGH goes to review)": REVIEW is "counted, but the rewards wait for manual approval".
    SignupResult medium = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("m1@watchlist.example"), code));
    assertOutcome(ReferralStatus.COUNTED, List.of(EarnedRewardStatus.APPROVED, EarnedRewardStatus.APPROVED), medium);
    long counted = shop.rewards().counts(ParticipantRef.id(grace.id()), perReferral.id()).rewardAllTime();
    long balance = balance(grace.id());
    SignupResult high = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("h1@throwaway.example"), code));
    assertOutcome(ReferralStatus.IN_REVIEW, List.of(EarnedRewardStatus.PENDING, EarnedRewardStatus.PENDING), high);
    assertEquals(counted + 1, shop.rewards().counts(ParticipantRef.id(grace.id()), perReferral.id()).rewardAllTime(),
        "counted");
    assertEquals(balance, balance(grace.id()), "the rewards wait");
    for (EarnedReward waiting : high.unlocked()) {
      shop.rewards().approve(waiting.id(), false);   // manual approval
    }
    assertEquals(balance + 10, balance(grace.id()));
    assertEquals(5, balance(high.participant().id()), "the invited participant's two-way reward too");

    // "Per campaign, MEDIUM and HIGH each COUNT, go to REVIEW ... or are REJECTed".
    referrals.configure(referrals.settings(campaign.id()).withRiskActions(RiskAction.REVIEW, RiskAction.COUNT));
    assertOutcome(ReferralStatus.IN_REVIEW, List.of(EarnedRewardStatus.PENDING, EarnedRewardStatus.PENDING),
        referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail("m2@watchlist.example"), code)));
    assertOutcome(ReferralStatus.COUNTED, List.of(EarnedRewardStatus.APPROVED, EarnedRewardStatus.APPROVED),
        referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail("h2@throwaway.example"), code)));
    referrals.configure(referrals.settings(campaign.id()).withRiskActions(RiskAction.REJECT, RiskAction.REJECT));
    counted = shop.rewards().counts(ParticipantRef.id(grace.id()), perReferral.id()).rewardAllTime();
    for (String email : List.of("m3@watchlist.example", "h3@throwaway.example")) {
      SignupResult rejected = referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail(email), code));
      assertOutcome(ReferralStatus.REJECTED, List.of(), rejected);
      assertEquals(grace.id(), referrals.referrer(ParticipantRef.id(rejected.participant().id())).orElseThrow().id(),
          "still in the chain");
    }
    assertEquals(counted, shop.rewards().counts(ParticipantRef.id(grace.id()), perReferral.id()).rewardAllTime(),
        "a rejected referral does not count");
    assertOutcome(ReferralStatus.COUNTED, List.of(EarnedRewardStatus.APPROVED, EarnedRewardStatus.APPROVED),
        referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail("clean@example.net"), code)));

    // The review: the campaign's referrals in review and rejected, each with its referrer, level and reason.
    List<Referral> inReview = referrals.referrals(campaign.id(), ReferralStatus.IN_REVIEW, Keyset.first(100)).items();
    assertTrue(inReview.stream().map(Referral::invitedId).toList().containsAll(List.of(high.participant().id())),
        "the HIGH referral sent to review");
    assertTrue(inReview.stream().allMatch(r -> r.status() == ReferralStatus.IN_REVIEW
        && List.of(grace.id(), ada.id()).contains(r.referrerId()) && r.riskLevel() != RiskLevel.LOW
        && !r.riskReason().equals(RiskSignal.NO_SIGNAL)), inReview.toString());
    List<Referral> rejected = referrals.referrals(campaign.id(), ReferralStatus.REJECTED, Keyset.first(100)).items();
    assertEquals(List.of("HOST_WATCHLIST", "DISPOSABLE_EMAIL"), rejected.stream().map(Referral::riskReason).toList(),
        "m3 and h3, in invited id order");
    assertEquals(List.of(RiskLevel.MEDIUM, RiskLevel.HIGH), rejected.stream().map(Referral::riskLevel).toList());
  }

  private static void assertRisk(RiskLevel level, String reason, SignupResult signup) {
    assertRisk(level, reason, signup, reason);
  }

  /** The referral's level and reason, "also on the participant". */
  private static void assertRisk(RiskLevel level, String reason, SignupResult signup, String message) {
    assertEquals(ReferralOutcome.REFERRED, signup.outcome(), message);
    assertEquals(level, signup.referral().riskLevel(), message);
    assertEquals(reason, signup.referral().riskReason(), message);
    assertEquals(level, signup.participant().riskLevel(), message);
    assertEquals(reason, signup.participant().riskReason(), message);
  }

  /** A referral's status and the statuses of the rewards it unlocked (the referrer's, then the invited's). */
  private static void assertOutcome(ReferralStatus status, List<EarnedRewardStatus> rewards, SignupResult signup) {
    assertEquals(status, signup.referral().status());
    assertEquals(rewards, signup.unlocked().stream().map(EarnedReward::status).toList());
  }

  /**
   * "Goals and two-way rewards", goal VISIT: a new visitor following the code is a counted referral, a loyalty
   * action of the referrer toward the referrer reward; a visitor seen before, and the other kinds of tracking, are
   * not. A signup with the code is then recorded in the chain only, so INVITED rewards are not earned: there is no
   * invited participant in a visit.
   */
  @Test
  void goalVisitCountsANewVisitorFollowingTheCode() {
    CampaignReward everyTwo = shop.rewards().define(campaign.id(),
        NewCampaignReward.points("Two visitors", 25, 2).unlimited());
    shop.rewards().define(campaign.id(), NewCampaignReward.points("Welcome", 5, 1).forInvited());
    Referrals referrals = shop.referrals();
    referrals.configure(ReferralSettings.defaults(campaign.id()).withGoal(ReferralGoal.VISIT)
        .withReferrerReward(everyTwo.id()));
    String code = referrals.codes(ParticipantRef.id(ada.id())).signed();

    TrackResult first = referrals.track(campaign.id(), Track.visit(code, "visitor-1"));
    assertTrue(first.uniqueVisitor());
    assertTrue(first.counted(), "a new visitor follows the code");
    assertEquals(List.of(), first.unlocked(), "one of two");
    TrackResult again = referrals.track(campaign.id(), Track.visit(code, "visitor-1"));
    assertFalse(again.counted(), "not a new visitor");
    assertFalse(referrals.track(campaign.id(), Track.share(code)).counted());
    assertFalse(referrals.track(campaign.id(), Track.impression(code)).counted());
    assertEquals(1, shop.rewards().counts(ParticipantRef.id(ada.id()), everyTwo.id()).rewardAllTime(),
        "a loyalty action of the referrer toward the referrer reward");

    TrackResult second = referrals.track(campaign.id(), Track.visit(code, "visitor-2"));
    assertTrue(second.counted());
    assertEquals(List.of(ada.id()), second.unlocked().stream().map(EarnedReward::participantId).toList());
    assertEquals(everyTwo.id(), second.unlocked().get(0).campaignRewardId());
    assertEquals(25, balance(ada.id()));

    SignupResult signup = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), code).withVisitorId("visitor-2"));
    assertEquals(ReferralOutcome.REFERRED, signup.outcome());
    assertEquals(ReferralStatus.RECORDED, signup.referral().status(), "goal VISIT: the signup does not count");
    assertEquals(List.of(), signup.unlocked());
    assertEquals(0, balance(signup.participant().id()), "no INVITED reward: the counted referral was a visit");
    assertEquals(2, shop.rewards().counts(ParticipantRef.id(ada.id()), everyTwo.id()).rewardAllTime());
  }

  private static void assertCodeRefused(Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("code", e.field().orElseThrow());
  }

  /**
   * The Events section's three ways, and what its bullets say of listeners and webhooks. The engines are built as the
   * snippet builds them, with two additions a test needs: manual dispatch (which the section names), so that the
   * test drives delivery, and a clock it moves, for the listener's backoff. {@code crm} is the host's; the webhook
   * goes to a receiver on 127.0.0.1, which the address policy must allow, so nothing leaves the machine.
   */
  @Test
  void eventsReachListenersTheChangeFeedAndSignedWebhooks() throws IOException {
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      // The default address policy refuses an endpoint on loopback, at registration.
      LoyaltyException refused = assertThrows(LoyaltyException.class,
          () -> shop.webhooks().create(NewWebhookEndpoint.of("https://127.0.0.1:" + receiver.port() + "/hooks")));
      assertEquals(ErrorCode.VALIDATION_ERROR, refused.code());
      assertEquals("url", refused.field().orElseThrow());
      engine.close();

      Deque<LoyaltyEvent> crm = new ConcurrentLinkedDeque<>();
      SettableClock clock = SettableClock.at(Instant.now());
      // An award committed while no engine dispatches, then a restart: a builder's listener still gets it.
      engine = eventsEngine(crm, clock);
      shop = engine.forTenant(tenant.id());
      shop.points().award(ParticipantRef.id(ada.id()), PointsChange.of(5, "purchase").withIdempotencyKey("order-1"));
      engine.close();
      engine = eventsEngine(crm, clock);
      shop = engine.forTenant(tenant.id());
      dispatchUntilIdle();
      assertEquals(List.of(EventType.POINTS_AWARDED), crm.stream().map(LoyaltyEvent::type).toList(),
          "the listener sees the award committed before the restart, and only awards");

      // 2. A pollable change feed per tenant, for integrations that pull.
      long cursor = 0;
      FeedPage page = shop.changeFeed().read(cursor, EventFilter.all(), 100);
      cursor = page.nextPosition();
      List<LoyaltyEvent> awards = page.events().stream().filter(e -> e.type() == EventType.POINTS_AWARDED).toList();
      assertEquals(List.of(crm.getFirst().id()), awards.stream().map(LoyaltyEvent::id).toList(),
          "the feed has the event the listener got, under the same id");
      assertTrue(awards.get(0).id().startsWith("evt_"));
      FeedPage none = shop.changeFeed().read(cursor, EventFilter.all(), 100);
      assertTrue(none.events().isEmpty());
      assertEquals(cursor, none.nextPosition(), "a reader that keeps its cursor sees no event twice");

      // 3. Signed webhooks (Standard Webhooks), per tenant, optionally per campaign and type.
      WebhookRegistration hook = shop.webhooks().create(NewWebhookEndpoint.of(receiver.url("/hooks")));
      String secret = hook.secret();   // whsec_...: give it to the receiver, which checks with WebhookVerifier
      assertTrue(secret.startsWith("whsec_"));
      shop.points().award(ParticipantRef.id(ada.id()), PointsChange.of(7, "purchase").withIdempotencyKey("order-2"));
      dispatchUntilIdle();
      page = shop.changeFeed().read(cursor, EventFilter.types(EventType.POINTS_AWARDED), 100);
      cursor = page.nextPosition();
      assertEquals(1, page.events().size());
      String awardId = page.events().get(0).id();
      assertEquals(awardId, crm.getFirst().id(), "the listener got the second award too");
      assertEquals(List.of(awardId), receiver.requests().stream().map(r -> r.header("webhook-id")).toList(),
          "the webhook-id header is the event id");
      WebhookReceiver.Request post = receiver.requests().get(0);
      WebhookVerifier verifier = WebhookVerifier.of(secret).withClock(clock);
      verifier.verify(post.header("webhook-id"), post.header("webhook-timestamp"), post.header("webhook-signature"),
          post.body());
      byte[] tampered = (new String(post.body(), StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
      assertThrows(WebhookVerificationException.class, () -> verifier.verify(post.header("webhook-id"),
          post.header("webhook-timestamp"), post.header("webhook-signature"), tampered));

      // A listener that throws is retried, then parked after 10 attempts, without holding up the others.
      String failing = "ledger-export";
      engine.close();
      boolean[] down = {true};
      engine = eventsEngineBuilder(crm, clock)
          .listener(failing, EventFilter.types(EventType.POINTS_AWARDED), event -> {
            if (down[0]) {
              throw new IllegalStateException("export down");
            }
          })
          .build();
      shop = engine.forTenant(tenant.id());
      shop.points().award(ParticipantRef.id(ada.id()), PointsChange.of(9, "purchase").withIdempotencyKey("order-3"));
      dispatchUntilIdle();
      String third = crm.getFirst().id();
      assertEquals(3, crm.size(), "crm-sync is not held up by the failing listener");
      List<ParkedDelivery> parked = List.of();
      for (int round = 0; round < 20 && parked.isEmpty(); round++) {
        clock.advance(Duration.ofMinutes(10));   // past any backoff (at most 5 minutes, with jitter)
        engine.events().dispatch();
        parked = engine.events().parked(failing, Keyset.first(10)).items();
      }
      assertEquals(1, parked.size());
      assertEquals(third, parked.get(0).event().id());
      assertEquals(10, parked.get(0).attempts(), "EventSettings.listenerMaxAttempts, 10 by default");
      assertTrue(engine.events().parked("crm-sync", Keyset.first(10)).items().isEmpty());
      down[0] = false;
      assertTrue(engine.events().replay(failing, tenant.id(), third));
      assertTrue(engine.events().dispatch().delivered() >= 1, "a replay is due at once");
      assertTrue(engine.events().parked(failing, Keyset.first(10)).items().isEmpty());
      assertEquals(3, crm.size(), "crm-sync got each award once");
    }
  }

  /**
   * The Events section's retry bullet: "Webhooks are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and
   * 24 h (with jitter), then parked". The receiver on 127.0.0.1 answers 503 to everything; the engine dispatches
   * manually on a clock the test moves. Before each retry the clock stops short of the step less its jitter (at most
   * 10 %): no request; then past the step plus its jitter: exactly one. After the tenth attempt the delivery is
   * parked for the endpoint, and no later round calls the receiver again.
   */
  @Test
  void aFailingWebhookIsRetriedOnTheReadmesScheduleThenParked() throws IOException {
    List<Duration> schedule = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
        Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20),
        Duration.ofHours(24));
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      receiver.always("/hooks", WebhookReceiver.status(503));
      engine.close();
      SettableClock clock = SettableClock.at(Instant.now());
      engine = eventsEngine(new ConcurrentLinkedDeque<>(), clock);
      shop = engine.forTenant(tenant.id());
      dispatchUntilIdle();   // what the Quickstart wrote goes before the endpoint exists
      WebhookRegistration hook = shop.webhooks().create(new NewWebhookEndpoint(receiver.url("/hooks"),
          EventFilter.types(EventType.POINTS_AWARDED)));
      shop.points().award(ParticipantRef.id(ada.id()), PointsChange.of(5, "purchase").withIdempotencyKey("order-1"));
      dispatchUntilIdle();
      assertEquals(1, receiver.requests().size(), "the first attempt is immediate");
      String eventId = receiver.requests().get(0).header("webhook-id");

      Instant lastAttempt = clock.instant();
      for (Duration step : schedule) {
        int before = receiver.requests().size();
        clock.set(lastAttempt.plus(step.multipliedBy(9).dividedBy(10)).minusMillis(1));
        dispatchUntilIdle();
        assertEquals(before, receiver.requests().size(), "not before " + step + " less 10 %");
        clock.set(lastAttempt.plus(step.multipliedBy(11).dividedBy(10)));
        dispatchUntilIdle();
        assertEquals(before + 1, receiver.requests().size(), "one retry by " + step + " plus 10 %");
        assertEquals(eventId, receiver.requests().get(before).header("webhook-id"), "the same event id every time");
        assertEquals(before + 1 == schedule.size() + 1 ? 1 : 0,
            shop.webhooks().parked(hook.endpoint().id(), Keyset.first(10)).items().size(),
            "parked after the tenth attempt, not before");
        lastAttempt = clock.instant();
      }
      List<ParkedDelivery> parked = shop.webhooks().parked(hook.endpoint().id(), Keyset.first(10)).items();
      assertEquals(1, parked.size());
      assertEquals(eventId, parked.get(0).event().id());
      assertEquals(schedule.size() + 1, parked.get(0).attempts(), "the first attempt and nine retries");
      clock.advance(Duration.ofDays(3));
      dispatchUntilIdle();
      assertEquals(schedule.size() + 1, receiver.requests().size(), "parked: no more attempts");
    }
  }

  private LoyaltyEngine eventsEngine(Deque<LoyaltyEvent> crm, Clock clock) {
    return eventsEngineBuilder(crm, clock).build();
  }

  /**
   * The Events snippet's builder: a new storage on the test's file, its listener, and what the test adds (manual
   * dispatch, the clock, loopback webhooks). {@code crm.push(event)} is the snippet's call, on a deque.
   */
  private LoyaltyEngine.Builder eventsEngineBuilder(Deque<LoyaltyEvent> crm, Clock clock) {
    JdbcStorage storage = JdbcStorage.h2File(dir.resolve("data/loyalty"));
    return LoyaltyEngine.builder().storage(storage)
        .listener("crm-sync", EventFilter.types(EventType.POINTS_AWARDED), event -> crm.push(event))
        .events(EventSettings.builder().manualDispatch().build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK))
        .clock(clock);
  }

  private void dispatchUntilIdle() {
    for (int round = 0; round < 1_000; round++) {
      if (engine.events().dispatch().isIdle()) {
        return;
      }
    }
    throw new AssertionError("dispatch did not settle in 1,000 rounds");
  }

  /**
   * The API keys section; its engine has plans, so it is one of its own, on the same file. The README named the
   * tenant {@code shop.id()}, which does not compile with the Quickstart's {@code shop} (a TenantScope).
   */
  @Test
  void apiKeysAuthenticateAndMapToStatuses() {
    engine.close();
    JdbcStorage storage = JdbcStorage.h2File(dir.resolve("data/loyalty"));
    engine = LoyaltyEngine.builder().storage(storage)
        .access(AccessSettings.builder()
            .plan("free", 60, Duration.ofMinutes(1))      // 60 requests a minute per tenant, across instances
            .plan("pro", 1_000, Duration.ofMinutes(1))
            .defaultPlan("free")                          // tenants without a plan, or on one not configured here
            .build())
        .build();
    engine.tenants().changePlan(tenant.id(), "pro");
    IssuedApiKey issued = engine.forTenant(tenant.id()).apiKeys().issue(NewApiKey.of("checkout", ApiScope.READ,
        ApiScope.WRITE));
    String key = issued.secret();                         // give it to the client now: it cannot be shown again

    ApiCaller caller = engine.access().authenticate(key, ApiScope.WRITE);
    assertEquals(tenant.id(), caller.tenantId());
    LoyaltyException bad = assertThrows(LoyaltyException.class,
        () -> engine.access().authenticate(key + "x", ApiScope.READ));
    assertEquals(401, bad.httpStatus());
    assertEquals("apiKey", bad.field().orElseThrow());
    LoyaltyException scope = assertThrows(LoyaltyException.class,
        () -> engine.access().authenticate(key, ApiScope.ADMIN));
    assertEquals(403, scope.httpStatus());
    assertEquals("scope", scope.field().orElseThrow());
  }

  private long outboxRows() {
    return count("jdbc:h2:retry:" + dir.resolve("data/loyalty").toAbsolutePath(), "SELECT COUNT(*) FROM event_outbox");
  }

  private static long count(String url, String sql) {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
