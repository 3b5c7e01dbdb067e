package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Leaderboards end to end, through the public engine API: engines on one {@link InMemoryStorage} database with a
 * {@link SettableClock}, a refresh interval of one second.
 * Board order and ties, keyset paging, POINTS boards (deductions never lower them; points given by a reward count),
 * the rank read of one participant, every validation error, and another instance's writes reaching this engine's
 * index once the refresh interval has passed (and not before: the index is a cache with a documented staleness),
 * unless recorded further back than the catch-up margin, which a wider {@link LeaderboardSettings#catchUpMargin()}
 * catches up, and the rebuild ({@link LeaderboardSettings#rebuildInterval()}) reads at the latest.
 *
 * <p>The model-based check of every board against a reference sort runs on every store in the storage contract
 * suite ({@link io.loyaltyengine.testkit.model.LeaderboardScenario}); months and winners are in
 * {@link MonthBoundaryTest}. Each test name states the rule it checks.
 */
class LeaderboardsEndToEndTest {
  private static final Instant START = Instant.parse("2025-06-15T12:00:00Z");
  private static final LeaderboardSettings SETTINGS = LeaderboardSettings.builder().maxIndexedEntries(10_000).build();

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private InMemoryStorage.Database database;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private Leaderboards boards;
  private Campaign campaign;
  private CampaignReward reward;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    database = InMemoryStorage.newDatabase();
    engine = newEngine();
    scope = engine.forTenant(engine.tenants().create(NewTenant.business("Board shop")).id());
    boards = scope.leaderboards();
    campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Board shop", "https://boards.example.com")).id(), "Boards")
        .withTimeZone(ZoneOffset.UTC));
    reward = scope.rewards().define(campaign.id(), NewCampaignReward.message("Thanks", "Thank you", 1000));
  }

  @AfterEach
  void tearDown() {
    for (LoyaltyEngine e : engines) {
      e.close();
    }
  }

  @Test
  void boardsRankByScoreThenParticipantIdAndEqualScoresShareARank() {
    List<Participant> p = enrolAll(5);
    int[] actions = {2, 5, 2, 0, 5};
    for (int i = 0; i < p.size(); i++) {
      act(p.get(i), actions[i]);
    }
    List<BoardEntry> expected = List.of(entry(p.get(1), 5, 1), entry(p.get(4), 5, 1), entry(p.get(0), 2, 3),
        entry(p.get(2), 2, 3), entry(p.get(3), 0, 5));
    for (Consistency consistency : Consistency.values()) {
      for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
        for (int limit = 2; limit <= 6; limit++) {
          assertEquals(expected, readAll(BoardRequest.of(campaign.id(), period).limit(limit).read(consistency)),
              period + " " + consistency + " in pages of " + limit);
        }
      }
      assertEquals(List.of(), readAll(BoardRequest.of(campaign.id(), BoardPeriod.PREV_MONTH).read(consistency)),
          "nobody existed last month: " + consistency);
      Standing s = boards.standing(ParticipantRef.id(p.get(2).id()), BoardMetric.ACTIONS, consistency);
      assertEquals(new Standing(p.get(2).id(), BoardMetric.ACTIONS, 2, 3, 2, 3, 0, null), s, consistency.name());
      for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
        for (BoardEntry row : expected) {
          assertEquals(Optional.of(row), boards.rank(campaign.id(), row.participantId(), period, BoardMetric.ACTIONS,
              consistency), "the rank read agrees with the board's row: " + period + " " + consistency);
        }
      }
      assertEquals(Optional.empty(), boards.rank(campaign.id(), p.get(2).id(), BoardPeriod.PREV_MONTH,
          BoardMetric.ACTIONS, consistency), "not on last month's board: " + consistency);
    }
  }

  @Test
  void aPageEndsWithTheCursorOfItsLastRowAndTheLastPageHasNone() {
    List<Participant> p = enrolAll(3);
    act(p.get(0), 1);
    for (Consistency consistency : Consistency.values()) {
      CursorPage<BoardEntry> first = boards.page(BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME).limit(2)
          .read(consistency));
      assertEquals(2, first.items().size());
      assertEquals(first.items().get(1).participantId(), first.nextId());
      CursorPage<BoardEntry> last = boards.page(BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME).limit(2)
          .after(first.nextId()).read(consistency));
      assertEquals(1, last.items().size());
      assertNull(last.nextId(), consistency.name());
    }
  }

  @Test
  void pointsBoardsCountAwardsIncludingRewardPointsAndDeductionsNeverLowerThem() {
    CampaignReward every = scope.rewards().define(campaign.id(), NewCampaignReward.points("Each", 7, 1).unlimited());
    List<Participant> p = enrolAll(2);
    BoardRequest pointsBoard = BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME).by(BoardMetric.POINTS);
    assertEquals(List.of(entry(p.get(0), 0, 1), entry(p.get(1), 0, 1)), boards.page(pointsBoard).items(),
        "the index is built before the writes below, which must reach it at once");
    scope.points().award(ParticipantRef.id(p.get(0).id()), PointsChange.of(10, "purchase"));
    scope.points().deduct(ParticipantRef.id(p.get(0).id()), PointsChange.of(9, "redemption"));
    scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(1).id()), every.id()));
    scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(1).id()), every.id()));
    List<BoardEntry> expected = List.of(entry(p.get(1), 14, 1), entry(p.get(0), 10, 2));
    for (Consistency consistency : Consistency.values()) {
      assertEquals(expected, boards.page(pointsBoard.read(consistency)).items(), consistency.name());
      assertEquals(expected, boards.page(BoardRequest.of(campaign.id(), BoardPeriod.CURRENT_MONTH)
          .by(BoardMetric.POINTS).read(consistency)).items(), consistency.name());
    }
  }

  @Test
  void bulkAwardsCountOnPointsBoardsAtOnceAndBulkCappedAndRedemptionDeductionsNeverLowerThem() {
    List<Participant> p = enrolAll(2);
    ParticipantRef first = ParticipantRef.id(p.get(0).id());
    ParticipantRef second = ParticipantRef.id(p.get(1).id());
    BoardRequest pointsBoard = BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME).by(BoardMetric.POINTS);
    BoardRequest monthBoard = BoardRequest.of(campaign.id(), BoardPeriod.CURRENT_MONTH).by(BoardMetric.POINTS);
    boards.page(pointsBoard);
    boards.page(monthBoard);
    // Built before the writes below, which go through the bulk path and must reach the index at once.
    List<PointsOutcome> outcomes = scope.points().applyAll(List.of(
        PointsOperation.award(first, PointsChange.of(10, "import")),
        PointsOperation.award(second, PointsChange.of(4, "import")),
        PointsOperation.deduct(first, PointsChange.of(3, "import")),
        PointsOperation.deductUpToBalance(second, PointsChange.of(100, "import"))));
    assertTrue(outcomes.stream().allMatch(PointsOutcome::succeeded), outcomes::toString);
    CatalogReward mug = scope.catalog().create(NewCatalogReward.of(campaign.id(), "Mug", 5, RewardType.CUSTOM));
    scope.catalog().redeem(first, mug.id(), null);
    List<BoardEntry> expected = List.of(entry(p.get(0), 10, 1), entry(p.get(1), 4, 2));
    for (Consistency consistency : Consistency.values()) {
      assertEquals(expected, boards.page(pointsBoard.read(consistency)).items(), consistency.name());
      assertEquals(expected, boards.page(monthBoard.read(consistency)).items(), consistency.name());
    }
  }

  @Test
  void badRequestsAreValidationErrorsNamingTheirFieldAndAnotherTenantsCampaignIsNotFound() {
    Participant member = enrolAll(1).get(0);
    BoardRequest ok = BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME);
    for (Consistency consistency : Consistency.values()) {
      BoardRequest r = ok.read(consistency);
      assertField("limit", () -> boards.page(r.limit(1)));
      assertField("limit", () -> boards.page(r.limit(101)));
      assertField("period", () -> boards.page(new BoardRequest(campaign.id(), null, BoardMetric.ACTIONS, null, 10,
          consistency)));
      assertField("metric", () -> boards.page(r.by(null)));
      assertField("nextId", () -> boards.page(r.after(123_456_789L)));
      assertField("nextId", () -> boards.page(r.after(-1L)));
      assertCode(ErrorCode.NOT_FOUND, () -> boards.page(BoardRequest.of(999_999L, BoardPeriod.ALL_TIME)
          .read(consistency)));
      assertField("consistency", () -> boards.standing(ParticipantRef.id(member.id()), BoardMetric.ACTIONS, null));
      assertField("metric", () -> boards.standing(ParticipantRef.id(member.id()), null, consistency));
      assertCode(ErrorCode.NOT_FOUND, () -> boards.standing(ParticipantRef.id(42L), BoardMetric.ACTIONS,
          consistency));
      assertField("period", () -> boards.rank(campaign.id(), member.id(), null, BoardMetric.ACTIONS, consistency));
      assertField("metric", () -> boards.rank(campaign.id(), member.id(), BoardPeriod.ALL_TIME, null, consistency));
      assertCode(ErrorCode.NOT_FOUND, () -> boards.rank(campaign.id(), 42L, BoardPeriod.ALL_TIME,
          BoardMetric.ACTIONS, consistency));
      assertCode(ErrorCode.NOT_FOUND, () -> boards.rank(999_999L, member.id(), BoardPeriod.ALL_TIME,
          BoardMetric.ACTIONS, consistency));
    }
    assertField("consistency", () -> boards.rank(campaign.id(), member.id(), BoardPeriod.ALL_TIME,
        BoardMetric.ACTIONS, null));
    assertField("request", () -> boards.page(null));
    assertField("consistency", () -> boards.page(ok.read(null)));
    assertField("participant", () -> boards.standing(null, BoardMetric.ACTIONS, Consistency.INDEX));
    // A participant of this tenant's other campaign is not on this campaign's board.
    Campaign other = scope.campaigns().create(NewCampaign.running(campaign.brandId(), "Other"));
    Participant stranger = scope.participants().create(other.id(), NewParticipant.withEmail("x@example.com"));
    for (Consistency consistency : Consistency.values()) {
      assertField("nextId", () -> boards.page(ok.read(consistency).after(stranger.id())));
      assertCode(ErrorCode.NOT_FOUND, () -> boards.rank(campaign.id(), stranger.id(), BoardPeriod.ALL_TIME,
          BoardMetric.ACTIONS, consistency));
    }
    YearMonth now = YearMonth.of(2025, 6);
    assertField("month", () -> boards.monthPage(campaign.id(), null, BoardMetric.ACTIONS, null, 10));
    assertField("month", () -> boards.monthPage(campaign.id(), now.plusMonths(1), BoardMetric.ACTIONS, null, 10));
    assertField("month", () -> boards.monthPage(campaign.id(), YearMonth.of(-5, 1), BoardMetric.ACTIONS, null, 10));
    assertField("limit", () -> boards.monthPage(campaign.id(), now, BoardMetric.ACTIONS, null, 0));
    assertField("limit", () -> boards.monthPage(campaign.id(), now, BoardMetric.ACTIONS, null, 1));
    assertField("limit", () -> boards.monthPage(campaign.id(), now, BoardMetric.ACTIONS, null, 101));
    assertField("metric", () -> boards.monthPage(campaign.id(), now, null, null, 10));
    assertField("nextId", () -> boards.monthPage(campaign.id(), now, BoardMetric.ACTIONS, 7L, 10));
    assertField("month", () -> boards.winners(campaign.id(), now, BoardMetric.ACTIONS));
    assertField("month", () -> boards.winners(campaign.id(), now.plusYears(1), BoardMetric.ACTIONS));
    assertField("month", () -> boards.winners(campaign.id(), null, BoardMetric.ACTIONS));
    assertField("metric", () -> boards.winners(campaign.id(), now.minusMonths(1), null));
    // Another tenant cannot read this tenant's campaign.
    TenantScope otherTenant = engine.forTenant(engine.tenants().create(NewTenant.business("Other shop")).id());
    for (Consistency consistency : Consistency.values()) {
      assertCode(ErrorCode.NOT_FOUND, () -> otherTenant.leaderboards().page(ok.read(consistency)));
      assertCode(ErrorCode.NOT_FOUND, () -> otherTenant.leaderboards().standing(ParticipantRef.id(member.id()),
          BoardMetric.ACTIONS, consistency));
      assertCode(ErrorCode.NOT_FOUND, () -> otherTenant.leaderboards().rank(campaign.id(), member.id(),
          BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, consistency));
    }
    assertCode(ErrorCode.NOT_FOUND, () -> otherTenant.leaderboards().monthPage(campaign.id(), now,
        BoardMetric.ACTIONS, null, 10));
    assertCode(ErrorCode.NOT_FOUND, () -> otherTenant.leaderboards().winners(campaign.id(), now.minusMonths(1),
        BoardMetric.ACTIONS));
  }

  @Test
  void anotherInstancesWritesReachTheIndexOnceTheRefreshIntervalHasPassed() {
    List<Participant> p = enrolAll(3);
    act(p.get(0), 1);
    BoardRequest board = BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME);
    assertEquals(List.of(entry(p.get(0), 1, 1), entry(p.get(1), 0, 2), entry(p.get(2), 0, 2)),
        boards.page(board).items());

    LoyaltyEngine other = newEngine();
    TenantScope there = other.forTenant(scope.tenantId());
    clock.advance(Duration.ofMillis(100));
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(2).id()), reward.id()));
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(2).id()), reward.id()));
    Participant late = there.participants().create(campaign.id(), NewParticipant.withEmail("late@example.com"));
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(late.id()), reward.id()));
    there.participants().delete(ParticipantRef.id(p.get(1).id()));
    there.points().award(ParticipantRef.id(p.get(0).id()), PointsChange.of(3, "purchase"));

    List<BoardEntry> stale = List.of(entry(p.get(0), 1, 1), entry(p.get(1), 0, 2), entry(p.get(2), 0, 2));
    assertEquals(stale, boards.page(board).items(), "within the refresh interval the index may be stale");
    assertEquals(Optional.of(entry(p.get(2), 0, 2)), boards.rank(campaign.id(), p.get(2).id(), BoardPeriod.ALL_TIME,
        BoardMetric.ACTIONS, Consistency.INDEX), "a member the index holds is answered from it, stale too");
    assertEquals(Optional.of(entry(late, 1, 2)), boards.rank(campaign.id(), late.id(), BoardPeriod.ALL_TIME,
        BoardMetric.ACTIONS, Consistency.INDEX), "a participant the index does not hold yet is read from storage");
    List<BoardEntry> fresh = List.of(entry(p.get(2), 2, 1), entry(p.get(0), 1, 2), entry(late, 1, 2));
    assertEquals(fresh, boards.page(board.read(Consistency.STRONG)).items(), "storage is read as it is");

    clock.advance(Duration.ofSeconds(1));
    assertEquals(fresh, boards.page(board).items(), "caught up: new member, new counts, deletion");
    assertEquals(new Standing(late.id(), BoardMetric.ACTIONS, 1, 2, 1, 2, 0, null),
        boards.standing(ParticipantRef.id(late.id()), BoardMetric.ACTIONS, Consistency.INDEX));
    assertEquals(Optional.of(entry(p.get(2), 2, 1)), boards.rank(campaign.id(), p.get(2).id(), BoardPeriod.ALL_TIME,
        BoardMetric.ACTIONS, Consistency.INDEX), "caught up");
    assertCode(ErrorCode.NOT_FOUND, () -> boards.rank(campaign.id(), p.get(1).id(), BoardPeriod.ALL_TIME,
        BoardMetric.ACTIONS, Consistency.INDEX));
    assertEquals(List.of(entry(p.get(0), 3, 1), entry(p.get(2), 0, 2), entry(late, 0, 2)),
        boards.page(board.by(BoardMetric.POINTS)).items());
  }

  /**
   * A write recorded further back than the catch-up margin before the reader's last catch-up (an instance whose
   * clock runs 45 s behind) is missed by an index at the default margin of 30 s, also at later catch-ups, and caught
   * up by an index whose engine was given a margin of 60 s; storage has it either way.
   */
  @Test
  void aWriteRecordedFurtherBackThanTheCatchUpMarginIsMissedByTheIndexAndAWiderMarginCatchesItUp() {
    List<Participant> p = enrolAll(2);
    act(p.get(0), 1);
    LoyaltyEngine wide = newEngine(clock, LeaderboardSettings.builder().refreshInterval(Duration.ofSeconds(1))
        .maxIndexedEntries(10_000).catchUpMargin(Duration.ofSeconds(60)).build());
    Leaderboards wideBoards = wide.forTenant(scope.tenantId()).leaderboards();
    BoardRequest board = BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME);
    List<BoardEntry> before = List.of(entry(p.get(0), 1, 1), entry(p.get(1), 0, 2));
    assertEquals(before, boards.page(board).items(), "the default margin's index, built");
    assertEquals(before, wideBoards.page(board).items(), "the wide margin's index, built");

    LoyaltyEngine behind = newEngine(Clock.offset(clock, Duration.ofSeconds(-45)), SETTINGS);
    TenantScope there = behind.forTenant(scope.tenantId());
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(1).id()), reward.id()));
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(1).id()), reward.id()));
    List<BoardEntry> after = List.of(entry(p.get(1), 2, 1), entry(p.get(0), 1, 2));
    assertEquals(after, boards.page(board.read(Consistency.STRONG)).items(), "storage has the write");

    for (int refresh = 0; refresh < 3; refresh++) {
      clock.advance(Duration.ofSeconds(1));
      assertEquals(before, boards.page(board).items(), "30 s margin, catch-up " + refresh
          + ": a change recorded 45 s before is not read");
      assertEquals(after, wideBoards.page(board).items(), "60 s margin, catch-up " + refresh
          + ": a change recorded 45 s before is read");
    }
  }

  /**
   * Writes the catch-up missed (recorded 45 s behind, past the default margin of 30 s: actions, a new participant, a
   * deletion) are read by the rebuild: the first read at least {@link LeaderboardSettings#rebuildInterval()} after the
   * campaign's index was built rebuilds it from storage, every board of the campaign with it; a read a second earlier
   * still misses them.
   */
  @Test
  void writesTheCatchUpMissedAreReadOnceTheRebuildIntervalHasPassedSinceTheIndexWasBuilt() {
    List<Participant> p = enrolAll(3);
    act(p.get(0), 1);
    Duration rebuild = Duration.ofMinutes(5);
    LoyaltyEngine reader = newEngine(clock, LeaderboardSettings.builder().maxIndexedEntries(10_000)
        .rebuildInterval(rebuild).build());
    Leaderboards readerBoards = reader.forTenant(scope.tenantId()).leaderboards();
    List<BoardRequest> periods = List.of(BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME),
        BoardRequest.of(campaign.id(), BoardPeriod.CURRENT_MONTH));
    List<BoardEntry> before = List.of(entry(p.get(0), 1, 1), entry(p.get(1), 0, 2), entry(p.get(2), 0, 2));
    for (BoardRequest board : periods) {
      assertEquals(before, readerBoards.page(board).items(), board.period() + ", built");
    }

    LoyaltyEngine behind = newEngine(Clock.offset(clock, Duration.ofSeconds(-45)), SETTINGS);
    TenantScope there = behind.forTenant(scope.tenantId());
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(1).id()), reward.id()));
    there.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.get(1).id()), reward.id()));
    Participant late = there.participants().create(campaign.id(), NewParticipant.withEmail("late@example.com"));
    there.participants().delete(ParticipantRef.id(p.get(2).id()));
    List<BoardEntry> after = List.of(entry(p.get(1), 2, 1), entry(p.get(0), 1, 2), entry(late, 0, 3));

    clock.advance(rebuild.minusSeconds(1));
    for (BoardRequest board : periods) {
      assertEquals(after, readerBoards.page(board.read(Consistency.STRONG)).items(), "storage has the writes");
      assertEquals(before, readerBoards.page(board).items(), board.period()
          + ", a second before the rebuild is due: the catch-up misses the writes recorded 45 s before");
    }
    clock.advance(Duration.ofSeconds(1));
    for (BoardRequest board : periods) {
      assertEquals(after, readerBoards.page(board).items(), board.period() + ", rebuilt " + rebuild
          + " after the index was built");
    }
    assertEquals(Optional.of(entry(p.get(1), 2, 1)), readerBoards.rank(campaign.id(), p.get(1).id(),
        BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, Consistency.INDEX), "the rank read, rebuilt");
  }

  /**
   * A first build of a campaign's index that fails part way (its scan handed members over, then the store failed for
   * good, not transiently: STORAGE_UNAVAILABLE) leaves nothing behind: a member that scan handed over and another
   * instance then deleted is not on the index the next read builds, a minute later, past the catch-up margin. The
   * deletion committed at once, within the margin of the time it recorded, and long before the read, so
   * {@link LeaderboardSettings} promises the read reflects it; storage has it.
   */
  @Test
  void aFirstBuildThatFailsPartWayLeavesNoMemberItReadOnTheIndexTheNextReadBuilds() {
    List<Participant> p = enrolAll(2);
    act(p.get(1), 1);
    AtomicBoolean failScan = new AtomicBoolean(true);
    LoyaltyEngine reader = newEngine(new FailingScan(database.openStorage(), failScan), clock, SETTINGS);
    Leaderboards readerBoards = reader.forTenant(scope.tenantId()).leaderboards();
    BoardRequest board = BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME);
    assertCode(ErrorCode.STORAGE_UNAVAILABLE, () -> readerBoards.page(board));
    assertFalse(failScan.get(), "the scan failed after handing over its members");

    scope.participants().delete(ParticipantRef.id(p.get(0).id()));
    clock.advance(Duration.ofMinutes(1));
    List<BoardEntry> after = List.of(entry(p.get(1), 1, 1));
    assertEquals(after, readerBoards.page(board.read(Consistency.STRONG)).items(), "storage has the deletion");
    assertEquals(after, readerBoards.page(board).items(), "the index built after the failure");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(after, readerBoards.page(board).items(), "and caught up");
  }

  private LoyaltyEngine newEngine() {
    return newEngine(clock, SETTINGS);
  }

  private LoyaltyEngine newEngine(Clock engineClock, LeaderboardSettings settings) {
    return newEngine(database.openStorage(), engineClock, settings);
  }

  private LoyaltyEngine newEngine(Storage storage, Clock engineClock, LeaderboardSettings settings) {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(storage)
        .clock(engineClock)
        .events(EventSettings.builder().manualDispatch().build())
        .leaderboards(settings)
        .nodeId(engines.size() + 1)
        .build();
    engines.add(e);
    return e;
  }

  private List<Participant> enrolAll(int n) {
    List<Participant> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(scope.participants().create(campaign.id(), NewParticipant.withEmail("p" + i + "@example.com")));
    }
    return all;
  }

  private void act(Participant p, int times) {
    for (int i = 0; i < times; i++) {
      scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()));
    }
  }

  private List<BoardEntry> readAll(BoardRequest first) {
    List<BoardEntry> all = new ArrayList<>();
    BoardRequest request = first;
    while (true) {
      CursorPage<BoardEntry> page = boards.page(request);
      all.addAll(page.items());
      if (!page.hasMore()) {
        return all;
      }
      request = request.after(page.nextId());
    }
  }

  private static BoardEntry entry(Participant p, long score, long rank) {
    return new BoardEntry(p.id(), score, rank);
  }

  private static void assertField(String field, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), () -> field + ": " + e.getMessage());
    assertEquals(Optional.of(field), e.field());
  }

  private static void assertCode(ErrorCode code, Executable call) {
    assertEquals(code, assertThrows(LoyaltyException.class, call).code());
  }

  /**
   * A storage whose next board scan, once {@code fail} is set, hands every member over and then fails for good (not
   * transiently, so that it is not run again at once), clearing {@code fail}.
   */
  private record FailingScan(Storage delegate, AtomicBoolean fail) implements Storage {
    @Override
    public Set<StorageCapability> capabilities() {
      return delegate.capabilities();
    }

    @Override
    public <T> T inTransaction(TransactionWork<T> work) {
      return delegate.inTransaction(tx -> work.run(failing(tx)));
    }

    @Override
    public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
      return delegate.inHostTransaction(host, tx -> work.run(failing(tx)));
    }

    @Override
    public void close() {
      delegate.close();
    }

    private Transaction failing(Transaction tx) {
      LeaderboardPort port = tx.leaderboards();
      LeaderboardPort failing = (LeaderboardPort) Proxy.newProxyInstance(LeaderboardPort.class.getClassLoader(),
          new Class<?>[] {LeaderboardPort.class}, (proxy, method, args) -> {
            Object result;
            try {
              result = method.invoke(port, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
            if (method.getName().equals("scan") && fail.compareAndSet(true, false)) {
              throw new StorageException("the connection was lost during the scan", null);
            }
            return result;
          });
      return new ForwardingTransaction(tx) {
        @Override
        public LeaderboardPort leaderboards() {
          return failing;
        }
      };
    }
  }
}
