package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes through the engine while the engine builds a board from a scan, which pauses before handing over its first
 * member. The engine's own writes are in its index at once, without waiting for a catch-up (the clock stands still,
 * so none repairs the board):
 * <ul>
 *   <li>a participant deleted meanwhile: the scan's snapshot still holds it, and hands it over after the deletion was
 *       applied to the index; the deletion must win;</li>
 *   <li>an action recorded meanwhile: the scan's snapshot predates its commit, so its new count reaches the index only
 *       by the raise applied after the commit, which arrives before the scan has put the participant in the roster;
 *       the count must be on the board;</li>
 *   <li>an award or an action of a participant another engine created, which this engine's index does not hold yet,
 *       while another board's scan that will add it pauses: the write's raise finds no member, and the scan's
 *       snapshot predates the write; the score must be on the all-time board once the scan has added the member.</li>
 * </ul>
 * Needs two transactions at once, so it runs on the SQL stores (the in-memory store runs one at a time, and H2 too
 * unless its transactions do not take turns).
 */
abstract class BoardScanRaceTestBase {
  private JdbcFixture fixture;
  private LoyaltyEngine engine;
  /** Whether the next board scan pauses before handing over its first member. */
  private volatile boolean pauseNextScan;
  private final Pause scan = new Pause();

  abstract JdbcFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder()
        .storage(pausingScans((Storage) fixture.openStorage()))
        .clock(SettableClock.at(Instant.parse("2025-06-15T12:00:00Z")))
        .events(EventSettings.builder().manualDispatch().build())
        .build();
  }

  @AfterEach
  void close() throws Exception {
    engine.close();
    fixture.close();
  }

  @Test
  void aParticipantDeletedWhileTheBoardIsScannedIsNotOnIt() throws Exception {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Scan")).id());
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Scan", "https://scan.example.com")).id(), "Scan")).id();
    CampaignReward reward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 100));
    Participant leader = act(shop, campaign, reward, "leader@example.com", 3);
    act(shop, campaign, reward, "second@example.com", 2);
    act(shop, campaign, reward, "third@example.com", 1);
    BoardRequest board = BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(BoardMetric.ACTIONS).limit(10);

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pauseNextScan = true;
      Future<?> building = pool.submit(() -> shop.leaderboards().page(board));
      scan.awaitReached("the board's scan started");
      shop.participants().delete(ParticipantRef.id(leader.id()));
      scan.release();
      building.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    List<BoardEntry> indexed = shop.leaderboards().page(board).items();
    assertEquals(shop.leaderboards().page(board.read(Consistency.STRONG)).items(), indexed,
        "the index holds what storage holds");
    assertEquals(List.of(2L, 1L), indexed.stream().map(BoardEntry::score).toList());
    assertEquals(List.of(1L, 2L), indexed.stream().map(BoardEntry::rank).toList());
    LoyaltyException gone = assertThrows(LoyaltyException.class,
        () -> shop.leaderboards().rank(campaign, leader.id(), BoardPeriod.ALL_TIME, BoardMetric.ACTIONS,
            Consistency.INDEX));
    assertEquals(ErrorCode.NOT_FOUND, gone.code(), "the deleted participant has no rank");
  }

  @Test
  void anActionCommittedWhileTheIndexIsFirstBuiltIsOnTheBoardAtOnce() throws Exception {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Scan")).id());
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Scan", "https://scan.example.com")).id(), "Scan")).id();
    CampaignReward reward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 100));
    Participant first = act(shop, campaign, reward, "first@example.com", 3);
    Participant acting = act(shop, campaign, reward, "acting@example.com", 2);
    BoardRequest board = BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(BoardMetric.ACTIONS).limit(10);

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pauseNextScan = true;
      Future<?> building = pool.submit(() -> shop.leaderboards().page(board));
      scan.awaitReached("the index's first scan started");
      shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(acting.id()), reward.id()));
      scan.release();
      building.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertEquals(Optional.of(new BoardEntry(acting.id(), 3, 1)), shop.leaderboards().rank(campaign, acting.id(),
        BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, Consistency.INDEX), "the action just recorded is on the board");
    List<BoardEntry> indexed = shop.leaderboards().page(board).items();
    assertEquals(shop.leaderboards().page(board.read(Consistency.STRONG)).items(), indexed,
        "the index holds what storage holds");
    assertEquals(List.of(first.id(), acting.id()), indexed.stream().map(BoardEntry::participantId).toList());
  }

  @Test
  void anAwardToAParticipantTheIndexDoesNotHoldYetIsOnTheBoardAtOnceThoughAScanAddsItLater() throws Exception {
    Late late = lateParticipant();
    TenantScope shop = late.shop();
    whileTheMonthsBoardIsScanned(late, BoardMetric.POINTS, () -> {
      shop.points().award(ParticipantRef.id(late.id()), PointsChange.of(16, "purchase"));
      // Another read takes the award's mark, while the roster does not hold the participant yet.
      shop.leaderboards().rank(late.campaign(), late.first(), BoardPeriod.ALL_TIME, BoardMetric.POINTS,
          Consistency.INDEX);
    });

    assertEquals(Optional.of(new BoardEntry(late.id(), 16, 2)), shop.leaderboards().rank(late.campaign(), late.id(),
        BoardPeriod.ALL_TIME, BoardMetric.POINTS, Consistency.INDEX), "the award just made is on the board");
  }

  @Test
  void anActionOfAParticipantTheIndexDoesNotHoldYetIsOnTheBoardAtOnceThoughAScanAddsItLater() throws Exception {
    Late late = lateParticipant();
    TenantScope shop = late.shop();
    whileTheMonthsBoardIsScanned(late, BoardMetric.ACTIONS, () -> {
      shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(late.id()), late.reward()));
      shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(late.id()), late.reward()));
    });

    assertEquals(Optional.of(new BoardEntry(late.id(), 2, 2)), shop.leaderboards().rank(late.campaign(), late.id(),
        BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, Consistency.INDEX), "the actions just recorded are on the board");
  }

  /** Runs {@code writes} while the campaign's current-month board by {@code metric} is first scanned, paused. */
  private void whileTheMonthsBoardIsScanned(Late late, BoardMetric metric, Runnable writes) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pauseNextScan = true;
      Future<?> building = pool.submit(() -> late.shop().leaderboards().page(
          BoardRequest.of(late.campaign(), BoardPeriod.CURRENT_MONTH).by(metric)));
      scan.awaitReached("the month's board is scanned");
      writes.run();
      scan.release();
      building.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A campaign whose index is built, with one member scoring 3 actions and 30 points, then a participant created by
   * another engine on the same database, which this engine's index does not hold (the clock stands still, so no
   * catch-up brings it in).
   */
  private Late lateParticipant() {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Scan")).id());
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Scan", "https://scan.example.com")).id(), "Scan")).id();
    CampaignReward reward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 100));
    Participant first = act(shop, campaign, reward, "first@example.com", 3);
    shop.points().award(ParticipantRef.id(first.id()), PointsChange.of(30, "purchase"));
    for (BoardMetric metric : BoardMetric.values()) {
      shop.leaderboards().page(BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(metric));
    }
    try (LoyaltyEngine other = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(SettableClock.at(Instant.parse("2025-06-15T12:00:00Z")))
        .events(EventSettings.builder().manualDispatch().build())
        .build()) {
      long id = other.forTenant(shop.tenantId()).participants()
          .create(campaign, NewParticipant.withEmail("late@example.com")).id();
      return new Late(shop, campaign, reward.id(), first.id(), id);
    }
  }

  private record Late(TenantScope shop, long campaign, long reward, long first, long id) {
  }

  private static Participant act(TenantScope shop, long campaign, CampaignReward reward, String email, int times) {
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail(email));
    for (int i = 0; i < times; i++) {
      shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()));
    }
    return p;
  }

  /** A storage whose next board scan, once asked to, pauses before its first member until the test resumes it. */
  private Storage pausingScans(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      @Override
      public LeaderboardPort leaderboards() {
        return InterceptingStorage.intercept(LeaderboardPort.class, tx.leaderboards(), (method, args, port) -> {
          if (method.getName().equals("scan") && pauseNextScan) {
            pauseNextScan = false;
            LeaderboardPort.ScoreSink sink = (LeaderboardPort.ScoreSink) args[5];
            boolean[] first = {true};
            args[5] = (LeaderboardPort.ScoreSink) (participantId, score, createdAt) -> {
              if (first[0]) {
                first[0] = false;
                scan.here();
              }
              sink.accept(participantId, score, createdAt);
            };
          }
          return InterceptingStorage.invoke(method, port, args);
        });
      }
    });
  }
}
