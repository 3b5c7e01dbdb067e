package io.loyaltyengine.benchmarks;

import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.LoyaltyAction;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Coupon assignment, one call, one commit, from one thread (coupons per second): a loyalty action that unlocks a
 * COUPON reward (every action; AUTO approval), so the call counts the action, records the earned reward and takes the
 * next free code of the pool; against the raw baseline's counter increment, code taken (PostgreSQL:
 * {@code FOR UPDATE SKIP LOCKED}; H2: read the lowest free code, take it by a conditional update) and earned-reward
 * row ({@link RawBaseline#couponAction}). The pool is topped up before every iteration, outside the measurement, so
 * it never runs dry (checked after every iteration).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CouponBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CouponBenchmark {
  /** Codes per second the first top-up assumes on a durable store, before any rate was seen. */
  private static final long FIRST_RATE_DURABLE = 4_000;
  /** Codes per second the first top-up assumes in memory. */
  private static final long FIRST_RATE_IN_MEMORY = 100_000;

  /**
   * The pool's level: codes taken so far, and the most one iteration took.
   *
   * <p>Not thread-safe: JMH state of scope Thread, one per benchmark thread, whose measured methods count the codes
   * they took in it.
   */
  @State(Scope.Thread)
  public static class Pool {
    long taken;
    long takenBefore;
    long mostInOneIteration;

    /** Tops the pool up to twice what an iteration can take, judging by the fastest iteration so far. */
    @Setup(Level.Iteration)
    public void topUp(StoreState state, Worker worker, IterationParams iteration) {
      long seconds = Math.max(1, iteration.getTime().convertTo(TimeUnit.SECONDS));
      long rate = state.store == StoreKind.IN_MEMORY ? FIRST_RATE_IN_MEMORY : FIRST_RATE_DURABLE;
      long need = 2 * Math.max(rate * seconds, mostInOneIteration) + 10_000;
      if (state.engine != null) {
        state.engine.topUpCoupons(taken, need);
      } else {
        worker.baseline.topUpCoupons(taken, need);
      }
      takenBefore = taken;
    }

    /** Checks that the pool never ran dry, which would have measured another path. */
    @TearDown(Level.Iteration)
    public void check(StoreState state) {
      mostInOneIteration = Math.max(mostInOneIteration, taken - takenBefore);
      if (state.engine != null && state.engine.scope.coupons().remaining(state.engine.campaign) == 0) {
        throw new IllegalStateException("the coupon pool ran dry during the iteration");
      }
    }
  }

  /** An action through the engine that unlocks a coupon reward and assigns it a code. */
  @Benchmark
  public ActionResult engineAssignCoupon(StoreState state, Worker worker, Pool pool) {
    EngineFixture e = state.engine;
    ActionResult result = e.scope.rewards()
        .recordAction(LoyaltyAction.of(e.participant(worker.nextParticipant()), e.couponReward));
    pool.taken++;
    return result;
  }

  /** The raw baseline's action that takes a code. */
  @Benchmark
  public String rawAssignCoupon(Worker worker, Pool pool) {
    String code = worker.baseline.couponAction(worker.nextParticipant());
    pool.taken++;
    return code;
  }
}
