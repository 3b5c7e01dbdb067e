package io.loyaltyengine.benchmarks;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.core.points.PointsRules;
import io.loyaltyengine.points.PointsChange;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure-core decision of an award, without storage: validate the change ({@link PointsRules#validate}) and
 * check that the balance can take it ({@link PointsRules#canCredit}), against a plain-Java baseline that only
 * checks the amount's sign and the overflow bound.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar AwardDecisionBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Not thread-safe: JMH state of scope Thread, so each benchmark thread has its own instance; its fields are set
 * when it is built and only read by the measured methods.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AwardDecisionBenchmark {
  // Not final (JMH's sample 10): a final long set to a constant is copied into the methods by javac, and the JIT
  // could take the others as constants too; the measured code must read its inputs.
  private EngineLimits limits = EngineLimits.DEFAULTS;
  private PointsChange change = PointsChange.of(42, "purchase").withIdempotencyKey("order-1001");
  private long balance = 1_000;
  private long lifetime = 5_000;

  /** The engine's decision: full validation and the overflow rule. */
  @Benchmark
  public boolean engine() {
    PointsChange valid = PointsRules.validate(change, limits);
    return PointsRules.canCredit(balance, lifetime, valid.amount());
  }

  /** The least an award decision needs: a positive amount that does not overflow the balance. */
  @Benchmark
  public boolean baseline() {
    long amount = change.amount();
    return amount > 0 && balance <= Long.MAX_VALUE - amount;
  }
}
