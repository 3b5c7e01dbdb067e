package io.loyaltyengine.benchmarks;

import io.loyaltyengine.core.leaderboard.BoardIndex;
import io.loyaltyengine.core.leaderboard.Roster;
import io.loyaltyengine.leaderboard.BoardEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process leaderboard index ({@link BoardIndex} over a {@link Roster}) at 100k and 1M members, 90% of them
 * scored with skewed scores (most have a few actions, a few very many): the row (score and rank) of a random member,
 * the top-100 page, and raising a random member's score by 1. Against bare structures in the same run: a Fenwick tree
 * over score values answering count-above and taking a score move, and a copy of the first 100 rows of a sorted
 * array. Sampling mode: medians (p0.50) are what a loaded machine disturbs least.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BoardIndexBenchmark -f 1 -wi 2 -i 3 -w 1 -r 1}
 *
 * <p>Not thread-safe: JMH state of scope Thread, so each benchmark thread builds its own in setup; the measured
 * methods change it (the probe cursor, the scores, the board).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class BoardIndexBenchmark {
  /** Scores are capped so the Fenwick baseline's array over score values stays small. */
  private static final int MAX_SCORE = 1 << 20;
  private static final int PROBES = 1 << 16;

  @Param({"100000", "1000000"})
  public int members;

  private BoardIndex board;
  private long[] scores;
  private int[] probes;
  private int next;
  private long[] fenwick;
  private long[] sortedIds;
  private long[] sortedScores;

  /** Builds the roster, the board and the baselines from one seeded set of scores. */
  @Setup(Level.Trial)
  public void build() {
    SplittableRandom random = new SplittableRandom(42);
    Roster roster = new Roster();
    board = new BoardIndex(roster, Long.MAX_VALUE);
    scores = new long[members];
    fenwick = new long[MAX_SCORE * 2 + 1];
    for (int id = 0; id < members; id++) {
      roster.add(id, 1_700_000_000_000_000L + id * 1_000L);
    }
    Integer[] order = new Integer[members];
    for (int id = 0; id < members; id++) {
      order[id] = id;
      if (random.nextInt(10) != 0) {
        long score = Math.min(MAX_SCORE, 1 + (long) (3.0 / Math.pow(1 - random.nextDouble(), 1.2)));
        scores[id] = score;
        board.raise(id, score);
      }
      fenwickAdd(scores[id], 1);
    }
    Arrays.sort(order, (x, y) -> scores[x] != scores[y] ? Long.compare(scores[y], scores[x]) : Integer.compare(x, y));
    sortedIds = new long[members];
    sortedScores = new long[members];
    for (int i = 0; i < members; i++) {
      sortedIds[i] = order[i];
      sortedScores[i] = scores[order[i]];
    }
    probes = new int[PROBES];
    for (int i = 0; i < PROBES; i++) {
      probes[i] = random.nextInt(members);
    }
  }

  private int probe() {
    next = (next + 1) & (PROBES - 1);
    return probes[next];
  }

  /** The row (score and rank) of a random member through the index: what the engine's rank read asks it. */
  @Benchmark
  public BoardEntry rank() {
    return board.entry(probe());
  }

  /** The first page of 100 rows through the index. */
  @Benchmark
  public List<BoardEntry> top100() {
    return board.page(null, 100);
  }

  /** Raising a random member's score by 1. */
  @Benchmark
  public void raise() {
    int id = probe();
    if (scores[id] < MAX_SCORE * 2 - 1) {
      board.raise(id, ++scores[id]);
    }
  }

  /** Baseline: 1 + count of scores above a random member's, from a Fenwick tree over score values. */
  @Benchmark
  public long baselineRank() {
    long score = scores[probe()];
    return 1 + members - fenwickPrefix(score);
  }

  /** Baseline: the first 100 rows copied out of arrays already in board order (ranks from positions). */
  @Benchmark
  public List<BoardEntry> baselineTop100() {
    List<BoardEntry> rows = new ArrayList<>(100);
    long rank = 1;
    for (int i = 0; i < 100; i++) {
      if (i > 0 && sortedScores[i] != sortedScores[i - 1]) {
        rank = i + 1;
      }
      rows.add(new BoardEntry(sortedIds[i], sortedScores[i], rank));
    }
    return rows;
  }

  /** Baseline: moving a random member's score up by 1 in the Fenwick tree. */
  @Benchmark
  public void baselineRaise() {
    int id = probe();
    long score = scores[id];
    if (score < MAX_SCORE * 2 - 1) {
      fenwickAdd(score, -1);
      fenwickAdd(score + 1, 1);
      scores[id] = score + 1;
    }
  }

  /** Counts members with a score of at most score. */
  private long fenwickPrefix(long score) {
    long sum = 0;
    for (int i = (int) score + 1; i > 0; i -= i & -i) {
      sum += fenwick[i];
    }
    return sum;
  }

  private void fenwickAdd(long score, long delta) {
    for (int i = (int) score + 1; i < fenwick.length; i += i & -i) {
      fenwick[i] += delta;
    }
  }
}
