package io.loyaltyengine.benchmarks;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
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
 * Leaderboard reads through the engine's in-process index against the same reads in SQL on the same rows, on H2
 * (file) and PostgreSQL (embedded, zonky), at 100k and 1M participants: a participant's rank, and the top-100 page.
 * And the write cost the index adds: a loyalty action recorded in a campaign whose board is indexed (read once)
 * against one in a campaign of the same size whose board was never read.
 *
 * <p>The rows are written straight into {@code participant} and {@code action_count} with JDBC batches (the columns
 * the engine writes), because creating a million participants through the engine would take far longer than the
 * benchmark. Counts are skewed (most participants have a few actions, a few have up to 500; about a fifth have none
 * and no counter row). The SQL rank is {@code count(*) + 1} of the counters above the participant's score, taking
 * the score as known (one query, which flatters SQL: the engine's standing also finds the score); the SQL top-100
 * reads the counters' board index {@code (tenant, campaign, reward, month, count)} in descending order. H2's result
 * cache is off ({@code OPTIMIZE_REUSE_RESULTS=0}) so that a repeated query is really run.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LeaderboardBenchmark -f 1 -wi 1 -i 2 -w 2 -r 2
 * -p participants=100000}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class LeaderboardBenchmark {
  private static final int BATCH = 10_000;
  private static final int MAX_COUNT = 500;
  private static final int PROBES = 1 << 14;
  private static final String RANK_SQL = "SELECT count(*) + 1 FROM action_count WHERE tenant_id = ?"
      + " AND campaign_id = ? AND campaign_reward_id = 0 AND year_month = 0 AND count > ?";
  private static final String TOP_SQL = "SELECT participant_id, count FROM action_count WHERE tenant_id = ?"
      + " AND campaign_id = ? AND campaign_reward_id = 0 AND year_month = 0"
      + " ORDER BY count DESC, participant_id LIMIT 100";

  /** The store under test. */
  @Param({"H2", "POSTGRESQL"})
  public String store;

  /** Participants in each of the two campaigns. */
  @Param({"100000", "1000000"})
  public int participants;

  private Path dir;
  private EmbeddedPostgres postgres;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private long tenant;
  private long indexedCampaign;
  private long indexedReward;
  private long coldReward;
  private long[] scores;
  private long[] probes;
  private int next;
  private Connection raw;
  private PreparedStatement rank;
  private PreparedStatement top;

  /** Opens the store, creates the tenant and both campaigns, fills them and builds the indexed campaign's board. */
  @Setup(Level.Trial)
  public void setUp() throws IOException, SQLException {
    if (store.equals("H2")) {
      dir = Files.createTempDirectory("leaderboard-bench");
      String url = "jdbc:h2:file:" + dir.resolve("engine").toAbsolutePath()
          + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;OPTIMIZE_REUSE_RESULTS=0";
      engine = LoyaltyEngine.builder().storage(JdbcStorage.builder().url(url).build()).build();
      raw = DriverManager.getConnection(url);
    } else {
      postgres = EmbeddedPostgres.builder().setRegisterShutdownHook(true).start();
      DataSource dataSource = postgres.getPostgresDatabase();
      engine = LoyaltyEngine.builder().storage(JdbcStorage.builder().dataSource(dataSource).build()).build();
      raw = dataSource.getConnection();
    }
    tenant = engine.tenants().create(NewTenant.business("bench")).id();
    scope = engine.forTenant(tenant);
    long brand = scope.brands().create(new NewBrand("bench", "bench.example.com")).id();
    indexedCampaign = scope.campaigns().create(NewCampaign.running(brand, "indexed")).id();
    long coldCampaign = scope.campaigns().create(NewCampaign.running(brand, "cold")).id();
    // Many conversions per reward: an earned reward now and then costs the same in both campaigns.
    indexedReward = scope.rewards().define(indexedCampaign, NewCampaignReward.points("bench", 1, 1000)).id();
    coldReward = scope.rewards().define(coldCampaign, NewCampaignReward.points("bench", 1, 1000)).id();

    // Ids 1..n for the indexed campaign and n+1..2n for the cold one: the engine's own ids are time-ordered and far
    // above these.
    scores = fill(indexedCampaign, 1, new SplittableRandom(42));
    fill(coldCampaign, participants + 1L, new SplittableRandom(43));
    try (Statement s = raw.createStatement()) {
      s.execute(store.equals("H2") ? "ANALYZE" : "VACUUM ANALYZE");
    }
    SplittableRandom random = new SplittableRandom(7);
    probes = new long[PROBES];
    for (int i = 0; i < PROBES; i++) {
      probes[i] = 1 + random.nextInt(participants);
    }
    rank = raw.prepareStatement(RANK_SQL);
    top = raw.prepareStatement(TOP_SQL);
    // Builds the indexed campaign's board in the engine; the cold campaign's board is never read.
    scope.leaderboards().page(BoardRequest.of(indexedCampaign, BoardPeriod.ALL_TIME).limit(100));
  }

  /** Writes {@code participants} participants from id {@code firstId} and their counters; returns the scores. */
  private long[] fill(long campaign, long firstId, SplittableRandom random) throws SQLException {
    String metadata = store.equals("H2") ? "?" : "CAST(? AS json)";
    Timestamp created = Timestamp.from(Instant.now().minus(1, ChronoUnit.DAYS));
    long[] counts = new long[participants];
    boolean autoCommit = raw.getAutoCommit();
    raw.setAutoCommit(false);
    try (PreparedStatement p = raw.prepareStatement("INSERT INTO participant (tenant_id, participant_id, campaign_id,"
        + " email, email_sanitized, metadata, search_text, points_balance, lifetime_points, created_at, updated_at)"
        + " VALUES (?, ?, ?, ?, ?, " + metadata + ", ?, 0, 0, ?, ?)");
        PreparedStatement c = raw.prepareStatement("INSERT INTO action_count (tenant_id, participant_id,"
            + " campaign_reward_id, year_month, campaign_id, count, updated_at) VALUES (?, ?, 0, 0, ?, ?, ?)")) {
      for (int i = 0; i < participants; i++) {
        long id = firstId + i;
        String email = "p" + id + "@example.com";
        p.setLong(1, tenant);
        p.setLong(2, id);
        p.setLong(3, campaign);
        p.setString(4, email);
        p.setString(5, email);
        p.setString(6, "{}");
        p.setString(7, email);
        p.setTimestamp(8, created);
        p.setTimestamp(9, created);
        p.addBatch();
        // Skewed: u^4 puts most participants near 0 and a few near the top.
        double u = random.nextDouble();
        counts[i] = (long) (u * u * u * u * (MAX_COUNT + 1));
        if (counts[i] > 0) {
          c.setLong(1, tenant);
          c.setLong(2, id);
          c.setLong(3, campaign);
          c.setLong(4, counts[i]);
          c.setTimestamp(5, created);
          c.addBatch();
        }
        if ((i + 1) % BATCH == 0 || i + 1 == participants) {
          p.executeBatch();
          c.executeBatch();
          raw.commit();
        }
      }
    } finally {
      raw.setAutoCommit(autoCommit);
    }
    return counts;
  }

  /** Closes everything and deletes the files or stops the server. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException, SQLException {
    rank.close();
    top.close();
    raw.close();
    engine.close();
    if (postgres != null) {
      postgres.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private long nextProbe() {
    next = (next + 1) & (PROBES - 1);
    return probes[next];
  }

  /** A random participant's all-time rank and score from the engine's index. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public long indexRank() {
    return scope.leaderboards()
        .standing(ParticipantRef.id(nextProbe()), BoardMetric.ACTIONS, Consistency.INDEX).rank();
  }

  /** The all-time top 100 from the engine's index. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public int indexTop100() {
    return scope.leaderboards().page(BoardRequest.of(indexedCampaign, BoardPeriod.ALL_TIME).limit(100))
        .items().size();
  }

  /** A random participant's rank in SQL, its score known: the counters above it, plus one. */
  @Benchmark
  public long sqlRank() throws SQLException {
    long id = nextProbe();
    rank.setLong(1, tenant);
    rank.setLong(2, indexedCampaign);
    rank.setLong(3, scores[(int) (id - 1)]);
    try (ResultSet rs = rank.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The all-time top 100 in SQL, every row read. */
  @Benchmark
  public long sqlTop100() throws SQLException {
    top.setLong(1, tenant);
    top.setLong(2, indexedCampaign);
    long sum = 0;
    try (ResultSet rs = top.executeQuery()) {
      while (rs.next()) {
        sum += rs.getLong(1) + rs.getLong(2);
      }
    }
    return sum;
  }

  /** A loyalty action in the campaign whose board is indexed: the write plus the index update. */
  @Benchmark
  public long recordActionIndexed() {
    return scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(nextProbe()), indexedReward))
        .hashCode();
  }

  /** A loyalty action in the campaign of the same size whose board was never read: the write alone. */
  @Benchmark
  public long recordActionCold() {
    return scope.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(participants + nextProbe()), coldReward)).hashCode();
  }
}
