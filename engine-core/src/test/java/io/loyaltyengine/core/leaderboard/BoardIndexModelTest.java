package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.leaderboard.BoardEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random raises, forgets, roster additions and removals on boards with different cutoffs over one roster,
 * against a reference (a map of scores sorted on demand). After every step each board's members, scored count, every
 * participant's score, rank and row ({@link BoardIndex#entry}), a walk of all its pages with random limits and a
 * page after a random member agree with the reference. Replay a failure with {@code -Dloyalty.seed=<n>}.
 */
class BoardIndexModelTest {
  private static final int RUNS = 24;
  private static final int STEPS = 400;
  private static final Comparator<BoardEntry> BOARD_ORDER =
      Comparator.comparingLong((BoardEntry e) -> -e.score()).thenComparingLong(BoardEntry::participantId);

  /** The reference board: scores of its scored members; membership comes from the reference roster. */
  private static final class ModelBoard {
    final long cutoff;
    final Map<Long, Long> scores = new HashMap<>();

    ModelBoard(long cutoff) {
      this.cutoff = cutoff;
    }

    boolean member(Map<Long, Long> roster, long id) {
      Long created = roster.get(id);
      return created != null && (cutoff == Long.MAX_VALUE || created < cutoff);
    }

    List<BoardEntry> sorted(Map<Long, Long> roster) {
      List<BoardEntry> rows = new ArrayList<>();
      for (long id : roster.keySet()) {
        if (member(roster, id)) {
          rows.add(new BoardEntry(id, scores.getOrDefault(id, 0L), 0));
        }
      }
      rows.sort(BOARD_ORDER);
      List<BoardEntry> ranked = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        BoardEntry e = rows.get(i);
        long rank = i > 0 && rows.get(i - 1).score() == e.score() ? ranked.get(i - 1).rank() : i + 1;
        ranked.add(new BoardEntry(e.participantId(), e.score(), rank));
      }
      return ranked;
    }
  }

  @Test
  void boardsAgreeWithASortOfTheModel() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    int run = 0;
    int step = 0;
    String lastOp = "none";
    try {
      for (run = 0; run < RUNS; run++) {
        int idRange = new int[] {6, 40, 300, 1500}[random.nextInt(4)];
        long idBase = random.nextInt(3) == 0 ? Long.MAX_VALUE - idRange : random.nextInt(3) == 0 ? -idRange / 2 : 1;
        Roster roster = new Roster();
        Map<Long, Long> modelRoster = new HashMap<>();
        List<BoardIndex> boards = new ArrayList<>();
        List<ModelBoard> models = new ArrayList<>();
        long[] cutoffs = {Long.MAX_VALUE, random.nextInt(1000), random.nextInt(1000), 0};
        for (long cutoff : cutoffs) {
          boards.add(new BoardIndex(roster, cutoff));
          models.add(new ModelBoard(cutoff));
        }
        int bulk = random.nextInt(idRange);
        for (int i = 0; i < bulk; i++) {
          long id = idBase + random.nextInt(idRange);
          long created = random.nextInt(1000);
          roster.add(id, created);
          modelRoster.putIfAbsent(id, created);
        }
        for (step = 0; step < STEPS; step++) {
          long id = idBase + random.nextInt(idRange);
          int op = random.nextInt(20);
          int b = random.nextInt(boards.size());
          if (op < 3) {
            long created = random.nextInt(1000);
            lastOp = "add";
            roster.add(id, created);
            modelRoster.putIfAbsent(id, created);
          } else if (op < 4) {
            lastOp = "remove";
            roster.remove(id);
            modelRoster.remove(id);
            for (int k = 0; k < boards.size(); k++) {
              boards.get(k).forget(id);
              models.get(k).scores.remove(id);
            }
          } else if (op < 5) {
            lastOp = "forget";
            boards.get(b).forget(id);
            models.get(b).scores.remove(id);
          } else {
            long score = random.nextInt(10) == 0 ? random.nextLong(Long.MAX_VALUE) : random.nextInt(12);
            lastOp = "raise " + score;
            for (int k = 0; k < boards.size(); k++) {
              if (k == b || random.nextBoolean()) {
                boards.get(k).raise(id, score);
                ModelBoard model = models.get(k);
                if (score > 0 && model.member(modelRoster, id)) {
                  model.scores.merge(id, score, Math::max);
                }
              }
            }
          }
          assertEquals(modelRoster.size(), roster.size(), "roster size");
          for (int k = 0; k < boards.size(); k++) {
            check(boards.get(k), models.get(k), modelRoster, random, idBase, idRange);
          }
        }
      }
    } catch (AssertionError | RuntimeException e) {
      System.err.println("BoardIndexModelTest failed for seed " + seed + " in run " + run + " at step " + step
          + " after " + lastOp + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  private static void check(BoardIndex board, ModelBoard model, Map<Long, Long> roster, SplittableRandom random,
      long idBase, int idRange) {
    List<BoardEntry> expected = model.sorted(roster);
    assertEquals(expected.size(), board.members(), "members");
    assertEquals(model.scores.size(), board.scored(), "scored");
    Map<Long, BoardEntry> byId = new HashMap<>();
    for (BoardEntry e : expected) {
      byId.put(e.participantId(), e);
    }
    for (int i = 0; i < idRange; i++) {
      long id = idBase + i;
      BoardEntry e = byId.get(id);
      assertEquals(e == null ? -1 : e.score(), board.score(id), "score");
      assertEquals(e == null ? 0 : e.rank(), board.rank(id), "rank");
      assertEquals(e, board.entry(id), "entry");
    }
    // A walk of every page with random limits is the sorted board.
    List<BoardEntry> walked = new ArrayList<>();
    Long after = null;
    while (true) {
      int limit = 1 + random.nextInt(expected.size() < 10 ? 3 : 40);
      List<BoardEntry> page = board.page(after, limit);
      walked.addAll(page);
      if (page.size() < limit) {
        break;
      }
      after = page.get(page.size() - 1).participantId();
    }
    assertEquals(expected, walked, "pages");
    assertEquals(expected.subList(0, Math.min(100, expected.size())), board.page(null, 100), "top page");
    if (!expected.isEmpty()) {
      int from = random.nextInt(expected.size());
      int limit = random.nextInt(5) == 0 ? Integer.MAX_VALUE : random.nextInt(200);
      List<BoardEntry> rest = expected.subList(from + 1, expected.size());
      assertEquals(rest.subList(0, Math.min(rest.size(), limit)),
          board.page(expected.get(from).participantId(), limit), "page after a member");
    }
    long outsider = idBase + random.nextInt(idRange);
    if (!byId.containsKey(outsider)) {
      assertThrows(IllegalArgumentException.class, () -> board.page(outsider, 10), "page after a non-member");
    }
  }
}
