package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Months in campaigns' zones through the public API, on each store, against a reference kept by the test: actions
 * and points at the first and the last microsecond of a month, across daylight-saving changes (Europe/London,
 * America/New_York, Australia/Sydney), in zones with 30- and 45-minute offsets (Australia/Adelaide, Asia/Kathmandu,
 * Pacific/Chatham), around the day Pacific/Apia skipped (30 December 2011) and in January (last month is the December
 * before); the engine's clock stepping back across a month boundary and forward again; every board (all time, this
 * month, last month, any month; both metrics; index and storage) ranked with ties as a sorted reference ranks it;
 * a closed month's winners. Each test name states the rule it checks.
 */
abstract class MonthsAndZonesTestBase {
  private static final Duration MICRO = Duration.ofNanos(1_000);

  private StoreFixture fixture;
  private LoyaltyEngine engine;
  private final SettableClock clock = SettableClock.at(Instant.parse("2010-01-01T00:00:00Z"));
  private TenantScope shop;
  private long brand;

  abstract StoreFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder().storage(fixture.openStorage()).clock(clock)
        .events(EventSettings.builder().manualDispatch().build()).build();
    shop = engine.forTenant(engine.tenants().create(NewTenant.business("Months")).id());
    brand = shop.brands().create(new NewBrand("Months", "https://months.example.com")).id();
  }

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  /** A campaign and what the test expects of it. */
  private final class World {
    final ZoneId zone;
    final long campaign;
    final long reward;
    final Map<Long, Instant> created = new HashMap<>();
    /** (participant, month key) to actions and to points; month key 0 is all time. */
    final Map<List<Long>, Long> actions = new HashMap<>();
    final Map<List<Long>, Long> points = new HashMap<>();

    World(ZoneId zone) {
      this.zone = zone;
      campaign = shop.campaigns().create(NewCampaign.running(brand, "C " + zone).withTimeZone(zone)).id();
      reward = shop.rewards().define(campaign, NewCampaignReward.message("R", "hi", 1_000)).id();
    }

    long enrol(String email) {
      long id = shop.participants().create(campaign, NewParticipant.withEmail(email)).id();
      created.put(id, clock.instant());
      return id;
    }

    long key(Instant at) {
      YearMonth m = YearMonth.from(at.atZone(zone));
      return m.getYear() * 100L + m.getMonthValue();
    }

    ActionCounts act(long p) {
      long month = key(clock.instant());
      actions.merge(List.of(p, 0L), 1L, Long::sum);
      actions.merge(List.of(p, month), 1L, Long::sum);
      return shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p), reward)).counts();
    }

    void award(long p, long amount) {
      long month = key(clock.instant());
      points.merge(List.of(p, 0L), amount, Long::sum);
      points.merge(List.of(p, month), amount, Long::sum);
      shop.points().award(ParticipantRef.id(p), PointsChange.of(amount, "purchase"));
    }

    long score(long p, BoardMetric metric, long month) {
      return (metric == BoardMetric.ACTIONS ? actions : points).getOrDefault(List.of(p, month), 0L);
    }

    /** The board of a month (0: all time) as a sorted reference ranks it. */
    List<BoardEntry> expected(BoardMetric metric, long month) {
      Instant end = month == 0 ? null
          : YearMonth.of((int) (month / 100), (int) (month % 100)).plusMonths(1).atDay(1).atStartOfDay(zone)
              .toInstant();
      List<long[]> rows = new ArrayList<>();
      created.forEach((p, at) -> {
        if (end == null || at.isBefore(end)) {
          rows.add(new long[] {p, score(p, metric, month)});
        }
      });
      return Board.ranked(rows);
    }

    /** Every board of the campaign, read every way, equals the reference. */
    void checkBoards(String stage) {
      long current = key(clock.instant());
      YearMonth cur = YearMonth.of((int) (current / 100), (int) (current % 100));
      long previous = cur.minusMonths(1).getYear() * 100L + cur.minusMonths(1).getMonthValue();
      for (BoardMetric metric : BoardMetric.values()) {
        for (Consistency consistency : Consistency.values()) {
          for (int limit : new int[] {2, 100}) {
            check(stage, metric, consistency, BoardPeriod.ALL_TIME, 0, limit);
            check(stage, metric, consistency, BoardPeriod.CURRENT_MONTH, current, limit);
            check(stage, metric, consistency, BoardPeriod.PREV_MONTH, previous, limit);
          }
        }
        for (YearMonth m : List.of(cur, cur.minusMonths(1), cur.minusMonths(2))) {
          List<BoardEntry> got = new ArrayList<>();
          Long next = null;
          do {
            var page = shop.leaderboards().monthPage(campaign, m, metric, next, 2);
            got.addAll(page.items());
            next = page.nextId();
          } while (next != null);
          assertEquals(expected(metric, m.getYear() * 100L + m.getMonthValue()), got,
              stage + ": " + zone + " month page " + m + " " + metric);
        }
        for (long p : created.keySet()) {
          for (Consistency consistency : Consistency.values()) {
            Standing s = shop.leaderboards().standing(ParticipantRef.id(p), metric, consistency);
            String what = stage + ": " + zone + " standing " + consistency + " " + metric + " of " + p;
            assertEquals(entry(expected(metric, 0), p), new BoardEntry(p, s.score(), s.rank()), what);
            BoardEntry month = entry(expected(metric, current), p);
            if (month != null) { // a participant created after now (the clock stepped back) is on no month's board
              assertEquals(month, new BoardEntry(p, s.monthScore(), s.monthlyRank()), what);
            }
            BoardEntry prev = entry(expected(metric, previous), p);
            if (prev == null) {
              assertNull(s.previousMonthRank(), what);
            } else {
              assertEquals(prev, new BoardEntry(p, s.previousMonthScore(), s.previousMonthRank()), what);
            }
          }
        }
      }
    }

    private BoardEntry entry(List<BoardEntry> board, long p) {
      return board.stream().filter(e -> e.participantId() == p).findFirst().orElse(null);
    }

    private void check(String stage, BoardMetric metric, Consistency consistency, BoardPeriod period, long month,
        int limit) {
      List<BoardEntry> got = new ArrayList<>();
      Long next = null;
      do {
        var page = shop.leaderboards().page(BoardRequest.of(campaign, period).by(metric).read(consistency)
            .limit(limit).after(next));
        got.addAll(page.items());
        next = page.nextId();
      } while (next != null);
      String what = stage + ": " + zone + " " + period + " " + metric + " " + consistency + " limit " + limit;
      List<BoardEntry> expected = expected(metric, month);
      assertEquals(expected, got, what);
      for (BoardEntry e : expected) {
        assertEquals(java.util.Optional.of(e), shop.leaderboards().rank(campaign, e.participantId(), period, metric,
            consistency), what + " rank of " + e.participantId());
      }
      for (long p : created.keySet()) {
        if (entry(expected, p) == null) {
          assertEquals(java.util.Optional.empty(), shop.leaderboards().rank(campaign, p, period, metric, consistency),
              what + " rank of " + p + ", not on the board");
        }
      }
    }
  }

  /** Boundaries worth a look: DST in the month before or after, odd offsets, Apia's skipped day, January. */
  private static final List<Object[]> BOUNDARIES = List.of(
      new Object[] {"Europe/London", YearMonth.of(2025, 4)},
      new Object[] {"Europe/London", YearMonth.of(2025, 11)},
      new Object[] {"America/New_York", YearMonth.of(2025, 3)},
      new Object[] {"America/New_York", YearMonth.of(2025, 11)},
      new Object[] {"Australia/Sydney", YearMonth.of(2025, 4)},
      new Object[] {"Australia/Sydney", YearMonth.of(2025, 10)},
      new Object[] {"Australia/Adelaide", YearMonth.of(2026, 1)},
      new Object[] {"Asia/Kathmandu", YearMonth.of(2026, 1)},
      new Object[] {"Pacific/Chatham", YearMonth.of(2025, 10)},
      new Object[] {"Pacific/Apia", YearMonth.of(2011, 12)},
      new Object[] {"Pacific/Apia", YearMonth.of(2012, 1)},
      new Object[] {"America/Asuncion", YearMonth.of(2023, 10)});

  @Test
  void actionsAndPointsAtTheFirstAndLastMicrosecondOfAMonthCountInTheirMonthInTheCampaignsZone() {
    for (Object[] b : BOUNDARIES) {
      ZoneId zone = ZoneId.of((String) b[0]);
      YearMonth month = (YearMonth) b[1];
      Instant start = month.atDay(1).atStartOfDay(zone).toInstant();
      Instant lastMicro = start.minus(MICRO);
      clock.set(month.minusMonths(2).atDay(1).atStartOfDay(zone).toInstant().plusSeconds(3600));
      World w = new World(zone);
      long early = w.enrol("early@example.com");
      long tied = w.enrol("tied@example.com");
      w.act(early);
      w.award(early, 5);
      clock.set(lastMicro);
      long last = w.enrol("last@example.com");
      ActionCounts c = w.act(early);
      assertEquals(new ActionCounts(2, 1, 1, 2, 1), c, zone + " " + month + ": the last microsecond of the month"
          + " before");
      w.act(last);
      w.act(tied);
      w.award(last, 7);
      w.award(tied, 7);
      w.checkBoards("last microsecond before " + month);
      clock.set(start);
      long first = w.enrol("first@example.com");
      c = w.act(early);
      assertEquals(new ActionCounts(3, 1, 1, 3, 1), c, zone + " " + month + ": the first microsecond of " + month);
      w.act(first);
      w.act(first);
      w.award(first, 3);
      w.award(last, 3);
      w.checkBoards("first microsecond of " + month);
      clock.set(start.plus(Duration.ofSeconds(30)));
      for (BoardMetric metric : BoardMetric.values()) {
        MonthWinners winners = shop.leaderboards().winners(w.campaign, month.minusMonths(1), metric);
        long key = month.minusMonths(1).getYear() * 100L + month.minusMonths(1).getMonthValue();
        assertEquals(w.expected(metric, key).stream().filter(e -> e.score() > 0).toList(), winners.winners(),
            zone + " winners of " + month.minusMonths(1) + " " + metric);
      }
    }
  }

  @Test
  void theClockSteppingBackAcrossAMonthBoundaryCountsEachActionInTheMonthOfItsOwnTime() {
    for (String name : List.of("Europe/London", "Australia/Sydney", "Asia/Kathmandu")) {
      ZoneId zone = ZoneId.of(name);
      YearMonth month = YearMonth.of(2026, 1);
      Instant start = month.atDay(1).atStartOfDay(zone).toInstant();
      clock.set(start.minus(Duration.ofDays(3)));
      World w = new World(zone);
      long a = w.enrol("a@example.com");
      long b = w.enrol("b@example.com");
      w.act(a);
      clock.set(start.plusSeconds(1));
      w.act(b);
      w.award(b, 4);
      long later = w.enrol("later@example.com"); // created in January, before the clock steps back
      assertEquals(new ActionCounts(1, 1, 0, 1, 1), shop.rewards().counts(ParticipantRef.id(b), w.reward));
      w.checkBoards("after the boundary");
      clock.set(start.minusSeconds(1)); // steps back into December
      w.act(b);
      w.award(a, 9);
      w.act(later);
      w.award(later, 6);
      ActionCounts back = w.act(a);
      assertEquals(new ActionCounts(2, 2, 0, 2, 2), back, zone + ": back in December");
      w.checkBoards("stepped back");
      clock.set(start.plusSeconds(2));
      ActionCounts forward = w.act(a);
      assertEquals(new ActionCounts(3, 1, 2, 3, 1), forward, zone + ": January again");
      w.checkBoards("forward again");
    }
  }

  @Test
  void everyBoardRanksTiesAsASortedReferenceAcrossSeededMonths() {
    long seed = System.nanoTime();
    System.out.println("MonthsAndZonesTestBase seed " + seed);
    Random random = new Random(seed);
    List<String> zones = List.of("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kathmandu",
        "Pacific/Chatham", "Pacific/Apia", "Australia/Adelaide");
    ZoneId zone = ZoneId.of(zones.get(random.nextInt(zones.size())));
    YearMonth month = YearMonth.of(2011 + random.nextInt(15), 1 + random.nextInt(12));
    Instant start = month.atDay(1).atStartOfDay(zone).toInstant();
    clock.set(start.minus(Duration.ofDays(40)));
    World w = new World(zone);
    List<Long> people = new ArrayList<>();
    for (int step = 0; step < 300; step++) {
      clock.set(clock.instant().plus(Duration.ofMinutes(random.nextInt(3 * 24 * 60))));
      if (people.isEmpty() || random.nextInt(6) == 0) {
        people.add(w.enrol("p" + step + "@example.com"));
      } else if (random.nextInt(25) == 0) {
        long gone = people.remove(random.nextInt(people.size()));
        shop.participants().delete(ParticipantRef.id(gone));
        w.created.remove(gone);
      } else {
        long p = people.get(random.nextInt(people.size()));
        if (random.nextBoolean()) {
          w.act(p);
        } else {
          w.award(p, 1 + random.nextInt(3));
        }
      }
      if (step % 50 == 49) {
        w.checkBoards("seed " + seed + " step " + step);
      }
    }
    w.checkBoards("seed " + seed + " end");
  }
}
