package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Seeded random operations on the board's primitive structures against the JDK's: {@link PairTree} against a
 * {@code TreeSet} (sizes that grow to three levels and shrink back, so splits, borrows and merges all happen) and
 * {@link LongLongMap} against a {@code HashMap}. Replay a failure with {@code -Dloyalty.seed=<n>}.
 */
class PrimitiveStructuresTest {
  private record Pair(long a, long b) implements Comparable<Pair> {
    @Override
    public int compareTo(Pair o) {
      return PairTree.compare(a, b, o.a, o.b);
    }
  }

  @Test
  void pairTreeAgreesWithATreeSet() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    int step = 0;
    try {
      PairTree tree = new PairTree();
      NavigableSet<Pair> model = new TreeSet<>();
      int phases = 6;
      for (int phase = 0; phase < phases; phase++) {
        boolean growing = phase % 2 == 0;
        int range = 1 + random.nextInt(phase < 2 ? 300 : 40_000);
        int steps = 30_000;
        for (int i = 0; i < steps; i++, step++) {
          long a = random.nextInt(range) - range / 2;
          long b = random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(8);
          if (random.nextInt(4) == 0 && !model.isEmpty()) {
            Pair near = model.ceiling(new Pair(a, b));   // remove pairs that exist, not only misses
            if (near != null) {
              a = near.a;
              b = near.b;
            }
          }
          boolean insert = random.nextInt(10) < (growing ? 7 : 3);
          if (insert) {
            assertEquals(model.add(new Pair(a, b)), tree.insert(a, b), "insert");
          } else {
            assertEquals(model.remove(new Pair(a, b)), tree.remove(a, b), "remove");
          }
          assertEquals(model.size(), tree.size(), "size");
          if (i % 97 == 0) {
            checkQueries(tree, model, random, range);
          }
        }
        checkQueries(tree, model, random, range);
        assertInOrder(tree, model);
      }
      while (!model.isEmpty()) {
        Pair p = model.pollFirst();
        assertEquals(true, tree.remove(p.a, p.b));
      }
      assertEquals(0, tree.size());
      assertEquals(false, tree.first().valid());
    } catch (AssertionError | RuntimeException e) {
      System.err.println("PrimitiveStructuresTest.pairTree failed for seed " + seed + " at step " + step
          + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  private static void checkQueries(PairTree tree, NavigableSet<Pair> model, SplittableRandom random, int range) {
    for (int q = 0; q < 5; q++) {
      long a = random.nextInt(range + 2) - range / 2 - 1;
      long b = random.nextInt(10) - 1;
      Pair probe = new Pair(a, b);
      assertEquals(model.headSet(probe, false).size(), tree.countLess(a, b), "countLess");
      assertEquals(model.contains(probe), tree.contains(a, b), "contains");
      PairTree.Cursor at = tree.ceiling(a, b);
      Iterator<Pair> expected = model.tailSet(probe, true).iterator();
      for (int k = 0; k < 70 && expected.hasNext(); k++) {
        Pair p = expected.next();
        assertEquals(true, at.valid(), "cursor ended early");
        assertEquals(p.a, at.a(), "cursor a");
        assertEquals(p.b, at.b(), "cursor b");
        at.next();
      }
      if (!expected.hasNext()) {
        assertEquals(false, at.valid(), "cursor past the end");
      }
    }
  }

  private static void assertInOrder(PairTree tree, NavigableSet<Pair> model) {
    PairTree.Cursor at = tree.first();
    for (Pair p : model) {
      assertEquals(true, at.valid());
      assertEquals(p.a, at.a());
      assertEquals(p.b, at.b());
      at.next();
    }
    assertEquals(false, at.valid());
  }

  @Test
  void longLongMapAgreesWithAHashMap() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    int step = 0;
    try {
      LongLongMap map = new LongLongMap();
      Map<Long, Long> model = new HashMap<>();
      for (int phase = 0; phase < 6; phase++) {
        boolean growing = phase % 2 == 0;
        int range = 1 + random.nextInt(phase < 2 ? 50 : 50_000);
        for (int i = 0; i < 40_000; i++, step++) {
          long key = switch (random.nextInt(20)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            case 2 -> random.nextLong();
            default -> random.nextInt(range) - range / 4;
          };
          int op = random.nextInt(10);
          if (op < (growing ? 5 : 2)) {
            long value = random.nextLong();
            map.put(key, value);
            model.put(key, value);
          } else if (op < 6) {
            Long old = model.remove(key);
            assertEquals(old == null ? -7 : old, map.remove(key, -7), "remove");
          } else {
            Long value = model.get(key);
            assertEquals(value == null ? -7 : value, map.get(key, -7), "get");
            assertEquals(value != null, map.containsKey(key), "containsKey");
          }
          assertEquals(model.size(), map.size(), "size");
        }
        for (Map.Entry<Long, Long> e : model.entrySet()) {
          assertEquals(e.getValue(), map.get(e.getKey(), -7), "get after phase");
        }
      }
    } catch (AssertionError | RuntimeException e) {
      System.err.println("PrimitiveStructuresTest.longLongMap failed for seed " + seed + " at step " + step
          + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }
}
