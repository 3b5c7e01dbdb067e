/**
 * JMH benchmarks. Each benchmark class measures the engine and, in the same run, a baseline that does the least the
 * same work needs (plain Java for pure paths, plain JDBC for storage paths), so results read as ratios. The storage
 * benchmarks share one fixture ({@link io.loyaltyengine.benchmarks.StoreState}: the store as a {@code @Param}, the
 * engine's content in {@link io.loyaltyengine.benchmarks.EngineFixture}, the baselines in
 * {@link io.loyaltyengine.benchmarks.JdbcBaseline} and {@link io.loyaltyengine.benchmarks.MemoryBaseline}).
 *
 * <p>Run a profile and get its report: {@code benchmarks/run.sh quick} (or {@code full}, {@code durable}); see
 * {@code docs/BENCHMARKS.md}. Or by hand: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar} with a benchmark name regex and JMH options, e.g. {@code -f 1 -wi 3 -i 5}.
 */
package io.loyaltyengine.benchmarks;
