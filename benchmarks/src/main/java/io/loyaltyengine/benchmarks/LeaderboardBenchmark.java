package io.loyaltyengine.benchmarks;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Leaderboard reads through the engine's API (its in-process index) against the same reads in SQL on the same rows,
 * on H2 (file) and PostgreSQL (embedded, zonky), at 100k and 1M participants: one participant's rank
 * ({@link Leaderboards#rank}), its standing (three boards), and the top-100 page. And the write cost the index adds:
 * loyalty actions recorded in a campaign whose boards are indexed (all time and this month, both read once) against
 * the same actions in a campaign of the same size whose boards were never read, at the same time in one trial (a JMH
 * group of two threads), so that both see the same machine, database and moment. Sampling mode: the targets are
 * medians (p0.50), which a loaded machine disturbs far less than the mean.
 *
 * <h2>The fixture</h2>
 * Each trial opens a fresh store and fills the campaign read (and, for the writes, a second campaign) straight into
 * {@code participant} and {@code action_count} with one {@code INSERT ... SELECT} per 100,000 rows from a number
 * series ({@code SYSTEM_RANGE} on H2, {@code generate_series} on PostgreSQL): the columns the engine writes, ids
 * 1..n and n+1..2n (the engine's own ids are time-ordered and far above), the same counts in both. Counts are skewed
 * and reproducible: {@code v = (x * 2654435761 mod 1000003) mod 1000} for the x-th participant,
 * {@code count = 501 v^4 / 10^12} in integer arithmetic, the same in SQL and in {@link #countOf}: about a fifth of
 * the participants have no action and no counter row, most have a few, a few up to 499. The setup checks that the
 * store holds exactly the counts computed here. H2 takes minutes to take two million participants, so its first trial
 * of each size fills both campaigns and saves the database file under {@code java.io.tmpdir/loyalty-leaderboard-bench}
 * and later trials (in later forks) start from a copy of it; PostgreSQL is filled in each trial.
 *
 * <h2>What is compared</h2>
 * The SQL rank is {@code count(*) + 1} of the counters above the participant's score, the score taken as known (one
 * query, which flatters SQL: the engine also finds the score). The SQL top-100 is {@code ORDER BY count DESC,
 * participant_id LIMIT 100} over an index made for it in that trial only, {@code (tenant, campaign, reward, month,
 * count DESC, participant_id)}, which it reads in order: the best case for SQL (the engine's own board index stops
 * at {@code count}). Its ORDER BY names the index's leading columns too (fixed by the WHERE clause, so the order is
 * the same): H2 reads an index in order only when the ORDER BY starts with the index's first column, and otherwise
 * sorts every counter of the campaign (about 70 ms at 100k). H2's result cache is off
 * ({@code OPTIMIZE_REUSE_RESULTS=0}) so that a repeated query is really run. PostgreSQL runs with durable commits,
 * as in every other benchmark ({@link BenchDatabase#startDurable}: {@code fsync}, {@code synchronous_commit} and
 * {@code full_page_writes} on, checked; zonky's defaults turn the first two off), so that its recorded actions are
 * what the report's store line says.
 *
 * <p>The write benchmarks run on H2 ({@code WRITE_DELAY=0}: every commit is written to the file before the call
 * returns) with event dispatch left to the host ({@code manualDispatch}), so that the background dispatcher's rounds,
 * which are the same with and without the index, neither add to nor disturb the cost of the action itself, and with
 * group commit off ({@code maxGroupCommit(1)}): each action commits alone, never sharing a commit (and its cost) with
 * the other thread's.
 *
 * <p>Warm-up iterations last 5 s: on a loaded 2-core machine, 2 s after a short setup (100k participants) the index
 * reads were not compiled yet and took several times their steady cost.
 *
 * <p>Run (reads, then writes):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'LeaderboardBenchmark\.(index|sql)' -f 1 -wi 2 -w 5 -i 3 -r 1
 * java -jar benchmarks/target/benchmarks.jar 'LeaderboardBenchmark\.recordAction' -p store=H2 -f 1 -wi 2 -w 5 -i 5 -r 3
 * </pre>
 * The writes take about 5 ms each on a loaded machine and vary by tens of percent from second to second, so they are
 * measured for 15 s; add {@code -p indexed=NONE,FIRST,SECOND} for the controls.
 *
 * <p>Not thread-safe: JMH state of scope Benchmark. The reads run on one thread (the probe cursor and the prepared
 * statements are the instance's); the writing group's two threads share only the engine, which is thread-safe,
 * each drawing participants from its own {@link Writer}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class LeaderboardBenchmark {
  private static final int FILL_CHUNK = 100_000;
  /** Names the saved H2 fixtures; change it with the fixture. */
  private static final int FIXTURE_VERSION = 2;
  private static final int PROBES = 1 << 14;
  private static final String RANK_SQL = "SELECT count(*) + 1 FROM action_count WHERE tenant_id = ?"
      + " AND campaign_id = ? AND campaign_reward_id = 0 AND year_month = 0 AND count > ?";
  private static final String TOP_SQL = "SELECT participant_id, count FROM action_count WHERE tenant_id = ?"
      + " AND campaign_id = ? AND campaign_reward_id = 0 AND year_month = 0"
      + " ORDER BY tenant_id, campaign_id, campaign_reward_id, year_month, count DESC, participant_id LIMIT 100";
  private static final String TOP_INDEX = "CREATE INDEX bench_top ON action_count"
      + " (tenant_id, campaign_id, campaign_reward_id, year_month, count DESC, participant_id)";
  /** The skewed count of a participant id, as SQL computes it (integer arithmetic). */
  private static final String COUNT_SQL = "CAST(MOD(MOD(x * 2654435761, 1000003), 1000) AS BIGINT)";

  /** The store under test. */
  @Param({"H2", "POSTGRES"})
  public String store;

  /** Participants in the campaign. */
  @Param({"100000", "1000000"})
  public int participants;

  /**
   * Which of the two campaigns the write benchmarks index: FIRST (ids 1..n, the default), or, as controls, SECOND (ids
   * n+1..2n: the difference does not come from where a campaign's rows lie) or NONE (neither: what two identical
   * threads differ by).
   */
  @Param({"FIRST"})
  public String indexed;

  private Path dir;
  private EmbeddedPostgres postgres;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private Leaderboards boards;
  private long tenant;
  private long campaign;
  private long reward;
  private long coldCampaign;
  private long coldReward;
  /** Participant ids of the indexed and of the cold campaign of the writes start after these. */
  private long indexedOffset;
  private long coldOffset;
  private BoardRequest top100;
  private long[] probes;
  private int next;
  private Connection raw;
  private PreparedStatement rank;
  private PreparedStatement top;

  /**
   * Opens the store, fills the campaigns and prepares what the benchmark about to run needs: the index built for the
   * index reads and for the indexed campaign of the writes, the ordered index for {@code sqlTop100}, nothing more.
   */
  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) throws IOException, SQLException {
    String benchmark = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    boolean writes = benchmark.equals("recordAction");
    boolean h2 = store.equals("H2");
    if (h2) {
      dir = Files.createTempDirectory("leaderboard-bench");
      Path template = Path.of(System.getProperty("java.io.tmpdir"), "loyalty-leaderboard-bench",
          "h2-" + participants + "-v" + FIXTURE_VERSION);
      Path templateIds = template.resolveSibling(template.getFileName() + ".ids");
      if (Files.exists(templateIds)) {
        Files.copy(template.resolveSibling(template.getFileName() + ".mv.db"), dir.resolve("engine.mv.db"));
        openH2();
        long[] ids = Arrays.stream(Files.readString(templateIds).trim().split(",")).mapToLong(Long::parseLong)
            .toArray();
        useCampaigns(ids[0], ids[1], ids[2], ids[3], ids[4]);
      } else {
        openH2();
        createAndFill(true, true);
        // Saved for the next trials of this size: filling a million participants into H2 takes minutes.
        raw.close();
        engine.close();
        Files.createDirectories(template.getParent());
        Path partial = Files.createTempFile(template.getParent(), "fixture", ".part");
        Files.copy(dir.resolve("engine.mv.db"), partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, template.resolveSibling(template.getFileName() + ".mv.db"),
            StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(templateIds, tenant + "," + campaign + "," + reward + "," + coldCampaign + ","
            + coldReward);
        openH2();
        useCampaigns(tenant, campaign, reward, coldCampaign, coldReward);
      }
    } else {
      postgres = BenchDatabase.startDurable();
      DataSource dataSource = postgres.getPostgresDatabase();
      engine = engine(JdbcStorage.builder().dataSource(dataSource).build());
      raw = dataSource.getConnection();
      createAndFill(false, writes);
    }
    checkFixture(campaign);
    if (writes) {
      checkFixture(coldCampaign);
      if (indexed.equals("SECOND")) {
        useCampaigns(tenant, coldCampaign, coldReward, campaign, reward);
        indexedOffset = participants;
        coldOffset = 0;
      } else {
        indexedOffset = 0;
        coldOffset = participants;
      }
    }
    if (benchmark.equals("sqlTop100")) {
      try (Statement s = raw.createStatement()) {
        s.execute(TOP_INDEX);
        s.execute(h2 ? "ANALYZE" : "VACUUM ANALYZE");
      }
    }
    SplittableRandom random = new SplittableRandom(7);
    probes = new long[PROBES];
    for (int i = 0; i < PROBES; i++) {
      probes[i] = 1 + random.nextInt(participants);
    }
    rank = raw.prepareStatement(RANK_SQL);
    top = raw.prepareStatement(TOP_SQL);
    top100 = BoardRequest.of(campaign, BoardPeriod.ALL_TIME).limit(100);
    if (benchmark.startsWith("index") || writes && !indexed.equals("NONE")) {
      // Builds the campaign's boards in the engine's index: all time (and this month, which every action also
      // raises); a standing reads last month's board too. The cold campaign's boards are never read.
      boards.page(top100);
      boards.page(BoardRequest.of(campaign, BoardPeriod.CURRENT_MONTH));
      boards.standing(ParticipantRef.id(1), BoardMetric.ACTIONS, Consistency.INDEX);
    }
    // The fill's garbage goes now, not during the first iterations.
    System.gc();
  }

  /** Opens the engine and a plain connection on the trial's H2 file. */
  private void openH2() throws SQLException {
    String url = "jdbc:h2:file:" + dir.resolve("engine").toAbsolutePath()
        + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;OPTIMIZE_REUSE_RESULTS=0";
    engine = engine(JdbcStorage.builder().url(url).build());
    raw = DriverManager.getConnection(url);
  }

  /** The engine under test: events dispatched by the host (never here), each action committed alone. */
  private static LoyaltyEngine engine(JdbcStorage storage) {
    return LoyaltyEngine.builder().storage(storage).events(EventSettings.builder().manualDispatch().build())
        .maxGroupCommit(1).build();
  }

  private void useCampaigns(long tenantId, long campaignId, long rewardId, long coldCampaignId, long coldRewardId) {
    tenant = tenantId;
    campaign = campaignId;
    reward = rewardId;
    coldCampaign = coldCampaignId;
    coldReward = coldRewardId;
    scope = engine.forTenant(tenant);
    boards = scope.leaderboards();
  }

  /** Creates the tenant, the campaigns and their rewards through the engine, then fills the campaigns. */
  private void createAndFill(boolean h2, boolean withCold) throws SQLException {
    long tenantId = engine.tenants().create(NewTenant.business("bench")).id();
    TenantScope bench = engine.forTenant(tenantId);
    long brand = bench.brands().create(new NewBrand("bench", "bench.example.com")).id();
    long campaignId = bench.campaigns().create(NewCampaign.running(brand, "bench")).id();
    long coldId = bench.campaigns().create(NewCampaign.running(brand, "cold")).id();
    // Many conversions per reward: an earned reward now and then costs the same with and without the index.
    long rewardId = bench.rewards().define(campaignId, NewCampaignReward.points("bench", 1, 1000)).id();
    long coldRewardId = bench.rewards().define(coldId, NewCampaignReward.points("bench", 1, 1000)).id();
    useCampaigns(tenantId, campaignId, rewardId, coldId, coldRewardId);
    fill(h2, campaignId, 0);
    if (withCold) {
      fill(h2, coldId, participants);
    }
    try (Statement s = raw.createStatement()) {
      s.execute(h2 ? "ANALYZE" : "VACUUM ANALYZE");
    }
  }

  /** The count the fixture gives participant {@code id}. */
  static long countOf(long id) {
    long v = Math.floorMod(Math.floorMod(id * 2654435761L, 1000003L), 1000L);
    return v * v * v * v * 501 / 1_000_000_000_000L;
  }

  /**
   * Fills participants {@code offset + 1 .. offset + n} of a campaign and their all-time counters, participant
   * {@code offset + x} with the count of {@code x}.
   */
  private void fill(boolean h2, long campaignId, long offset) throws SQLException {
    String series = h2 ? " FROM SYSTEM_RANGE(?, ?)"
        : " FROM generate_series(CAST(? AS bigint), CAST(? AS bigint)) AS g(x)";
    String email = "CONCAT('p', x + " + offset + ", '@example.com')";
    String participantsSql = "INSERT INTO participant (tenant_id, participant_id, campaign_id, email,"
        + " email_sanitized, metadata, search_text, points_balance, lifetime_points, created_at, updated_at)"
        + " SELECT ?, x + ?, ?, " + email + ", " + email + ", " + (h2 ? "?" : "CAST(? AS json)") + ", " + email
        + ", 0, 0, ?, ?" + series;
    String v = COUNT_SQL;
    String countersSql = "INSERT INTO action_count (tenant_id, participant_id, campaign_reward_id, year_month,"
        + " campaign_id, count, updated_at) SELECT ?, x + ?, 0, 0, ?, c, ? FROM (SELECT x, " + v + " * " + v + " * "
        + v + " * " + v + " * 501 / 1000000000000 AS c" + series + ") t WHERE c > 0";
    Timestamp created = Timestamp.from(Instant.now().minus(1, ChronoUnit.DAYS));
    try (PreparedStatement p = raw.prepareStatement(participantsSql);
        PreparedStatement c = raw.prepareStatement(countersSql)) {
      for (long from = 1; from <= participants; from += FILL_CHUNK) {
        long to = Math.min(participants, from + FILL_CHUNK - 1);
        p.setLong(1, tenant);
        p.setLong(2, offset);
        p.setLong(3, campaignId);
        p.setString(4, "{}");
        p.setTimestamp(5, created);
        p.setTimestamp(6, created);
        p.setLong(7, from);
        p.setLong(8, to);
        p.executeUpdate();
        c.setLong(1, tenant);
        c.setLong(2, offset);
        c.setLong(3, campaignId);
        c.setTimestamp(4, created);
        c.setLong(5, from);
        c.setLong(6, to);
        c.executeUpdate();
      }
    }
  }

  /** Checks that the store holds exactly the counts {@link #countOf} gives in a campaign. */
  private void checkFixture(long campaignId) throws SQLException {
    long rows = 0;
    long sum = 0;
    for (long id = 1; id <= participants; id++) {
      long count = countOf(id);
      rows += count > 0 ? 1 : 0;
      sum += count;
    }
    try (PreparedStatement check = raw.prepareStatement("SELECT count(*), sum(count) FROM action_count"
        + " WHERE tenant_id = ? AND campaign_id = ?")) {
      check.setLong(1, tenant);
      check.setLong(2, campaignId);
      try (ResultSet rs = check.executeQuery()) {
        rs.next();
        if (rs.getLong(1) != rows || rs.getLong(2) != sum) {
          throw new IllegalStateException("the fixture's counters differ from countOf: " + rs.getLong(1) + " rows, "
              + rs.getLong(2) + " actions in SQL; " + rows + " and " + sum + " expected");
        }
      }
    }
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

  /** A random participant's all-time rank and score: {@link Leaderboards#rank} from the index. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public BoardEntry indexRank() {
    return boards.rank(campaign, nextProbe(), BoardPeriod.ALL_TIME, BoardMetric.ACTIONS, Consistency.INDEX)
        .orElseThrow();
  }

  /** A random participant's standing from the index: scores and ranks all time, this month and last month. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Standing indexStanding() {
    return boards.standing(ParticipantRef.id(nextProbe()), BoardMetric.ACTIONS, Consistency.INDEX);
  }

  /** The all-time top 100 from the index. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public CursorPage<BoardEntry> indexTop100() {
    return boards.page(top100);
  }

  /** A random participant's rank in SQL, its score known: the counters above it, plus one. */
  @Benchmark
  public long sqlRank() throws SQLException {
    long id = nextProbe();
    rank.setLong(1, tenant);
    rank.setLong(2, campaign);
    rank.setLong(3, countOf(id));
    try (ResultSet rs = rank.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The all-time top 100 in SQL over an index in the query's order, every row read. */
  @Benchmark
  public long sqlTop100() throws SQLException {
    top.setLong(1, tenant);
    top.setLong(2, campaign);
    long sum = 0;
    try (ResultSet rs = top.executeQuery()) {
      while (rs.next()) {
        sum += rs.getLong(1) + rs.getLong(2);
      }
    }
    return sum;
  }

  /** A loyalty action whose campaign's boards are indexed: the write, then the index raising two boards. */
  @Benchmark
  @Group("recordAction")
  @GroupThreads(1)
  public ActionResult recordActionIndexed(Writer writer) {
    return scope.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(indexedOffset + writer.next(participants)), reward));
  }

  /** At the same time, the same action in the campaign of the same size whose boards were never read. */
  @Benchmark
  @Group("recordAction")
  @GroupThreads(1)
  public ActionResult recordActionCold(Writer writer) {
    return scope.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(coldOffset + writer.next(participants)), coldReward));
  }

  /**
   * Each writing thread's own random participants (1..n), from a seeded sequence.
   *
   * <p>Not thread-safe: JMH gives each thread its own.
   */
  @State(Scope.Thread)
  public static class Writer {
    private final SplittableRandom random = new SplittableRandom(11);

    /** A random participant number in 1..n. */
    long next(int n) {
      return 1 + random.nextInt(n);
    }
  }
}
