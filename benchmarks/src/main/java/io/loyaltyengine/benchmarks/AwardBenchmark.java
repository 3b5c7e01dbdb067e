package io.loyaltyengine.benchmarks;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One award, one call, one commit: through the engine on each store, against a raw JDBC baseline on a durable H2
 * file ({@code WRITE_DELAY=0}) that does the least an award needs (insert a ledger row, update a balance, commit).
 * Both H2 figures pay the same fsync per commit, so their ratio is the engine's own cost.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar AwardBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AwardBenchmark {
  /** The store under test. */
  @Param({"IN_MEMORY", "H2"})
  public String store;

  private Path dir;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private ParticipantRef participant;
  private Connection raw;
  private PreparedStatement rawInsert;
  private PreparedStatement rawUpdate;
  private long rawId;

  /** Opens the engine on the store, and the raw baseline on its own H2 file. */
  @Setup(Level.Trial)
  public void setUp() throws IOException, SQLException {
    dir = Files.createTempDirectory("award-bench");
    Storage storage = store.equals("H2") ? JdbcStorage.h2File(dir.resolve("engine")) : new InMemoryStorage();
    engine = LoyaltyEngine.builder().storage(storage).build();
    long tenant = engine.tenants().create(NewTenant.business("bench")).id();
    scope = engine.forTenant(tenant);
    long brand = scope.brands().create(new NewBrand("bench", "bench.example.com")).id();
    long campaign = scope.campaigns().create(NewCampaign.running(brand, "bench")).id();
    participant = ParticipantRef.id(scope.participants()
        .create(campaign, NewParticipant.withEmail("bench@example.com")).id());

    raw = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("raw").toAbsolutePath() + ";WRITE_DELAY=0");
    try (Statement s = raw.createStatement()) {
      s.execute("CREATE TABLE balance (id BIGINT PRIMARY KEY, points BIGINT NOT NULL)");
      s.execute("CREATE TABLE ledger (id BIGINT PRIMARY KEY, participant_id BIGINT NOT NULL, amount BIGINT NOT NULL,"
          + " balance_after BIGINT NOT NULL)");
      s.execute("INSERT INTO balance VALUES (1, 0)");
    }
    raw.setAutoCommit(false);
    rawUpdate = raw.prepareStatement("UPDATE balance SET points = points + ? WHERE id = ?");
    rawInsert = raw.prepareStatement("INSERT INTO ledger VALUES (?, ?, ?, ?)");
  }

  /** Closes everything and deletes the files. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException, SQLException {
    engine.close();
    raw.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** An award through the engine: validation, conditional update, ledger entry, commit. */
  @Benchmark
  public long engineAward() {
    return scope.points().award(participant, PointsChange.of(1, "purchase")).balance();
  }

  /** The raw JDBC baseline on a durable H2 file: update a balance, insert a ledger row, commit. */
  @Benchmark
  public long rawJdbcAward() throws SQLException {
    rawUpdate.setLong(1, 1);
    rawUpdate.setLong(2, 1);
    rawUpdate.executeUpdate();
    rawInsert.setLong(1, ++rawId);
    rawInsert.setLong(2, 1);
    rawInsert.setLong(3, 1);
    rawInsert.setLong(4, rawId);
    rawInsert.executeUpdate();
    raw.commit();
    return rawId;
  }
}
