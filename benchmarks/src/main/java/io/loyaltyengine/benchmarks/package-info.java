/**
 * JMH benchmarks. Each benchmark class measures the engine and, in the same run, a baseline that does the least the
 * same work needs (plain Java for pure paths, plain JDBC for storage paths), so results read as ratios.
 *
 * <p>Build and run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -jar benchmarks/target/benchmarks.jar}
 * (add a benchmark name regex and JMH options, e.g. {@code -f 1 -wi 3 -i 5}).
 */
package io.loyaltyengine.benchmarks;
