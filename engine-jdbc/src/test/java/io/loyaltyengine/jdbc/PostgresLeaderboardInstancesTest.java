package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leaderboard indexes of two engine instances on one embedded PostgreSQL database, with a refresh interval of
 * 200 ms. What one instance writes (new participants, actions, awards, a deletion) and what a host transaction
 * commits appear in the other's (and, for the host transaction, its own) INDEX reads within the documented
 * staleness: the refresh interval, as long as each writing transaction commits within the catch-up margin of
 * {@link io.loyaltyengine.core.leaderboard.LeaderboardIndexes}. The engines' clock is a settable clock, started at
 * the real time or two minutes ahead of the database's: the test moves it by exactly the refresh interval and reads
 * once, so the bound is checked without waiting or polling. Each instance's own writes are in its
 * index at once. Two instances asking for a closed month's winners at once record one set.
 */
class PostgresLeaderboardInstancesTest {
  private static final Duration REFRESH = Duration.ofMillis(200);

  private final PostgresFixture fixture = new PostgresFixture();
  private final List<LoyaltyEngine> engines = new ArrayList<>();

  @AfterEach
  void close() {
    engines.forEach(LoyaltyEngine::close);
    fixture.close();
  }

  @Test
  void writesOnOneInstanceReachTheOthersIndexWithinTheRefreshInterval() {
    writesReachTheOtherInstanceWithinTheRefreshInterval(SettableClock.at(Instant.now()));
  }

  /** Every change is stamped by the engine's clock, so a database clock behind the engines' leaves no board stale. */
  @Test
  void writesReachTheOtherInstanceWhenTheEnginesClocksAreAheadOfTheDatabases() {
    writesReachTheOtherInstanceWithinTheRefreshInterval(SettableClock.at(Instant.now().plus(Duration.ofMinutes(2))));
  }

  private void writesReachTheOtherInstanceWithinTheRefreshInterval(SettableClock clock) {
    LoyaltyEngine a = newEngine(clock);
    LoyaltyEngine b = newEngine(clock);
    long tenant = a.tenants().create(NewTenant.business("Two instances")).id();
    TenantScope onA = a.forTenant(tenant);
    TenantScope onB = b.forTenant(tenant);
    long campaign = onA.campaigns().create(NewCampaign.running(
        onA.brands().create(new NewBrand("Two", "two.example.com")).id(), "Boards")).id();
    CampaignReward reward = onA.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1000));
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(onA.participants().create(campaign, NewParticipant.withEmail("p" + i + "@example.com")).id());
    }
    for (BoardMetric metric : BoardMetric.values()) {
      for (BoardPeriod period : BoardPeriod.values()) {
        onB.leaderboards().page(board(campaign, period, metric)); // B builds its indexes now
      }
    }

    for (int i = 0; i < 6; i++) {
      onA.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(ids.get(i % 3)), reward.id()));
    }
    onA.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, "new@example.com"), reward.id()));
    onA.points().award(ParticipantRef.id(ids.get(3)), PointsChange.of(25, "purchase"));
    onA.points().deduct(ParticipantRef.id(ids.get(3)), PointsChange.of(20, "redemption"));
    onA.participants().delete(ParticipantRef.id(ids.get(1)));

    clock.advance(REFRESH);
    for (BoardMetric metric : BoardMetric.values()) {
      for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
        List<BoardEntry> truth = onA.leaderboards().page(board(campaign, period, metric).read(Consistency.STRONG))
            .items();
        assertEquals(truth, onA.leaderboards().page(board(campaign, period, metric)).items(),
            "an instance's own writes are in its index at once: " + period + " " + metric);
        assertEquals(truth, onB.leaderboards().page(board(campaign, period, metric)).items(),
            "the other instance's writes are in the index one refresh interval later: " + period + " " + metric);
        for (BoardEntry row : truth) {
          assertEquals(Optional.of(row), onB.leaderboards().rank(campaign, row.participantId(), period, metric,
              Consistency.INDEX), "the other instance's rank read agrees: " + period + " " + metric);
        }
      }
    }
  }

  @Test
  void writesCommittedInAHostTransactionReachTheIndexWithinTheRefreshInterval() throws Exception {
    SettableClock clock = SettableClock.at(Instant.now());
    LoyaltyEngine a = newEngine(clock);
    long tenant = a.tenants().create(NewTenant.business("Host")).id();
    TenantScope scope = a.forTenant(tenant);
    long campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Host", "host.example.com")).id(), "Boards")).id();
    CampaignReward reward = scope.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1000));
    long early = scope.participants().create(campaign, NewParticipant.withEmail("early@example.com")).id();
    BoardRequest actions = board(campaign, BoardPeriod.ALL_TIME, BoardMetric.ACTIONS);
    assertEquals(List.of(new BoardEntry(early, 0, 1)), scope.leaderboards().page(actions).items());

    StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    try (StoreFixture.HostTx host = hosts.begin()) {
      host.insertHostOrder("order-1");
      TenantScope joined = scope.joining(host.transaction());
      joined.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, "host@example.com"),
          reward.id()));
      joined.points().award(ParticipantRef.id(early), PointsChange.of(9, "purchase"));
      host.commit();
    }
    List<BoardEntry> truth = scope.leaderboards().page(actions.read(Consistency.STRONG)).items();
    assertEquals(2, truth.size());
    BoardRequest points = board(campaign, BoardPeriod.ALL_TIME, BoardMetric.POINTS);
    List<BoardEntry> pointsTruth = scope.leaderboards().page(points.read(Consistency.STRONG)).items();
    clock.advance(REFRESH);
    assertEquals(truth, scope.leaderboards().page(actions).items(), "host writes one refresh interval later");
    assertEquals(pointsTruth, scope.leaderboards().page(points).items(), "host awards one refresh interval later");
  }

  @Test
  void twoInstancesAskingForAClosedMonthsWinnersAtOnceRecordOneSet() throws Exception {
    ZoneId zone = ZoneId.of("Europe/Paris");
    Instant october = YearMonth.of(2025, 10).atDay(1).atStartOfDay(zone).toInstant();
    SettableClock clock = SettableClock.at(october.minus(Duration.ofDays(2)));
    LoyaltyEngine a = newEngine(clock);
    // b's clock runs 7 s ahead: two sets of winners made independently would differ in recordedAt.
    LoyaltyEngine b = newEngine(Clock.offset(clock, Duration.ofSeconds(7)));
    long tenant = a.tenants().create(NewTenant.business("Winners")).id();
    TenantScope onA = a.forTenant(tenant);
    long campaign = onA.campaigns().create(NewCampaign.running(
        onA.brands().create(new NewBrand("Winners", "winners.example.com")).id(), "Boards").withTimeZone(zone)).id();
    CampaignReward reward = onA.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1000));
    for (int i = 0; i < 12; i++) {
      ParticipantRef ref = ParticipantRef.email(campaign, "w" + i + "@example.com");
      for (int n = 0; n <= i % 4; n++) {
        onA.rewards().recordAction(LoyaltyAction.of(ref, reward.id()));
      }
      onA.points().award(ref, PointsChange.of(1 + i, "purchase"));
    }
    clock.set(october.plusSeconds(30)); // winners are recorded from 30 s after the month's end
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (BoardMetric metric : BoardMetric.values()) {
        CyclicBarrier together = new CyclicBarrier(2);
        List<CompletableFuture<MonthWinners>> asked = new ArrayList<>();
        for (LoyaltyEngine engine : List.of(a, b)) {
          asked.add(CompletableFuture.supplyAsync(() -> {
            try {
              together.await();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            return engine.forTenant(tenant).leaderboards().winners(campaign, YearMonth.of(2025, 9), metric);
          }, pool));
        }
        MonthWinners first = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> asked.get(0).get());
        MonthWinners second = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> asked.get(1).get());
        assertEquals(first, second, metric + ": one set of winners");
        assertEquals(10, first.winners().size());
        assertEquals(first, b.forTenant(tenant).leaderboards().winners(campaign, YearMonth.of(2025, 9), metric));
        assertEquals(first.winners(), onA.leaderboards().monthPage(campaign, YearMonth.of(2025, 9), metric, null, 10)
            .items(), metric + ": the month's first ten rows");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static BoardRequest board(long campaign, BoardPeriod period, BoardMetric metric) {
    return BoardRequest.of(campaign, period).by(metric).limit(100);
  }

  private LoyaltyEngine newEngine(Clock clock) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .nodeId(engines.size() + 1)
        .events(EventSettings.builder().manualDispatch().build())
        .leaderboards(LeaderboardSettings.builder().refreshInterval(REFRESH).maxIndexedEntries(100_000).build())
        .build();
    engines.add(engine);
    return engine;
  }
}
