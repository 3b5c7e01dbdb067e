package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One deduction, one call, one commit, from one thread (deductions per second): the engine against the raw
 * baseline's conditional debit ({@code ... WHERE balance >= ?}), ledger row and commit ({@link RawBaseline#deduct}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DeductBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DeductBenchmark {
  private static final PointsChange ONE = PointsChange.of(1, "redemption");

  /** A deduction through the engine. */
  @Benchmark
  public long engineDeduct(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.points().deduct(e.participant(worker.nextParticipant()), ONE).balance();
  }

  /** The raw baseline's deduction. */
  @Benchmark
  public long rawDeduct(Worker worker) {
    return worker.baseline.deduct(worker.nextParticipant());
  }
}
