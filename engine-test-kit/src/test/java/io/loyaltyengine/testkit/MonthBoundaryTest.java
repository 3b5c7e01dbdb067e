package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Months of leaderboards on {@link InMemoryStorage} with a {@link SettableClock}: boundaries at local midnight of the
 * 1st in several zones (east and west of UTC, half-hour offsets), a month that spans a daylight-saving change, 29
 * February 2028; last month's board and its membership (participants created before the current month started);
 * the boundary rewriting nothing (last month's board is the board the current month was, at once); and a closed
 * month's winners recorded once and equal on two engines on one database that cross the boundary at once, and not
 * before the catch-up margin has passed since the month's end (30 s by default, or as configured); and the action
 * counts of January, whose previous month is December of the year before.
 *
 * <p>Each test name states the rule it checks.
 */
class MonthBoundaryTest {
  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final SettableClock clock = SettableClock.at(Instant.parse("2025-01-01T00:00:00Z"));
  private final InMemoryStorage.Database database = InMemoryStorage.newDatabase();

  @AfterEach
  void tearDown() {
    for (LoyaltyEngine e : engines) {
      e.close();
    }
  }

  @Test
  void aMonthStartsAtLocalMidnightOfTheFirstInTheCampaignsZone() {
    for (String zoneName : List.of("Pacific/Auckland", "America/New_York", "Europe/London", "Asia/Kolkata",
        "America/St_Johns", "UTC")) {
      ZoneId zone = ZoneId.of(zoneName);
      Instant boundary = YearMonth.of(2025, 11).atDay(1).atStartOfDay(zone).toInstant();
      clock.set(boundary.minusSeconds(3600));
      World w = world(zone);
      Participant p = w.enrol("p@example.com");
      Participant q = w.enrol("q@example.com");
      w.act(q, 1); // builds the index before the boundary: its boards must move on by themselves
      w.read(BoardPeriod.CURRENT_MONTH, Consistency.INDEX);
      clock.set(boundary.minusNanos(1_000));
      w.act(p, 2);
      clock.set(boundary);
      w.act(q, 3);
      for (Consistency c : Consistency.values()) {
        assertEquals(List.of(new BoardEntry(q.id(), 3, 1), new BoardEntry(p.id(), 0, 2)),
            w.read(BoardPeriod.CURRENT_MONTH, c), zoneName + " " + c + ": November starts at local midnight");
        assertEquals(List.of(new BoardEntry(p.id(), 2, 1), new BoardEntry(q.id(), 1, 2)),
            w.read(BoardPeriod.PREV_MONTH, c), zoneName + " " + c + ": October is last month");
        assertEquals(List.of(new BoardEntry(q.id(), 4, 1), new BoardEntry(p.id(), 2, 2)),
            w.read(BoardPeriod.ALL_TIME, c), zoneName + " " + c);
      }
      assertEquals(w.read(BoardPeriod.PREV_MONTH, Consistency.STRONG),
          w.boards.monthPage(w.campaign.id(), YearMonth.of(2025, 10), BoardMetric.ACTIONS, null, 10).items());
    }
  }

  @Test
  void aMonthSpanningADaylightSavingChangeIsOneMonthAndEndsAtLocalMidnight() {
    ZoneId zone = ZoneId.of("America/New_York"); // clocks went forward on 9 March 2025, from UTC-5 to UTC-4
    clock.set(Instant.parse("2025-03-01T05:00:00Z")); // 1 March 00:00 EST
    World w = world(zone);
    Participant p = w.enrol("p@example.com");
    w.act(p, 1);
    clock.set(Instant.parse("2025-03-15T12:00:00Z"));
    w.act(p, 1);
    clock.set(Instant.parse("2025-04-01T03:59:59Z")); // 31 March 23:59:59 EDT
    w.act(p, 1);
    assertEquals(List.of(new BoardEntry(p.id(), 3, 1)), w.read(BoardPeriod.CURRENT_MONTH, Consistency.INDEX));
    clock.set(Instant.parse("2025-04-01T04:00:00Z")); // 1 April 00:00 EDT
    for (Consistency c : Consistency.values()) {
      assertEquals(List.of(new BoardEntry(p.id(), 0, 1)), w.read(BoardPeriod.CURRENT_MONTH, c), c.name());
      assertEquals(List.of(new BoardEntry(p.id(), 3, 1)), w.read(BoardPeriod.PREV_MONTH, c), c.name());
    }
    // Europe/London: clocks went back on 26 October 2025; November starts at 00:00 GMT.
    ZoneId london = ZoneId.of("Europe/London");
    clock.set(Instant.parse("2025-10-31T23:30:00Z"));
    World l = world(london);
    Participant r = l.enrol("r@example.com");
    l.act(r, 1);
    clock.set(Instant.parse("2025-11-01T00:00:00Z"));
    assertEquals(List.of(new BoardEntry(r.id(), 1, 1)), l.read(BoardPeriod.PREV_MONTH, Consistency.INDEX));
    assertEquals(List.of(new BoardEntry(r.id(), 0, 1)), l.read(BoardPeriod.CURRENT_MONTH, Consistency.INDEX));
  }

  @Test
  void the29thOfFebruary2028BelongsToFebruaryAndMarchStartsAfterIt() {
    ZoneId zone = ZoneId.of("Europe/Berlin");
    clock.set(Instant.parse("2028-02-28T23:00:00Z")); // 29 February 00:00 CET
    World w = world(zone);
    Participant p = w.enrol("p@example.com");
    w.act(p, 1);
    w.award(p, 29);
    clock.set(Instant.parse("2028-02-29T22:59:59Z")); // 29 February 23:59:59 CET
    w.act(p, 1);
    clock.set(Instant.parse("2028-02-29T23:00:00Z")); // 1 March 00:00 CET
    w.act(p, 5);
    w.award(p, 1);
    for (Consistency c : Consistency.values()) {
      assertEquals(List.of(new BoardEntry(p.id(), 2, 1)), w.read(BoardPeriod.PREV_MONTH, c), c.name());
      assertEquals(List.of(new BoardEntry(p.id(), 5, 1)), w.read(BoardPeriod.CURRENT_MONTH, c), c.name());
      assertEquals(new Standing(p.id(), BoardMetric.POINTS, 30, 1, 1, 1, 29, 1L),
          w.boards.standing(ParticipantRef.id(p.id()), BoardMetric.POINTS, c), c.name());
    }
    assertEquals(List.of(new BoardEntry(p.id(), 2, 1)),
        w.boards.monthPage(w.campaign.id(), YearMonth.of(2028, 2), BoardMetric.ACTIONS, null, 10).items());
    clock.set(Instant.parse("2028-02-29T23:00:30Z")); // winners are recorded from 30 s after the month's end
    assertEquals(List.of(new BoardEntry(p.id(), 29, 1)),
        w.boards.winners(w.campaign.id(), YearMonth.of(2028, 2), BoardMetric.POINTS).winners());
  }

  @Test
  void lastMonthsBoardListsOnlyParticipantsCreatedBeforeTheCurrentMonthStarted() {
    ZoneId zone = ZoneId.of("Asia/Kolkata");
    Instant july = YearMonth.of(2025, 7).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(july.minusSeconds(86_400));
    World w = world(zone);
    Participant old = w.enrol("old@example.com");
    w.read(BoardPeriod.ALL_TIME, Consistency.INDEX); // index built in June
    clock.set(july.minusNanos(1_000));
    Participant lastMicro = w.enrol("last@example.com");
    clock.set(july);
    Participant onTheDot = w.enrol("dot@example.com");
    w.act(onTheDot, 1);
    for (Consistency c : Consistency.values()) {
      assertEquals(List.of(new BoardEntry(old.id(), 0, 1), new BoardEntry(lastMicro.id(), 0, 1)),
          w.read(BoardPeriod.PREV_MONTH, c), c.name());
      assertEquals(3, w.read(BoardPeriod.CURRENT_MONTH, c).size(), c.name());
      Standing s = w.boards.standing(ParticipantRef.id(onTheDot.id()), BoardMetric.ACTIONS, c);
      assertNull(s.previousMonthRank(), c + ": did not exist last month");
      assertEquals(0, s.previousMonthScore());
      assertEquals(1L, w.boards.standing(ParticipantRef.id(lastMicro.id()), BoardMetric.ACTIONS, c)
          .previousMonthRank(), c.name());
    }
  }

  @Test
  void twoEnginesCrossingTheBoundaryAtOnceRecordOneSetOfWinners() throws Exception {
    ZoneId zone = ZoneId.of("America/Los_Angeles");
    Instant august = YearMonth.of(2025, 8).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(august.minus(Duration.ofDays(3)));
    World a = world(zone);
    // The second engine's clock runs 7 s ahead: two sets of winners made independently would differ in recordedAt.
    LoyaltyEngine second = newEngine(Clock.offset(clock, Duration.ofSeconds(7)));
    Leaderboards b = second.forTenant(a.scope.tenantId()).leaderboards();
    List<Participant> people = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      Participant p = a.enrol("w" + i + "@example.com");
      people.add(p);
      a.act(p, i % 6); // 0..5 actions: ties, and three without any
    }
    YearMonth july = YearMonth.of(2025, 7);
    clock.set(august.plus(LeaderboardSettings.DEFAULTS.catchUpMargin()));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (BoardMetric metric : BoardMetric.values()) {
        CyclicBarrier together = new CyclicBarrier(2);
        CompletableFuture<MonthWinners> first = CompletableFuture.supplyAsync(() -> {
          await(together);
          return a.boards.winners(a.campaign.id(), july, metric);
        }, pool);
        CompletableFuture<MonthWinners> other = CompletableFuture.supplyAsync(() -> {
          await(together);
          return b.winners(a.campaign.id(), july, metric);
        }, pool);
        MonthWinners w1 = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> first.get());
        MonthWinners w2 = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> other.get());
        assertEquals(w1, w2, metric + ": one set of winners, recorded by one of the engines");
        clock.advance(Duration.ofDays(2));
        a.act(people.get(0), 50); // August: changes nothing of July
        assertEquals(w1, b.winners(a.campaign.id(), july, metric), metric + ": recorded once, read after");
        if (metric == BoardMetric.ACTIONS) {
          List<BoardEntry> top = w1.winners();
          assertEquals(10, top.size(), "ten winners, all scoring above 0");
          assertEquals(List.of(5L, 5L, 4L, 4L, 3L, 3L, 2L, 2L, 1L, 1L),
              top.stream().map(BoardEntry::score).toList());
          assertEquals(List.of(1L, 1L, 3L, 3L, 5L, 5L, 7L, 7L, 9L, 9L), top.stream().map(BoardEntry::rank).toList());
          assertEquals(people.get(5).id(), top.get(0).participantId(), "ties by participant id");
        } else {
          assertEquals(List.of(), w1.winners(), "nobody was awarded points in July");
        }
        assertFalse(w1.recordedAt().isBefore(august), "recorded after the month ended");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void inJanuaryTheActionCountsOfThePreviousMonthAreDecembersOfTheYearBefore() {
    ZoneId zone = ZoneId.of("America/New_York");
    Instant newYear = YearMonth.of(2026, 1).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(newYear.minus(Duration.ofDays(3)));
    World w = world(zone);
    Participant p = w.enrol("p@example.com");
    w.act(p, 2);
    clock.set(newYear.minusNanos(1_000));
    w.act(p, 1); // 31 December 23:59:59.999999 local: still December
    clock.set(newYear);
    ActionCounts first = w.scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()),
        w.reward.id())).counts();
    assertEquals(new ActionCounts(4, 1, 3, 4, 1), first, "the action's counts: December 2025 is last month");
    assertEquals(first, w.scope.rewards().counts(ParticipantRef.id(p.id()), w.reward.id()));
    assertEquals(3, w.scope.rewards().summary(ParticipantRef.id(p.id())).actionsPreviousMonth());
  }

  @Test
  void whereTheClocksGoBackAcrossMidnightOfTheFirstTheMonthBeforeLastsUntilItsLastDayHasPassedForGood() {
    // America/St_Johns, 1 November 2009: at 00:01 NDT (02:31 UTC) the clocks went back to 23:01 NST of 31 October,
    // so after one minute of November, 31 October came again for 59 minutes; November started for good at 00:00 NST.
    ZoneId zone = ZoneId.of("America/St_Johns");
    clock.set(Instant.parse("2009-11-01T02:00:00Z")); // 31 October 22:30 NDT
    World w = world(zone);
    Participant ann = w.enrol("ann@example.com");
    w.act(ann, 1);
    w.read(BoardPeriod.CURRENT_MONTH, Consistency.INDEX); // the index is built in October, and read in it
    clock.set(Instant.parse("2009-11-01T02:30:30Z")); // 1 November 00:00:30 NDT
    for (Consistency c : Consistency.values()) {
      assertEquals(List.of(new BoardEntry(ann.id(), 0, 1)), w.read(BoardPeriod.CURRENT_MONTH, c),
          c + ": the first minute of November");
    }
    clock.set(Instant.parse("2009-11-01T02:45:00Z")); // 31 October 23:15 NST: October again
    Participant bob = w.enrol("bob@example.com");
    ActionCounts counted = w.scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(bob.id()),
        w.reward.id())).counts();
    assertEquals(1, counted.currentMonth(), "the action counts toward October");
    List<BoardEntry> october = List.of(new BoardEntry(ann.id(), 1, 1), new BoardEntry(bob.id(), 1, 1));
    for (Consistency c : Consistency.values()) {
      assertEquals(october, w.read(BoardPeriod.CURRENT_MONTH, c), c + ": this month is October, Bob's included");
      assertEquals(new BoardEntry(bob.id(), 1, 1), w.boards.rank(w.campaign.id(), bob.id(),
          BoardPeriod.CURRENT_MONTH, BoardMetric.ACTIONS, c).orElseThrow(), c.name());
    }
    LoyaltyException early = assertThrows(LoyaltyException.class,
        () -> w.boards.winners(w.campaign.id(), YearMonth.of(2009, 10), BoardMetric.ACTIONS));
    assertEquals(ErrorCode.VALIDATION_ERROR, early.code(), "October has not ended");
    assertEquals("month", early.field().orElseThrow());

    clock.set(Instant.parse("2009-11-01T03:30:30Z")); // 1 November 00:00:30 NST
    for (Consistency c : Consistency.values()) {
      assertEquals(october, w.read(BoardPeriod.PREV_MONTH, c), c.name());
      assertEquals(List.of(new BoardEntry(ann.id(), 0, 1), new BoardEntry(bob.id(), 0, 1)),
          w.read(BoardPeriod.CURRENT_MONTH, c), c.name());
    }
    assertEquals(october, w.boards.winners(w.campaign.id(), YearMonth.of(2009, 10), BoardMetric.ACTIONS).winners());
  }

  @Test
  void atTheBoundaryLastMonthsIndexBoardIsWhatTheCurrentMonthWasWithNothingRewritten() {
    ZoneId zone = ZoneId.of("Australia/Adelaide");
    Instant may = YearMonth.of(2025, 5).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(may.minusSeconds(7_200));
    World w = world(zone);
    for (int i = 0; i < 6; i++) {
      Participant p = w.enrol("n" + i + "@example.com");
      w.act(p, i);
      w.award(p, 10 - i);
    }
    List<BoardEntry> aprilActions = w.read(BoardPeriod.CURRENT_MONTH, Consistency.INDEX);
    List<BoardEntry> aprilPoints = w.boards.page(BoardRequest.of(w.campaign.id(), BoardPeriod.CURRENT_MONTH)
        .by(BoardMetric.POINTS).limit(100)).items();
    clock.set(may);
    assertEquals(aprilActions, w.read(BoardPeriod.PREV_MONTH, Consistency.INDEX));
    assertEquals(aprilPoints, w.boards.page(BoardRequest.of(w.campaign.id(), BoardPeriod.PREV_MONTH)
        .by(BoardMetric.POINTS).limit(100)).items());
    assertEquals(aprilActions, w.read(BoardPeriod.PREV_MONTH, Consistency.STRONG));
    assertEquals(0, w.read(BoardPeriod.CURRENT_MONTH, Consistency.INDEX).stream().mapToLong(BoardEntry::score)
        .sum(), "May starts at zero for everyone");
  }

  @Test
  void aMonthsWinnersWaitThirtySecondsSoThatAChangeRecordedInTheMonthOnASlowerClockCounts() {
    ZoneId zone = ZoneId.of("Europe/Lisbon");
    Instant june = YearMonth.of(2025, 6).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(june.minus(Duration.ofDays(1)));
    World w = world(zone);
    Participant ann = w.enrol("ann@example.com");
    Participant bob = w.enrol("bob@example.com");
    w.act(ann, 2);
    // Five seconds after May ended by this engine's clock, an instance whose clock runs ten seconds behind still
    // records May.
    clock.set(june.plusSeconds(5));
    LoyaltyEngine behind = newEngine(Clock.offset(clock, Duration.ofSeconds(-10)));
    World slow = new World(behind.forTenant(w.scope.tenantId()), null, w.campaign, w.reward);
    slow.act(bob, 3);
    YearMonth may = YearMonth.of(2025, 5);
    clock.set(june.plusSeconds(29));
    LoyaltyException early = assertThrows(LoyaltyException.class,
        () -> w.boards.winners(w.campaign.id(), may, BoardMetric.ACTIONS));
    assertEquals(ErrorCode.VALIDATION_ERROR, early.code());
    assertEquals("month", early.field().orElseThrow());
    clock.set(june.plusSeconds(30));
    assertEquals(List.of(new BoardEntry(bob.id(), 3, 1), new BoardEntry(ann.id(), 2, 2)),
        w.boards.winners(w.campaign.id(), may, BoardMetric.ACTIONS).winners());
  }

  @Test
  void aMonthsWinnersWaitTheConfiguredCatchUpMarginSoThatAChangeRecordedInTheMonthOnAClockFurtherBehindCounts() {
    ZoneId zone = ZoneId.of("America/Chicago");
    Instant june = YearMonth.of(2025, 6).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(june.minus(Duration.ofDays(1)));
    newEngine(clock, LeaderboardSettings.builder().catchUpMargin(Duration.ofSeconds(90)).build());
    World w = world(zone);
    Participant ann = w.enrol("ann@example.com");
    Participant bob = w.enrol("bob@example.com");
    w.act(ann, 2);
    // Twenty seconds after May ended by this engine's clock, an instance whose clock runs a minute behind still
    // records May: within the 90 s margin, not within the default 30 s.
    clock.set(june.plusSeconds(20));
    LoyaltyEngine behind = newEngine(Clock.offset(clock, Duration.ofSeconds(-60)));
    World slow = new World(behind.forTenant(w.scope.tenantId()), null, w.campaign, w.reward);
    slow.act(bob, 3);
    YearMonth may = YearMonth.of(2025, 5);
    for (long seconds : new long[] {30, 89}) {
      clock.set(june.plusSeconds(seconds));
      LoyaltyException early = assertThrows(LoyaltyException.class,
          () -> w.boards.winners(w.campaign.id(), may, BoardMetric.ACTIONS), seconds + " s after the month's end");
      assertEquals(ErrorCode.VALIDATION_ERROR, early.code());
      assertEquals("month", early.field().orElseThrow());
    }
    clock.set(june.plusSeconds(90));
    assertEquals(List.of(new BoardEntry(bob.id(), 3, 1), new BoardEntry(ann.id(), 2, 2)),
        w.boards.winners(w.campaign.id(), may, BoardMetric.ACTIONS).winners());
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private LoyaltyEngine newEngine() {
    return newEngine(clock);
  }

  private LoyaltyEngine newEngine(Clock engineClock) {
    return newEngine(engineClock, LeaderboardSettings.DEFAULTS);
  }

  private LoyaltyEngine newEngine(Clock engineClock, LeaderboardSettings leaderboards) {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(database.openStorage())
        .clock(engineClock)
        .leaderboards(leaderboards)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(engines.size() + 1)
        .build();
    engines.add(e);
    return e;
  }

  private World world(ZoneId zone) {
    LoyaltyEngine engine = engines.isEmpty() ? newEngine() : engines.get(0);
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Month shop")).id());
    Campaign campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Month shop", "https://months.example.com")).id(), "Months")
        .withTimeZone(zone));
    CampaignReward reward = scope.rewards().define(campaign.id(), NewCampaignReward.message("Thanks", "Thank you",
        1000));
    return new World(scope, scope.leaderboards(), campaign, reward);
  }

  private record World(TenantScope scope, Leaderboards boards, Campaign campaign, CampaignReward reward) {
    Participant enrol(String email) {
      return scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
    }

    void act(Participant p, int times) {
      for (int i = 0; i < times; i++) {
        scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()));
      }
    }

    void award(Participant p, long points) {
      scope.points().award(ParticipantRef.id(p.id()), PointsChange.of(points, "purchase"));
    }

    List<BoardEntry> read(BoardPeriod period, Consistency consistency) {
      return boards.page(BoardRequest.of(campaign.id(), period).limit(100).read(consistency)).items();
    }
  }
}
