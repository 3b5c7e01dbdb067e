package io.loyaltyengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiCaller;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSignatures;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
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
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.FeedbackBoards;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.feedback.VoteResult;
import io.loyaltyengine.jdbc.JdbcHostTransaction;
import io.loyaltyengine.jdbc.JdbcStorage;
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
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testimonials.Testimonials;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
    String url = "jdbc:h2:file:" + dir.resolve("data/loyalty").toAbsolutePath();
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
    shop.points().award(ParticipantRef.id(id), PointsChange.of(100, "purchase"));
    PointsResult r = shop.points().deductUpToBalance(ParticipantRef.id(id),
        PointsChange.of(120, "refund").withIdempotencyKey("refund-1001"));
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
    for (EarnedReward earned : r.unlocked()) {
      shop.rewards().approve(earned.id(), false);   // PENDING -> APPROVED: points credited
      shop.rewards().fulfil(earned.id());           // APPROVED -> FULFILLED
      assertEquals(ErrorCode.INVALID_TRANSITION,
          assertThrows(LoyaltyException.class, () -> shop.rewards().fulfil(earned.id())).code());
    }
    assertEquals(100, balance(enrolled));

    shop.coupons().upload(campaign.id(), List.of("TEA-1A2B", "TEA-3C4D"));

    shop.points().award(ParticipantRef.id(ada.id()), PointsChange.of(600, "purchase"));
    CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tea tin", 500,
        RewardType.CUSTOM_MESSAGE).withStock(100));
    shop.catalog().redeem(ParticipantRef.id(ada.id()), tin.id(), "redeem-42");
    assertEquals(100, balance(ada.id()));
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
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), new NewIdea("Dark mode", "Too bright."));
    VoteResult first = feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    assertEquals(1, first.votes());
    assertTrue(first.changed());
    VoteResult again = feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    assertEquals(1, again.votes());
    assertFalse(again.changed());
    NumberedPage<Idea> page = feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(1, 20));
    assertEquals(1, page.items().size());
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
    return count("jdbc:h2:file:" + dir.resolve("data/loyalty").toAbsolutePath(), "SELECT COUNT(*) FROM event_outbox");
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
