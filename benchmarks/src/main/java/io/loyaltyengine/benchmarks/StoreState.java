package io.loyaltyengine.benchmarks;

import io.loyaltyengine.core.spi.Storage;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The shared fixture of the storage benchmarks, one per trial: the store ({@code @Param store}), and on it either the
 * engine ({@link EngineFixture}, for benchmark methods named {@code engine...}) or the raw baseline (methods named
 * {@code raw...}; {@link JdbcBaseline} on a database beside the engine's, or {@link MemoryBaseline}). Only the side a
 * trial measures is built, so a trial pays for one setup.
 *
 * <p>With more than one benchmark thread the engine's storage is wrapped in a {@link CommitCountingStorage}, whose
 * batch histogram of the measured iterations is printed when the trial ends.
 *
 * <p>Thread-safe after setup: the engine is, and each thread gets its own baseline connection from
 * {@link #newBaseline}.
 */
@State(Scope.Benchmark)
public class StoreState {
  /**
   * The engine's group commit bound: the engine's default, 64, unless the system property
   * {@code loyalty.bench.maxGroupCommit} says otherwise ({@code -jvmArgsAppend -Dloyalty.bench.maxGroupCommit=1} turns
   * group commit off, to compare).
   */
  static final int MAX_GROUP_COMMIT = Integer.getInteger("loyalty.bench.maxGroupCommit", 64);

  /** The store under test. */
  @Param({"IN_MEMORY", "H2", "POSTGRES"})
  public StoreKind store;

  /** Participants of the campaign: {@link EngineFixture#BULK_PARTICIPANTS} for bulk calls, else fewer. */
  public int participants;
  /** The engine and its content; null in a baseline trial. */
  public EngineFixture engine;
  /** The storage wrapper counting commits; null unless the engine runs with several threads. */
  public CommitCountingStorage commits;

  private BenchDatabase database;
  private JdbcBaseline.Shared jdbcBaseline;
  private MemoryBaseline memoryBaseline;
  private boolean measuring;

  /** Opens the store and builds the side the benchmark method measures. */
  @Setup(Level.Trial)
  public void open(BenchmarkParams params) throws IOException, SQLException {
    String benchmark = params.getBenchmark();
    String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
    participants = benchmark.contains("BulkAward") ? EngineFixture.BULK_PARTICIPANTS : EngineFixture.PARTICIPANTS;
    long started = System.nanoTime();
    database = BenchDatabase.open(store);
    long opened = System.nanoTime();
    try {
      if (method.startsWith("engine")) {
        Storage storage = database.engineStorage();
        if (params.getThreads() > 1) {
          storage = commits = new CommitCountingStorage(storage);
        }
        boolean spends = benchmark.contains("Deduct") || benchmark.contains("Redemption")
            || benchmark.contains("MixedBatch");
        engine = EngineFixture.open(database, storage, participants, MAX_GROUP_COMMIT, spends);
      } else if (method.startsWith("raw")) {
        if (store == StoreKind.IN_MEMORY) {
          memoryBaseline = new MemoryBaseline(participants);
        } else {
          jdbcBaseline = JdbcBaseline.createSchema(database, participants);
        }
      } else {
        throw new IllegalStateException("a storage benchmark method is named engine... or raw...: " + method);
      }
    } catch (SQLException | RuntimeException | Error e) {
      database.close();
      throw e;
    }
    System.out.printf("setup on %s: store opened in %d ms, fixture built in %d ms%n", store,
        (opened - started) / 1_000_000, (System.nanoTime() - opened) / 1_000_000);
  }

  /**
   * A baseline for one thread: its own JDBC connection, or the shared plain-Java baseline.
   *
   * @throws IllegalStateException in an engine trial
   */
  public RawBaseline newBaseline() throws SQLException {
    if (memoryBaseline != null) {
      return memoryBaseline;
    }
    if (jdbcBaseline == null) {
      throw new IllegalStateException("not a baseline trial");
    }
    return new JdbcBaseline(database.rawConnection(), jdbcBaseline);
  }

  /**
   * Brings the planner's statistics of the side's database up to date ({@code ANALYZE}), as a server's background
   * analysis would after a bulk load; nothing on the in-memory store.
   */
  public void analyze() throws SQLException {
    if (store == StoreKind.IN_MEMORY) {
      return;
    }
    try (Connection c = engine != null ? database.engineConnection() : database.rawConnection();
        Statement statement = c.createStatement()) {
      statement.execute("ANALYZE");
    }
  }

  /** Starts the batch histogram afresh at the first measured iteration, so it leaves out setup and warm-up. */
  @Setup(Level.Iteration)
  public void iteration(IterationParams iteration) {
    if (commits != null && iteration.getType() == IterationType.MEASUREMENT && !measuring) {
      commits.reset();
      measuring = true;
    }
  }

  /** Prints the group-commit batches, if counted, and closes the engine and the store. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    try {
      if (commits != null) {
        System.out.println("group commit on " + store + " (maxGroupCommit " + MAX_GROUP_COMMIT
            + "), commits by batch size (measured iterations): " + commits.histogram());
      }
      if (engine != null) {
        engine.close();
      }
    } finally {
      database.close();
    }
  }
}
