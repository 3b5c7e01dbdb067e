package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Memory per member at 1,000,000 members, every one scored with skewed scores raised in random order: the bytes the
 * structures hold (counted from their arrays) and the heap growth with GC before and after, both at most 100 bytes
 * per member for the roster and one board together.
 */
class BoardIndexMemoryTest {
  private static final int MEMBERS = 1_000_000;

  @Test
  void aBoardAndItsRosterTakeAtMost100BytesPerMember() {
    long before = usedHeap();
    Roster roster = new Roster();
    for (long id = 1; id <= MEMBERS; id++) {
      roster.add(id, 1_700_000_000_000_000L + id * 1_000);
    }
    BoardIndex board = new BoardIndex(roster, Long.MAX_VALUE);
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < MEMBERS; i++) {
      long id = 1 + random.nextInt(MEMBERS);
      board.raise(id, skewedScore(random));
    }
    // Members the random raises missed get a score too, so every member is stored in the board.
    for (long id = 1; id <= MEMBERS; id++) {
      board.raise(id, 1);
    }
    long after = usedHeap();
    assertEquals(MEMBERS, board.scored());
    double rosterBytes = (double) roster.retainedBytes() / MEMBERS;
    double boardBytes = (double) board.retainedBytes() / MEMBERS;
    double heapBytes = (double) (after - before) / MEMBERS;
    System.out.printf("BoardIndexMemoryTest: per member: roster %.1f bytes, board %.1f bytes, together %.1f;"
        + " heap growth %.1f bytes%n", rosterBytes, boardBytes, rosterBytes + boardBytes, heapBytes);
    assertTrue(rosterBytes + boardBytes <= 100, "structures hold " + (rosterBytes + boardBytes) + " bytes per member");
    assertTrue(heapBytes <= 100, "the heap grew by " + heapBytes + " bytes per member");
    assertTrue(board.rank(1) >= 1);  // keeps both alive until after the measurement
  }

  /** Most members have a few actions, a few have very many (a Pareto-like tail). */
  static long skewedScore(SplittableRandom random) {
    double u = random.nextDouble();
    return 1 + (long) (3.0 / Math.pow(1 - u, 1.2));
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }
}
