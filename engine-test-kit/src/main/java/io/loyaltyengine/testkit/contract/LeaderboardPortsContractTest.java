package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.PointsIncrement;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.participant.Participant;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The leaderboard port's contract suite: {@code LeaderboardPort} held to its javadoc below the engine, on every
 * storage backend. Boards in board order (score descending, participant id ascending) walked page by page with the
 * keyset of the last row, ties included; members without a counter scoring 0; the creation cutoff exclusive; ACTIONS
 * read from the action counters of campaign reward 0 (made with {@code ActionPort.increment}) and POINTS from the
 * counters {@code addPoints} keeps, each of its month (0 all time); a scan that reports every member once; the catch-up
 * reads ({@code changedSince}, {@code createdSince}, {@code removedSince}) with an inclusive lower bound, only the
 * months asked, per campaign, cut at the limit; counters stamped with the time their change is given, and no counter's
 * time moved back; scores read at once as one by one; a removal recorded once, taking the participant's points
 * counters (which the javadoc leaves implicit: otherwise a deleted participant's counters would come back through
 * {@code changedSince});
 * winners inserted if absent; tenant isolation of every read; the undo of every write. Under contention, from threads
 * on two storages sharing the database: one winner among concurrent inserts of a month's winners, a second insert
 * that waits for an uncommitted first one, and concurrent {@code addPoints} that all count.
 *
 * <p>A backend runs it with an (almost) empty subclass that supplies a fresh database per test and shows where a
 * unit of work waits for a lock:
 *
 * <pre>{@code
 * class InMemoryLeaderboardPortsTest extends LeaderboardPortsContractTest {
 *   @Override
 *   protected StoreFixture createFixture() {
 *     return new InMemoryStoreFixture();
 *   }
 *
 *   @Override
 *   protected void awaitBlockedOnALock(Thread waiter) {
 *     InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
 *   }
 * }
 * }</pre>
 *
 * <p>Every instant the tests write has microsecond precision, the SPI's. Counters and removal rows name existing
 * campaigns; their participant ids are free, as those of the SPI's other per-participant counters are. Tests of an
 * ability the backend lacks ({@link StorageCapability#SHARED_DATABASE}, as the fixture declares) are skipped with
 * the reason, never reported as passed. Test methods are package-private so that a subclass cannot override one
 * away; each name states the rule it checks. No test depends on ids or on the order tests run in; none sleeps.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class LeaderboardPortsContractTest extends PortsContractSupport {
  /** Microseconds, the SPI's precision. */
  private static final Instant T0 = Instant.parse("2025-03-14T10:00:00.123456Z");
  private static final Instant T1 = T0.plusSeconds(60);
  private static final Instant T2 = T0.plusSeconds(120);
  private static final Instant T3 = T0.plusSeconds(180);
  private static final Duration MICRO = Duration.ofNanos(1_000);
  private static final int ALL_TIME = 0;
  private static final int MARCH = 202503;
  private static final int FEBRUARY = 202502;
  private static final BoardMetric ACTIONS = BoardMetric.ACTIONS;
  private static final BoardMetric POINTS = BoardMetric.POINTS;
  /** A campaign reward other than 0: its counters count toward one reward, not toward the boards. */
  private static final long REWARD = 77;

  /** For subclasses. */
  protected LeaderboardPortsContractTest() {
  }

  // ---------------------------------------------------------------- board order and pages

  @Test
  void pagesWalkTheBoardInScoreThenIdOrderWithKeysetsThroughTies() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 9, T0);
    // Ties at 50 and at 70; p3 and p7 have no counter, p8 a counter at 0.
    long[] points = {50, 70, 50, -1, 70, 10, 50, -1, 0};
    long[] actions = {3, 5, 3, -1, 5, 1, 3, -1, 0};
    run(tx -> {
      for (int i = 0; i < p.size(); i++) {
        if (points[i] >= 0) {
          tx.leaderboards().addPoints(t, c, p.get(i), MARCH, points[i], T1);
        }
        for (int n = 0; n < actions[i]; n++) {
          tx.actions().increment(t, c, p.get(i), 0, MARCH, T0);
        }
      }
    });
    Map<Long, Long> pointScores = new HashMap<>();
    Map<Long, Long> actionScores = new HashMap<>();
    for (int i = 0; i < p.size(); i++) {
      pointScores.put(p.get(i), Math.max(points[i], 0));
      actionScores.put(p.get(i), Math.max(actions[i], 0));
    }
    assertPagesWalk(t, c, POINTS, MARCH, null, board(pointScores, T0));
    assertPagesWalk(t, c, ACTIONS, MARCH, null, board(actionScores, T0));

    // The keyset is a position in board order, not a member: it need not be a row of the board.
    assertEquals(List.of(p.get(0), p.get(2), p.get(6), p.get(5)),
        ids(page(t, c, POINTS, MARCH, null, 60L, Long.MAX_VALUE, 4)), "after (60, max): the 50s, then 10");
    assertEquals(List.of(p.get(2), p.get(6), p.get(5)), ids(page(t, c, POINTS, MARCH, null, 50L, p.get(0), 3)),
        "inside a tie: the rest of it by id");
    assertEquals(List.of(p.get(0), p.get(2), p.get(6)), ids(page(t, c, POINTS, MARCH, null, 70L, p.get(4), 3)),
        "after the last of a tie: the next score");
    assertEquals(List.of(p.get(7), p.get(8)), ids(page(t, c, POINTS, MARCH, null, 0L, p.get(3), 10)),
        "the zeros, with or without a counter, by id");
    assertEquals(List.of(), page(t, c, POINTS, MARCH, null, 0L, p.get(8), 10), "after the last row");
    assertEquals(List.of(), page(t, c, POINTS, MARCH, null, -1L, 0L, 10), "below every score");
    assertEquals(9, page(t, c, POINTS, MARCH, null, Long.MAX_VALUE, 0L, 100).size(), "above every score");
    assertEquals(List.of(), page(t, c, POINTS, ALL_TIME, null, null, null, 100).stream()
        .filter(s -> s.score() != 0).toList(), "the March counters are not the all-time board's");
  }

  @Test
  void actionBoardsReadTheCountersOfCampaignRewardZeroOfTheirMonth() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 3, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    long cat = p.get(2);
    long dan = participants(other, 1, T0).get(0);
    run(tx -> {
      increment(tx, t, c, ann, 0, ALL_TIME, 3);
      increment(tx, t, c, ann, 0, MARCH, 2);
      increment(tx, t, c, ann, 0, FEBRUARY, 1);
      increment(tx, t, c, ann, REWARD, ALL_TIME, 5);
      increment(tx, t, c, ann, REWARD, MARCH, 5);
      increment(tx, t, c, bob, REWARD, ALL_TIME, 4);
      increment(tx, t, other.id(), dan, 0, ALL_TIME, 9);
    });
    assertEquals(List.of(score(ann, 3), score(bob, 0), score(cat, 0)), page(t, c, ACTIONS, ALL_TIME, null, null,
        null, 10), "all time: reward 0 only; another reward's counter is not the board's");
    assertEquals(List.of(score(ann, 2), score(bob, 0), score(cat, 0)), page(t, c, ACTIONS, MARCH, null, null,
        null, 10));
    assertEquals(List.of(score(ann, 1), score(bob, 0), score(cat, 0)), page(t, c, ACTIONS, FEBRUARY, null, null,
        null, 10));
    assertEquals(List.of(score(ann, 0), score(bob, 0), score(cat, 0)), page(t, c, ACTIONS, 202501, null, null,
        null, 10), "a month without counters: everyone at 0");
    assertEquals(List.of(score(ann, 0), score(bob, 0), score(cat, 0)), page(t, c, POINTS, ALL_TIME, null, null,
        null, 10), "action counters are not points");
    assertEquals(List.of(new BoardScore(dan, 9, T0)), page(t, other.id(), ACTIONS, ALL_TIME, null, null, null, 10),
        "another campaign's board has its own members");

    assertEquals(Optional.of(score(ann, 3)), score(t, ann, ACTIONS, ALL_TIME));
    assertEquals(Optional.of(score(ann, 2)), score(t, ann, ACTIONS, MARCH));
    assertEquals(Optional.of(score(bob, 0)), score(t, bob, ACTIONS, ALL_TIME), "only another reward's counter");
    assertEquals(Optional.of(score(ann, 0)), score(t, ann, POINTS, MARCH));
    run(tx -> increment(tx, t, c, cat, 0, MARCH, 4));
    assertEquals(List.of(score(cat, 4), score(ann, 2), score(bob, 0)), page(t, c, ACTIONS, MARCH, null, null,
        null, 10), "read as of the read");
  }

  @Test
  void pointsBoardsReadTheCountersAddPointsKeepsPerMonth() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 3, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    long cat = p.get(2);
    run(tx -> {
      LeaderboardPort l = tx.leaderboards();
      l.addPoints(t, c, ann, ALL_TIME, 40, T1);
      l.addPoints(t, c, ann, MARCH, 40, T1);
      l.addPoints(t, c, ann, ALL_TIME, 2, T2);
      l.addPoints(t, c, ann, MARCH, 2, T2);
      l.addPoints(t, c, bob, FEBRUARY, 100, T1);
      l.addPoints(t, c, bob, ALL_TIME, 100, T1);
      l.addPoints(t, c, cat, MARCH, 0, T1);
    });
    run(tx -> tx.leaderboards().addPoints(t, c, bob, ALL_TIME, 1, T3));
    assertEquals(List.of(score(bob, 101), score(ann, 42), score(cat, 0)),
        page(t, c, POINTS, ALL_TIME, null, null, null, 10), "added up, across units of work");
    assertEquals(List.of(new ScoreChange(bob, POINTS, ALL_TIME, 101, T3)),
        changedSince(t, c, List.of(ALL_TIME), T3, 10), "the time of the last change");
    assertEquals(List.of(score(ann, 42), score(bob, 0), score(cat, 0)),
        page(t, c, POINTS, MARCH, null, null, null, 10));
    assertEquals(List.of(score(bob, 100), score(ann, 0), score(cat, 0)),
        page(t, c, POINTS, FEBRUARY, null, null, null, 10));
    assertEquals(List.of(score(ann, 0), score(bob, 0), score(cat, 0)),
        page(t, c, ACTIONS, ALL_TIME, null, null, null, 10), "points are not actions");
    assertEquals(Optional.of(score(bob, 101)), score(t, bob, POINTS, ALL_TIME));
    assertEquals(Optional.of(score(cat, 0)), score(t, cat, POINTS, MARCH), "a counter created at 0");
    assertEquals(Optional.of(score(cat, 0)), score(t, cat, POINTS, ALL_TIME), "no counter");
    // The time of a counter's change never moves back, so catching up from a time never misses a later change.
    run(tx -> tx.leaderboards().addPoints(t, c, bob, ALL_TIME, 1, T1));
    assertEquals(List.of(new ScoreChange(bob, POINTS, ALL_TIME, 102, T3)),
        changedSince(t, c, List.of(ALL_TIME), T3, 10), "added to, still changed at T3");
    long big = Long.MAX_VALUE / 2;
    run(tx -> tx.leaderboards().addPoints(t, c, cat, ALL_TIME, big, T3));
    assertEquals(Optional.of(score(cat, big)), score(t, cat, POINTS, ALL_TIME), "a 64-bit counter");
  }

  /**
   * {@code addPointsAll} adds as {@code addPoints} called once per increment would: a counter named twice gets both
   * additions (a store that writes many counters in one statement may only do so when each is named once), new
   * counters are created, existing ones added to, and the time of a change never moves back.
   */
  @Test
  void addPointsAllAddsEveryIncrementAsAddPointsWouldNamedOnceOrTwice() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 3, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    long cat = p.get(2);
    run(tx -> tx.leaderboards().addPoints(t, c, ann, ALL_TIME, 10, T2));
    run(tx -> tx.leaderboards().addPointsAll(List.of(
        new PointsIncrement(t, c, ann, ALL_TIME, 5, T1),
        new PointsIncrement(t, c, bob, ALL_TIME, 7, T3),
        new PointsIncrement(t, c, bob, MARCH, 3, T1),
        new PointsIncrement(t, c, cat, MARCH, 0, T1))));
    assertEquals(List.of(score(ann, 15), score(bob, 7), score(cat, 0)),
        page(t, c, POINTS, ALL_TIME, null, null, null, 10), "each named once: created or added to");
    assertEquals(List.of(score(bob, 3), score(ann, 0), score(cat, 0)),
        page(t, c, POINTS, MARCH, null, null, null, 10));
    assertEquals(List.of(new ScoreChange(ann, POINTS, ALL_TIME, 15, T2), new ScoreChange(bob, POINTS, ALL_TIME, 7, T3)),
        changedSince(t, c, List.of(ALL_TIME), T2, 10), "an earlier time does not move a change back");

    run(tx -> tx.leaderboards().addPointsAll(List.of(
        new PointsIncrement(t, c, cat, MARCH, 4, T1),
        new PointsIncrement(t, c, ann, MARCH, 1, T1),
        new PointsIncrement(t, c, cat, MARCH, 6, T3))));
    assertEquals(List.of(score(cat, 10), score(bob, 3), score(ann, 1)),
        page(t, c, POINTS, MARCH, null, null, null, 10), "a counter named twice gets both");
    assertEquals(List.of(new ScoreChange(cat, POINTS, MARCH, 10, T3)),
        changedSince(t, c, List.of(MARCH), T3, 10), "at the latest time");
  }

  @Test
  void membersAreTheParticipantsCreatedStrictlyBeforeTheCutoff() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long early = participants(campaign, 1, T1.minus(MICRO)).get(0);
    long exact = participants(campaign, 1, T1).get(0);
    long late = participants(campaign, 1, T1.plus(MICRO)).get(0);
    run(tx -> {
      tx.leaderboards().addPoints(t, c, early, ALL_TIME, 1, T2);
      tx.leaderboards().addPoints(t, c, exact, ALL_TIME, 3, T2);
      tx.leaderboards().addPoints(t, c, late, ALL_TIME, 2, T2);
      increment(tx, t, c, late, 0, ALL_TIME, 1);
    });
    BoardScore e = new BoardScore(early, 1, T1.minus(MICRO));
    BoardScore x = new BoardScore(exact, 3, T1);
    BoardScore l = new BoardScore(late, 2, T1.plus(MICRO));
    assertEquals(List.of(e), page(t, c, POINTS, ALL_TIME, T1, null, null, 10), "created at the cutoff is out");
    assertEquals(List.of(x, e), page(t, c, POINTS, ALL_TIME, T1.plus(MICRO), null, null, 10));
    assertEquals(List.of(x, l, e), page(t, c, POINTS, ALL_TIME, null, null, null, 10), "no cutoff");
    assertEquals(List.of(), page(t, c, POINTS, ALL_TIME, T1.minus(MICRO), null, null, 10));
    assertEquals(List.of(), page(t, c, POINTS, ALL_TIME, T1, 1L, early, 10), "after the only member");
    assertEquals(Set.of(e), scanSet(t, c, POINTS, ALL_TIME, T1));
    assertEquals(Set.of(x, l, e), scanSet(t, c, POINTS, ALL_TIME, null));
    assertEquals(1, countAbove(t, c, POINTS, ALL_TIME, T1, 0), "the early one only");
    assertEquals(0, countAbove(t, c, POINTS, ALL_TIME, T1, 1), "the one created at the cutoff is not counted");
    assertEquals(1, countAbove(t, c, POINTS, ALL_TIME, T1.plus(MICRO), 1), "the late one is not a member");
    assertEquals(2, countAbove(t, c, POINTS, ALL_TIME, null, 1));
    assertEquals(List.of(new BoardScore(early, 0, T1.minus(MICRO))),
        page(t, c, ACTIONS, ALL_TIME, T1, null, null, 10), "the late one's action counter is not on the board");
  }

  @Test
  void countAboveCountsMembersWithAStrictlyHigherScoreZerosIncluded() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 5, T0);
    participants(campaign(t), 3, T0);
    run(tx -> {
      increment(tx, t, c, p.get(0), 0, MARCH, 5);
      increment(tx, t, c, p.get(1), 0, MARCH, 3);
      increment(tx, t, c, p.get(2), 0, MARCH, 3);
      increment(tx, t, c, p.get(3), REWARD, MARCH, 9);
      tx.leaderboards().addPoints(t, c, p.get(4), MARCH, 9, T1);
    });
    long[][] expected = {{6, 0}, {5, 0}, {4, 1}, {3, 1}, {2, 3}, {0, 3}, {-1, 5}, {Long.MIN_VALUE, 5}};
    for (long[] row : expected) {
      assertEquals(row[1], countAbove(t, c, ACTIONS, MARCH, null, row[0]), "ACTIONS above " + row[0]);
    }
    assertEquals(1, countAbove(t, c, POINTS, MARCH, null, 0));
    assertEquals(5, countAbove(t, c, POINTS, ALL_TIME, null, -1), "every member, none with a counter");
    assertEquals(0, countAbove(t, c, ACTIONS, ALL_TIME, null, 0));
    // The SQL rank: 1 + the members above a member's score.
    List<BoardScore> board = page(t, c, ACTIONS, MARCH, null, null, null, 10);
    List<Long> ranks = new ArrayList<>();
    for (BoardScore s : board) {
      ranks.add(1 + countAbove(t, c, ACTIONS, MARCH, null, s.score()));
    }
    assertEquals(List.of(1L, 2L, 2L, 4L, 4L), ranks, "equal scores share a rank");
  }

  @Test
  void aScoreIsTheParticipantsCounterOrZeroAndEmptyOutsideTheTenant() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = participants(campaign, 1, T1).get(0);
    long otherTenant = tenant(T0);
    assertEquals(Optional.of(new BoardScore(ann, 0, T1)), score(t, ann, ACTIONS, ALL_TIME), "0 without a counter");
    assertEquals(Optional.of(new BoardScore(ann, 0, T1)), score(t, ann, POINTS, MARCH));
    run(tx -> {
      increment(tx, t, c, ann, 0, MARCH, 2);
      tx.leaderboards().addPoints(t, c, ann, MARCH, 7, T2);
    });
    assertEquals(Optional.of(new BoardScore(ann, 2, T1)), score(t, ann, ACTIONS, MARCH));
    assertEquals(Optional.of(new BoardScore(ann, 7, T1)), score(t, ann, POINTS, MARCH));
    assertEquals(Optional.of(new BoardScore(ann, 0, T1)), score(t, ann, ACTIONS, ALL_TIME));
    assertEquals(Optional.empty(), score(otherTenant, ann, ACTIONS, MARCH), "another tenant's participant");
    assertEquals(Optional.empty(), score(otherTenant, ann, POINTS, MARCH));
    assertEquals(Optional.empty(), score(t, nextId(), ACTIONS, ALL_TIME), "no such participant");
  }

  @Test
  void scoresAreEachNamedParticipantsCounterOrZeroOnceAndNoneOutsideTheTenant() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> ids = participants(campaign, 3, T1);
    long ann = ids.get(0);
    long bob = ids.get(1);
    long cy = ids.get(2);
    long dee = participants(other, 1, T2).get(0);
    long otherTenant = tenant(T0);
    run(tx -> {
      increment(tx, t, c, ann, 0, MARCH, 2);
      tx.leaderboards().addPoints(t, c, ann, MARCH, 7, T2);
      tx.leaderboards().addPoints(t, c, bob, MARCH, 5, T2);
      tx.leaderboards().addPoints(t, c, bob, ALL_TIME, 9, T2);
      tx.leaderboards().addPoints(t, other.id(), dee, MARCH, 4, T2);
    });
    assertEquals(Set.of(new BoardScore(ann, 7, T1), new BoardScore(bob, 5, T1), new BoardScore(cy, 0, T1),
        new BoardScore(dee, 4, T2)), scores(t, List.of(cy, bob, ann, bob, nextId(), dee), POINTS, MARCH),
        "each once, 0 without a counter, any campaign of the tenant, no such participant left out");
    assertEquals(Set.of(new BoardScore(ann, 2, T1), new BoardScore(bob, 0, T1)),
        scores(t, List.of(ann, bob), ACTIONS, MARCH));
    assertEquals(Set.of(new BoardScore(ann, 0, T1), new BoardScore(bob, 9, T1)),
        scores(t, List.of(ann, bob), POINTS, ALL_TIME), "the month asked only");
    assertEquals(Set.of(), scores(t, List.of(), POINTS, MARCH));
    assertEquals(Set.of(), scores(otherTenant, List.of(ann, bob, cy, dee), POINTS, MARCH),
        "another tenant, same participant ids");
  }

  @Test
  void aDeletedParticipantLeavesItsCampaignsBoards() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 2, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    run(tx -> {
      increment(tx, t, c, ann, 0, ALL_TIME, 3);
      tx.leaderboards().addPoints(t, c, ann, ALL_TIME, 30, T1);
      increment(tx, t, c, bob, 0, ALL_TIME, 1);
    });
    run(tx -> {
      tx.actions().deleteAll(t, ann);
      tx.ledger().deleteAll(t, ann);
      assertTrue(tx.participants().delete(t, ann));
      tx.leaderboards().recordRemoval(t, c, ann, T2);
    });
    assertEquals(List.of(score(bob, 1)), page(t, c, ACTIONS, ALL_TIME, null, null, null, 10));
    assertEquals(List.of(score(bob, 0)), page(t, c, POINTS, ALL_TIME, null, null, null, 10),
        "points counters of a deleted participant do not make it a member");
    assertEquals(0, countAbove(t, c, POINTS, ALL_TIME, null, 0));
    assertEquals(Set.of(score(bob, 0)), scanSet(t, c, POINTS, ALL_TIME, null));
    assertEquals(Optional.empty(), score(t, ann, POINTS, ALL_TIME));
    assertEquals(List.of(bob), createdSince(t, c, T0, 10).stream().map(BoardScore::participantId).toList());
    assertEquals(List.of(ann), removedSince(t, c, T2, 10));
    assertEquals(Set.of(bob), changedSince(t, c, List.of(ALL_TIME), Instant.EPOCH, 100).stream()
        .map(ScoreChange::participantId).collect(Collectors.toSet()),
        "the removal took the points counters (and ActionPort.deleteAll the action counters): no change of ann "
            + "brings her back into another instance's index");
    run(tx -> tx.leaderboards().recordRemoval(t, c, ann, T3));
    assertEquals(List.of(ann), removedSince(t, c, T2, 10), "a removal is recorded once, at its first time");
    assertEquals(List.of(), removedSince(t, c, T2.plus(MICRO), 10));
  }

  @Test
  void aScanReportsEveryMemberExactlyOnceWithItsScoreAndCreationTime() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    assertEquals(Set.of(), scanSet(t, c, POINTS, ALL_TIME, null), "an empty board");
    int n = 150;
    List<Participant> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      members.add(participant(campaign, T0.plus(MICRO.multipliedBy(i % 11))));
    }
    run(tx -> {
      for (Participant m : members) {
        tx.participants().insert(m);
      }
      for (int i = 0; i < n; i++) {
        if (i % 5 != 0) {
          tx.leaderboards().addPoints(t, c, members.get(i).id(), MARCH, i % 7, T1);
        }
        if (i % 3 == 0) {
          tx.actions().increment(t, c, members.get(i).id(), 0, MARCH, T0);
        }
      }
    });
    participants(campaign(t), 2, T0);
    Map<Long, BoardScore> points = new HashMap<>();
    Map<Long, BoardScore> actions = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Participant m = members.get(i);
      points.put(m.id(), new BoardScore(m.id(), i % 5 != 0 ? i % 7 : 0, m.createdAt()));
      actions.put(m.id(), new BoardScore(m.id(), i % 3 == 0 ? 1 : 0, m.createdAt()));
    }
    assertEquals(points, scanMap(t, c, POINTS, MARCH, null));
    assertEquals(actions, scanMap(t, c, ACTIONS, MARCH, null));
    Instant cutoff = T0.plus(MICRO.multipliedBy(5));
    assertEquals(points.values().stream().filter(s -> s.createdAt().isBefore(cutoff)).collect(Collectors.toSet()),
        scanSet(t, c, POINTS, MARCH, cutoff));
    List<BoardScore> ordered = new ArrayList<>(points.values());
    ordered.sort(Comparator.comparingLong(BoardScore::score).reversed().thenComparingLong(BoardScore::participantId));
    assertEquals(ordered, page(t, c, POINTS, MARCH, null, null, null, n + 1), "one page holds the whole board");
    assertPagesWalk(t, c, POINTS, MARCH, null, ordered, 37);
  }

  // ---------------------------------------------------------------- catching up

  @Test
  void pointsChangesAreListedSinceAnInclusiveTimeForTheMonthsAskedPerCampaign() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 2, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    long eve = participants(other, 1, T0).get(0);
    assertEquals(List.of(), changedSince(t, c, List.of(ALL_TIME, MARCH), Instant.EPOCH, 100), "nothing yet");
    run(tx -> {
      LeaderboardPort l = tx.leaderboards();
      l.addPoints(t, c, ann, MARCH, 10, T1);
      l.addPoints(t, c, ann, ALL_TIME, 10, T1);
      l.addPoints(t, c, bob, FEBRUARY, 4, T0);
      l.addPoints(t, other.id(), eve, MARCH, 7, T2);
    });
    run(tx -> {
      tx.leaderboards().addPoints(t, c, bob, MARCH, 5, T2);
      tx.leaderboards().addPoints(t, c, ann, MARCH, 1, T3);
    });
    ScoreChange annMarch = new ScoreChange(ann, POINTS, MARCH, 11, T3);
    ScoreChange annAllTime = new ScoreChange(ann, POINTS, ALL_TIME, 10, T1);
    ScoreChange bobMarch = new ScoreChange(bob, POINTS, MARCH, 5, T2);
    ScoreChange bobFebruary = new ScoreChange(bob, POINTS, FEBRUARY, 4, T0);
    assertEquals(Set.of(annMarch, bobMarch), changedSinceSet(t, c, List.of(MARCH), T2),
        "the value and time of the last change; T2 itself included");
    assertEquals(Set.of(annMarch), changedSinceSet(t, c, List.of(MARCH), T2.plus(MICRO)));
    assertEquals(Set.of(annMarch, annAllTime, bobMarch), changedSinceSet(t, c, List.of(MARCH, ALL_TIME), T1));
    assertEquals(Set.of(annAllTime), changedSinceSet(t, c, List.of(ALL_TIME), T1), "only the months asked");
    assertEquals(Set.of(annMarch, annAllTime, bobMarch, bobFebruary),
        changedSinceSet(t, c, List.of(FEBRUARY, MARCH, ALL_TIME), T0));
    assertEquals(Set.of(), changedSinceSet(t, c, List.of(202501), T0), "a month without counters");
    assertEquals(Set.of(), changedSinceSet(t, c, List.of(MARCH, ALL_TIME), T3.plus(MICRO)));
    assertEquals(Set.of(new ScoreChange(eve, POINTS, MARCH, 7, T2)),
        changedSinceSet(t, other.id(), List.of(MARCH, ALL_TIME), T0), "another campaign's counters");

    Set<ScoreChange> all = changedSinceSet(t, c, List.of(FEBRUARY, MARCH, ALL_TIME), T0);
    for (int limit = 1; limit <= all.size(); limit++) {
      List<ScoreChange> cut = changedSince(t, c, List.of(FEBRUARY, MARCH, ALL_TIME), T0, limit);
      assertEquals(limit, cut.size(), "at most the limit, and that many when there are more");
      assertTrue(all.containsAll(cut), "each a change of the campaign: " + cut);
      assertEquals(limit, new HashSet<>(cut).size(), "no change twice: " + cut);
      Instant lastTaken = cut.get(limit - 1).changedAt();
      assertEquals(cut.stream().map(ScoreChange::changedAt).sorted().toList(),
          cut.stream().map(ScoreChange::changedAt).toList(), "oldest first: " + cut);
      assertTrue(all.stream().filter(x -> !cut.contains(x)).noneMatch(x -> x.changedAt().isBefore(lastTaken)),
          "the oldest changes, so a reader continues from the last time it saw: " + cut);
    }
  }

  /**
   * A page cut by the limit holds the oldest changes of both kinds together, however they are spread between the
   * action and the points counters: all of one kind older than the other's, interleaved, and ties at the cut. A store
   * may read each kind up to the limit before it merges them (H2 since V26); what it answers is the same.
   */
  @Test
  void aPageOfChangesCutByTheLimitHoldsTheOldestOfBothKindsHoweverTheyAreSpread() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 6, T0);
    run(tx -> {
      // Actions: p0, p1 at T0, p2 at T1, p3 at T3; points: p0 at T1, p4 and p5 at T2, p1 at T3.
      increment(tx, t, c, p.get(0), 0, MARCH, 1, T0);
      increment(tx, t, c, p.get(1), 0, MARCH, 1, T0);
      increment(tx, t, c, p.get(2), 0, MARCH, 1, T1);
      increment(tx, t, c, p.get(3), 0, MARCH, 1, T3);
      tx.leaderboards().addPoints(t, c, p.get(0), MARCH, 1, T1);
      tx.leaderboards().addPoints(t, c, p.get(4), MARCH, 1, T2);
      tx.leaderboards().addPoints(t, c, p.get(5), MARCH, 1, T2);
      tx.leaderboards().addPoints(t, c, p.get(1), MARCH, 1, T3);
    });
    for (Instant since : List.of(T0, T1, T2, T3)) {
      Set<ScoreChange> all = changedSinceSet(t, c, List.of(MARCH), since);
      for (int limit = 1; limit <= all.size(); limit++) {
        List<ScoreChange> cut = changedSince(t, c, List.of(MARCH), since, limit);
        assertEquals(limit, cut.size(), "since " + since + ", limit " + limit + ": " + cut);
        assertEquals(limit, new HashSet<>(cut).size(), "no change twice: " + cut);
        assertTrue(all.containsAll(cut), cut.toString());
        Instant lastTaken = cut.get(limit - 1).changedAt();
        assertEquals(cut.stream().map(ScoreChange::changedAt).sorted().toList(),
            cut.stream().map(ScoreChange::changedAt).toList(), "oldest first: " + cut);
        assertTrue(all.stream().filter(x -> !cut.contains(x)).noneMatch(x -> x.changedAt().isBefore(lastTaken)),
            "since " + since + ", limit " + limit + ": every change older than the last taken is taken: " + cut);
      }
    }
  }

  @Test
  void actionChangesAreListedSinceAnInclusiveTimeWithTheTimeOfTheirLastChange() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 3, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    long cat = p.get(2);
    long eve = participants(other, 1, T0).get(0);
    run(tx -> {
      increment(tx, t, c, ann, 0, ALL_TIME, 2, T1);
      increment(tx, t, c, ann, 0, MARCH, 1, T1);
      increment(tx, t, c, ann, REWARD, MARCH, 4, T1);
      increment(tx, t, other.id(), eve, 0, MARCH, 1, T1);
    });
    run(tx -> {
      increment(tx, t, c, bob, 0, MARCH, 3, T2);
      increment(tx, t, c, ann, 0, MARCH, 1, T2);
    });
    // The time of a counter's change never moves back, so catching up from a time never misses a later change.
    run(tx -> increment(tx, t, c, ann, 0, MARCH, 1, T0));
    // The four counters of one action at once (one statement on PostgreSQL) are stamped alike.
    run(tx -> tx.actions().incrementForAction(t, c, cat, REWARD, MARCH, FEBRUARY, T3));
    run(tx -> tx.actions().incrementForAction(t, c, cat, REWARD, MARCH, FEBRUARY, T1));
    List<ScoreChange> all = changedSince(t, c, List.of(ALL_TIME, MARCH, FEBRUARY), Instant.EPOCH, 100);
    assertEquals(Set.of(new ScoreChange(ann, ACTIONS, ALL_TIME, 2, T1), new ScoreChange(ann, ACTIONS, MARCH, 3, T2),
        new ScoreChange(bob, ACTIONS, MARCH, 3, T2), new ScoreChange(cat, ACTIONS, ALL_TIME, 2, T3),
        new ScoreChange(cat, ACTIONS, MARCH, 2, T3)), Set.copyOf(all),
        "the counters of campaign reward 0 of the campaign, with their values and the latest time given: " + all);
    assertInclusiveLowerBound(t, c, List.of(ALL_TIME, MARCH, FEBRUARY), all);
    assertEquals(all.stream().filter(s -> s.month() == MARCH).collect(Collectors.toSet()),
        changedSinceSet(t, c, List.of(MARCH), Instant.EPOCH), "only the months asked");
    assertEquals(List.of(new ScoreChange(eve, ACTIONS, MARCH, 1, T1)), changedSince(t, other.id(),
        List.of(ALL_TIME, MARCH), Instant.EPOCH, 100), "another campaign's counters");
    // A change without a time is refused, on a counter that exists and on a new one, and changes nothing.
    assertThrows(RuntimeException.class, () -> run(tx -> tx.actions().increment(t, c, ann, 0, MARCH, null)));
    long fresh = nextId();
    assertThrows(RuntimeException.class, () -> run(tx -> tx.actions().increment(t, c, fresh, 0, MARCH, null)));
    assertThrows(RuntimeException.class, () -> run(tx -> tx.actions().incrementForAction(t, c, ann, REWARD, MARCH,
        FEBRUARY, null)));
    assertEquals(Set.copyOf(all), changedSinceSet(t, c, List.of(ALL_TIME, MARCH, FEBRUARY), Instant.EPOCH));

    run(tx -> tx.leaderboards().addPoints(t, c, bob, MARCH, 9, T1));
    List<ScoreChange> both = changedSince(t, c, List.of(ALL_TIME, MARCH), Instant.EPOCH, 100);
    assertEquals(6, both.size(), "both metrics: " + both);
    assertTrue(both.contains(new ScoreChange(bob, POINTS, MARCH, 9, T1)), "the points change: " + both);
    assertInclusiveLowerBound(t, c, List.of(ALL_TIME, MARCH), both);
  }

  @Test
  void newMembersAreListedSinceAnInclusiveTimeWithScoreZero() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    long old = participants(campaign, 1, T0).get(0);
    List<Long> atT1 = participants(campaign, 2, T1);
    long atT2 = participants(campaign, 1, T2).get(0);
    participants(other, 1, T1);
    run(tx -> {
      tx.leaderboards().addPoints(t, c, atT2, ALL_TIME, 5, T2);
      increment(tx, t, c, atT2, 0, ALL_TIME, 1);
    });
    Set<BoardScore> expected = Set.of(new BoardScore(atT1.get(0), 0, T1), new BoardScore(atT1.get(1), 0, T1),
        new BoardScore(atT2, 0, T2));
    assertEquals(expected, Set.copyOf(createdSince(t, c, T1, 10)), "T1 included; the score is 0 whatever it is");
    assertEquals(Set.of(new BoardScore(atT2, 0, T2)), Set.copyOf(createdSince(t, c, T1.plus(MICRO), 10)));
    assertEquals(4, createdSince(t, c, T0, 10).size(), "with " + old);
    assertEquals(List.of(), createdSince(t, c, T2.plus(MICRO), 10));
    for (int limit = 1; limit <= 3; limit++) {
      List<BoardScore> cut = createdSince(t, c, T1, limit);
      assertEquals(limit, cut.size());
      assertTrue(expected.containsAll(cut), "each a new member: " + cut);
      assertEquals(limit, new HashSet<>(cut).size());
      Instant lastTaken = cut.get(limit - 1).createdAt();
      assertTrue(cut.stream().allMatch(x -> !x.createdAt().isAfter(lastTaken)), "oldest first: " + cut);
      assertTrue(expected.stream().filter(x -> !cut.contains(x)).noneMatch(x -> x.createdAt().isBefore(lastTaken)),
          "the oldest members, so a reader continues from the last time it saw: " + cut);
    }
  }

  @Test
  void removalsAreListedSinceAnInclusiveTimePerCampaign() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = nextId();
    long bob = nextId();
    long cat = nextId();
    long eve = nextId();
    assertEquals(List.of(), removedSince(t, c, Instant.EPOCH, 10));
    run(tx -> {
      tx.leaderboards().recordRemoval(t, c, ann, T1);
      tx.leaderboards().recordRemoval(t, c, bob, T2);
      tx.leaderboards().recordRemoval(t, other.id(), eve, T1);
    });
    run(tx -> tx.leaderboards().recordRemoval(t, c, cat, T0));
    assertEquals(Set.of(ann, bob), Set.copyOf(removedSince(t, c, T1, 10)), "T1 included");
    assertEquals(List.of(bob), removedSince(t, c, T1.plus(MICRO), 10));
    assertEquals(List.of(bob), removedSince(t, c, T2, 10));
    assertEquals(List.of(), removedSince(t, c, T2.plus(MICRO), 10));
    assertEquals(Set.of(ann, bob, cat), Set.copyOf(removedSince(t, c, T0, 10)));
    assertEquals(List.of(eve), removedSince(t, other.id(), T0, 10), "another campaign's removals");
    for (int limit = 1; limit <= 3; limit++) {
      List<Long> cut = removedSince(t, c, T0, limit);
      assertEquals(limit, cut.size());
      assertTrue(Set.of(ann, bob, cat).containsAll(cut), "each a removal: " + cut);
      assertEquals(limit, new HashSet<>(cut).size());
    }
  }

  // ---------------------------------------------------------------- winners

  @Test
  void winnersAreInsertedIfAbsentPerCampaignMetricAndMonthAndFound() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    YearMonth february = YearMonth.of(2025, 2);
    MonthWinners first = winners(c, ACTIONS, february, T1, 3);
    assertEquals(Optional.empty(), findWinners(t, c, ACTIONS, FEBRUARY));
    assertTrue(insertWinners(t, first));
    assertEquals(Optional.of(first), findWinners(t, c, ACTIONS, FEBRUARY), "read back as written, in rank order");
    assertFalse(insertWinners(t, winners(c, ACTIONS, february, T2, 5)), "February is recorded");
    assertEquals(Optional.of(first), findWinners(t, c, ACTIONS, FEBRUARY), "the first record is kept");

    MonthWinners points = winners(c, POINTS, february, T2, 0);
    MonthWinners january = winners(c, ACTIONS, YearMonth.of(2025, 1), T2, 10);
    MonthWinners december = winners(c, ACTIONS, YearMonth.of(2024, 12), T2, 1);
    MonthWinners otherCampaign = winners(other.id(), ACTIONS, february, T2, 2);
    assertTrue(insertWinners(t, points), "another metric");
    assertTrue(insertWinners(t, january), "another month");
    assertTrue(insertWinners(t, december), "another year");
    assertTrue(insertWinners(t, otherCampaign), "another campaign");
    assertEquals(Optional.of(points), findWinners(t, c, POINTS, FEBRUARY), "no winners at all");
    assertEquals(Optional.of(january), findWinners(t, c, ACTIONS, 202501));
    assertEquals(Optional.of(december), findWinners(t, c, ACTIONS, 202412));
    assertEquals(Optional.of(otherCampaign), findWinners(t, other.id(), ACTIONS, FEBRUARY));
    assertEquals(Optional.of(first), findWinners(t, c, ACTIONS, FEBRUARY));
    assertEquals(Optional.empty(), findWinners(t, c, ACTIONS, MARCH));
    assertEquals(Optional.empty(), findWinners(t, c, POINTS, 202501));

    // A losing insert leaves the unit of work usable: the rest of it commits.
    MonthWinners november = winners(c, POINTS, YearMonth.of(2024, 11), T3, 4);
    run(tx -> {
      assertFalse(tx.leaderboards().insertWinners(t, winners(c, ACTIONS, february, T3, 1)));
      assertTrue(tx.leaderboards().insertWinners(t, november));
    });
    assertEquals(Optional.of(november), findWinners(t, c, POINTS, 202411));
    assertEquals(Optional.of(first), findWinners(t, c, ACTIONS, FEBRUARY));
  }

  @Test
  void ofConcurrentInsertsOfAMonthsWinnersExactlyOneIsRecorded() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    YearMonth february = YearMonth.of(2025, 2);
    List<Boolean> won = race(i -> tx -> tx.leaderboards().insertWinners(t,
        winners(c, POINTS, february, T1.plus(MICRO.multipliedBy(i)), i + 1)));
    assertEquals(1, won.stream().filter(w -> w).count(), "winners among " + won);
    int winner = won.indexOf(true);
    assertEquals(Optional.of(winners(c, POINTS, february, T1.plus(MICRO.multipliedBy(winner)), winner + 1)),
        findWinners(t, c, POINTS, FEBRUARY), "the winner's record is the one kept");
  }

  @Test
  void aSecondInsertOfAMonthsWinnersWaitsForTheFirstAndLosesIfItCommits() throws Exception {
    assertSecondWinnersInsertWaits(true);
  }

  @Test
  void aSecondInsertOfAMonthsWinnersWaitsForTheFirstAndWinsIfItRollsBack() throws Exception {
    assertSecondWinnersInsertWaits(false);
  }

  /**
   * Runs a first insert of a month's winners that holds its unit of work open, then a second one on another storage,
   * which must wait for the first (as a unique key makes it) and then lose if the first committed, win if it rolled
   * back.
   */
  private void assertSecondWinnersInsertWaits(boolean firstCommits) throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    YearMonth february = YearMonth.of(2025, 2);
    MonthWinners mine = winners(c, ACTIONS, february, T1, 2);
    MonthWinners theirs = winners(c, ACTIONS, february, T2, 3);
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    CountDownLatch inserted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Future<Boolean> first = threads.submit(() -> storage().inTransaction(tx -> {
        boolean ok = tx.leaderboards().insertWinners(t, mine);
        inserted.countDown();
        await(release);
        if (!firstCommits) {
          throw new RolledBack();
        }
        return ok;
      }));
      await(inserted);
      Started<Boolean> other = start(threads, () -> second.inTransaction(tx -> tx.leaderboards()
          .insertWinners(t, theirs)));
      try {
        awaitBlockedOnALock(other.thread());
      } catch (AssertionError e) {
        throw new AssertionError("the second insert of the winners did not wait for the first", e);
      }
      release.countDown();
      if (firstCommits) {
        assertTrue(first.get(60, TimeUnit.SECONDS));
      } else {
        ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(60, TimeUnit.SECONDS));
        assertInstanceOf(RolledBack.class, e.getCause());
      }
      assertEquals(!firstCommits, other.get(), "the second insert "
          + (firstCommits ? "loses to the committed first" : "wins once the first rolled back"));
    } finally {
      release.countDown();
      threads.shutdownNow();
      second.close();
    }
    assertEquals(Optional.of(firstCommits ? mine : theirs), findWinners(t, c, ACTIONS, FEBRUARY));
  }

  // ---------------------------------------------------------------- points counters under contention

  @Test
  void concurrentAddPointsToOneParticipantAllCount() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = participants(campaign, 1, T0).get(0);
    int each = 50;
    // Every racer's first addition races the others' to create the counters' rows.
    List<Boolean> done = raceEach((instance, i) -> {
      for (int n = 0; n < each; n++) {
        instance.inTransaction(tx -> {
          tx.leaderboards().addPoints(t, c, ann, ALL_TIME, 1, T1);
          tx.leaderboards().addPoints(t, c, ann, MARCH, i + 1, T1);
          return null;
        });
      }
      return true;
    });
    assertEquals(RACERS, done.size());
    long all = (long) RACERS * each;
    long march = (long) each * RACERS * (RACERS + 1) / 2;
    assertEquals(Optional.of(new BoardScore(ann, all, T0)), score(t, ann, POINTS, ALL_TIME));
    assertEquals(Optional.of(new BoardScore(ann, march, T0)), score(t, ann, POINTS, MARCH));
    assertEquals(Set.of(new ScoreChange(ann, POINTS, ALL_TIME, all, T1), new ScoreChange(ann, POINTS, MARCH, march,
        T1)), changedSinceSet(t, c, List.of(ALL_TIME, MARCH), T0));
  }

  // ---------------------------------------------------------------- tenants

  @Test
  void everyReadStaysInsideItsTenant() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = participants(campaign, 1, T0).get(0);
    Campaign foreign = campaign(tenant(T0), T0);
    long u = foreign.tenantId();
    long zed = participants(foreign, 1, T0).get(0);
    run(tx -> {
      increment(tx, t, c, ann, 0, ALL_TIME, 2);
      tx.leaderboards().addPoints(t, c, ann, ALL_TIME, 20, T1);
      // The other tenant's counters under the same participant id, and under its own campaign.
      increment(tx, u, foreign.id(), ann, 0, ALL_TIME, 5);
      tx.leaderboards().addPoints(u, foreign.id(), ann, ALL_TIME, 50, T1);
      increment(tx, u, foreign.id(), zed, 0, ALL_TIME, 1);
      tx.leaderboards().recordRemoval(t, c, nextId(), T1);
      tx.leaderboards().insertWinners(t, winners(c, ACTIONS, YearMonth.of(2025, 2), T1, 1));
    });
    assertEquals(List.of(score(ann, 2)), page(t, c, ACTIONS, ALL_TIME, null, null, null, 10));
    assertEquals(List.of(score(ann, 20)), page(t, c, POINTS, ALL_TIME, null, null, null, 10));
    assertEquals(Optional.of(score(ann, 20)), score(t, ann, POINTS, ALL_TIME));
    assertEquals(Optional.empty(), score(u, ann, POINTS, ALL_TIME), "ann is not the other tenant's");
    assertEquals(List.of(new BoardScore(zed, 1, T0)), page(u, foreign.id(), ACTIONS, ALL_TIME, null, null, null,
        10), "ann's counters in the other tenant do not make her a member there");
    assertEquals(List.of(), page(u, c, ACTIONS, ALL_TIME, null, null, null, 10), "not the other tenant's campaign");
    assertEquals(Set.of(), scanSet(u, c, POINTS, ALL_TIME, null));
    assertEquals(0, countAbove(u, c, ACTIONS, ALL_TIME, null, -1));
    assertEquals(1, countAbove(t, c, ACTIONS, ALL_TIME, null, -1));
    assertEquals(List.of(), changedSince(u, c, List.of(ALL_TIME), Instant.EPOCH, 100));
    assertEquals(Set.of(List.of(ann, 2L), List.of(ann, 20L)), changedSince(t, c, List.of(ALL_TIME), Instant.EPOCH,
        100).stream().map(s -> List.of(s.participantId(), s.score())).collect(Collectors.toSet()));
    assertEquals(Set.of(List.of(ann, 5L), List.of(ann, 50L), List.of(zed, 1L)), changedSince(u, foreign.id(),
        List.of(ALL_TIME), Instant.EPOCH, 100).stream().map(s -> List.of(s.participantId(), s.score()))
        .collect(Collectors.toSet()));
    assertEquals(List.of(), createdSince(u, c, Instant.EPOCH, 10));
    assertEquals(List.of(), removedSince(u, c, Instant.EPOCH, 10));
    assertEquals(1, removedSince(t, c, Instant.EPOCH, 10).size());
    assertEquals(Optional.empty(), findWinners(u, c, ACTIONS, FEBRUARY));
    assertTrue(findWinners(t, c, ACTIONS, FEBRUARY).isPresent());
  }

  // ---------------------------------------------------------------- rollback

  @Test
  void aFailedUnitOfWorkLeavesNoTraceOfItsLeaderboardWrites() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<Long> p = participants(campaign, 2, T0);
    long ann = p.get(0);
    long bob = p.get(1);
    long gone = nextId();
    run(tx -> {
      increment(tx, t, c, ann, 0, MARCH, 1);
      tx.leaderboards().addPoints(t, c, ann, MARCH, 10, T1);
      tx.leaderboards().recordRemoval(t, c, gone, T1);
      tx.leaderboards().insertWinners(t, winners(c, ACTIONS, YearMonth.of(2025, 2), T1, 1));
    });
    Map<String, Object> before = snapshot(t, c, ann, bob);

    assertThrows(RolledBack.class, () -> storage().inTransaction(tx -> {
      LeaderboardPort l = tx.leaderboards();
      increment(tx, t, c, ann, 0, MARCH, 2);
      increment(tx, t, c, bob, 0, MARCH, 3);
      increment(tx, t, c, bob, 0, ALL_TIME, 3);
      l.addPoints(t, c, ann, MARCH, 5, T2);
      l.addPoints(t, c, bob, MARCH, 50, T2);
      l.addPoints(t, c, bob, ALL_TIME, 50, T2);
      l.recordRemoval(t, c, gone, T3);
      l.recordRemoval(t, c, nextId(), T2);
      assertTrue(l.insertWinners(t, winners(c, POINTS, YearMonth.of(2025, 2), T2, 2)));
      assertTrue(l.insertWinners(t, winners(c, ACTIONS, YearMonth.of(2025, 1), T2, 2)));
      tx.participants().insert(participant(campaign, T2));
      throw new RolledBack();
    }));
    assertEquals(before, snapshot(t, c, ann, bob));
    assertTrue(insertWinners(t, winners(c, POINTS, YearMonth.of(2025, 2), T3, 0)), "the rolled-back winners are gone");
  }

  /** Everything the rollback test's unit of work touches, read back. */
  private Map<String, Object> snapshot(long t, long c, long ann, long bob) {
    return tx(tx -> {
      LeaderboardPort l = tx.leaderboards();
      Map<String, Object> s = new LinkedHashMap<>();
      for (BoardMetric metric : BoardMetric.values()) {
        for (int month : List.of(ALL_TIME, MARCH)) {
          s.put("page " + metric + " " + month, l.page(t, c, metric, month, null, null, null, 10));
          s.put("ann " + metric + " " + month, l.score(t, ann, metric, month));
          s.put("bob " + metric + " " + month, l.score(t, bob, metric, month));
        }
      }
      s.put("changes", Set.copyOf(l.changedSince(t, c, List.of(ALL_TIME, MARCH), Instant.EPOCH, 100)));
      s.put("created", Set.copyOf(l.createdSince(t, c, Instant.EPOCH, 100)));
      s.put("removed", Set.copyOf(l.removedSince(t, c, Instant.EPOCH, 100)));
      s.put("removed late", l.removedSince(t, c, T2, 100));
      s.put("winners", l.findWinners(t, c, ACTIONS, FEBRUARY));
      s.put("points winners", l.findWinners(t, c, POINTS, FEBRUARY));
      s.put("january winners", l.findWinners(t, c, ACTIONS, 202501));
      return s;
    });
  }

  /** The failure a test throws to roll a unit of work back. */
  private static final class RolledBack extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RolledBack() {
      super("rolled back on purpose");
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Walks the board page by page at every page size from 1 to one more than its length. */
  private void assertPagesWalk(long t, long c, BoardMetric metric, int month, Instant createdBefore,
      List<BoardScore> expected) {
    for (int limit = 1; limit <= expected.size() + 1; limit++) {
      assertPagesWalk(t, c, metric, month, createdBefore, expected, limit);
    }
  }

  /** Walks the board page by page, each page after the last row of the one before, and checks what it read. */
  private void assertPagesWalk(long t, long c, BoardMetric metric, int month, Instant createdBefore,
      List<BoardScore> expected, int limit) {
    List<BoardScore> read = new ArrayList<>();
    Long afterScore = null;
    Long afterId = null;
    while (true) {
      List<BoardScore> page = page(t, c, metric, month, createdBefore, afterScore, afterId, limit);
      assertTrue(page.size() <= limit, "a page of at most " + limit + ": " + page);
      read.addAll(page);
      if (page.size() < limit || read.size() > expected.size()) {
        break;
      }
      BoardScore last = page.get(page.size() - 1);
      afterScore = last.score();
      afterId = last.participantId();
    }
    assertEquals(expected, read, metric + " board of " + month + " read " + limit + " at a time");
  }

  /** The board of these scores, members created at {@code createdAt}: score descending, then id ascending. */
  private static List<BoardScore> board(Map<Long, Long> scores, Instant createdAt) {
    return scores.entrySet().stream()
        .map(e -> new BoardScore(e.getKey(), e.getValue(), createdAt))
        .sorted(Comparator.comparingLong(BoardScore::score).reversed().thenComparingLong(BoardScore::participantId))
        .toList();
  }

  private static List<Long> ids(List<BoardScore> scores) {
    return scores.stream().map(BoardScore::participantId).toList();
  }

  /** A member created at T0 with this score. */
  private static BoardScore score(long participantId, long score) {
    return new BoardScore(participantId, score, T0);
  }

  /** {@code times} increments of one action counter. */
  private static void increment(Transaction tx, long t, long c, long participantId, long reward, int month,
      int times) {
    increment(tx, t, c, participantId, reward, month, times, T0);
  }

  /** {@code times} increments of one action counter at {@code at}. */
  private static void increment(Transaction tx, long t, long c, long participantId, long reward, int month,
      int times, Instant at) {
    for (int i = 0; i < times; i++) {
      tx.actions().increment(t, c, participantId, reward, month, at);
    }
  }

  /** Checks, at each time a change was made and a microsecond later, that exactly the changes since it are listed. */
  private void assertInclusiveLowerBound(long t, long c, List<Integer> months, List<ScoreChange> all) {
    TreeSet<Instant> times = new TreeSet<>();
    for (ScoreChange s : all) {
      times.add(s.changedAt());
      times.add(s.changedAt().plus(MICRO));
    }
    for (Instant since : times) {
      assertEquals(all.stream().filter(s -> !s.changedAt().isBefore(since)).collect(Collectors.toSet()),
          changedSinceSet(t, c, months, since), "changed at or after " + since);
    }
  }

  /** Winners of a month: {@code count} entries ranked 1, 2, 2, 4, 5, ... with made-up ids and scores. */
  private static MonthWinners winners(long campaignId, BoardMetric metric, YearMonth month, Instant at, int count) {
    List<BoardEntry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // The second and third tie.
      long score = i == 2 ? 990 : 1_000L - 10L * i;
      entries.add(new BoardEntry(900_000L + count * 100L + i, score, i == 2 ? 2 : i + 1));
    }
    return new MonthWinners(campaignId, metric, month, entries, at);
  }

  /** A new participant of the campaign (not inserted), created at {@code createdAt}. */
  private static Participant participant(Campaign campaign, Instant createdAt) {
    long id = nextId();
    String email = "p" + id + "@example.com";
    return new Participant(id, campaign.tenantId(), campaign.id(), email, email, null, null, null, null, Map.of(),
        0, 0, createdAt, createdAt, null, null);
  }

  /** {@code count} new participants of the campaign created at {@code createdAt}, in one unit of work; ids ascend. */
  private List<Long> participants(Campaign campaign, int count, Instant createdAt) {
    List<Participant> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      made.add(participant(campaign, createdAt));
    }
    run(tx -> made.forEach(tx.participants()::insert));
    return made.stream().map(Participant::id).toList();
  }

  private Campaign campaign() {
    return campaign(tenant(T0), T0);
  }

  private Campaign campaign(long tenantId) {
    return campaign(tenantId, T0);
  }

  private List<BoardScore> page(long t, long c, BoardMetric metric, int month, Instant createdBefore,
      Long afterScore, Long afterId, int limit) {
    return tx(tx -> tx.leaderboards().page(t, c, metric, month, createdBefore, afterScore, afterId, limit));
  }

  private long countAbove(long t, long c, BoardMetric metric, int month, Instant createdBefore, long score) {
    return tx(tx -> tx.leaderboards().countAbove(t, c, metric, month, createdBefore, score));
  }

  private Optional<BoardScore> score(long t, long participantId, BoardMetric metric, int month) {
    return tx(tx -> tx.leaderboards().score(t, participantId, metric, month));
  }

  /** The scores read at once, failing if a participant is reported twice. */
  private Set<BoardScore> scores(long t, List<Long> participantIds, BoardMetric metric, int month) {
    List<BoardScore> read = tx(tx -> tx.leaderboards().scores(t, participantIds, metric, month));
    assertEquals(read.size(), read.stream().map(BoardScore::participantId).distinct().count(), "each once: " + read);
    return Set.copyOf(read);
  }

  /** A scan's members by id, failing if one is reported twice. */
  private Map<Long, BoardScore> scanMap(long t, long c, BoardMetric metric, int month, Instant createdBefore) {
    return tx(tx -> {
      Map<Long, BoardScore> seen = new HashMap<>();
      tx.leaderboards().scan(t, c, metric, month, createdBefore, (id, score, createdAt) -> {
        BoardScore previous = seen.put(id, new BoardScore(id, score, createdAt));
        assertEquals(null, previous, "participant " + id + " scanned twice");
      });
      return seen;
    });
  }

  private Set<BoardScore> scanSet(long t, long c, BoardMetric metric, int month, Instant createdBefore) {
    return Set.copyOf(scanMap(t, c, metric, month, createdBefore).values());
  }

  private List<ScoreChange> changedSince(long t, long c, List<Integer> months, Instant since, int limit) {
    return tx(tx -> tx.leaderboards().changedSince(t, c, months, since, limit));
  }

  /** The changes since a time, failing if one is listed twice. */
  private Set<ScoreChange> changedSinceSet(long t, long c, List<Integer> months, Instant since) {
    List<ScoreChange> changes = changedSince(t, c, months, since, 1_000);
    Set<ScoreChange> set = Set.copyOf(new HashSet<>(changes));
    assertEquals(changes.size(), set.size(), "a change listed twice: " + changes);
    return set;
  }

  private List<BoardScore> createdSince(long t, long c, Instant since, int limit) {
    return tx(tx -> tx.leaderboards().createdSince(t, c, since, limit));
  }

  private List<Long> removedSince(long t, long c, Instant since, int limit) {
    return tx(tx -> tx.leaderboards().removedSince(t, c, since, limit));
  }

  private boolean insertWinners(long t, MonthWinners winners) {
    return test(tx -> tx.leaderboards().insertWinners(t, winners));
  }

  private Optional<MonthWinners> findWinners(long t, long c, BoardMetric metric, int month) {
    return tx(tx -> tx.leaderboards().findWinners(t, c, metric, month));
  }
}
