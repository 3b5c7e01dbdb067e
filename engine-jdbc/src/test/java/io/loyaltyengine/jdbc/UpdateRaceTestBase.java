package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.rewards.RewardType;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Configuration updates (a brand's, a campaign's, a quest's, a feedback board's, a catalog reward's) racing another
 * change of the same row or key, and the other way round a campaign's status change, a quest's or catalog reward's
 * switch, a board's closing and a stock adjustment racing the row's update, one backend per subclass, on two engines
 * on one database: the host holds one change uncommitted in a transaction joined through the first engine, and the
 * other call runs through the second (the campaign's status change through the first, as one engine's callers) and
 * waits for it, so who waits for whom is fixed with no timing assumed. A write that waited answers with the row it
 * wrote, as it stands after the holder's commit, never with a row read before; a stock adjustment that waited for
 * another adds to the committed stock; two brands given one domain at once end with one of them holding it and the
 * other refused as it would be without the race.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class UpdateRaceTestBase extends HostTransactionTestBase {
  /** What the catalog races' updates write: each field differs from {@link #teaTin}'s. */
  private static final CatalogRewardUpdate TEA_TIN_XL = new CatalogRewardUpdate("Tea tin XL", "Twice the tea", 25);

  private World world;
  /** The scope the host's transaction joins. */
  private TenantScope holder;
  /** The same tenant through a second engine on the same database. */
  private TenantScope other;

  @BeforeEach
  final void twoEngines() {
    LoyaltyEngine first = engines.build(engines.builder(fixture.openStorage(), 0));
    LoyaltyEngine second = engines.build(engines.builder(fixture.openStorage(), 0));
    world = new World(first, 0);
    holder = first.forTenant(world.tenantId);
    other = second.forTenant(world.tenantId);
  }

  @Test
  void twoBrandsGivenOneDomainAtOnceLeaveItToOneAndRefuseTheOtherAsATakenDomain() throws Exception {
    Brand north = holder.brands().create(new NewBrand("North", "north.example.com"));
    Brand south = holder.brands().create(new NewBrand("South", "south.example.com"));
    Object moved = whileAHostHoldsAKey(holder,
        hosted -> hosted.brands().update(north.id(), BrandUpdate.of(north).withWebsite("https://shop.example.org")),
        () -> other.brands().update(south.id(), BrandUpdate.of(south).withWebsite("shop.example.org")));
    LoyaltyException refused = assertInstanceOf(LoyaltyException.class, moved, () -> "the second update: " + moved);
    // The same update again, now that the domain is taken: the refusal the race must give too.
    Object again = answer(() -> other.brands().update(south.id(), BrandUpdate.of(south)
        .withWebsite("shop.example.org"))).call();
    LoyaltyException taken = assertInstanceOf(LoyaltyException.class, again, () -> "again: " + again);
    assertEquals(ErrorCode.CONFLICT, taken.code(), "the domain taken, without a race: " + taken);
    assertEquals(taken.code(), refused.code(), "refused as without the race: " + refused);
    assertEquals(taken.field(), refused.field());
    assertEquals(Optional.of("website"), refused.field());
    List<Brand> brands = other.brands().list();
    assertEquals(1, brands.stream().filter(b -> b.domain().equals("shop.example.org")).count(), brands::toString);
    assertEquals(new Brand(north.id(), world.tenantId, "North", "shop.example.org", north.createdAt()),
        other.brands().get(north.id()));
    assertEquals(south, other.brands().get(south.id()), "the refused update changed nothing");
  }

  @Test
  void aCampaignUpdateWaitingForAnotherAnswersWithItsOwnNameAndVisibilityAndIsTheStoredRow() throws Exception {
    Campaign points = holder.campaigns().get(world.campaignId);
    assertEquals(CampaignVisibility.PUBLIC, points.visibility());
    // The waiting side's name and visibility each differ from both the campaign's before the race and the holder's:
    // an answer taking a field from either shows.
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.campaigns().update(points.id(), CampaignUpdate.of(points).withName("Held")),
        () -> other.campaigns().update(points.id(), new CampaignUpdate("Waited", CampaignVisibility.PRIVATE)));
    Campaign answer = assertInstanceOf(Campaign.class, changed, () -> "the waiting update: " + changed);
    Campaign written = new Campaign(points.id(), world.tenantId, points.brandId(), "Waited", points.status(),
        CampaignVisibility.PRIVATE, points.timeZone(), points.createdAt());
    assertEquals(written, answer, "the answer is the row the waiting update wrote");
    assertEquals(written, holder.campaigns().get(points.id()), "the later writer's row is stored");
  }

  @Test
  void aStatusChangeWaitingForAnUncommittedRenameAnswersWithTheCampaignAsItsWriteLeftIt() throws Exception {
    Campaign spring = holder.campaigns().get(world.campaignId);
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.campaigns().update(spring.id(), CampaignUpdate.of(spring).withName("Spring 2026")
            .withVisibility(CampaignVisibility.PRIVATE)),
        () -> holder.campaigns().changeStatus(spring.id(), CampaignStatus.PAUSED));
    Campaign answer = assertInstanceOf(Campaign.class, changed, () -> "the status change: " + changed);
    Campaign stored = holder.campaigns().get(spring.id());
    assertEquals(new Campaign(spring.id(), world.tenantId, spring.brandId(), "Spring 2026", CampaignStatus.PAUSED,
        CampaignVisibility.PRIVATE, spring.timeZone(), spring.createdAt()), stored);
    assertEquals(stored, answer, "the answer is the row as the status change left it");
  }

  @Test
  void aQuestUpdateWaitingForItsDeactivationAnswersWithTheQuestInactive() throws Exception {
    Quest quest = summerQuest();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.quests().setActive(quest.id(), false),
        () -> other.quests().update(quest.id(), new QuestUpdate("Summer 2026", "All summer long")));
    Quest written = new Quest(quest.id(), world.tenantId, world.campaignId, "Summer 2026", "All summer long",
        quest.tasks(), quest.completionBonus(), false, quest.createdAt());
    assertAnsweredAndStored(Quest.class, changed, "the update", written, () -> holder.quests().get(quest.id()));
  }

  @Test
  void aQuestDeactivationWaitingForItsUpdateAnswersWithTheNewTexts() throws Exception {
    Quest quest = summerQuest();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.quests().update(quest.id(), new QuestUpdate("Summer 2026", "All summer long")),
        () -> other.quests().setActive(quest.id(), false));
    Quest written = new Quest(quest.id(), world.tenantId, world.campaignId, "Summer 2026", "All summer long",
        quest.tasks(), quest.completionBonus(), false, quest.createdAt());
    assertAnsweredAndStored(Quest.class, changed, "the deactivation", written, () -> holder.quests().get(quest.id()));
  }

  @Test
  void aBoardUpdateWaitingForItsClosingAnswersWithTheBoardClosed() throws Exception {
    FeedbackBoard board = ideasBoard();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.feedback().closeBoard(board.id()),
        () -> other.feedback().updateBoard(board.id(), new FeedbackBoardUpdate("Wishes", "What next?")));
    FeedbackBoard written = new FeedbackBoard(board.id(), world.tenantId, world.campaignId, "Wishes", "What next?",
        false, board.createdAt());
    assertAnsweredAndStored(FeedbackBoard.class, changed, "the update", written,
        () -> holder.feedback().board(board.id()));
  }

  @Test
  void aBoardClosingWaitingForItsUpdateAnswersWithTheNewTexts() throws Exception {
    FeedbackBoard board = ideasBoard();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.feedback().updateBoard(board.id(), new FeedbackBoardUpdate("Wishes", "What next?")),
        () -> other.feedback().closeBoard(board.id()));
    FeedbackBoard written = new FeedbackBoard(board.id(), world.tenantId, world.campaignId, "Wishes", "What next?",
        false, board.createdAt());
    assertAnsweredAndStored(FeedbackBoard.class, changed, "the closing", written,
        () -> holder.feedback().board(board.id()));
  }

  @Test
  void aCatalogRewardUpdateWaitingForItsDeactivationAnswersWithTheRewardInactive() throws Exception {
    CatalogReward tin = teaTin();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.catalog().setActive(tin.id(), false),
        () -> other.catalog().update(tin.id(), TEA_TIN_XL));
    CatalogReward written = new CatalogReward(tin.id(), world.tenantId, world.campaignId, "Tea tin XL",
        "Twice the tea", 25, tin.type(), tin.stock(), false, tin.createdAt());
    assertAnsweredAndStored(CatalogReward.class, changed, "the update", written, () -> holder.catalog().get(tin.id()));
  }

  @Test
  void aCatalogRewardDeactivationWaitingForItsUpdateAnswersWithTheNewFields() throws Exception {
    CatalogReward tin = teaTin();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.catalog().update(tin.id(), TEA_TIN_XL),
        () -> other.catalog().setActive(tin.id(), false));
    CatalogReward written = new CatalogReward(tin.id(), world.tenantId, world.campaignId, "Tea tin XL",
        "Twice the tea", 25, tin.type(), tin.stock(), false, tin.createdAt());
    assertAnsweredAndStored(CatalogReward.class, changed, "the deactivation", written,
        () -> holder.catalog().get(tin.id()));
  }

  @Test
  void aStockAdjustmentWaitingForACatalogRewardUpdateAnswersWithBothChanges() throws Exception {
    CatalogReward tin = teaTin();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.catalog().update(tin.id(), TEA_TIN_XL),
        () -> other.catalog().adjustStock(tin.id(), 5));
    CatalogReward written = new CatalogReward(tin.id(), world.tenantId, world.campaignId, "Tea tin XL",
        "Twice the tea", 25, tin.type(), tin.stock() + 5, true, tin.createdAt());
    assertAnsweredAndStored(CatalogReward.class, changed, "the adjustment", written,
        () -> holder.catalog().get(tin.id()));
  }

  @Test
  void aCatalogRewardUpdateWaitingForAStockAdjustmentAnswersWithTheCommittedStock() throws Exception {
    CatalogReward tin = teaTin();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.catalog().adjustStock(tin.id(), -4),
        () -> other.catalog().update(tin.id(), TEA_TIN_XL));
    CatalogReward written = new CatalogReward(tin.id(), world.tenantId, world.campaignId, "Tea tin XL",
        "Twice the tea", 25, tin.type(), tin.stock() - 4, true, tin.createdAt());
    assertAnsweredAndStored(CatalogReward.class, changed, "the update", written, () -> holder.catalog().get(tin.id()));
  }

  @Test
  void aStockAdjustmentWaitingForAnotherAddsToTheCommittedStock() throws Exception {
    CatalogReward tin = teaTin();
    Object changed = whileAHostHoldsAChange(holder,
        hosted -> hosted.catalog().adjustStock(tin.id(), -4),
        () -> other.catalog().adjustStock(tin.id(), 7));
    // 10 - 4 + 7: a stock computed from the 10 read before the held removal committed would be 17.
    CatalogReward written = new CatalogReward(tin.id(), world.tenantId, world.campaignId, tin.name(),
        tin.description(), tin.pointsCost(), tin.type(), 13L, true, tin.createdAt());
    assertAnsweredAndStored(CatalogReward.class, changed, "the adjustment", written,
        () -> holder.catalog().get(tin.id()));
  }

  /**
   * The waiting call ({@code what}) answered a {@code type} equal to {@code written}, the row as its write left it
   * with the held change's committed fields, and {@code written} is the row stored after the race.
   */
  private static <T> void assertAnsweredAndStored(Class<T> type, Object changed, String what, T written,
      Supplier<T> stored) {
    T answer = assertInstanceOf(type, changed, () -> what + ": " + changed);
    assertEquals(written, answer, () -> "the answer is the row as " + what + " left it, the held change included");
    assertEquals(written, stored.get(), "the row stored");
  }

  /** An active quest of one task, without a description. */
  private Quest summerQuest() {
    Quest quest = holder.quests().create(new NewQuest(world.campaignId, "Summer", null,
        List.of(new NewQuestTask("Visit", 10)), 0));
    assertTrue(quest.active());
    return quest;
  }

  /** An open board without a description. */
  private FeedbackBoard ideasBoard() {
    FeedbackBoard board = holder.feedback().createBoard(NewFeedbackBoard.of(world.campaignId, "Ideas"));
    assertTrue(board.open());
    return board;
  }

  /** An active catalog reward with ten units, whose every field a race's answer is checked on. */
  private CatalogReward teaTin() {
    CatalogReward tin = holder.catalog().create(NewCatalogReward.of(world.campaignId, "Tea tin", 10,
        RewardType.CUSTOM_MESSAGE).withStock(10).withDescription("Loose leaf"));
    assertTrue(tin.active());
    assertEquals(10L, tin.stock());
    return tin;
  }
}
