package io.loyaltyengine.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bulk awards, 1,000 per call, each participant once (awards per second): {@code Points.applyAll} against the raw
 * JDBC batch of the same 1,000 awards in one transaction ({@link RawBaseline#bulkAward}: a batch of 1,000 balance
 * updates, a batch of 1,000 ledger inserts each reading its balance after, one commit). The raw figure is also the
 * "raw JDBC batch ceiling" that {@link ConcurrentAwardBenchmark} is held to. Issue target: the engine at least 70%
 * of the raw batch on H2 and PostgreSQL.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BulkAwardBenchmark -f 1 -wi 3 -i 5}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BulkAwardBenchmark {
  /** Awards per call. */
  public static final int BULK = EngineFixture.BULK_PARTICIPANTS;

  /** One {@code applyAll} call of {@value #BULK} awards. */
  @Benchmark
  @OperationsPerInvocation(BULK)
  public int engineApplyAll(StoreState state) {
    return EngineFixture.applyAll(state.engine.scope, state.engine.bulkAwards);
  }

  /**
   * One {@code applyAll} call of {@value #BULK} operations whose middle one is refused (a deduction no balance
   * covers): what one bad row costs an import. Compared in the report with the same raw batch.
   */
  @Benchmark
  @OperationsPerInvocation(BULK)
  public int engineApplyAllWithARefusal(StoreState state) {
    return state.engine.applyAllWithARefusal();
  }

  /** The raw JDBC batch of {@value #BULK} awards in one transaction. */
  @Benchmark
  @OperationsPerInvocation(BULK)
  public long rawBulkAward(Worker worker) {
    return worker.baseline.bulkAward(BULK);
  }
}
