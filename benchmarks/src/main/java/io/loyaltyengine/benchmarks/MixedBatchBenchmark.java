package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.LoyaltyAction;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Group commit's mixed batches: two threads award points while one redeems a catalog reward and one records loyalty
 * actions, all through the engine. On H2 every combined call queues, so batches mix the three kinds and run behind
 * savepoints, after locking the participants their units name; this measures what those first locks cost against an
 * engine built before them, the two run alternately. Reports each side's rate: {@code engineMixed:award},
 * {@code engineMixed:redeem} and {@code engineMixed:recordAction}. No raw baseline: the figure compared is the
 * engine's own, before and after. On PostgreSQL redemptions and actions run alone (only awards and deductions queue).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MixedBatchBenchmark -p store=H2}; not in the profiles of
 * {@code run.sh}, whose report pairs each engine row with a raw one.
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MixedBatchBenchmark {
  private static final PointsChange TEN = PointsChange.of(10, "purchase");

  /** An award through the engine. */
  @Benchmark
  @Group("engineMixed")
  @GroupThreads(2)
  public long award(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.points().award(e.participant(worker.nextParticipant()), TEN).balance();
  }

  /** A redemption of the fixture's catalog reward through the engine. */
  @Benchmark
  @Group("engineMixed")
  @GroupThreads(1)
  public long redeem(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.catalog().redeem(e.participant(worker.nextParticipant()), e.catalogReward, null).balance();
  }

  /** A loyalty action toward the fixture's goal reward through the engine. */
  @Benchmark
  @Group("engineMixed")
  @GroupThreads(1)
  public long recordAction(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.rewards().recordAction(LoyaltyAction.of(e.participant(worker.nextParticipant()), e.goalReward))
        .actionId();
  }
}
