package io.loyaltyengine.benchmarks;

import java.sql.SQLException;
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
 * Coupon upload, {@value #CODES} new codes per call, one commit, from one thread (codes per second), into a pool that
 * already holds {@value #PRELOADED} codes and grows by every call: the engine's upload (the pool's lock, one look-up
 * of the codes already in the pool, one insert of the new ones, the waiting rewards' assignment, which finds none)
 * against the raw baseline's JDBC batch of inserts into a table whose codes are unique
 * ({@link RawBaseline#uploadCodes}).
 *
 * <p>It watches how an upload's cost grows with the pool: until the look-up of the codes already in the pool became a
 * join on the code's unique index, H2 checked every code of the pool against the uploaded ones.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CouponUploadBenchmark -p store=H2,POSTGRES}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@OperationsPerInvocation(CouponUploadBenchmark.CODES)
public class CouponUploadBenchmark {
  /** Codes per upload. */
  static final int CODES = 1_000;
  /** Codes in the pool before the first measured call. */
  static final int PRELOADED = 50_000;

  /**
   * The pool, filled with {@value #PRELOADED} codes before the trial, and the database's statistics brought up to date
   * then: without them PostgreSQL plans the look-up of the codes already in the pool for a table of a few rows and
   * scans the whole pool (it grows by about a hundred thousand codes a trial, too fast for autovacuum's analysis).
   *
   * <p>Thread-safe: it has no fields. JMH state of scope Thread, whose trial setup fills the pool in the store (the
   * benchmark runs one thread).
   */
  @State(Scope.Thread)
  public static class Preloaded {
    /** Fills the pool and analyzes, outside the measurement. */
    @Setup(Level.Trial)
    public void fill(StoreState state, Worker worker) throws SQLException {
      if (state.engine != null) {
        state.engine.topUpCoupons(0, PRELOADED);
      } else {
        worker.baseline.topUpCoupons(0, PRELOADED);
      }
      state.analyze();
    }
  }

  /** An upload of new codes through the engine. */
  @Benchmark
  public long engineUpload(StoreState state, Preloaded pool) {
    return state.engine.uploadCodes(CODES);
  }

  /** The raw baseline's batch of new codes. */
  @Benchmark
  public long rawUpload(Worker worker, Preloaded pool) {
    return worker.baseline.uploadCodes(CODES);
  }
}
