package io.loyaltyengine.benchmarks;

import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOutcome;
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
          "DROP INDEX ix_event_outbox_unpositioned", "DROP INDEX ix_event_outbox_occurred")),
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
        EngineFixture engine = engine(database, participants);
        JdbcBaseline raw = baseline(database, participants)) {
      Sides sides = bulk ? new Bulk(engine, raw) : new Single(engine, raw);
      sides.warmUp();
      System.out.printf("%s, %s: median time per award over %d blocks of %d %s per side%n", store, args[1],
          blocks, sides.callsPerBlock(), bulk ? "calls of 1,000" : "calls");
      System.out.printf("%-48s %12s %12s %10s%n", "step", "engine µs", "raw µs", "raw/engine");
      for (Step step : STEPS) {
        drop(database, step);
        double[] engineMicros = new double[blocks];
        double[] rawMicros = new double[blocks];
        for (int b = 0; b < blocks; b++) {
          engineMicros[b] = sides.engineBlock();
          rawMicros[b] = sides.rawBlock();
        }
        double e = median(engineMicros);
        double r = median(rawMicros);
        System.out.printf("%-48s %12.1f %12.1f %9.0f%%%n", step.what(), e, r, 100 * r / e);
      }
    }
  }

  private static EngineFixture engine(BenchDatabase database, int participants) throws SQLException {
    try (Connection setup = database.engineConnection()) {
      return new EngineFixture(database.engineStorage(), participants, 0, setup, false);
    }
  }

  private static JdbcBaseline baseline(BenchDatabase database, int participants) throws SQLException {
    JdbcBaseline.Shared shared;
    try (Connection c = database.rawConnection()) {
      shared = JdbcBaseline.createSchema(c, database.kind() == StoreKind.POSTGRES, participants);
    }
    return new JdbcBaseline(database.rawConnection(), shared);
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

  /** The two sides of one path: each block returns its time per award in microseconds. */
  private interface Sides {
    void warmUp();

    int callsPerBlock();

    double engineBlock();

    double rawBlock();
  }

  /** One award per call, one commit each. */
  private static final class Single implements Sides {
    private static final int CALLS = 200;
    private final EngineFixture engine;
    private final JdbcBaseline raw;
    private long next;

    Single(EngineFixture engine, JdbcBaseline raw) {
      this.engine = engine;
      this.raw = raw;
    }

    @Override
    public void warmUp() {
      for (int i = 0; i < 15 * CALLS; i++) {
        engineAward();
        rawAward();
      }
    }

    @Override
    public int callsPerBlock() {
      return CALLS;
    }

    @Override
    public double engineBlock() {
      long started = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        engineAward();
      }
      return (System.nanoTime() - started) / 1_000.0 / CALLS;
    }

    @Override
    public double rawBlock() {
      long started = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        rawAward();
      }
      return (System.nanoTime() - started) / 1_000.0 / CALLS;
    }

    private void engineAward() {
      engine.scope.points().award(engine.participant(next++), ONE);
    }

    private void rawAward() {
      raw.award((int) (next++ % EngineFixture.PARTICIPANTS));
    }
  }

  /** 1,000 awards per call, each participant once. */
  private static final class Bulk implements Sides {
    private static final int CALLS = 2;
    private final EngineFixture engine;
    private final JdbcBaseline raw;

    Bulk(EngineFixture engine, JdbcBaseline raw) {
      this.engine = engine;
      this.raw = raw;
    }

    @Override
    public void warmUp() {
      for (int i = 0; i < 30; i++) {
        engineCall();
        raw.bulkAward(EngineFixture.BULK_PARTICIPANTS);
      }
    }

    @Override
    public int callsPerBlock() {
      return CALLS;
    }

    @Override
    public double engineBlock() {
      long started = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        engineCall();
      }
      return (System.nanoTime() - started) / 1_000.0 / CALLS / EngineFixture.BULK_PARTICIPANTS;
    }

    @Override
    public double rawBlock() {
      long started = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        raw.bulkAward(EngineFixture.BULK_PARTICIPANTS);
      }
      return (System.nanoTime() - started) / 1_000.0 / CALLS / EngineFixture.BULK_PARTICIPANTS;
    }

    private void engineCall() {
      for (PointsOutcome outcome : engine.scope.points().applyAll(engine.bulkAwards)) {
        if (!outcome.succeeded()) {
          throw outcome.error();
        }
      }
    }
  }
}
