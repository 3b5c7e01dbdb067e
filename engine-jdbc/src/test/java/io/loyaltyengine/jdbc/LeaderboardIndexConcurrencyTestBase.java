package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
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
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leaderboard index of one engine under concurrent writes and reads, against storage and against the threads'
 * own models: seeded, in the style of the test kit's model-based tests.
 *
 * <p>One engine, a clock that stands still (so no catch-up ever reads storage: everything the index knows after its
 * scans comes from this engine's own writes), one campaign in Pacific/Auckland, whose month is July while UTC's is
 * still June. Before the race a seeded population is made in June and in July (participants created or enrolled by
 * an action, actions toward a POINTS reward of 5 points every 3 actions and toward a message reward, awards, a few
 * deletions), so that the all-time, this month's and last month's boards differ. Then 4 to 8 threads each own a few
 * participant slots and run seeded operations on them: create, enrol by an action, actions, awards, deductions
 * (which leave the POINTS boards as they are), deletions, and INDEX reads ({@code rank}, {@code standing} and whole
 * boards page by page, limits 2 to 100) of the six boards (POINTS and ACTIONS; all time, this month, last month).
 *
 * <h2>Checked during the race</h2>
 * Every write publishes, before it starts, the highest scores it can leave, and after it returns the scores it left;
 * a deletion publishes that it started and that it returned; an enrolment in flight (its id not known yet) counts as
 * a possible new row scoring at most 1 action. A read between two snapshots of those must then show:
 * <ul>
 *   <li>right after each of its writes, the writing thread's participant as its model says: its score exactly, on
 *       an INDEX {@code rank}, {@code standing} or whole board, mostly of the metric the write moved; its rank as
 *       below (exact unless another thread's write in flight could change it); a deleted participant has no rank,
 *       no standing and no row. {@code Consistency.INDEX} shows this engine's own writes at once;</li>
 *   <li>every row of every page: a score between what its owner's returned writes left and what its started writes
 *       may leave (or 0 while its deletion is in flight: a board scanned after the deletion committed has no score
 *       for it, and the roster holds it until the deletion is applied); a rank between 1 + the participants sure to
 *       score more and 1 + those that may; no participant whose deletion returned before the read; rows in board
 *       order with ranks that agree within the page;</li>
 *   <li>a whole board walked page by page holds every participant whose row could not move during the walk.</li>
 * </ul>
 *
 * <h2>Checked once the threads have joined</h2>
 * Every board read whole at INDEX equals the same board read at STRONG and the sorted reference of the models
 * (score descending, then id ascending; rank 1 + the number of higher scores); every participant's {@code rank} on
 * every board and {@code standing} by both metrics at INDEX equal the reference; every deleted participant has no
 * rank.
 *
 * <p>One test builds the boards before the threads start, the other leaves them to the threads: several boards are
 * first read (and scanned) while writes are in flight. A seed replays the operations of every thread
 * ({@code -Dloyalty.seed=<seed>}), not how the threads interleave (nor so the ids, handed out in the order the
 * threads ask), so a failure seen once may need several runs of its seed.
 */
abstract class LeaderboardIndexConcurrencyTestBase {
  private static final ZoneId ZONE = ZoneId.of("Pacific/Auckland");
  /** In June in the campaign's zone: the population's first part is made then. */
  private static final Instant LAST_MONTH = Instant.parse("2025-06-10T10:00:00Z");
  /** 2 a.m. on 1 July in the campaign's zone, still June in UTC: the clock stands here from then on. */
  private static final Instant NOW = Instant.parse("2025-06-30T14:00:00Z");
  private static final int UNLOCK_EVERY = 3;
  private static final long REWARD_POINTS = 5;
  private static final int SLOTS = 4;
  /** How often a walk whose cursor was deleted under it starts again before it is left unfinished. */
  private static final int WALK_ATTEMPTS = 5;

  private StoreFixture fixture;
  private LoyaltyEngine engine;
  private SettableClock clock;

  abstract StoreFixture createFixture();

  /** How many operations each thread runs: a race of about a second on the store. */
  abstract int operationsPerThread();

  @BeforeEach
  void open() {
    fixture = createFixture();
    clock = SettableClock.at(LAST_MONTH);
    engine = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(1)
        .build();
  }

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  @Test
  void theIndexShowsEveryReturnedWriteAndEqualsStorageWithTheBoardsBuiltFirst() {
    Seeded.run(this, "boards built before the writes", seed -> new Race(seed).run(true));
  }

  @Test
  void theIndexShowsEveryReturnedWriteAndEqualsStorageWithTheBoardsFirstReadDuringTheWrites() {
    Seeded.run(this, "boards first read during the writes", seed -> new Race(seed).run(false));
  }

  /** One race with a seed of its own (a regression case), the boards built first or not. */
  void raceWithSeed(long seed, boolean buildFirst) throws Exception {
    System.out.println(getClass().getSimpleName() + " regression: seed " + seed);
    new Race(seed).run(buildFirst);
  }

  /** A participant as its owner (one thread, or the setup) knows it. Used by its owner only. */
  private static final class Person {
    final long id;
    final int slot;
    final boolean lastMonthMember;
    final long[] scores = new long[Board.values().length];
    long towardReward;
    long balance;

    Person(long id, int slot, boolean lastMonthMember) {
      this.id = id;
      this.slot = slot;
      this.lastMonthMember = lastMonthMember;
    }

    /** The scores after an action (toward the POINTS reward if {@code towardPoints}) in June or July. */
    long[] afterAction(boolean towardPoints, boolean july) {
      long[] next = scores.clone();
      add(next, BoardMetric.ACTIONS, 1, july);
      if (towardPoints && (towardReward + 1) % UNLOCK_EVERY == 0) {
        add(next, BoardMetric.POINTS, REWARD_POINTS, july);
      }
      return next;
    }

    void acted(boolean towardPoints, boolean july) {
      long[] next = afterAction(towardPoints, july);
      if (next[Board.POINTS_ALL_TIME.ordinal()] > scores[Board.POINTS_ALL_TIME.ordinal()]) {
        balance += REWARD_POINTS;
      }
      if (towardPoints) {
        towardReward++;
      }
      System.arraycopy(next, 0, scores, 0, next.length);
    }

    long[] afterAward(long points, boolean july) {
      long[] next = scores.clone();
      add(next, BoardMetric.POINTS, points, july);
      return next;
    }

    void awarded(long points, boolean july) {
      System.arraycopy(afterAward(points, july), 0, scores, 0, scores.length);
      balance += points;
    }

    long actions() {
      return scores[Board.ACTIONS_ALL_TIME.ordinal()];
    }

    boolean onBoard(Board b) {
      return b.period != BoardPeriod.PREV_MONTH || lastMonthMember;
    }

    private static void add(long[] scores, BoardMetric metric, long amount, boolean july) {
      scores[Board.of(metric, BoardPeriod.ALL_TIME).ordinal()] += amount;
      scores[Board.of(metric, july ? BoardPeriod.CURRENT_MONTH : BoardPeriod.PREV_MONTH).ordinal()] += amount;
    }

    @Override
    public String toString() {
      return "participant " + id + " (slot " + slot + (lastMonthMember ? ", since June" : ", since July") + ")";
    }
  }

  /**
   * What every thread may know of a participant's scores: at least {@link #lo} (left by its owner's writes that
   * returned) and at most {@link #hi} (the most its started writes may leave), and whether its deletion started or
   * returned. Thread-safe: written by the owner, read by all.
   */
  private static final class Published {
    final long id;
    final boolean lastMonthMember;
    final AtomicLongArray lo;
    final AtomicLongArray hi;
    volatile boolean deleting;
    volatile boolean deleted;

    Published(Person person) {
      this.id = person.id;
      this.lastMonthMember = person.lastMonthMember;
      this.lo = new AtomicLongArray(person.scores);
      this.hi = new AtomicLongArray(person.scores);
    }

    boolean onBoard(Board b) {
      return b.period != BoardPeriod.PREV_MONTH || lastMonthMember;
    }

    void starting(long[] next) {
      for (int b = 0; b < next.length; b++) {
        hi.accumulateAndGet(b, next[b], Math::max);
      }
    }

    void returned(long[] now) {
      for (int b = 0; b < now.length; b++) {
        lo.set(b, now[b]);
      }
    }
  }

  /**
   * One participant as a snapshot saw it: its scores (lo or hi) and whether it was gone (deleted or deleting).
   * Immutable once made (its array is never written).
   */
  private record Seen(long[] scores, boolean gone) {
  }

  /**
   * A snapshot of every {@link Published}, and the enrolments in flight when it was taken (for the one after a
   * read). Used by the thread that took it.
   */
  private record Snapshot(int pending, Map<Long, Seen> rows) {
  }

  /**
   * One seeded race on a fresh tenant of the engine. Set up and checked on the test's thread; during the race the
   * threads share only its concurrent map, counter and flag (and the engine).
   */
  private final class Race {
    final SplittableRandom random;
    final TenantScope shop;
    final long campaign;
    final long pointsReward;
    final long messageReward;
    final ConcurrentHashMap<Long, Published> pubs = new ConcurrentHashMap<>();
    final AtomicInteger pending = new AtomicInteger();
    final AtomicBoolean failed = new AtomicBoolean();
    /** The setup's participants that live on, by id; no thread writes them. */
    final Map<Long, Person> bystanders = new HashMap<>();
    final List<Long> deletedInSetup = new ArrayList<>();
    /** Bystanders made so far, for their emails. */
    int made;

    Race(long seed) {
      this.random = new SplittableRandom(seed);
      shop = engine.forTenant(engine.tenants().create(NewTenant.business("Index race")).id());
      campaign = shop.campaigns().create(NewCampaign.running(
          shop.brands().create(new NewBrand("Index race", "https://race.example.com")).id(), "Race")
          .withTimeZone(ZONE)).id();
      pointsReward = shop.rewards().define(campaign,
          NewCampaignReward.points("Every third action", REWARD_POINTS, UNLOCK_EVERY).unlimited()).id();
      messageReward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1_000)).id();
    }

    void run(boolean buildFirst) throws Exception {
      long began = System.nanoTime();
      int threads = 4 + random.nextInt(5);
      List<Worker> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(new Worker(t, random.split()));
      }
      // June: bystanders and some of the workers' participants, with activity; a few deleted.
      int bystanderCount = 30 + random.nextInt(31);
      populate(bystanderCount, false);
      for (Worker w : workers) {
        w.populate(false);
      }
      clock.set(NOW);
      // July, before the race: more of both.
      populate(bystanderCount / 3, true);
      for (Worker w : workers) {
        w.populate(true);
      }
      if (buildFirst) {
        for (Board b : Board.values()) {
          assertEquals(reference(workers).get(b), walkAll(b, Consistency.INDEX, 2 + random.nextInt(99)),
              () -> b + " built from storage before the race");
        }
      } else {
        // Odd threads start by reading a board nobody has read yet, while the even ones write.
        List<Board> cold = new ArrayList<>(List.of(Board.values()));
        for (int t = 1; t < threads; t += 2) {
          workers.get(t).firstRead = cold.remove(random.nextInt(cold.size()));
        }
      }
      System.out.println("  " + threads + " threads, " + pubs.size() + " participants before the race, boards "
          + (buildFirst ? "built first" : "first read during the writes") + "; set up in "
          + (System.nanoTime() - began) / 1_000_000 + " ms");
      long raced = System.nanoTime();

      Seeded.race(workers.stream().<Seeded.Racer>map(w -> w::run).toList());
      System.out.println("  the race took " + (System.nanoTime() - raced) / 1_000_000 + " ms");
      quiescent(workers);
    }

    /** Bystanders made in June or July before the race, with activity; about one in ten deleted. */
    private void populate(int count, boolean july) {
      for (int i = 0; i < count; i++) {
        Person p;
        if (!july || bystanders.isEmpty() || random.nextInt(3) == 0) {
          p = make(-1, "bystander" + made++ + "@example.com", july, random);
          bystanders.put(p.id, p);
        } else {
          List<Long> ids = new ArrayList<>(bystanders.keySet());
          ids.sort(null);
          p = bystanders.get(ids.get(random.nextInt(ids.size())));
        }
        activity(p, july, random);
        if (random.nextInt(10) == 0) {
          shop.participants().delete(ParticipantRef.id(p.id));
          bystanders.remove(p.id);
          deletedInSetup.add(p.id);
        }
      }
      for (Person p : bystanders.values()) {
        pubs.put(p.id, new Published(p));
      }
      for (long id : deletedInSetup) {
        Published gone = new Published(new Person(id, -1, false));
        gone.deleting = true;
        gone.deleted = true;
        pubs.put(id, gone);
      }
    }

    /** A participant made by the setup: created, or enrolled by an action. */
    Person make(int slot, String email, boolean july, SplittableRandom r) {
      if (r.nextBoolean()) {
        Participant created = shop.participants().create(campaign, NewParticipant.withEmail(email));
        return new Person(created.id(), slot, !july);
      }
      boolean towardPoints = r.nextInt(3) > 0;
      ActionResult result = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, email),
          towardPoints ? pointsReward : messageReward));
      assertTrue(result.participantCreated());
      Person p = new Person(result.participantId(), slot, !july);
      p.acted(towardPoints, july);
      return p;
    }

    /** Some actions and awards of a setup participant, in June or July. */
    void activity(Person p, boolean july, SplittableRandom r) {
      for (int a = r.nextInt(6); a > 0; a--) {
        boolean towardPoints = r.nextInt(3) > 0;
        shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id),
            towardPoints ? pointsReward : messageReward));
        p.acted(towardPoints, july);
      }
      for (int a = r.nextInt(3); a > 0; a--) {
        long points = 1 + r.nextInt(30);
        shop.points().award(ParticipantRef.id(p.id), PointsChange.of(points, "purchase"));
        p.awarded(points, july);
      }
    }

    // ------------------------------------------------------------------------------------------- snapshots

    Snapshot before() {
      Map<Long, Seen> rows = new HashMap<>();
      for (Published p : pubs.values()) {
        rows.put(p.id, new Seen(copy(p.lo), p.deleted));
      }
      return new Snapshot(0, rows);
    }

    Snapshot after() {
      // The enrolments in flight first: one that returns meanwhile is registered before it stops counting, so it
      // is seen either here or in the map read next.
      int inFlight = pending.get();
      Map<Long, Seen> rows = new HashMap<>();
      for (Published p : pubs.values()) {
        rows.put(p.id, new Seen(copy(p.hi), p.deleting));
      }
      return new Snapshot(inFlight, rows);
    }

    private long[] copy(AtomicLongArray a) {
      long[] c = new long[a.length()];
      for (int i = 0; i < c.length; i++) {
        c[i] = a.get(i);
      }
      return c;
    }

    /**
     * The lowest and highest rank a row of {@code id} scoring {@code score} may have on {@code b} in a read between
     * the snapshots: 1 + those sure to score more throughout (their returned writes say so and their deletion did
     * not start), and 1 + those that may (started writes, enrolments in flight).
     */
    long[] rankBounds(Board b, long id, long score, Snapshot before, Snapshot after) {
      long surely = 0;
      long maybe = 0;
      for (Map.Entry<Long, Seen> e : after.rows.entrySet()) {
        long other = e.getKey();
        if (other == id || !pubs.get(other).onBoard(b)) {
          continue;
        }
        Seen was = before.rows.get(other);
        if (was != null && was.gone) {
          continue; // its deletion returned before the read
        }
        if (was != null && !e.getValue().gone && was.scores[b.ordinal()] > score) {
          surely++;
        }
        if (e.getValue().scores[b.ordinal()] > score) {
          maybe++;
        }
      }
      if (b.metric == BoardMetric.ACTIONS && b.period != BoardPeriod.PREV_MONTH && score < 1) {
        maybe += after.pending; // an enrolment in flight may show with its first action
      }
      return new long[] {1 + surely, 1 + maybe};
    }

    /** A row read between the snapshots, of any participant: see the class description. */
    void checkRow(Board b, BoardEntry row, Snapshot before, Snapshot after) {
      long id = row.participantId();
      Seen now = after.rows.get(id);
      if (now == null) {
        assertTrue(after.pending > 0, () -> "a row of a participant nobody made: " + row);
        assertNotEquals(BoardPeriod.PREV_MONTH, b.period, () -> "a participant made in July on " + b + ": " + row);
        assertTrue(row.score() <= (b.metric == BoardMetric.ACTIONS ? 1 : 0),
            () -> "an enrolment in flight scores at most its first action: " + row);
      } else {
        Seen was = before.rows.get(id);
        assertFalse(was != null && was.gone, () -> "a participant deleted before the read is on " + b + ": " + row);
        assertTrue(pubs.get(id).onBoard(b), () -> "a participant made in July is on " + b + ": " + row);
        long lo = was == null ? 0 : was.scores[b.ordinal()];
        long hi = now.scores[b.ordinal()];
        // While its deletion is in flight a participant may also score 0: a board scanned after the deletion
        // committed has no score for it, and the roster holds it until the deletion is applied.
        assertTrue(lo <= row.score() && row.score() <= hi || now.gone && row.score() == 0,
            () -> "the score of " + row + " on " + b + " is outside [" + lo + ", " + hi + "]");
      }
      long[] rank = rankBounds(b, id, row.score(), before, after);
      assertTrue(rank[0] <= row.rank() && row.rank() <= rank[1],
          () -> "the rank of " + row + " on " + b + " is outside [" + rank[0] + ", " + rank[1] + "]"
              + (row.rank() < rank[0] ? "; sure to score more: " + surelyAbove(b, id, row.score(), before, after)
              : ""));
    }

    /** For a failure's message: those sure to score more than {@code score}, and their rows now (INDEX, STRONG). */
    String surelyAbove(Board b, long id, long score, Snapshot before, Snapshot after) {
      StringBuilder out = new StringBuilder();
      for (Map.Entry<Long, Seen> e : before.rows.entrySet()) {
        long other = e.getKey();
        if (other != id && pubs.get(other).onBoard(b) && !e.getValue().gone && !after.rows.get(other).gone
            && e.getValue().scores[b.ordinal()] > score) {
          out.append(other).append(" (at least ").append(e.getValue().scores[b.ordinal()]).append("; now ");
          for (Consistency c : Consistency.values()) {
            try {
              out.append(c).append(' ').append(shop.leaderboards().rank(campaign, other, b.period, b.metric, c)
                  .orElse(null)).append(' ');
            } catch (LoyaltyException gone) {
              out.append(c).append(' ').append(gone.code()).append(' ');
            }
          }
          out.append(") ");
        }
      }
      return out.toString();
    }

    /**
     * One page's rows: board order, and ranks that agree with each other (a page is read under one lock). A score's
     * rows may begin on an earlier page, unless this is the first.
     */
    void checkPage(Board b, List<BoardEntry> page, boolean first) {
      int groupStart = 0;
      for (int i = 1; i < page.size(); i++) {
        BoardEntry prev = page.get(i - 1);
        BoardEntry row = page.get(i);
        assertTrue(prev.score() > row.score() || prev.score() == row.score()
            && prev.participantId() < row.participantId(), () -> "out of board order on " + b + ": " + page);
        if (prev.score() == row.score()) {
          assertEquals(prev.rank(), row.rank(), () -> "a tie with two ranks on " + b + ": " + page);
        } else {
          long atLeast = prev.rank() + (i - groupStart);
          boolean wholeGroup = groupStart > 0 || first;
          assertTrue(wholeGroup ? row.rank() == atLeast : row.rank() >= atLeast,
              () -> "ranks that do not add up on " + b + ": " + page);
          groupStart = i;
        }
      }
    }

    /** A whole board read page by page with nothing else running. */
    List<BoardEntry> walkAll(Board b, Consistency consistency, int limit) {
      List<BoardEntry> all = new ArrayList<>();
      Long cursor = null;
      while (true) {
        CursorPage<BoardEntry> page = shop.leaderboards().page(request(b, limit).after(cursor).read(consistency));
        all.addAll(page.items());
        if (!page.hasMore()) {
          return all;
        }
        cursor = page.nextId();
      }
    }

    BoardRequest request(Board b, int limit) {
      return BoardRequest.of(campaign, b.period).by(b.metric).limit(limit);
    }

    /** The boards the models say, sorted and ranked as the API documents. */
    Map<Board, List<BoardEntry>> reference(List<Worker> workers) {
      List<Person> living = new ArrayList<>(bystanders.values());
      for (Worker w : workers) {
        for (Person p : w.slots) {
          if (p != null) {
            living.add(p);
          }
        }
      }
      Map<Board, List<BoardEntry>> boards = new HashMap<>();
      for (Board b : Board.values()) {
        List<long[]> rows = new ArrayList<>();
        for (Person p : living) {
          if (p.onBoard(b)) {
            rows.add(new long[] {p.id, p.scores[b.ordinal()]});
          }
        }
        boards.put(b, Board.ranked(rows));
      }
      return boards;
    }

    /** Everything read once the threads have joined. */
    void quiescent(List<Worker> workers) {
      Map<Board, List<BoardEntry>> expected = reference(workers);
      for (Published p : pubs.values()) {
        if (!p.deleted) {
          for (int b = 0; b < Board.values().length; b++) {
            assertEquals(p.hi.get(b), p.lo.get(b), "every write returned");
          }
        }
      }
      for (Board b : Board.values()) {
        int limit = 2 + random.nextInt(99);
        assertEquals(expected.get(b), walkAll(b, Consistency.INDEX, limit),
            () -> b + " read whole at INDEX (limit " + limit + ") after the race");
        assertEquals(expected.get(b), walkAll(b, Consistency.STRONG, 2 + random.nextInt(99)),
            () -> b + " read whole at STRONG after the race");
      }
      List<Long> deleted = new ArrayList<>(deletedInSetup);
      for (Worker w : workers) {
        deleted.addAll(w.deleted);
      }
      for (BoardEntry member : expected.get(Board.POINTS_ALL_TIME)) {
        long id = member.participantId();
        for (Board b : Board.values()) {
          Optional<BoardEntry> want = Optional.ofNullable(Board.entryOf(expected.get(b), id));
          assertEquals(want, shop.leaderboards().rank(campaign, id, b.period, b.metric, Consistency.INDEX),
              () -> "the INDEX rank of " + id + " on " + b + " after the race");
        }
        for (BoardMetric metric : BoardMetric.values()) {
          assertEquals(Board.standing(expected, id, metric), shop.leaderboards().standing(ParticipantRef.id(id), metric,
              Consistency.INDEX), () -> "the INDEX standing of " + id + " by " + metric + " after the race");
        }
      }
      for (long id : deleted) {
        assertNotFound(() -> shop.leaderboards().rank(campaign, id, BoardPeriod.ALL_TIME, BoardMetric.POINTS,
            Consistency.INDEX), "the INDEX rank of deleted participant " + id + " after the race");
      }
      System.out.println("  " + expected.get(Board.POINTS_ALL_TIME).size() + " participants after the race, "
          + deleted.size() + " deleted");
    }

    /** One thread of the race: its slots, its random operations, its model. Used by its own thread. */
    private final class Worker {
      final int index;
      final SplittableRandom random;
      final Person[] slots = new Person[SLOTS];
      final List<Long> deleted = new ArrayList<>();
      /** The board this thread reads first, when the boards are left to the threads. */
      Board firstRead;
      String op = "start";

      Worker(int index, SplittableRandom random) {
        this.index = index;
        this.random = random;
      }

      String email(int slot) {
        return "t" + index + "s" + slot + "@example.com";
      }

      /** Before the race: each empty slot filled with probability 1/2, with some activity. */
      void populate(boolean july) {
        for (int s = 0; s < SLOTS; s++) {
          if (slots[s] == null && random.nextBoolean()) {
            slots[s] = make(s, email(s), july, random);
          }
          if (slots[s] != null) {
            activity(slots[s], july, random);
            pubs.put(slots[s].id, new Published(slots[s]));
          }
        }
      }

      void run() {
        int step = 0;
        try {
          if (firstRead != null) {
            op = "first read of " + firstRead;
            walkAndCheck(firstRead, 2 + random.nextInt(99));
          }
          for (step = 1; step <= operationsPerThread() && !failed.get(); step++) {
            step();
          }
        } catch (AssertionError | RuntimeException e) {
          failed.set(true);
          throw new AssertionError("thread " + index + ", step " + step + ", " + op + ": " + e.getMessage(), e);
        }
      }

      void step() {
        int slot = random.nextInt(SLOTS);
        Person p = slots[slot];
        int dice = random.nextInt(100);
        if (dice < 30) {
          act(slot, random.nextInt(3) > 0);
        } else if (dice < 48) {
          if (p != null) {
            award(p, 1 + random.nextInt(25));
          } else {
            read();
          }
        } else if (dice < 56) {
          if (p != null && p.balance > 0) {
            deduct(p, 1 + random.nextInt((int) Math.min(p.balance, 40)));
          } else {
            read();
          }
        } else if (dice < 64) {
          if (p == null) {
            create(slot);
          } else {
            read();
          }
        } else if (dice < 69) {
          if (p != null) {
            delete(p);
          } else {
            read();
          }
        } else {
          read();
        }
      }

      void act(int slot, boolean towardPoints) {
        Person p = slots[slot];
        long reward = towardPoints ? pointsReward : messageReward;
        op = (p == null ? "enrol slot " + slot : "action of " + p) + (towardPoints ? " toward points" : "");
        ActionResult result;
        if (p == null) {
          pending.incrementAndGet();
          result = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, email(slot)), reward));
          assertTrue(result.participantCreated(), "enrolled");
          p = new Person(result.participantId(), slot, false);
          p.acted(towardPoints, true);
          slots[slot] = p;
          pubs.put(p.id, new Published(p));
          pending.decrementAndGet();
        } else {
          Published pub = pubs.get(p.id);
          pub.starting(p.afterAction(towardPoints, true));
          ParticipantRef ref = random.nextBoolean() ? ParticipantRef.id(p.id)
              : ParticipantRef.email(campaign, email(slot));
          result = shop.rewards().recordAction(LoyaltyAction.of(ref, reward));
          p.acted(towardPoints, true);
          pub.returned(p.scores);
        }
        assertEquals(p.id, result.participantId(), "the slot's participant");
        assertEquals(p.actions(), result.counts().allTime(), "the all-time action count");
        checkOwn(p, towardPoints && p.towardReward % UNLOCK_EVERY == 0 ? BoardMetric.POINTS : BoardMetric.ACTIONS);
      }

      void award(Person p, long points) {
        op = "award of " + points + " to " + p;
        Published pub = pubs.get(p.id);
        pub.starting(p.afterAward(points, true));
        shop.points().award(ParticipantRef.id(p.id), PointsChange.of(points, "purchase"));
        p.awarded(points, true);
        pub.returned(p.scores);
        checkOwn(p, BoardMetric.POINTS);
      }

      void deduct(Person p, long points) {
        op = "deduction of " + points + " from " + p;
        shop.points().deduct(ParticipantRef.id(p.id), PointsChange.of(points, "redemption"));
        p.balance -= points;
        checkOwn(p, BoardMetric.POINTS);
      }

      void create(int slot) {
        op = "creation of slot " + slot;
        pending.incrementAndGet();
        Participant created = shop.participants().create(campaign, NewParticipant.withEmail(email(slot)));
        Person p = new Person(created.id(), slot, false);
        slots[slot] = p;
        pubs.put(p.id, new Published(p));
        pending.decrementAndGet();
        op = "creation of " + p;
        checkOwn(p, null);
      }

      void delete(Person p) {
        op = "deletion of " + p;
        Published pub = pubs.get(p.id);
        pub.deleting = true;
        shop.participants().delete(ParticipantRef.id(p.id));
        pub.deleted = true;
        slots[p.slot] = null;
        deleted.add(p.id);
        checkDeleted(p.id);
      }

      /** A read not tied to a write: a whole board, or one of this thread's participants. */
      void read() {
        List<Person> mine = living();
        if (mine.isEmpty() || random.nextInt(5) < 3) {
          Board b = Board.values()[random.nextInt(Board.values().length)];
          op = "read of " + b;
          walkAndCheck(b, 2 + random.nextInt(99));
        } else {
          Person p = mine.get(random.nextInt(mine.size()));
          op = "read of " + p;
          checkOwn(p, null);
        }
      }

      List<Person> living() {
        List<Person> mine = new ArrayList<>();
        for (Person p : slots) {
          if (p != null) {
            mine.add(p);
          }
        }
        return mine;
      }

      /**
       * Right after a write of this thread to {@code p}: an INDEX read shows it (one of three kinds of read), mostly
       * of the metric the write {@code moved} (if any), this month or all time.
       */
      void checkOwn(Person p, BoardMetric moved) {
        int kind = random.nextInt(10);
        if (kind < 4) {
          Board b = pick(moved);
          Snapshot before = before();
          Optional<BoardEntry> row = shop.leaderboards().rank(campaign, p.id, b.period, b.metric,
              Consistency.INDEX);
          Snapshot after = after();
          if (!p.onBoard(b)) {
            assertEquals(Optional.empty(), row, () -> "the INDEX rank of " + p + " on " + b);
            return;
          }
          assertTrue(row.isPresent(), () -> "the INDEX rank of " + p + " on " + b);
          assertEquals(p.id, row.get().participantId());
          assertEquals(p.scores[b.ordinal()], row.get().score(), () -> "its own score on " + b + ": " + row.get());
          checkRow(b, row.get(), before, after);
        } else if (kind < 7) {
          BoardMetric metric = pick(moved).metric;
          Snapshot before = before();
          Standing s = shop.leaderboards().standing(ParticipantRef.id(p.id), metric, Consistency.INDEX);
          Snapshot after = after();
          assertEquals(p.id, s.participantId());
          Board all = Board.of(metric, BoardPeriod.ALL_TIME);
          Board month = Board.of(metric, BoardPeriod.CURRENT_MONTH);
          Board last = Board.of(metric, BoardPeriod.PREV_MONTH);
          assertEquals(p.scores[all.ordinal()], s.score(), () -> "its own " + all + " score: " + s);
          assertEquals(p.scores[month.ordinal()], s.monthScore(), () -> "its own " + month + " score: " + s);
          checkRow(all, new BoardEntry(p.id, s.score(), s.rank()), before, after);
          checkRow(month, new BoardEntry(p.id, s.monthScore(), s.monthlyRank()), before, after);
          if (p.lastMonthMember) {
            assertEquals(p.scores[last.ordinal()], s.previousMonthScore(), () -> "its own " + last + " score: " + s);
            assertNotNull(s.previousMonthRank(), () -> "its " + last + " rank: " + s);
            checkRow(last, new BoardEntry(p.id, s.previousMonthScore(), s.previousMonthRank()), before, after);
          } else {
            assertEquals(0, s.previousMonthScore(), () -> "made in July: " + s);
            assertNull(s.previousMonthRank(), () -> "made in July: " + s);
          }
        } else {
          walkAndCheck(pick(moved), 2 + random.nextInt(99));
        }
      }

      /** A board of {@code moved} this month or all time, four times in five; else (or if null) any board. */
      Board pick(BoardMetric moved) {
        if (moved != null && random.nextInt(5) > 0) {
          return Board.of(moved, random.nextBoolean() ? BoardPeriod.ALL_TIME : BoardPeriod.CURRENT_MONTH);
        }
        return Board.values()[random.nextInt(Board.values().length)];
      }

      /** Right after this thread deleted {@code id}: it has no INDEX rank, standing, or row. */
      void checkDeleted(long id) {
        int kind = random.nextInt(3);
        Board b = Board.values()[random.nextInt(Board.values().length)];
        if (kind == 0) {
          assertNotFound(() -> shop.leaderboards().rank(campaign, id, b.period, b.metric, Consistency.INDEX),
              "the INDEX rank on " + b + " of the participant just deleted");
        } else if (kind == 1) {
          assertNotFound(() -> shop.leaderboards().standing(ParticipantRef.id(id), b.metric, Consistency.INDEX),
              "the INDEX standing of the participant just deleted");
        } else {
          walkAndCheck(b, 2 + random.nextInt(99)); // its row would be of a participant deleted before the read
        }
      }

      /**
       * A whole board at INDEX, page by page, while the others write: every row checked, and every participant
       * whose row could not move during the walk found. A walk whose cursor was deleted under it (the only reason
       * a cursor is refused) starts again.
       */
      void walkAndCheck(Board b, int limit) {
        for (int attempt = 1; attempt <= WALK_ATTEMPTS; attempt++) {
          Snapshot before = before();
          List<List<BoardEntry>> pages = new ArrayList<>();
          Long cursor = null;
          boolean refused = false;
          while (true) {
            CursorPage<BoardEntry> page;
            try {
              page = shop.leaderboards().page(request(b, limit).after(cursor));
            } catch (LoyaltyException e) {
              Long refusedCursor = cursor;
              assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), () -> "reading " + b + ": " + e);
              assertEquals(Optional.of("nextId"), e.field(), () -> "reading " + b + ": " + e);
              assertTrue(refusedCursor != null && pubs.get(refusedCursor) != null
                  && pubs.get(refusedCursor).deleting, () -> "the cursor " + refusedCursor + " on " + b
                  + " was refused, but its participant was not being deleted");
              refused = true;
              break;
            }
            pages.add(page.items());
            if (!page.hasMore()) {
              break;
            }
            cursor = page.nextId();
          }
          Snapshot after = after();
          Set<Long> seen = new HashSet<>();
          for (List<BoardEntry> page : pages) {
            checkPage(b, page, page == pages.get(0));
            for (BoardEntry row : page) {
              checkRow(b, row, before, after);
              seen.add(row.participantId());
            }
          }
          if (refused) {
            continue;
          }
          for (Map.Entry<Long, Seen> e : before.rows.entrySet()) {
            long id = e.getKey();
            Seen now = after.rows.get(id);
            boolean steady = !e.getValue().gone && !now.gone && pubs.get(id).onBoard(b)
                && e.getValue().scores[b.ordinal()] == now.scores[b.ordinal()];
            if (steady && !seen.contains(id)) {
              fail("participant " + id + " (" + e.getValue().scores[b.ordinal()] + ", its row could not move)"
                  + " is missing from " + b + " read whole with limit " + limit);
            }
          }
          for (Person p : living()) {
            if (p.onBoard(b)) {
              assertTrue(seen.contains(p.id), () -> "this thread's " + p + " is missing from " + b);
            }
          }
          return;
        }
      }
    }
  }

  private static void assertNotFound(org.junit.jupiter.api.function.Executable read, String what) {
    LoyaltyException e = assertThrows(LoyaltyException.class, read, what);
    assertEquals(ErrorCode.NOT_FOUND, e.code(), what);
  }
}
