package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single awards from 4 threads at once (awards per second, all threads together). The engine combines concurrent
 * awards into shared transactions (group commit, at most 64 per commit); its figure is compared with the raw JDBC
 * batch ceiling of {@link BulkAwardBenchmark#rawBulkAward} in the same run (issue target: at least 50% on H2 and
 * PostgreSQL). Beside it, the engine's commits per second ({@code commits}, a secondary result): awards per second
 * divided by commits per second is the mean batch; the batch histogram of the trial is printed when it ends. The raw
 * baseline here is 4 threads each committing its own awards on its own connection, for reference: what the same
 * threads reach without combining.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ConcurrentAwardBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(4)
public class ConcurrentAwardBenchmark {
  private static final PointsChange ONE = PointsChange.of(1, "purchase");

  /**
   * The engine's commits made by one benchmark thread (as the leader of a batch), per second.
   *
   * <p>Not thread-safe: JMH gives each thread its own.
   */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Commits {
    /** Commits this thread made in this iteration. */
    public long commits;

    /** Starts counting this thread's commits afresh. */
    @Setup(Level.Iteration)
    public void start() {
      commits = 0;
      CommitCountingStorage.reportTo(size -> commits++);
    }

    /** Stops counting. */
    @TearDown(Level.Iteration)
    public void stop() {
      CommitCountingStorage.reportTo(null);
    }
  }

  /** An award through the engine, sharing its commit with the other threads' awards when they meet. */
  @Benchmark
  public long engineAward(StoreState state, Worker worker, Commits commits) {
    EngineFixture e = state.engine;
    return e.scope.points().award(e.participant(worker.nextParticipant()), ONE).balance();
  }

  /** The raw baseline's award, each thread committing alone on its own connection. */
  @Benchmark
  public long rawAward(Worker worker) {
    return worker.baseline.award(worker.nextParticipant());
  }
}
