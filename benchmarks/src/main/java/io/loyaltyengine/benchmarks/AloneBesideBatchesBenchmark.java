package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A unit of work that runs alone beside group-commit batches: three threads award points (combined into shared
 * transactions) while a fourth adjusts a catalog reward's stock, one unit down and one up in turn (the reward starts
 * at the stock's bound), each adjustment a unit of work of its own, never combined. Reports each side's rate: the
 * rows {@code engineMixed:award} and {@code engineMixed:adjustStock}. On H2 the engine's transactions take turns, so
 * an adjustment waits for the batch in progress instead of running beside it; this measures what that costs against
 * an engine built before the turns, the two run alternately. No raw baseline: the figure compared is the engine's
 * own, before and after.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar AloneBesideBatchesBenchmark -p store=H2,POSTGRES}; not in
 * the profiles of {@code run.sh}, whose report pairs each engine row with a raw one.
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AloneBesideBatchesBenchmark {
  private static final PointsChange ONE = PointsChange.of(1, "purchase");

  /**
   * The adjusting thread's turn: up or down next.
   *
   * <p>Not thread-safe: JMH gives each thread its own.
   */
  @State(Scope.Thread)
  public static class Turn {
    boolean up = true;
  }

  /** An award through the engine, sharing its commit with the other awarding threads' when they meet. */
  @Benchmark
  @Group("engineMixed")
  @GroupThreads(3)
  public long award(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.points().award(e.participant(worker.nextParticipant()), ONE).balance();
  }

  /** A stock adjustment through the engine, alone in its transaction, one unit up or down in turn. */
  @Benchmark
  @Group("engineMixed")
  @GroupThreads(1)
  public Long adjustStock(StoreState state, Turn turn) {
    EngineFixture e = state.engine;
    turn.up = !turn.up;
    return e.scope.catalog().adjustStock(e.catalogReward, turn.up ? 1 : -1).stock();
  }
}
