package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory bound of {@link LeaderboardIndexes} ({@link LeaderboardSettings#maxIndexedEntries()}): "The indexes
 * together hold at most maxIndexedEntries board rows; past it the least recently read campaigns are dropped whole
 * and rebuilt on next use. The campaign being read is never dropped". Rows an index gains after it was built, from
 * a catch-up of another instance's participants or from this engine's own enrolments, count as much as the rows of
 * its build. Engines on one {@link InMemoryStorage} database with a {@link SettableClock}, a bound of 1,000 rows, a
 * campaign of 600 participants and another of 100, each indexed with its all-time board (one row per participant).
 * The rows are counted through the engine's indexes ({@link LeaderboardIndexes#indexedRows()}).
 */
class LeaderboardIndexBoundTest {
  private static final LeaderboardSettings SETTINGS = LeaderboardSettings.builder().maxIndexedEntries(1_000).build();

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private InMemoryStorage.Database database;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private long quiet;
  private long busy;
  private long firstQuiet;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(Instant.parse("2025-06-15T12:00:00Z"));
    database = InMemoryStorage.newDatabase();
    engine = newEngine();
    scope = engine.forTenant(engine.tenants().create(NewTenant.business("Bound shop")).id());
    long brand = scope.brands().create(new NewBrand("Bound shop", "https://bound.example.com")).id();
    quiet = scope.campaigns().create(NewCampaign.running(brand, "Quiet").withTimeZone(ZoneOffset.UTC)).id();
    busy = scope.campaigns().create(NewCampaign.running(brand, "Busy").withTimeZone(ZoneOffset.UTC)).id();
    firstQuiet = enrol(scope, quiet, "q", 600);
    enrol(scope, busy, "b", 100);
    read(quiet);
    read(busy);
    assertEquals(700, indexedRows(), "both campaigns indexed, under the bound");
  }

  @AfterEach
  void tearDown() {
    for (LoyaltyEngine e : engines) {
      e.close();
    }
  }

  /**
   * Another instance enrols 500 participants in the busy campaign; the catch-up of the next read of its board adds
   * them to this engine's index (600 rows), past the bound with the quiet campaign's 600: the quiet one, read less
   * recently, is dropped.
   */
  @Test
  void membersACatchUpAddsPastTheBoundDropTheLeastRecentlyReadCampaign() {
    TenantScope there = newEngine().forTenant(scope.tenantId());
    enrol(there, busy, "other", 500);
    clock.advance(Duration.ofSeconds(1));
    read(busy);
    assertEquals(600, indexedRows(), "the busy campaign's 600 rows only: 1,200 would be past the bound of 1,000");
  }

  /**
   * This engine enrols 500 participants in the busy campaign; their creations join its index when they commit (600
   * rows), past the bound with the quiet campaign's 600: the quiet one, read less recently, is dropped.
   */
  @Test
  void membersThisEngineEnrolsPastTheBoundDropTheLeastRecentlyReadCampaign() {
    enrol(scope, busy, "own", 500);
    assertEquals(600, indexedRows(), "the busy campaign's 600 rows only: 1,200 would be past the bound of 1,000");
  }

  /**
   * Another instance enrols 500 participants in the busy campaign, and this engine records an action of each before
   * any catch-up: the read of the marks of those actions adds them to this engine's index (600 rows), past the bound
   * with the quiet campaign's 600, as a catch-up adding them would: the quiet one, read less recently, is dropped.
   */
  @Test
  void membersTheReadOfMarksAddsPastTheBoundDropTheLeastRecentlyReadCampaign() {
    long reward = scope.rewards().define(busy, NewCampaignReward.message("Thanks", "Thank you", 100)).id();
    TenantScope there = newEngine().forTenant(scope.tenantId());
    for (int i = 0; i < 500; i++) {
      long id = there.participants().create(busy, NewParticipant.withEmail("other" + i + "@example.com")).id();
      scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(id), reward));
    }
    read(busy);
    assertEquals(600, indexedRows(), "the busy campaign's 600 rows only: 1,200 would be past the bound of 1,000");
  }

  /**
   * The quiet campaign's all-time and current month's boards (1,200 rows) are alone past the bound, which drops the
   * busy campaign, and the campaign being read stays indexed. Its rebuild, the rebuild interval later, puts the index
   * it builds in the old one's place (ARCHITECTURE.md: "builds a successor from storage, with the boards the index
   * has, and puts it in the index's place"), so the campaign is still indexed after it, and is not built again by
   * the next read.
   */
  @Test
  void aCampaignAloneOverTheBoundStaysIndexedAcrossItsRebuild() {
    scope.leaderboards().page(BoardRequest.of(quiet, BoardPeriod.CURRENT_MONTH));
    assertEquals(1_200, indexedRows(), "the quiet campaign's two boards: the busy campaign is dropped");

    clock.advance(SETTINGS.rebuildInterval());
    read(quiet);
    assertEquals(1_200, indexedRows(), "the rebuilt index, in the old one's place");
  }

  /**
   * This engine awards points 1,000 times to one participant of the quiet campaign, whose all-time POINTS board is
   * indexed and not read meanwhile. Each award marks the participant, whose counter is read before the next read of
   * the campaign's boards ("the participant is marked and its counters are read (one primary-key read per marked
   * counter)"): one mark per participant and month, however many awards, or the marks of a board that is written
   * often and read seldom would grow with every award, outside the memory bound.
   */
  @Test
  void awardsToABoardNotReadMeanwhileKeepOneMarkPerParticipantAndMonth() {
    scope.leaderboards().page(BoardRequest.of(quiet, BoardPeriod.ALL_TIME).by(BoardMetric.POINTS));
    for (int i = 0; i < 1_000; i++) {
      scope.points().award(ParticipantRef.id(firstQuiet), PointsChange.of(1, "purchase"));
    }
    assertEquals(1, indexes().pendingMarks(), "one participant's all-time counter to read");
    assertEquals(1_000, scope.leaderboards().page(BoardRequest.of(quiet, BoardPeriod.ALL_TIME).by(BoardMetric.POINTS))
        .items().get(0).score(), "read at the next read");
    assertEquals(0, indexes().pendingMarks(), "every mark read");
  }

  /**
   * 300 campaigns without participants (a new shop's or a new season's, whose board a widget shows), each read once.
   * The bound holds the memory of indexes, "past it the least recently read campaigns are dropped": but an empty
   * campaign has no row to count, so none was ever dropped, and each kept its roster and board (their trees' first
   * leaves and the board's score map, about 3 KB, as much as some 40 participants of the fully indexed campaigns of
   * setUp). Memory grew with every campaign read, without bound, for a host with many tenants and campaigns. The
   * indexes must stay within what the bound holds of setUp's campaigns (their bytes per row), twice over at most.
   */
  @Test
  void campaignsWithoutParticipantsStayWithinTheMemoryTheBoundHolds() {
    double bytesPerRow = (double) indexes().retainedBytes() / indexedRows();
    long brand = scope.brands().list().get(0).id();
    for (int i = 0; i < 300; i++) {
      read(scope.campaigns().create(NewCampaign.running(brand, "Empty " + i).withTimeZone(ZoneOffset.UTC)).id());
    }
    long allowed = (long) (2 * SETTINGS.maxIndexedEntries() * bytesPerRow);
    assertTrue(indexes().retainedBytes() <= allowed, indexes().retainedBytes() + " bytes in "
        + indexes().indexedCampaigns() + " indexed campaigns; the bound of " + SETTINGS.maxIndexedEntries()
        + " rows holds " + allowed + " at " + Math.round(bytesPerRow) + " bytes per row, twice over");
  }

  private void read(long campaignId) {
    scope.leaderboards().page(BoardRequest.of(campaignId, BoardPeriod.ALL_TIME));
  }

  /** Enrols {@code count} participants; returns the first one's id. */
  private static long enrol(TenantScope on, long campaignId, String prefix, int count) {
    long first = 0;
    for (int i = 0; i < count; i++) {
      long id = on.participants().create(campaignId, NewParticipant.withEmail(prefix + i + "@example.com")).id();
      first = i == 0 ? id : first;
    }
    return first;
  }

  private long indexedRows() {
    return indexes().indexedRows();
  }

  private LeaderboardIndexes indexes() {
    try {
      Field field = engine.getClass().getDeclaredField("leaderboardIndexes");
      field.setAccessible(true);
      return (LeaderboardIndexes) field.get(engine);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the core engine no longer keeps its indexes in a field named leaderboardIndexes", e);
    }
  }

  private LoyaltyEngine newEngine() {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(database.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .leaderboards(SETTINGS)
        .nodeId(engines.size() + 1)
        .build();
    engines.add(e);
    return e;
  }
}
