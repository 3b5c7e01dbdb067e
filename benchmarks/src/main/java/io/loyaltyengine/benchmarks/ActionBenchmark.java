package io.loyaltyengine.benchmarks;

import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.LoyaltyAction;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One recorded loyalty action with goal evaluation, one call, one commit, from one thread (actions per second):
 * {@code Rewards.recordAction} toward a POINTS reward unlocked every {@value EngineFixture#GOAL_EVERY} actions
 * (AUTO approval, so every tenth action of a participant also credits points), against the raw baseline's two
 * counter increments, action row and, on an unlock, earned-reward row and credit ({@link RawBaseline#recordAction}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ActionBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ActionBenchmark {
  /** An action through the engine. */
  @Benchmark
  public ActionResult engineRecordAction(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.rewards().recordAction(LoyaltyAction.of(e.participant(worker.nextParticipant()), e.goalReward));
  }

  /** The raw baseline's action. */
  @Benchmark
  public long rawRecordAction(Worker worker) {
    return worker.baseline.recordAction(worker.nextParticipant());
  }
}
