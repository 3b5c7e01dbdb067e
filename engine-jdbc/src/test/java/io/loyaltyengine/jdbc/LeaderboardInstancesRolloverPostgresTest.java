package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.ActionResult;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The leaderboard indexes of two or three engine instances on one embedded PostgreSQL database, driven by seeded
 * writes across a month rollover, and checked against storage and a model of their own once the documented
 * catch-up has happened. It covers what {@link LeaderboardIndexConcurrencyTestBase} (one instance, a clock that
 * stands still) does not: other instances' writes, writes inside host transactions that commit or roll back, the
 * month ending while writes are in flight, and a campaign's index evicted and rebuilt over and over.
 *
 * <h2>The world</h2>
 * One tenant with two campaigns in one seeded zone. Each instance has its own pool and its own clock: a shared
 * {@link SettableClock} plus a fixed seeded offset of up to 2 s (the first instance's is 0), so that near the
 * boundary the instances disagree about the month, as real hosts do. The first instance's index is bounded to
 * 1,000 rows, less than the two campaigns' boards hold together, so that reading one campaign evicts the other and
 * its next read rebuilds it; the others keep everything and rely on catching up. Writes are enrolments by an action,
 * creations, actions, awards, deductions (which leave the POINTS boards as they are) and deletions, each in an
 * instance's own unit of work or, one in four, inside a host transaction that commits or (one in three) rolls back.
 *
 * <h2>Timeline</h2>
 * A seeded population is made a month before the rollover and more of it ten days before, on random instances.
 * Then three races of 3 to 6 threads (one or two per instance, each writing through its own instance to the
 * participants it owns, and reading every instance's boards): ten days before the month ends, across the end (the
 * shared clock goes from 3 s before to 3 s after it, moved by the threads as they progress; and on each instance a
 * writer's unit of work that ends less than a second before that instance's month ends may, before its commit,
 * move the clock to the end, so that a write made in the month commits and reaches the index after it), and after
 * it. The clock never moves by more than a few seconds while a write is in flight, well within the catch-up margin.
 *
 * <h2>Checked during the races</h2>
 * What the indexes promise at once: right after a write in its own unit of work, the writing instance's INDEX shows
 * the participant's all-time score exactly (or no row after a deletion); no INDEX read on any instance ever shows a
 * participant whose creation rolled back, or a score above what its owner's started writes may leave; pages are in
 * board order with ranks that agree.
 *
 * <h2>Checked after each stage</h2>
 * With every thread joined, the shared clock moves by the refresh interval (the staleness bound of
 * {@code Consistency.INDEX}: every write committed one refresh interval before a read is in it), and then on every
 * instance, in a seeded order: each of the twelve boards (two campaigns; POINTS and ACTIONS; all time, this month,
 * last month, by that instance's clock) read whole at INDEX equals the board read whole at STRONG and the sorted
 * reference of the model (score descending, then id ascending; rank 1 + the number of higher scores; a month's board
 * lists the participants created before it ended); every participant's INDEX {@code rank} on every board and
 * {@code standing} by both metrics equal the reference; deleted participants and those whose creation rolled back
 * have no INDEX rank. A write in flight when the month ended belongs to the month of either clock reading around it:
 * the model then takes the split storage reports, once it has checked that it adds up. The model takes creation
 * times from storage too, checked against the writer's clock around the creation.
 *
 * <p>A seed replays every thread's operations ({@code -Dloyalty.seed=<seed>}), not how the threads interleave.
 */
class LeaderboardInstancesRolloverPostgresTest {
  private static final Duration REFRESH = Duration.ofMillis(250);
  /** The first instance's bound: one campaign's boards fit in it, both campaigns' do not. */
  private static final long SMALL_BOUND = 1_000;
  private static final long LARGE_BOUND = 1_000_000;
  private static final long MAX_OFFSET_MILLIS = 2_000;
  private static final int SLOTS = 6;
  private static final int OPERATIONS_PER_THREAD = 80;
  private static final List<String> ZONES = List.of("Pacific/Auckland", "America/St_Johns", "Asia/Kolkata",
      "Europe/Paris", "America/Los_Angeles", "UTC");
  /** The months that start at the rollover: after 30 or 31 days, a year's end, a February of 29 days. */
  private static final List<YearMonth> ROLLOVERS = List.of(YearMonth.of(2025, 7), YearMonth.of(2025, 11),
      YearMonth.of(2026, 1), YearMonth.of(2028, 3));
  private static final int OWN = 0;
  private static final int HOST_COMMIT = 1;
  private static final int HOST_ROLLBACK = 2;

  private final PostgresFixture fixture = new PostgresFixture();
  private final List<LoyaltyEngine> engines = new ArrayList<>();

  @AfterEach
  void close() {
    engines.forEach(LoyaltyEngine::close);
    fixture.close();
  }

  @Test
  void everyInstancesIndexEqualsStorageAndTheModelOneRefreshIntervalAfterTheWritesAcrossAMonthRollover() {
    Seeded.run(this, "instances across a rollover", seed -> new Run(seed).run());
  }

  /** One engine instance: its clock (the shared one plus its offset) and the board scans its storage made. */
  private record Node(int index, long offsetMillis, Clock clock, LoyaltyEngine engine, AtomicInteger scans,
      boolean evicting) {
    long millis() {
      return clock.millis();
    }

    @Override
    public String toString() {
      return "instance " + index + " (clock " + (offsetMillis >= 0 ? "+" : "") + offsetMillis + " ms"
          + (evicting ? ", evicting" : "") + ")";
    }
  }

  /** A campaign and its message reward, whose actions count on the ACTIONS boards. */
  private record Camp(int index, long id, long reward) {
    @Override
    public String toString() {
      return "campaign " + index + " (" + id + ")";
    }
  }

  /**
   * A participant that was created and committed. Its model (scores, balance, months, deletion) is written by its
   * owner (the setup, or one thread) and read by others only once the threads have joined; what other threads may
   * read during a race is published in the atomic and volatile fields.
   */
  private static final class Pub {
    final long id;
    final Camp camp;
    /** The creating instance's clock right before and after the creation. */
    final long createdFrom;
    final long createdTo;
    long actions;
    long points;
    long balance;
    /** Month key to {ACTIONS, POINTS} scores, for the writes whose month is known. */
    final Map<Integer, long[]> months = new HashMap<>();
    /** Writes in flight across a month's end: {metric ordinal, amount, month before, month after}. */
    final List<long[]> ambiguous = new ArrayList<>();
    boolean deleted;
    /**
     * Whether points were awarded in a host transaction since the last award in a unit of work of the engine's own:
     * until a catch-up, or an award of the engine's own (which reads the counter), its index may not show them.
     */
    boolean hostPoints;
    /** Read from storage at the first check after the creation. */
    Instant createdAt;
    /** The most its started writes may leave, all time: {ACTIONS, POINTS}. */
    final AtomicLongArray hi = new AtomicLongArray(2);
    volatile boolean deleting;

    Pub(long id, Camp camp, long createdFrom, long createdTo) {
      this.id = id;
      this.camp = camp;
      this.createdFrom = createdFrom;
      this.createdTo = createdTo;
    }

    long score(BoardMetric metric) {
      return metric == BoardMetric.ACTIONS ? actions : points;
    }

    long monthScore(BoardMetric metric, int month) {
      long[] m = months.get(month);
      return m == null ? 0 : m[metric.ordinal()];
    }

    void starting(BoardMetric metric, long after) {
      hi.accumulateAndGet(metric.ordinal(), after, Math::max);
    }

    @Override
    public String toString() {
      return "participant " + id + " of " + camp;
    }
  }

  private static int monthKey(long millis, ZoneId zone) {
    YearMonth m = YearMonth.from(Instant.ofEpochMilli(millis).atZone(zone));
    return m.getYear() * 100 + m.getMonthValue();
  }

  private static YearMonth month(int key) {
    return YearMonth.of(key / 100, key % 100);
  }

  /** One seeded run: the world, its setup, the races and the checks. */
  private final class Run {
    final SplittableRandom random;
    final ZoneId zone;
    final YearMonth rollover;
    final Instant boundary;
    final SettableClock base;
    final List<Node> nodes = new ArrayList<>();
    final List<Camp> camps = new ArrayList<>();
    final ConcurrentHashMap<Long, Pub> pubs = new ConcurrentHashMap<>();
    final Set<Long> rolledBack = ConcurrentHashMap.newKeySet();
    /** Creations under way: a row of a participant not registered yet may be one of them. */
    final AtomicInteger creating = new AtomicInteger();
    final AtomicBoolean failed = new AtomicBoolean();
    final AtomicLong made = new AtomicLong();
    final Object clockLock = new Object();
    long tenant;
    /**
     * What runs at the end of each unit of work, before its commit: during the race across the month's end, a nudge
     * of the clock now and then, so that the month ends between a write and its commit, or between its commit and
     * its index update.
     */
    volatile LongConsumer nudge = offset -> { };
    /** Whether the calling thread is in a writer's write (not a read, not the index's own work). */
    final ThreadLocal<Boolean> writing = ThreadLocal.withInitial(() -> false);
    /** Writers made so far, for their slots' emails. */
    int writers;
    /** Writes in flight when the writer's clock crossed the month's end, and writes in host transactions. */
    final AtomicInteger straddling = new AtomicInteger();
    final AtomicInteger hosted = new AtomicInteger();

    Run(long seed) {
      random = new SplittableRandom(seed);
      zone = ZoneId.of(ZONES.get(random.nextInt(ZONES.size())));
      rollover = ROLLOVERS.get(random.nextInt(ROLLOVERS.size()));
      boundary = rollover.atDay(1).atStartOfDay(zone).toInstant();
      base = SettableClock.at(rollover.minusMonths(1).atDay(1).atStartOfDay(zone).toInstant()
          .minus(Duration.ofDays(2)));
    }

    void run() throws Exception {
      long began = System.nanoTime();
      int count = 2 + random.nextInt(2);
      for (int i = 0; i < count; i++) {
        long offset = i == 0 ? 0 : random.nextLong(-MAX_OFFSET_MILLIS, MAX_OFFSET_MILLIS + 1);
        nodes.add(newNode(i, offset, i == 0));
      }
      LoyaltyEngine first = nodes.get(0).engine();
      tenant = first.tenants().create(NewTenant.business("Instances")).id();
      TenantScope scope = first.forTenant(tenant);
      long brand = scope.brands().create(new NewBrand("Instances", "https://instances.example.com")).id();
      for (int c = 0; c < 2; c++) {
        long campaign = scope.campaigns().create(NewCampaign.running(brand, "Boards " + c).withTimeZone(zone)).id();
        camps.add(new Camp(c, campaign,
            scope.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 100_000)).id()));
      }
      System.out.println("  " + nodes + ", zone " + zone + ", rollover to " + rollover);

      // The host's own table, made once before any thread begins a host transaction.
      fixture.hostTransactions().orElseThrow().begin().close();
      Writer setup = new Writer(-1, null, random.split());
      populate(setup, 80 + random.nextInt(20), false);
      base.set(boundary.minus(Duration.ofDays(10)));
      populate(setup, 30 + random.nextInt(10), true);
      System.out.println("  " + pubs.size() + " participants set up in " + (System.nanoTime() - began) / 1_000_000
          + " ms");
      check("after the setup");

      Instant tenDaysBefore = base.instant();
      race("ten days before the month ends", tenDaysBefore, tenDaysBefore.plusSeconds(4), false);
      check("ten days before the month ends");
      base.set(boundary.minusSeconds(3));
      race("across the month's end", boundary.minusSeconds(3), boundary.plusSeconds(3), true);
      check("across the month's end");
      Instant after = base.instant();
      race("after the month's end", after, after.plusSeconds(4), false);
      check("after the month's end");
      // The other instances scan each board once per month; the evicting one scans again whenever it rebuilds.
      Node evicting = nodes.get(0);
      Node keeping = nodes.get(1);
      assertTrue(evicting.scans().get() > keeping.scans().get() + 12, () -> evicting + " scanned "
          + evicting.scans().get() + " boards, " + keeping + " " + keeping.scans().get() + ": nothing was evicted");
      System.out.println("  board scans per instance: " + nodes.stream().map(n -> n.scans().get()).toList()
          + "; " + hosted.get() + " writes in host transactions, " + rolledBack.size() + " creations rolled back, "
          + straddling.get() + " writes in flight as the writer's month ended; run took "
          + (System.nanoTime() - began) / 1_000_000 + " ms");
    }

    void afterWork(long offset) {
      nudge.accept(offset);
    }

    Node newNode(int index, long offset, boolean evicting) {
      AtomicInteger scans = new AtomicInteger();
      Clock clock = Clock.offset(base, Duration.ofMillis(offset));
      LoyaltyEngine engine = LoyaltyEngine.builder()
          .storage(new Instrumented(fixture.openStorage(), scans, () -> afterWork(offset)))
          .clock(clock)
          .nodeId(index + 1)
          .events(EventSettings.builder().manualDispatch().build())
          .leaderboards(LeaderboardSettings.builder().refreshInterval(REFRESH)
              .maxIndexedEntries(evicting ? SMALL_BOUND : LARGE_BOUND).build())
          .build();
      engines.add(engine);
      return new Node(index, offset, clock, engine, scans, evicting);
    }

    /** Bystanders of both campaigns made on random instances, with activity; about one in twelve deleted. */
    void populate(Writer w, int perCampaign, boolean later) {
      List<Pub> existing = new ArrayList<>(pubs.values());
      existing.removeIf(p -> p.deleted);
      existing.sort(Comparator.comparingLong(p -> p.id));
      for (int i = 0; i < perCampaign * camps.size(); i++) {
        w.node = nodes.get(w.random.nextInt(nodes.size()));
        Camp camp = camps.get(i % camps.size());
        Pub p;
        if (later && w.random.nextInt(3) == 0) {
          p = existing.get(w.random.nextInt(existing.size()));
          if (p.deleted) {
            continue;
          }
        } else {
          String email = "bystander" + made.incrementAndGet() + "@example.com";
          p = w.random.nextBoolean() ? w.create(camp, email, w.mode()) : w.enrol(camp, email, w.mode());
          if (p == null) {
            continue;
          }
        }
        for (int a = w.random.nextInt(4); a > 0; a--) {
          w.node = nodes.get(w.random.nextInt(nodes.size()));
          w.act(p, w.mode());
        }
        for (int a = w.random.nextInt(3); a > 0; a--) {
          w.node = nodes.get(w.random.nextInt(nodes.size()));
          w.award(p, 1 + w.random.nextInt(30), w.mode());
        }
        if (w.random.nextInt(12) == 0) {
          w.delete(p, w.mode());
        } else if (w.random.nextInt(6) == 0) {
          w.read(); // builds indexes in the month of the setup, which the month's end then turns into last month's
        }
      }
    }

    /**
     * 3 to 6 threads, one or two per instance, each running its operations; the shared clock moves from
     * {@code from} to {@code to} as the operations complete, so that writes are in flight as it moves.
     */
    void race(String stage, Instant from, Instant to, boolean nudging) throws Exception {
      long began = System.nanoTime();
      base.set(from);
      List<Writer> workers = new ArrayList<>();
      for (Node node : nodes) {
        for (int t = 1 + random.nextInt(2); t > 0; t--) {
          workers.add(new Writer(writers++, node, random.split()));
        }
      }
      long total = (long) workers.size() * OPERATIONS_PER_THREAD;
      AtomicLong done = new AtomicLong();
      long span = to.toEpochMilli() - from.toEpochMilli();
      Runnable tick = () -> {
        Instant target = from.plusMillis(span * done.incrementAndGet() / total);
        synchronized (clockLock) {
          if (target.isAfter(base.instant())) {
            base.set(target);
          }
        }
      };
      if (nudging) {
        // A writer's unit of work on an instance whose clock is less than a second before the month's end ends it,
        // one time in two: its writes were made in the month, and commit and reach the index after it. Not seeded:
        // which unit of work that is depends on how the threads interleave anyway.
        nudge = offset -> {
          Instant end = boundary.minusMillis(offset);
          if (writing.get() && ThreadLocalRandom.current().nextInt(2) == 0) {
            synchronized (clockLock) {
              Instant now = base.instant();
              if (now.isBefore(end) && !now.isBefore(end.minusSeconds(1)) && !end.isAfter(to)) {
                base.set(end);
              }
            }
          }
        };
      }
      try {
        Seeded.race(workers.stream().<Seeded.Racer>map(w -> () -> w.race(tick)).toList());
      } catch (AssertionError e) {
        throw new AssertionError(stage + ": " + e.getMessage(), e);
      } finally {
        nudge = offset -> { };
      }
      base.set(to);
      System.out.println("  race " + stage + ": " + workers.size() + " threads, " + (System.nanoTime() - began)
          / 1_000_000 + " ms");
    }

    // ------------------------------------------------------------------------------------------------ checks

    /**
     * With nothing in flight: one refresh interval later, every instance's INDEX equals STRONG and the reference,
     * board by board and participant by participant (see the class description).
     */
    void check(String stage) {
      long began = System.nanoTime();
      base.advance(REFRESH);
      settleModel();
      List<Node> order = new ArrayList<>(nodes);
      shuffle(order);
      for (Node node : order) {
        TenantScope scope = node.engine().forTenant(tenant);
        List<Camp> campOrder = new ArrayList<>(camps);
        shuffle(campOrder);
        for (Camp camp : campOrder) {
          Map<Board, List<BoardEntry>> expected = reference(node, camp);
          List<Board> boards = new ArrayList<>(List.of(Board.values()));
          shuffle(boards);
          for (Board b : boards) {
            int limit = 10 + random.nextInt(91);
            String what = stage + ": " + b + " of " + camp + " on " + node;
            assertEquals(expected.get(b), walkAll(scope, camp, b, Consistency.INDEX, limit),
                () -> what + " at INDEX (limit " + limit + ")");
            assertEquals(expected.get(b), walkAll(scope, camp, b, Consistency.STRONG, 10 + random.nextInt(91)),
                () -> what + " at STRONG");
          }
          for (Pub p : pubs.values()) {
            if (p.camp != camp) {
              continue;
            }
            if (p.deleted) {
              assertNotFound(() -> scope.leaderboards().rank(camp.id(), p.id, BoardPeriod.ALL_TIME,
                  BoardMetric.ACTIONS, Consistency.INDEX), stage + ": the INDEX rank of deleted " + p + " on " + node);
              continue;
            }
            for (Board b : Board.values()) {
              Optional<BoardEntry> want = expected.get(b).stream().filter(e -> e.participantId() == p.id)
                  .findFirst();
              assertEquals(want, scope.leaderboards().rank(camp.id(), p.id, b.period, b.metric, Consistency.INDEX),
                  () -> stage + ": the INDEX rank of " + p + " on " + b + " on " + node);
            }
            for (BoardMetric metric : BoardMetric.values()) {
              assertEquals(Board.standing(expected, p.id, metric), scope.leaderboards().standing(ParticipantRef.id(p.id),
                  metric, Consistency.INDEX), () -> stage + ": the INDEX standing of " + p + " by " + metric + " on "
                  + node);
            }
          }
        }
        for (long id : rolledBack) {
          Camp any = camps.get(0);
          LoyaltyException e = assertThrows(LoyaltyException.class, () -> scope.leaderboards().rank(any.id(), id,
              BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, Consistency.INDEX), stage + ": the INDEX rank of "
              + id + ", whose creation rolled back, on " + node);
          assertEquals(ErrorCode.NOT_FOUND, e.code());
        }
      }
      long living = pubs.values().stream().filter(p -> !p.deleted).count();
      System.out.println("  checked " + stage + ": " + living + " participants, " + (pubs.size() - living)
          + " deleted, in " + (System.nanoTime() - began) / 1_000_000 + " ms");
    }

    /**
     * Completes the model from storage where it cannot know: creation times (checked against the creating
     * instance's clock around the creation), and how a write in flight at the month's end split between the two
     * months (checked to add up to what the model knows).
     */
    void settleModel() {
      TenantScope scope = nodes.get(0).engine().forTenant(tenant);
      int current = monthKey(nodes.get(0).millis(), zone);
      for (Pub p : pubs.values()) {
        if (p.deleted) {
          continue;
        }
        if (p.createdAt == null) {
          p.createdAt = scope.participants().get(ParticipantRef.id(p.id)).createdAt();
          long at = p.createdAt.toEpochMilli();
          assertTrue(p.createdFrom <= at && at <= p.createdTo, () -> p + " created at " + p.createdAt
              + ", outside its creator's clock around the creation");
        }
        if (p.ambiguous.isEmpty()) {
          continue;
        }
        for (BoardMetric metric : BoardMetric.values()) {
          long amount = 0;
          int before = 0;
          int after = 0;
          for (long[] a : p.ambiguous) {
            if (a[0] == metric.ordinal()) {
              amount += a[1];
              before = (int) a[2];
              after = (int) a[3];
            }
          }
          if (amount == 0) {
            continue;
          }
          assertEquals(current, after, "a write in flight at the month's end, checked once the month has ended");
          long knownBefore = p.monthScore(metric, before);
          long knownAfter = p.monthScore(metric, after);
          Optional<BoardEntry> onPrevious = scope.leaderboards().rank(p.camp.id(), p.id, BoardPeriod.PREV_MONTH,
              metric, Consistency.STRONG);
          long storedAfter = scope.leaderboards().rank(p.camp.id(), p.id, BoardPeriod.CURRENT_MONTH, metric,
              Consistency.STRONG).orElseThrow().score();
          long total = knownBefore + knownAfter + amount;
          Instant previousEnd = month(before).plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
          // Off the previous month's board only if created at or after its end, by the creator's clock; a writer
          // whose clock was behind may still have counted part of the write in that month: its share is the rest.
          assertTrue(onPrevious.isPresent() || !p.createdAt.isBefore(previousEnd), () -> p + " created at "
              + p.createdAt + ", before " + previousEnd + ", is missing from the previous month's board");
          long stored = onPrevious.map(BoardEntry::score).orElse(total - storedAfter);
          long inFlight = amount;
          assertTrue(knownBefore <= stored && stored <= knownBefore + amount && stored + storedAfter == total,
              () -> p + " " + metric + ": the months around the end hold " + stored + " and " + storedAfter
                  + ", not a split of " + inFlight + " over " + knownBefore + " and " + knownAfter);
          p.months.computeIfAbsent(before, k -> new long[2])[metric.ordinal()] = stored;
          p.months.computeIfAbsent(after, k -> new long[2])[metric.ordinal()] = storedAfter;
        }
        p.ambiguous.clear();
      }
    }

    /** The boards of a campaign as the model says, read by {@code node} now (its clock says which months). */
    Map<Board, List<BoardEntry>> reference(Node node, Camp camp) {
      int current = monthKey(node.millis(), zone);
      YearMonth now = month(current);
      Map<Board, List<BoardEntry>> boards = new HashMap<>();
      for (Board b : Board.values()) {
        YearMonth m = switch (b.period) {
          case ALL_TIME -> null;
          case CURRENT_MONTH -> now;
          case PREV_MONTH -> now.minusMonths(1);
        };
        Instant end = m == null ? null : m.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
        List<long[]> rows = new ArrayList<>();
        for (Pub p : pubs.values()) {
          if (p.camp != camp || p.deleted || end != null && !p.createdAt.isBefore(end)) {
            continue;
          }
          long score = m == null ? p.score(b.metric) : p.monthScore(b.metric, m.getYear() * 100 + m.getMonthValue());
          rows.add(new long[] {p.id, score});
        }
        boards.put(b, Board.ranked(rows));
      }
      return boards;
    }

    List<BoardEntry> walkAll(TenantScope scope, Camp camp, Board b, Consistency consistency, int limit) {
      List<BoardEntry> all = new ArrayList<>();
      Long cursor = null;
      while (true) {
        CursorPage<BoardEntry> page = scope.leaderboards().page(request(camp, b, limit).after(cursor)
            .read(consistency));
        all.addAll(page.items());
        if (!page.hasMore()) {
          return all;
        }
        cursor = page.nextId();
      }
    }

    BoardRequest request(Camp camp, Board b, int limit) {
      return BoardRequest.of(camp.id(), b.period).by(b.metric).limit(limit);
    }

    <T> void shuffle(List<T> list) {
      for (int i = list.size() - 1; i > 0; i--) {
        Collections.swap(list, i, random.nextInt(i + 1));
      }
    }

    /**
     * One writer: the setup (any instance, its {@link #node} set before each write) or a thread of a race (its
     * instance, the participants of its slots). Used by its own thread.
     */
    private final class Writer {
      final int index;
      final SplittableRandom random;
      final Pub[] slots = new Pub[SLOTS];
      final StoreFixture.HostTransactions hosts = fixture.hostTransactions().orElseThrow();
      Node node;
      String op = "start";

      Writer(int index, Node node, SplittableRandom random) {
        this.index = index;
        this.node = node;
        this.random = random;
      }

      /**
       * How the next write runs: one in four (in the setup, whose host transactions cost a connection each, one in
       * sixteen) inside a host transaction, which one in three of those roll back.
       */
      int mode() {
        return random.nextInt(index < 0 ? 16 : 4) > 0 ? OWN : random.nextInt(3) > 0 ? HOST_COMMIT : HOST_ROLLBACK;
      }

      void race(Runnable tick) {
        int step = 0;
        try {
          for (step = 1; step <= OPERATIONS_PER_THREAD && !failed.get(); step++) {
            step();
            tick.run();
          }
        } catch (AssertionError | RuntimeException e) {
          failed.set(true);
          throw new AssertionError("thread " + index + " on " + node + ", step " + step + ", " + op + ": "
              + e.getMessage(), e);
        }
      }

      void step() {
        int slot = random.nextInt(SLOTS);
        Camp camp = camps.get(slot % camps.size());
        Pub p = slots[slot];
        int mode = mode();
        int dice = random.nextInt(100);
        if (dice < 30) {
          if (p == null) {
            slots[slot] = enrol(camp, email(slot), mode);
          } else {
            act(p, mode);
          }
        } else if (dice < 45 && p != null) {
          award(p, 1 + random.nextInt(25), mode);
        } else if (dice < 50 && p != null && p.balance > 0) {
          deduct(p, 1 + random.nextLong(Math.min(p.balance, 40)), mode);
        } else if (dice < 57 && p == null) {
          slots[slot] = create(camp, email(slot), mode);
        } else if (dice < 62 && p != null) {
          if (delete(p, mode)) {
            slots[slot] = null;
          }
        } else {
          read();
        }
      }

      String email(int slot) {
        return "w" + index + "s" + slot + "@example.com";
      }

      /**
       * Runs {@code work} on this writer's instance: in a unit of work of its own, or joining a host transaction
       * that then commits or rolls back.
       */
      <T> T write(int mode, Function<TenantScope, T> work) {
        TenantScope scope = node.engine().forTenant(tenant);
        if (mode == OWN) {
          writing.set(true);
          try {
            return work.apply(scope);
          } finally {
            writing.set(false);
          }
        }
        hosted.incrementAndGet();
        try (StoreFixture.HostTx host = hosts.begin()) {
          T result;
          writing.set(true);
          try {
            result = work.apply(scope.joining(host.transaction()));
          } finally {
            writing.set(false);
          }
          if (mode == HOST_COMMIT) {
            host.commit();
          } else {
            host.rollback();
          }
          return result;
        }
      }

      String how(int mode) {
        return switch (mode) {
          case OWN -> "";
          case HOST_COMMIT -> " in a host transaction";
          default -> " in a host transaction rolled back";
        };
      }

      /** Enrols a new participant by an action; null if the host rolled it back. */
      Pub enrol(Camp camp, String email, int mode) {
        op = "enrolment of " + email + " in " + camp + how(mode);
        creating.incrementAndGet();
        try {
          long from = node.millis();
          ActionResult result = write(mode, s -> s.rewards().recordAction(
              LoyaltyAction.of(ParticipantRef.email(camp.id(), email), camp.reward())));
          long to = node.millis();
          assertTrue(result.participantCreated(), "enrolled");
          if (mode == HOST_ROLLBACK) {
            rolledBack.add(result.participantId());
            checkGone(result.participantId(), camp);
            return null;
          }
          Pub p = new Pub(result.participantId(), camp, from, to);
          p.hi.set(BoardMetric.ACTIONS.ordinal(), 1);
          p.actions = 1;
          count(p, BoardMetric.ACTIONS, 1, from, to);
          pubs.put(p.id, p);
          checkOwn(p, BoardMetric.ACTIONS, mode);
          return p;
        } finally {
          creating.decrementAndGet();
        }
      }

      /** Creates a participant; null if the host rolled it back. */
      Pub create(Camp camp, String email, int mode) {
        op = "creation of " + email + " in " + camp + how(mode);
        creating.incrementAndGet();
        try {
          long from = node.millis();
          Participant created = write(mode, s -> s.participants().create(camp.id(), NewParticipant.withEmail(email)));
          long to = node.millis();
          if (mode == HOST_ROLLBACK) {
            rolledBack.add(created.id());
            checkGone(created.id(), camp);
            return null;
          }
          Pub p = new Pub(created.id(), camp, from, to);
          pubs.put(p.id, p);
          checkOwn(p, BoardMetric.ACTIONS, mode);
          return p;
        } finally {
          creating.decrementAndGet();
        }
      }

      void act(Pub p, int mode) {
        op = "action of " + p + how(mode);
        p.starting(BoardMetric.ACTIONS, p.actions + 1);
        long from = node.millis();
        ActionResult result = write(mode, s -> s.rewards().recordAction(
            LoyaltyAction.of(ParticipantRef.id(p.id), p.camp.reward())));
        long to = node.millis();
        assertEquals(p.actions + 1, result.counts().allTime(), "the all-time action count");
        if (mode != HOST_ROLLBACK) {
          p.actions++;
          count(p, BoardMetric.ACTIONS, 1, from, to);
        }
        checkOwn(p, BoardMetric.ACTIONS, mode);
      }

      void award(Pub p, long points, int mode) {
        op = "award of " + points + " to " + p + how(mode);
        p.starting(BoardMetric.POINTS, p.points + points);
        long from = node.millis();
        write(mode, s -> s.points().award(ParticipantRef.id(p.id), PointsChange.of(points, "purchase")));
        long to = node.millis();
        if (mode != HOST_ROLLBACK) {
          p.points += points;
          p.balance += points;
          p.hostPoints = mode == HOST_COMMIT;
          count(p, BoardMetric.POINTS, points, from, to);
        }
        checkOwn(p, BoardMetric.POINTS, mode);
      }

      void deduct(Pub p, long points, int mode) {
        op = "deduction of " + points + " from " + p + how(mode);
        write(mode, s -> s.points().deduct(ParticipantRef.id(p.id), PointsChange.of(points, "redemption")));
        if (mode != HOST_ROLLBACK) {
          p.balance -= points;
        }
        // A deduction raises nothing: what a host transaction awarded before may still wait for the catch-up.
        checkOwn(p, BoardMetric.POINTS, p.hostPoints && mode == OWN ? HOST_COMMIT : mode);
      }

      /** Deletes a participant; false if the host rolled the deletion back. */
      boolean delete(Pub p, int mode) {
        op = "deletion of " + p + how(mode);
        p.deleting = true;
        write(mode, s -> {
          s.participants().delete(ParticipantRef.id(p.id));
          return null;
        });
        if (mode == HOST_ROLLBACK) {
          p.deleting = false;
          checkOwn(p, BoardMetric.ACTIONS, mode);
          return false;
        }
        p.deleted = true;
        if (mode == OWN) {
          // This instance's own deletion is out of its index at once.
          assertNotFound(() -> node.engine().forTenant(tenant).leaderboards().rank(p.camp.id(), p.id,
              BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, Consistency.INDEX), "the INDEX rank of " + p
              + " right after its deletion");
          assertNotFound(() -> node.engine().forTenant(tenant).leaderboards().standing(ParticipantRef.id(p.id),
              BoardMetric.POINTS, Consistency.INDEX), "the INDEX standing of " + p + " right after its deletion");
        }
        return true;
      }

      /** A write's month: the writer's clock's before and after the write, or both if they differ. */
      void count(Pub p, BoardMetric metric, long amount, long from, long to) {
        int before = monthKey(from, zone);
        int after = monthKey(to, zone);
        if (before == after) {
          p.months.computeIfAbsent(before, k -> new long[2])[metric.ordinal()] += amount;
        } else {
          p.ambiguous.add(new long[] {metric.ordinal(), amount, before, after});
          straddling.incrementAndGet();
        }
      }

      /**
       * Right after a write to {@code p} on this writer's instance: in a unit of work of its own, the INDEX shows
       * its all-time score exactly; in a host transaction, at most that (the rest waits for the catch-up).
       */
      void checkOwn(Pub p, BoardMetric metric, int mode) {
        Optional<BoardEntry> row = node.engine().forTenant(tenant).leaderboards().rank(p.camp.id(), p.id,
            BoardPeriod.ALL_TIME, metric, Consistency.INDEX);
        if (mode == OWN) {
          assertEquals(Optional.of(p.score(metric)), row.map(BoardEntry::score),
              () -> "the INDEX " + metric + " score of " + p + " right after its write");
        } else {
          assertTrue(row.isPresent() && row.get().score() <= p.score(metric), () -> "the INDEX " + metric
              + " score of " + p + " after a write" + how(mode) + ": " + row + ", more than " + p.score(metric));
        }
      }

      /** Right after a creation rolled back: no INDEX of any instance has the participant. */
      void checkGone(long id, Camp camp) {
        for (Node n : nodes) {
          assertNotFound(() -> n.engine().forTenant(tenant).leaderboards().rank(camp.id(), id, BoardPeriod.ALL_TIME,
              BoardMetric.ACTIONS, Consistency.INDEX), "the INDEX rank on " + n + " of " + id
              + ", whose creation rolled back");
        }
      }

      /** A read on a random instance: a board read whole, a rank or a standing, each row checked. */
      void read() {
        Node reader = nodes.get(random.nextInt(nodes.size()));
        TenantScope scope = reader.engine().forTenant(tenant);
        int kind = random.nextInt(10);
        if (kind < 5 || pubs.isEmpty()) {
          Camp camp = camps.get(random.nextInt(camps.size()));
          Board b = Board.values()[random.nextInt(Board.values().length)];
          op = "read of " + b + " of " + camp + " on " + reader;
          walkAndCheck(scope, camp, b, 10 + random.nextInt(91));
          return;
        }
        List<Pub> all = new ArrayList<>(pubs.values());
        all.sort(Comparator.comparingLong(p -> p.id));
        Pub p = all.get(random.nextInt(all.size()));
        BoardMetric metric = BoardMetric.values()[random.nextInt(2)];
        op = "read of " + p + " on " + reader;
        try {
          if (kind < 8) {
            Board b = Board.values()[random.nextInt(Board.values().length)];
            scope.leaderboards().rank(p.camp.id(), p.id, b.period, b.metric, Consistency.INDEX)
                .ifPresent(row -> checkRow(p.camp, b, row));
          } else {
            Standing s = scope.leaderboards().standing(ParticipantRef.id(p.id), metric, Consistency.INDEX);
            checkRow(p.camp, Board.of(metric, BoardPeriod.ALL_TIME), new BoardEntry(p.id, s.score(), s.rank()));
            checkRow(p.camp, Board.of(metric, BoardPeriod.CURRENT_MONTH), new BoardEntry(p.id, s.monthScore(),
                s.monthlyRank()));
          }
        } catch (LoyaltyException e) {
          assertEquals(ErrorCode.NOT_FOUND, e.code(), () -> "reading " + p + ": " + e);
          assertTrue(p.deleting, () -> p + " was not found, but its deletion had not started");
        }
      }

      /** A board read whole while others write: every row checked; a cursor deleted under it ends the walk. */
      void walkAndCheck(TenantScope scope, Camp camp, Board b, int limit) {
        Long cursor = null;
        boolean first = true;
        while (true) {
          CursorPage<BoardEntry> page;
          try {
            page = scope.leaderboards().page(request(camp, b, limit).after(cursor));
          } catch (LoyaltyException e) {
            // The cursor left the board: deleted meanwhile, or (a month's board) the month ended between pages.
            assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), () -> "reading " + b + ": " + e);
            return;
          }
          checkPage(b, page.items(), first);
          for (BoardEntry row : page.items()) {
            checkRow(camp, b, row);
          }
          if (!page.hasMore()) {
            return;
          }
          cursor = page.nextId();
          first = false;
        }
      }

      /**
       * A row read during a race: of a participant of the campaign that was created and committed (or whose
       * creation is under way), never of one whose creation rolled back, and never above what its started writes
       * may leave.
       */
      void checkRow(Camp camp, Board b, BoardEntry row) {
        int inFlight = creating.get();
        long id = row.participantId();
        assertFalse(rolledBack.contains(id), () -> "a participant whose creation rolled back is on " + b + ": " + row);
        Pub p = pubs.get(id);
        if (p == null) {
          assertTrue(inFlight > 0, () -> "a row of a participant nobody made on " + b + ": " + row);
          assertTrue(row.score() <= (b.metric == BoardMetric.ACTIONS ? 1 : 0),
              () -> "a creation in flight scores at most its first action: " + row);
          return;
        }
        assertEquals(camp, p.camp, () -> "a participant of another campaign on " + b + ": " + row);
        assertTrue(row.score() <= p.hi.get(b.metric.ordinal()), () -> "the score of " + row + " on " + b
            + " is above what its writes may leave: " + p.hi.get(b.metric.ordinal()));
        assertTrue(row.rank() >= 1, () -> "a rank below 1: " + row);
      }

      /** One page's rows: board order, and ranks that agree within the page. */
      void checkPage(Board b, List<BoardEntry> page, boolean first) {
        for (int i = 1; i < page.size(); i++) {
          BoardEntry prev = page.get(i - 1);
          BoardEntry row = page.get(i);
          assertTrue(prev.score() > row.score() || prev.score() == row.score()
              && prev.participantId() < row.participantId(), () -> "out of board order on " + b + ": " + page);
          if (prev.score() == row.score()) {
            assertEquals(prev.rank(), row.rank(), () -> "a tie with two ranks on " + b + ": " + page);
          } else {
            assertTrue(row.rank() > prev.rank(), () -> "ranks that do not grow on " + b + ": " + page);
          }
        }
        if (first && !page.isEmpty()) {
          assertEquals(1, page.get(0).rank(), () -> "the first row of " + b + ": " + page);
        }
      }
    }
  }

  /**
   * The storage under an instance's engine: counts the board scans of its transactions, and runs {@code afterWork}
   * at the end of every unit of work (its own or in a host transaction), before the commit. Thread-safe.
   */
  private record Instrumented(Storage delegate, AtomicInteger scans, Runnable afterWork) implements Storage {
    @Override
    public Set<StorageCapability> capabilities() {
      return delegate.capabilities();
    }

    @Override
    public <T> T inTransaction(TransactionWork<T> work) {
      return delegate.inTransaction(tx -> {
        T result = work.run(countingScans(tx, scans));
        afterWork.run();
        return result;
      });
    }

    @Override
    public void checkJoinable(HostTransaction host) {
      delegate.checkJoinable(host);
    }

    @Override
    public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
      return delegate.inHostTransaction(host, tx -> {
        T result = work.run(tx);
        afterWork.run();
        return result;
      });
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private static Transaction countingScans(Transaction tx, AtomicInteger scans) {
    LeaderboardPort port = tx.leaderboards();
    LeaderboardPort counted = InterceptingStorage.intercept(LeaderboardPort.class, port, (method, args, p) -> {
      if (method.getName().equals("scan")) {
        scans.incrementAndGet();
      }
      return InterceptingStorage.invoke(method, p, args);
    });
    return new ForwardingTransaction(tx) {
      @Override
      public LeaderboardPort leaderboards() {
        return counted;
      }
    };
  }

  private static void assertNotFound(org.junit.jupiter.api.function.Executable read, String what) {
    LoyaltyException e = assertThrows(LoyaltyException.class, read, what);
    assertEquals(ErrorCode.NOT_FOUND, e.code(), what);
  }
}
