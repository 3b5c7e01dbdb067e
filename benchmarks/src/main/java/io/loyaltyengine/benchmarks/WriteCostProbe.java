package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How much of the engine's write cost each group of secondary indexes accounts for. On one durable store it runs the
 * engine's award (or bulk award) and the raw baseline's in alternating blocks, first on the engine's full schema, then
 * after dropping one group of indexes at a time (cumulatively), and prints the median time per award of both sides
 * at each step.
 *
 * <p>A diagnostic, not a benchmark: the dropped indexes serve the change feed, pruning, leaderboard and history reads,
 * so the later steps describe an engine that could no longer answer those; they bound what removing write-path
 * indexes could gain. Blocks alternate so that both sides see the same machine load; medians are over the blocks.
 *
 * <p>Run after {@code ./mvnw -q -pl benchmarks -am package -DskipTests}:
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.loyaltyengine.benchmarks.WriteCostProbe POSTGRES bulk
 * java -cp benchmarks/target/benchmarks.jar io.loyaltyengine.benchmarks.WriteCostProbe H2 award 25
 * }</pre>
 *
 * <p>Not thread-safe; a command-line program.
 */
public final class WriteCostProbe {
  /** One step: what it drops, and the statements that drop it (the same names on H2 and PostgreSQL). */
  private record Step(String what, List<String> statements) {
  }

  private static final List<Step> STEPS = List.of(
      new Step("engine schema, complete", List.of()),
      new Step("- points counters' board and change indexes",
          List.of("DROP INDEX ix_points_count_board", "DROP INDEX ix_points_count_changed")),
      new Step("- outbox's feed, unpositioned and age indexes", List.of("DROP INDEX ix_event_outbox_feed",
          "DROP INDEX ix_event_outbox_unpositioned", "DROP INDEX ix_event_outbox_pruning")),
      new Step("- ledger's history index and idempotency key", List.of("DROP INDEX ix_ledger_participant",
          "ALTER TABLE ledger_entry DROP CONSTRAINT uq_ledger_idempotency_key")));

  private static final PointsChange ONE = PointsChange.of(1, "purchase");

  private WriteCostProbe() {
  }

  /**
   * Runs the probe.
   *
   * @param args the store ({@code H2} or {@code POSTGRES}), the path ({@code award}: one award per call and commit;
   *     {@code bulk}: 1,000 awards per call), and optionally the blocks per step (default 15)
   */
  public static void main(String[] args) throws IOException, SQLException {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: WriteCostProbe H2|POSTGRES award|bulk [blocks per step]");
      System.exit(2);
    }
    StoreKind store = StoreKind.valueOf(args[0].toUpperCase(Locale.ROOT));
    if (store == StoreKind.IN_MEMORY) {
      throw new IllegalArgumentException("the in-memory store has no indexes to drop: use H2 or POSTGRES");
    }
    boolean bulk = switch (args[1]) {
      case "award" -> false;
      case "bulk" -> true;
      default -> throw new IllegalArgumentException("the path is award or bulk, not " + args[1]);
    };
    int blocks = args.length == 3 ? Integer.parseInt(args[2]) : 15;
    if (blocks < 1) {
      throw new IllegalArgumentException("blocks per step must be at least 1 but was " + blocks);
    }
    int participants = bulk ? EngineFixture.BULK_PARTICIPANTS : EngineFixture.PARTICIPANTS;
    try (BenchDatabase database = BenchDatabase.open(store);
        EngineFixture engine = EngineFixture.open(database, database.engineStorage(), participants,
            StoreState.MAX_GROUP_COMMIT, false);
        JdbcBaseline raw = new JdbcBaseline(database.rawConnection(),
            JdbcBaseline.createSchema(database, participants))) {
      Workload path = bulk ? Workload.bulk(engine, raw) : Workload.award(engine, raw);
      path.block(path.engine(), path.warmUpCalls());
      path.block(path.raw(), path.warmUpCalls());
      System.out.printf("%s, %s: median time per award over %d blocks of %d %s per side%n", store, args[1],
          blocks, path.calls(), bulk ? "calls of 1,000" : "calls");
      System.out.printf("%-48s %12s %12s %10s%n", "step", "engine µs", "raw µs", "raw/engine");
      for (Step step : STEPS) {
        drop(database, step);
        double[] engineMicros = new double[blocks];
        double[] rawMicros = new double[blocks];
        for (int b = 0; b < blocks; b++) {
          engineMicros[b] = path.block(path.engine(), path.calls());
          rawMicros[b] = path.block(path.raw(), path.calls());
        }
        double e = median(engineMicros);
        double r = median(rawMicros);
        System.out.printf("%-48s %12.1f %12.1f %9.0f%%%n", step.what(), e, r, 100 * r / e);
      }
    }
  }

  private static void drop(BenchDatabase database, Step step) throws SQLException {
    if (step.statements().isEmpty()) {
      return;
    }
    try (Connection c = database.engineConnection(); Statement s = c.createStatement()) {
      for (String sql : step.statements()) {
        s.execute(sql);
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /**
   * One path on both sides: a call of each, the calls per measured block, the awards per call, and the calls of the
   * warm-up.
   */
  private record Workload(Runnable engine, Runnable raw, int calls, int awardsPerCall, int warmUpCalls) {
    /** One award per call, one commit each. */
    static Workload award(EngineFixture engine, JdbcBaseline raw) {
      long[] next = {0};
      return new Workload(() -> engine.scope.points().award(engine.participant(next[0]++), ONE),
          () -> raw.award((int) (next[0]++ % EngineFixture.PARTICIPANTS)), 200, 1, 3_000);
    }

    /** 1,000 awards per call, each participant once. */
    static Workload bulk(EngineFixture engine, JdbcBaseline raw) {
      return new Workload(() -> EngineFixture.applyAll(engine.scope, engine.bulkAwards),
          () -> raw.bulkAward(EngineFixture.BULK_PARTICIPANTS), 2, EngineFixture.BULK_PARTICIPANTS, 30);
    }

    /** Runs {@code calls} calls of {@code side} and returns the time per award, in microseconds. */
    double block(Runnable side, int calls) {
      long started = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        side.run();
      }
      return (System.nanoTime() - started) / 1_000.0 / calls / awardsPerCall;
    }
  }
}
