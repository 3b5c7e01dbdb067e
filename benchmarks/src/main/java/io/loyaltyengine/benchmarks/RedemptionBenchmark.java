package io.loyaltyengine.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One catalog redemption, one call, one commit, from one thread (redemptions per second): the engine's
 * {@code Catalog.redeem} (no idempotency key) against the raw baseline's conditional stock update, conditional
 * debit, ledger row, redemption row and commit ({@link RawBaseline#redeem}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RedemptionBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RedemptionBenchmark {
  /** A redemption through the engine. */
  @Benchmark
  public long engineRedeem(StoreState state, Worker worker) {
    EngineFixture e = state.engine;
    return e.scope.catalog().redeem(e.participant(worker.nextParticipant()), e.catalogReward, null).balance();
  }

  /** The raw baseline's redemption. */
  @Benchmark
  public long rawRedeem(Worker worker) {
    return worker.baseline.redeem(worker.nextParticipant());
  }
}
