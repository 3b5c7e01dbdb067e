package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.leaderboard.BoardEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers while a writer raises scores and adds members: no reader sees a torn state. Ranks (of {@code rank} and of
 * the rows {@code entry} reads) stay within 1..members, a member's score never falls, and every page is in board
 * order with ranks that follow its positions. The run is a fixed amount of work, not a time: the writer makes
 * {@link #WRITES} raises, and each reader reads at least {@link #MIN_READS} times and on until the writer is done,
 * all released by one latch. A writer's failure fails the test too, and some reads must have overlapped the writes.
 */
class BoardIndexConcurrencyTest {
  private static final int MEMBERS = 20_000;
  private static final int WRITES = 200_000;
  private static final int MIN_READS = 2_000;

  @Test
  @Timeout(120)  // a failure that left the readers waiting for the writer would hang rather than fail
  void readersNeverSeeATornBoard() throws InterruptedException {
    Roster roster = new Roster();
    for (long id = 0; id < MEMBERS; id++) {
      roster.add(id, id);
    }
    BoardIndex board = new BoardIndex(roster, Long.MAX_VALUE);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    AtomicLong readsWhileWriting = new AtomicLong();
    threads.add(new Thread(() -> {
      try {
        await(start);
        SplittableRandom random = new SplittableRandom(1);
        long next = MEMBERS;
        for (int w = 0; w < WRITES && !stop.get(); w++) {
          long id = random.nextInt(MEMBERS);
          board.raise(id, board.score(id) + 1 + random.nextInt(3));
          if (random.nextInt(50) == 0) {
            roster.add(next, next);
            next++;
          }
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      } finally {
        stop.set(true);
      }
    }));
    for (int r = 0; r < 3; r++) {
      long seed = r;
      threads.add(new Thread(() -> {
        try {
          await(start);
          readsWhileWriting.addAndGet(read(board, new SplittableRandom(seed), stop));
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
          stop.set(true);
        }
      }));
    }
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("a reader saw a torn board, or the writer failed", failure.get());
    }
    assertTrue(board.scored() > 0);
    assertTrue(readsWhileWriting.get() > 0, "no read overlapped the writes");
  }

  /** Reads until the writer is done (at least {@link #MIN_READS} times); returns how many reads began before that. */
  private static long read(BoardIndex board, SplittableRandom random, AtomicBoolean stop) {
    long[] seen = new long[MEMBERS];
    int pages = 0;
    long whileWriting = 0;
    for (int reads = 0; reads < MIN_READS || !stop.get(); reads++) {
      if (!stop.get()) {
        whileWriting++;
      }
      long id = random.nextInt(MEMBERS);
      long rank = board.rank(id);
      long members = board.members();  // members only grow here, so read after the rank it bounds it
      assertTrue(rank >= 1 && rank <= members, "rank " + rank + " of " + members);
      long score = board.score(id);
      assertTrue(score >= seen[(int) id], "a score fell");
      // A row is read under one lock: its rank is the rank of its score at one moment.
      BoardEntry row = board.entry(id);
      long after = board.members();
      assertTrue(row.score() >= score, "a row's score fell");
      assertTrue(row.rank() >= 1 && row.rank() <= after, "row rank " + row.rank() + " of " + after);
      seen[(int) id] = row.score();
      if (random.nextInt(8) == 0) {
        checkPage(board.page(null, 100), 0);
        pages++;
      }
      if (random.nextInt(8) == 0) {
        List<BoardEntry> page = board.page(id, 2 + random.nextInt(99));
        checkPage(page, -1);
      }
    }
    assertTrue(pages > 0);
    return whileWriting;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Board order, and ranks that are 1 + position when the score changes (known only for a page from the top). */
  private static void checkPage(List<BoardEntry> page, int firstPosition) {
    for (int i = 0; i < page.size(); i++) {
      BoardEntry e = page.get(i);
      assertTrue(e.rank() >= 1);
      if (i == 0) {
        if (firstPosition == 0) {
          assertEquals(1, e.rank());
        }
        continue;
      }
      BoardEntry p = page.get(i - 1);
      assertTrue(p.score() > e.score() || p.score() == e.score() && p.participantId() < e.participantId(),
          "rows out of order");
      if (p.score() == e.score()) {
        assertEquals(p.rank(), e.rank(), "ties share a rank");
      } else if (firstPosition == 0) {
        assertEquals(i + 1, e.rank(), "rank follows the position");
      } else {
        assertTrue(e.rank() > p.rank(), "ranks grow");
      }
    }
  }
}
