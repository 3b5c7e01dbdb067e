package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group commit on H2 whose connection is lost in the middle of a batch, at the JDBC level (the driver's connection
 * failing with SQLState 08006, and every later call on it with 08003): while the batch's work runs, in one go or
 * behind savepoints, the batch is run again on another connection and every caller gets its own result, each change
 * applied once; at its commit (which did not commit), every caller gets STORAGE_UNAVAILABLE saying the change may
 * have been made, and a retry with the same idempotency key applies it once. The next batch works either way.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class GroupCommitConnectionLossH2Test {
  @TempDir
  Path dir;
  private HikariDataSource pool;
  private final TestEngines engines = new TestEngines();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  /** Counts down the connections taken from now on; the one that takes it to 0 is lost (none below 0). */
  private final AtomicInteger connectionsUntilLost = new AtomicInteger(-1);
  /** Statements the lost connection prepares before it is lost; -1: lost at its commit instead, not committing. */
  private volatile int statementsBeforeLoss;
  /** How many connections were lost. */
  private final AtomicInteger losses = new AtomicInteger();
  private GroupCommitProbe probe;
  private LoyaltyEngine engine;

  @BeforeEach
  void open() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000");
    config.setMaximumPoolSize(4);
    pool = new HikariDataSource(config);
    probe = new GroupCommitProbe(JdbcStorage.builder().dataSource(losing(pool)).build(), true);
    engine = engines.build(engines.builder(probe, 64));
  }

  @AfterEach
  void close() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS), "a caller did not stop");
    engines.close();
    pool.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 6})
  void aConnectionLostWhileABatchRunsInOneGoRunsItAgainAndEachCallerGetsItsResult(int statements) throws Exception {
    lostWhileRunning(statements, false);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 6})
  void aConnectionLostWhileABatchRunsBehindSavepointsRunsItAgainAndEachCallerGetsItsResult(int statements)
      throws Exception {
    lostWhileRunning(statements, true);
  }

  private void lostWhileRunning(int statements, boolean behindSavepoints) throws Exception {
    GroupCommitTestBase.World w = new GroupCommitTestBase.World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward loyal = scope.rewards().define(w.campaignId, NewCampaignReward.points("Loyal", 100, 10));
    List<Callable<Object>> callers = new ArrayList<>(List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("k-20")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(5, "redemption"))));
    if (behindSavepoints) {
      callers.add(() -> scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), loyal.id())));
    }
    statementsBeforeLoss = statements;
    List<Object> got = batch(true, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), callers);

    assertEquals(List.of(10L, 30L, 25L), List.of(result(got.get(1)).balance(), result(got.get(2)).balance(),
        result(got.get(3)).balance()), "answers " + got);
    if (behindSavepoints) {
      assertEquals(1, assertInstanceOf(ActionResult.class, got.get(4)).counts().allTime());
    }
    assertEquals(List.of(-5L, 20L, 10L), amounts(scope, w), "each applied once");
    assertTrue(scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("k-20")).replayed());
    nextBatchWorks(scope, w, 25);
  }

  @Test
  void aConnectionLostAtABatchsCommitGivesEveryCallerAnUnknownOutcomeAndAKeyedRetryAppliesOnce() throws Exception {
    GroupCommitTestBase.World w = new GroupCommitTestBase.World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    statementsBeforeLoss = -1;
    List<Object> got = batch(true, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase").withIdempotencyKey("k-10")),
        () -> scope.points().award(w.ref(0), PointsChange.of(20, "purchase").withIdempotencyKey("k-20")),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(1_000, "redemption"))));

    for (int i = 1; i <= 2; i++) {
      LoyaltyException e = assertInstanceOf(LoyaltyException.class, got.get(i), "caller " + i);
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("may have been made"), e.getMessage());
    }
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, assertInstanceOf(LoyaltyException.class, got.get(3)).code(),
        "a refusal is known to have changed nothing");
    assertEquals(List.of(), amounts(scope, w), "the lost commit did not commit");
    assertFalse(scope.points().award(w.ref(0), PointsChange.of(10, "purchase").withIdempotencyKey("k-10"))
        .replayed(), "the retry applies it");
    assertTrue(scope.points().award(w.ref(0), PointsChange.of(10, "purchase").withIdempotencyKey("k-10"))
        .replayed(), "once");
    nextBatchWorks(scope, w, 10);
  }

  private void nextBatchWorks(TenantScope scope, GroupCommitTestBase.World w, long balance) throws Exception {
    List<Object> next = batch(false, () -> scope.points().award(w.ref(1), PointsChange.of(1, "plug")), List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(1, "purchase")),
        () -> scope.points().award(w.ref(0), PointsChange.of(2, "purchase"))));
    assertEquals(balance + 3, result(next.get(2)).balance(), "the next batch: " + next);
  }

  /**
   * Runs {@code plug} holding its transaction, queues each caller behind it in turn, arms the loss of the next
   * connection taken (the batch's) if {@code lose}, and lets the plug go. Returns what each got, the plug first.
   */
  private List<Object> batch(boolean lose, Callable<Object> plug, List<Callable<Object>> callers) throws Exception {
    GroupCommitProbe.QueuedBatch batch = probe.queueBehindAPlug(threads, plug, List.copyOf(callers));
    // The plug takes its connection once let go; the batch behind it takes the next.
    if (lose) {
      connectionsUntilLost.set(2);
    }
    batch.gate().release();
    List<Object> got = new ArrayList<>();
    got.add(batch.plug().get(2, TimeUnit.MINUTES));
    for (Future<Object> f : batch.queued()) {
      got.add(f.get(2, TimeUnit.MINUTES));
    }
    if (lose) {
      assertEquals(0, connectionsUntilLost.getAndSet(-1), "the batch's connection was the one lost");
      assertEquals(1, losses.getAndSet(0), "and it was lost");
    }
    return got;
  }

  private static PointsResult result(Object got) {
    return assertInstanceOf(PointsResult.class, got, () -> "a result, not " + got);
  }

  private static List<Long> amounts(TenantScope scope, GroupCommitTestBase.World w) {
    return GroupCommitTestBase.amounts(scope, w.ref(0));
  }

  /** {@code dataSource}, whose connections are lost as {@link #connectionsUntilLost} says. */
  private DataSource losing(DataSource dataSource) {
    return TestProxies.connectionsThrough(dataSource, connection -> {
      int left = connectionsUntilLost.getAndUpdate(n -> n > 0 ? n - 1 : n);
      return left == 1 ? lost(connection, statementsBeforeLoss) : connection;
    });
  }

  /**
   * {@code connection}, lost after preparing {@code statements} statements (SQLState 08006, every later call 08003,
   * its close returning it to the pool), or with {@code statements} -1, lost at its commit: rolled back, then 08006.
   */
  private Connection lost(Connection connection, int statements) {
    AtomicInteger prepared = new AtomicInteger();
    return TestProxies.losable(connection, (method, args, loss) -> {
      String name = method.getName();
      if (statements >= 0 && name.startsWith("prepare") && prepared.incrementAndGet() > statements) {
        losses.incrementAndGet();
        throw loss.lost();
      }
      if (statements < 0 && name.equals("commit")) {
        losses.incrementAndGet();
        connection.rollback();
        throw loss.lost();
      }
      return TestProxies.invoke(connection, method, args);
    });
  }
}
