package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.testimonials.TestimonialStatus;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every statement a tenant's operation sends names that tenant: it binds the tenant's id (alone or among an array's
 * elements), so that on a database distributed by tenant (Citus style, ARCHITECTURE.md) it routes to the tenant's
 * shard, and it reads or writes no other tenant's rows. The engine's own work across tenants (the dispatcher's
 * rounds, node leases) is not a tenant's operation: the engine here dispatches only when asked, outside the
 * operations watched, and statements on the tables that are no tenant's ({@code node_lease},
 * {@code loyalty_schema_history}) are left out.
 *
 * <p>Each test runs in one thread; the recording is thread-safe.
 */
abstract class TenantRoutingTestBase {
  /** The tables that are no tenant's (see {@link SchemaCatalogTestBase#WITHOUT_TENANT}). */
  private static final Pattern NOT_A_TENANTS_TABLE =
      Pattern.compile("\\b(node_lease|loyalty_schema_history|information_schema)\\b");
  /** A statement that names a table. */
  private static final Pattern NAMES_A_TABLE = Pattern.compile("\\b(from|into|update|merge)\\b");

  private final StatementRecorder recorder = new StatementRecorder();
  private LoyaltyEngine engine;

  /** A pool on a fresh database of the dialect under test. */
  abstract DataSource pool();

  /** Closes the pool and drops the database. */
  abstract void closeDatabase();

  @AfterEach
  void closeAll() {
    if (engine != null) {
      engine.close();
    }
    closeDatabase();
  }

  @Test
  void everyStatementOfATenantsOperationsNamesThatTenant() {
    Storage storage = JdbcStorage.builder().dataSource(recorder.wrap(pool())).build();
    engine = LoyaltyEngine.builder().storage(storage)
        .events(EventSettings.builder().manualDispatch().build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_ALL))
        .build();
    // Tenants on both sides of the one watched, with committed events not yet positioned.
    TenantScope before = engine.forTenant(engine.tenants().create(NewTenant.business("Before")).id());
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Watched")).id());
    TenantScope after = engine.forTenant(engine.tenants().create(NewTenant.business("After")).id());
    for (TenantScope other : List.of(before, after)) {
      Brand brand = other.brands().create(new NewBrand("Other", "https://other" + other.tenantId() + ".example"));
      Campaign campaign = other.campaigns().create(NewCampaign.running(brand.id(), "Other"));
      other.participants().create(campaign.id(), NewParticipant.withEmail("other@example.com"));
    }

    recorder.drain();
    operate(scope);
    List<StatementRecorder.Sent> sent = recorder.drain();

    long tenantId = scope.tenantId();
    List<String> strays = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    assertFalse(sent.isEmpty(), "statements were recorded");
    for (StatementRecorder.Sent s : sent) {
      String sql = s.sql().toLowerCase(Locale.ROOT);
      if (NOT_A_TENANTS_TABLE.matcher(sql).find() || !NAMES_A_TABLE.matcher(sql).find()) {
        continue;
      }
      seen.add(s.sql());
      if (!s.binds(tenantId)) {
        strays.add(s.sql() + " bound " + s.values());
      }
    }
    assertFalse(seen.isEmpty(), "statements on tenants' tables were recorded");
    assertEquals(List.of(), strays.stream().distinct().collect(Collectors.toList()),
        "statements of tenant " + tenantId + "'s operations that do not name it");
  }

  /** One tenant's operations across the features, each of which sends statements. */
  private void operate(TenantScope scope) {
    Brand brand = scope.brands().create(new NewBrand("Tea", "https://tea.example"));
    Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Tea points"));
    long c = campaign.id();
    Participant ada = scope.participants().create(c, NewParticipant.withEmail("ada@example.com").withTier("gold"));
    Participant bob = scope.participants().create(c, NewParticipant.withEmail("bob@example.com"));
    ParticipantRef adaRef = ParticipantRef.id(ada.id());
    ParticipantRef bobRef = ParticipantRef.email(c, "bob@example.com");
    scope.points().award(adaRef, PointsChange.of(500, "purchase").withIdempotencyKey("order-1"));
    scope.points().award(adaRef, PointsChange.of(500, "purchase").withIdempotencyKey("order-1"));
    scope.points().deduct(adaRef, PointsChange.of(10, "refund"));
    scope.points().history(adaRef, Keyset.first(10));
    scope.points().findByIdempotencyKey("order-1");
    scope.participants().list(c, ParticipantFilter.all(), Keyset.first(10));
    scope.participants().page(c, ParticipantFilter.all(), PageRequest.of(1, 10));

    scope.webhooks().create(NewWebhookEndpoint.of("https://hooks.example.com/in"));
    long hook = scope.webhooks().list().get(0).id();
    scope.webhooks().disable(hook);
    scope.webhooks().enable(hook);

    scope.rewards().configure(c, Automation.MANUAL, 1);
    CampaignReward points = scope.rewards().define(c, NewCampaignReward.points("Points", 10, 1));
    CampaignReward coupon = scope.rewards().define(c, NewCampaignReward.coupon("Coupon", 1));
    scope.coupons().upload(c, List.of("TEA-1", "TEA-2"));
    ActionResult action = scope.rewards().recordAction(LoyaltyAction.of(adaRef, points.id())
        .withIdempotencyKey("action-1"));
    action.unlocked().forEach(earned -> scope.rewards().approve(earned.id(), true));
    scope.rewards().recordAction(LoyaltyAction.of(bobRef, coupon.id())).unlocked()
        .forEach(earned -> scope.rewards().approve(earned.id(), false));
    scope.rewards().totals(c);
    scope.rewards().summary(adaRef);

    CatalogReward tin = scope.catalog().create(NewCatalogReward.of(c, "Tin", 5, RewardType.CUSTOM_MESSAGE)
        .withStock(3));
    scope.catalog().redeem(adaRef, tin.id(), "redeem-1");
    scope.catalog().adjustStock(tin.id(), 2);

    Quest quest = scope.quests().create(new NewQuest(c, "Quest", null,
        List.of(new NewQuestTask("One", 5), new NewQuestTask("Two", 5)), 3));
    scope.quests().completeTask(adaRef, quest.id(), 1);
    scope.quests().progress(adaRef, quest.id());

    FeedbackBoard board = scope.feedback().createBoard(new NewFeedbackBoard(c, "Ideas", "Tell us"));
    Idea idea = scope.feedback().submitIdea(adaRef, board.id(), new NewIdea("More tea", "Please"));
    NewIdea keyed = NewIdea.of("Less sugar").withIdempotencyKey("idea-1");
    scope.feedback().submitIdea(adaRef, board.id(), keyed);
    scope.feedback().submitIdea(adaRef, board.id(), keyed);
    scope.feedback().vote(bobRef, idea.id());
    scope.feedback().hasVoted(bobRef, idea.id());
    scope.feedback().ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(1, 10));
    scope.feedback().ideas(adaRef, Keyset.first(10));

    Testimonial said = scope.testimonials().submit(adaRef, NewTestimonial.of("Lovely").withRating(5));
    scope.testimonials().approve(said.id());

    scope.referrals().configure(ReferralSettings.defaults(c));
    ReferralCodes codes = scope.referrals().codes(adaRef);
    scope.referrals().track(c, Track.visit(codes.shortCode(), "visitor-1"));
    scope.referrals().signup(c, Signup.referred(NewParticipant.withEmail("cy@example.com"), codes.signed()));
    scope.referrals().convert(c, new NewConversion(codes.signed(), "order-7", new BigDecimal("12.50")));
    scope.referrals().stats(adaRef);
    scope.referrals().landingPage(c);

    scope.leaderboards().page(BoardRequest.of(c, BoardPeriod.ALL_TIME));
    scope.leaderboards().standing(adaRef, BoardMetric.POINTS, Consistency.STRONG);

    scope.customerMappings().map(c, "customer-1", adaRef);
    scope.singleSignOn().rotateSecret();
    IssuedApiKey key = scope.apiKeys().issue(NewApiKey.of("Key", ApiScope.READ));
    engine.access().authenticate(key.secret(), ApiScope.READ);

    scope.changeFeed().read(0, EventFilter.all(), 10);
    more(scope, brand, campaign, adaRef, bobRef, codes, tin, quest, board, idea, said, key, hook);
    scope.participants().delete(adaRef);
  }

  /** More of the tenant's operations: updates, moves, pages, reversals, the index's reads. */
  private void more(TenantScope scope, Brand brand, Campaign campaign, ParticipantRef adaRef, ParticipantRef bobRef,
      ReferralCodes codes, CatalogReward tin, Quest quest, FeedbackBoard board, Idea idea, Testimonial said,
      IssuedApiKey key, long hook) {
    long c = campaign.id();
    scope.brands().update(brand.id(), BrandUpdate.of(brand).withWebsite("https://tea2.example"));
    scope.campaigns().update(c, CampaignUpdate.of(campaign).withName("Tea points+"));
    scope.campaigns().changeStatus(c, CampaignStatus.PAUSED);
    scope.participants().update(bobRef, ParticipantUpdate.builder().firstName("Bob").build());
    scope.points().applyAll(List.of(
        PointsOperation.award(adaRef, PointsChange.of(3, "purchase").withIdempotencyKey("bulk-1")),
        PointsOperation.deductUpToBalance(bobRef, PointsChange.of(2, "refund").withIdempotencyKey("bulk-2"))));
    scope.points().deductUpToBalance(adaRef, PointsChange.of(1, "refund").withIdempotencyKey("capped-1"));
    scope.rewards().earned(adaRef, Keyset.first(10));
    scope.rewards().earned(c, null, Keyset.first(10));
    scope.rewards().earned(c, EarnedRewardStatus.PENDING, Keyset.first(10));
    scope.referrals().referrals(c, null, Keyset.first(10));
    scope.referrals().referrals(c, ReferralStatus.IN_REVIEW, Keyset.first(10));
    scope.referrals().conversion(c, "order-7");
    scope.referrals().conversions(c, null, Keyset.first(10));
    scope.referrals().conversions(c, ConversionStatus.REJECTED, Keyset.first(10));
    scope.referrals().conversions(adaRef, Keyset.first(10));
    scope.coupons().remaining(c);
    scope.coupons().assigned(c, Keyset.first(10));
    scope.catalog().update(tin.id(), CatalogRewardUpdate.of(tin).withPointsCost(4));
    scope.catalog().setActive(tin.id(), false);
    scope.catalog().list(c, null, null);
    scope.catalog().redemptions(tin.id(), Keyset.first(10));
    scope.catalog().redemptions(adaRef, Keyset.first(10));
    scope.quests().update(quest.id(), QuestUpdate.of(quest).withName("Quest+"));
    scope.quests().setActive(quest.id(), false);
    scope.feedback().withdrawVote(bobRef, idea.id());
    scope.feedback().setStatus(idea.id(), IdeaStatus.PLANNED);
    scope.feedback().updateBoard(board.id(), FeedbackBoardUpdate.of(board).withName("Ideas+"));
    scope.feedback().closeBoard(board.id());
    scope.feedback().reopenBoard(board.id());
    scope.feedback().deleteIdea(idea.id());
    scope.testimonials().list(c, TestimonialStatus.APPROVED, Keyset.first(10));
    scope.referrals().decode(c, codes.signed());
    scope.referrals().referred(adaRef, Keyset.first(10));
    scope.referrals().reverse(c, "order-7");
    scope.referrals().campaignStats(c);
    scope.referrals().brandStats(brand.id());
    scope.referrals().rotateSigningKey();
    scope.referrals().resetLandingPage(c);
    scope.leaderboards().page(BoardRequest.of(c, BoardPeriod.CURRENT_MONTH));
    scope.leaderboards().standing(adaRef, BoardMetric.ACTIONS, Consistency.INDEX);
    scope.leaderboards().winners(c, YearMonth.now(ZoneOffset.UTC).minusMonths(1), BoardMetric.POINTS);
    scope.customerMappings().findByParticipant(adaRef);
    scope.customerMappings().unmap(c, "customer-1");
    String secret = scope.singleSignOn().rotateSecret().secret();
    scope.singleSignOn().recognize(SsoSignatures.login(secret, c, "customer-2", "dee@example.com",
        Instant.now().getEpochSecond()));
    scope.apiKeys().list();
    scope.apiKeys().revoke(key.key().id());
    scope.webhooks().rotateSecret(hook);
    scope.webhooks().finishRotation(hook);
    scope.webhooks().parked(hook, Keyset.first(10));
    scope.webhooks().deliveries(hook, Keyset.first(10));
    scope.webhooks().deliveries(hook, DeliveryStatus.PENDING, Keyset.first(10));
    scope.webhooks().delete(hook);
  }
}
