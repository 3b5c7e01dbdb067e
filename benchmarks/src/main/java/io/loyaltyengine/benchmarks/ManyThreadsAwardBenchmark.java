package io.loyaltyengine.benchmarks;

import org.openjdk.jmh.annotations.Threads;

/**
 * Single awards from {@value #THREADS} threads at once (awards per second, all threads together): how group commit
 * scales once more callers wait than {@link ConcurrentAwardBenchmark}'s 4. A caller waits for the durable commit
 * that holds its award, so {@code n} threads share at most {@code n} awards per commit: throughput is bounded by
 * {@code n} divided by the time of one durable commit, whatever the engine does. With 4 threads that bound is below
 * half the raw batch ceiling on a disk whose commit takes more than about 4 / (0.5 x ceiling), 0.2 ms at a
 * ceiling of 40,000/s; {@value #THREADS} threads lift it fourfold. Compared, in the report, with the raw JDBC batch
 * ceiling of {@link BulkAwardBenchmark#rawBulkAward} and with {@value #THREADS} raw threads each committing alone.
 * The benchmark methods, and their mode, warm-up, measurement and fork, are {@link ConcurrentAwardBenchmark}'s (JMH
 * reads class annotations up the class hierarchy); only the thread count is this class's.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ManyThreadsAwardBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Thread-safe: stateless (no instance fields); the measured methods use the JMH states they take.
 */
@Threads(ManyThreadsAwardBenchmark.THREADS)
public class ManyThreadsAwardBenchmark extends ConcurrentAwardBenchmark {
  /** Benchmark threads. */
  public static final int THREADS = 16;
}
