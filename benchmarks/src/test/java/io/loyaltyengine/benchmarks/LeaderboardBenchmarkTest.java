package io.loyaltyengine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The leaderboard benchmark's PostgreSQL is the server every other PostgreSQL figure runs on: the report's store line
 * (and docs/BENCHMARKS.md) say every PostgreSQL figure commits durably, its recorded actions included.
 */
class LeaderboardBenchmarkTest {
  /** JMH's parameters of a trial of {@code method}, as its setup reads them (only the benchmark's name). */
  static BenchmarkParams paramsOf(String benchmark, int threads) {
    IterationParams iteration = new IterationParams(IterationType.MEASUREMENT, 1, TimeValue.seconds(1), 1);
    return new BenchmarkParams(benchmark, benchmark, false, threads, new int[] {threads}, List.of(), 1, 0, iteration,
        iteration, Mode.SampleTime, new WorkloadParams(), TimeUnit.MICROSECONDS, 1, "java", List.of(), "17", "vm",
        "17", "1.37", TimeValue.minutes(1));
  }

  @Test
  void itsPostgresqlCommitsDurably() throws Exception {
    LeaderboardBenchmark bench = new LeaderboardBenchmark();
    bench.store = "POSTGRES";
    bench.participants = 1_000;
    bench.indexed = "FIRST";
    bench.setUp(paramsOf("io.loyaltyengine.benchmarks.LeaderboardBenchmark.recordAction", 2));
    try {
      Field field = LeaderboardBenchmark.class.getDeclaredField("postgres");
      field.setAccessible(true);
      EmbeddedPostgres postgres = (EmbeddedPostgres) field.get(bench);
      try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        for (String setting : BenchDatabase.DURABLE_SETTINGS) {
          try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            assertEquals("on", rs.getString(1), setting);
          }
        }
      }
    } finally {
      bench.tearDown();
    }
  }
}
