package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bulk awards, 1,000 per call, each participant once (awards per second): {@code Points.applyAll} against the raw
 * JDBC batch of the same 1,000 awards in one transaction ({@link RawBaseline#bulkAward}: a batch of 1,000 balance
 * updates, a batch of 1,000 ledger inserts each reading its balance after, one commit). The raw figure is also the
 * "raw JDBC batch ceiling" that {@link ConcurrentAwardBenchmark} is held to. Issue target: the engine at least 70%
 * of the raw batch on H2 and PostgreSQL.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BulkAwardBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless; the measured methods' state is {@link StoreState}, {@link WithARefusal} (shared by the
 * benchmark's threads) and {@link Worker} (one per thread).
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

  /** Where {@link WithARefusal} puts its refused operation: the middle of the call. */
  static final int REFUSED = BULK / 2;

  /**
   * The bulk awards with the one at {@link #REFUSED} replaced by a deduction no balance covers.
   *
   * <p>Thread-safe after setup: JMH state of scope Benchmark, shared by the benchmark's threads; its list is set in
   * setup (an unmodifiable copy) and only read by the measured method.
   */
  @State(Scope.Benchmark)
  public static class WithARefusal {
    /** The operations of one call. */
    public List<PointsOperation> operations;

    /** Builds the operations from the fixture's bulk awards. */
    @Setup(Level.Trial)
    public void build(StoreState state) {
      List<PointsOperation> ops = new ArrayList<>(state.engine.bulkAwards);
      // A bulk fixture's participants start at 0 and gain 1 point a call: a billion is never covered.
      ops.set(REFUSED, PointsOperation.deduct(ops.get(REFUSED).participant(),
          PointsChange.of(1_000_000_000L, "refused")));
      operations = List.copyOf(ops);
    }
  }

  /**
   * One {@code applyAll} call of {@value #BULK} operations whose middle one is refused: what one bad row costs an
   * import. Compared in the report with {@link #engineApplyAll}, none refused.
   */
  @Benchmark
  @OperationsPerInvocation(BULK)
  public int engineApplyAllWithARefusal(StoreState state, WithARefusal refusal) {
    return EngineFixture.applyAll(state.engine.scope, refusal.operations, REFUSED);
  }

  /** The raw JDBC batch of {@value #BULK} awards in one transaction. */
  @Benchmark
  @OperationsPerInvocation(BULK)
  public long rawBulkAward(Worker worker) {
    return worker.baseline.bulkAward(BULK);
  }
}
