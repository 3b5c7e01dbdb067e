package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The staleness bound of {@code Consistency.INDEX} at its edge, across engine instances on one PostgreSQL database:
 * a write whose transaction commits up to the catch-up margin ({@link LeaderboardSettings#catchUpMargin()}, 30 s by
 * default) after the time it recorded is in another instance's index one refresh interval after its commit,
 * although that instance caught up in between, while the write was in flight; one that commits later than that is
 * missed at the default margin, until the index is rebuilt ({@link LeaderboardSettings#rebuildInterval()}), and
 * caught up by an instance given a wider one.
 * {@code LeaderboardInstancesRolloverPostgresTest} keeps its writes in flight for a few seconds at most; this one
 * holds a host transaction open for most of the margin, or past it, on a clock the test moves.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class LeaderboardCatchUpMarginPostgresTest {
  private static final Duration REFRESH = Duration.ofSeconds(1);
  private static final Duration MARGIN = LeaderboardSettings.DEFAULTS.catchUpMargin();
  private static final LeaderboardSettings DEFAULT_MARGIN = LeaderboardSettings.builder().refreshInterval(REFRESH)
      .maxIndexedEntries(1_000_000).build();
  private static final LeaderboardSettings WIDE_MARGIN = LeaderboardSettings.builder().refreshInterval(REFRESH)
      .maxIndexedEntries(1_000_000).catchUpMargin(Duration.ofSeconds(60)).build();

  private final PostgresFixture fixture = new PostgresFixture();
  private final List<LoyaltyEngine> engines = new ArrayList<>();

  @AfterEach
  void close() {
    engines.forEach(LoyaltyEngine::close);
    fixture.close();
  }

  /** Where the write in flight is: a participant already on the board, or one created in the same transaction. */
  enum Write {
    AWARD_TO_A_MEMBER,
    CREATION_AND_AWARD
  }

  @ParameterizedTest
  @EnumSource(Write.class)
  void aWriteCommittedWithinTheMarginOfItsRecordedTimeReachesAnotherInstancesIndex(Write write) {
    SettableClock clock = SettableClock.at(Instant.parse("2026-03-10T12:00:00Z"));
    LoyaltyEngine reader = engine(clock, 1);
    LoyaltyEngine writer = engine(clock, 2);
    long tenant = reader.tenants().create(NewTenant.business("Margin")).id();
    TenantScope readerScope = reader.forTenant(tenant);
    Board b = board(readerScope);
    long campaign = b.campaign();
    long ann = b.ann();
    long bob = b.bob();
    BoardRequest allTime = BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(BoardMetric.POINTS).limit(100);
    BoardRequest month = BoardRequest.of(campaign, BoardPeriod.CURRENT_MONTH).by(BoardMetric.POINTS).limit(100);
    assertEquals(List.of(new BoardEntry(bob, 5, 1), new BoardEntry(ann, 0, 2)), index(readerScope, allTime),
        "the reader's index, built");

    StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    long winner;
    try (StoreFixture.HostTx host = hosts.begin()) {
      // Recorded at the writer's time now; committed most of the margin later.
      TenantScope joined = writer.forTenant(tenant).joining(host.transaction());
      winner = write == Write.AWARD_TO_A_MEMBER ? ann
          : joined.participants().create(campaign, NewParticipant.withEmail("cy@example.com")).id();
      joined.points().award(ParticipantRef.id(winner), PointsChange.of(10, "purchase"));
      clock.advance(MARGIN.minusSeconds(2));
      assertEquals(List.of(new BoardEntry(bob, 5, 1), new BoardEntry(ann, 0, 2)), index(readerScope, allTime),
          "a catch-up while the write is in flight does not see it");
      host.commit();
    }

    clock.advance(REFRESH);
    for (BoardRequest board : List.of(allTime, month)) {
      List<BoardEntry> strong = readerScope.leaderboards().page(board.read(Consistency.STRONG)).items();
      assertEquals(new BoardEntry(winner, 10, 1), strong.get(0), "storage has the write");
      assertEquals(strong, index(readerScope, board), "one refresh interval after its commit, the reader's "
          + board.period() + " index has the write that committed " + MARGIN.minusSeconds(2) + " after its time");
    }
  }

  /**
   * A host transaction held open 45 s, past the default margin of 30 s: the instance at the default margin, which
   * caught up while the write was in flight, misses it after its commit (and at later catch-ups), and the instance
   * given a margin of 60 s has it one refresh interval after the commit.
   */
  @ParameterizedTest
  @EnumSource(Write.class)
  void aWriteCommittedPastTheDefaultMarginIsMissedThereAndCaughtUpByAnInstanceWithAWiderMargin(Write write) {
    SettableClock clock = SettableClock.at(Instant.parse("2026-03-10T12:00:00Z"));
    LoyaltyEngine narrow = engine(clock, 1, DEFAULT_MARGIN);
    LoyaltyEngine wide = engine(clock, 2, WIDE_MARGIN);
    LoyaltyEngine writer = engine(clock, 3, DEFAULT_MARGIN);
    long tenant = narrow.tenants().create(NewTenant.business("Margin")).id();
    TenantScope narrowScope = narrow.forTenant(tenant);
    TenantScope wideScope = wide.forTenant(tenant);
    Board b = board(narrowScope);
    long campaign = b.campaign();
    long ann = b.ann();
    long bob = b.bob();
    BoardRequest allTime = BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(BoardMetric.POINTS).limit(100);
    BoardRequest month = BoardRequest.of(campaign, BoardPeriod.CURRENT_MONTH).by(BoardMetric.POINTS).limit(100);
    List<BoardEntry> before = List.of(new BoardEntry(bob, 5, 1), new BoardEntry(ann, 0, 2));
    for (BoardRequest board : List.of(allTime, month)) {
      assertEquals(before, index(narrowScope, board), "the default margin's index, built");
      assertEquals(before, index(wideScope, board), "the wide margin's index, built");
    }

    Duration inFlight = Duration.ofSeconds(45);
    StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    long winner;
    try (StoreFixture.HostTx host = hosts.begin()) {
      TenantScope joined = writer.forTenant(tenant).joining(host.transaction());
      winner = write == Write.AWARD_TO_A_MEMBER ? ann
          : joined.participants().create(campaign, NewParticipant.withEmail("cy@example.com")).id();
      joined.points().award(ParticipantRef.id(winner), PointsChange.of(10, "purchase"));
      clock.advance(inFlight);
      for (BoardRequest board : List.of(allTime, month)) {
        assertEquals(before, index(narrowScope, board), "a catch-up while the write is in flight does not see it");
        assertEquals(before, index(wideScope, board), "a catch-up while the write is in flight does not see it");
      }
      host.commit();
    }

    for (int refresh = 0; refresh < 3; refresh++) {
      clock.advance(REFRESH);
      for (BoardRequest board : List.of(allTime, month)) {
        List<BoardEntry> strong = narrowScope.leaderboards().page(board.read(Consistency.STRONG)).items();
        assertEquals(new BoardEntry(winner, 10, 1), strong.get(0), "storage has the write");
        assertEquals(before, index(narrowScope, board), "catch-up " + refresh + " at the default margin: the "
            + board.period() + " index misses the write that committed " + inFlight + " after its time");
        assertEquals(strong, index(wideScope, board), "catch-up " + refresh + " at a 60 s margin: the "
            + board.period() + " index has the write that committed " + inFlight + " after its time");
      }
    }

    // The rebuild interval after the default margin's index was built (the test's clock stood still since, but for
    // the write's 45 s and the three refreshes), its next read rebuilds it from storage.
    clock.advance(LeaderboardSettings.DEFAULTS.rebuildInterval().minus(inFlight));
    for (BoardRequest board : List.of(allTime, month)) {
      List<BoardEntry> strong = narrowScope.leaderboards().page(board.read(Consistency.STRONG)).items();
      assertEquals(strong, index(narrowScope, board), "rebuilt at the default margin: the " + board.period()
          + " index has the write the catch-ups missed");
    }
  }

  /** A campaign of the scope's tenant with Ann (no points) and Bob (5 points). */
  private record Board(long campaign, long ann, long bob) {
  }

  private static Board board(TenantScope scope) {
    long brand = scope.brands().create(new NewBrand("Margin", "https://margin.example.com")).id();
    long campaign = scope.campaigns().create(NewCampaign.running(brand, "Margin")).id();
    long ann = scope.participants().create(campaign, NewParticipant.withEmail("ann@example.com")).id();
    long bob = scope.participants().create(campaign, NewParticipant.withEmail("bob@example.com")).id();
    scope.points().award(ParticipantRef.id(bob), PointsChange.of(5, "purchase"));
    return new Board(campaign, ann, bob);
  }

  private static List<BoardEntry> index(TenantScope scope, BoardRequest board) {
    return scope.leaderboards().page(board.read(Consistency.INDEX)).items();
  }

  private LoyaltyEngine engine(SettableClock clock, int node) {
    return engine(clock, node, DEFAULT_MARGIN);
  }

  private LoyaltyEngine engine(SettableClock clock, int node, LeaderboardSettings leaderboards) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .nodeId(node)
        .events(EventSettings.builder().manualDispatch().build())
        .leaderboards(leaderboards)
        .build();
    engines.add(engine);
    return engine;
  }
}
