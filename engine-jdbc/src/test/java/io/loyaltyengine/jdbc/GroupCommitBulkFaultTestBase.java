package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Group commit with a bulk chunk ({@code Points.applyAll}) and single awards and deductions, some with idempotency
 * keys, in one batch, whose connection fails: lost while the batch runs, lost at its commit (not committing), lost
 * after its commit committed (the answer lost), or refused with a serialization failure at a statement or at the
 * commit. The fault is made on the connection the batch takes, whichever thread leads it. Every caller gets its own
 * result or STORAGE_UNAVAILABLE (no other exception, never a hang); a refused operation (an overdraft), in the chunk or
 * alone, keeps its refusal and fails none of its neighbours; every balance is the sum of its ledger; and a retry of
 * each keyed operation with its key applies it once.
 *
 * <p>Each store hides {@code PARALLEL_COMMITS} from the engine (one batch at a time, every unit combined), so that on
 * PostgreSQL too the chunk shares the batch with the single calls.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class GroupCommitBulkFaultTestBase {
  /** What the batch's connection does. */
  private enum Fault {
    /** Lost (08006, then 08003) when it prepares statement number {@link #statement}. */
    LOST_AT_STATEMENT,
    /** Lost at its commit, which rolls back instead. */
    LOST_AT_COMMIT,
    /** Commits, then is lost: the commit's answer is lost. */
    LOST_AFTER_COMMIT,
    /** Statement number {@link #statement} fails with a serialization failure (40001); the connection goes on. */
    SERIALIZATION_AT_STATEMENT,
    /** Its commit is refused with a serialization failure (40001): rolled back. */
    SERIALIZATION_AT_COMMIT
  }

  private static final String INJECTED = TestProxies.INJECTED;

  private HikariDataSource pool;
  private final TestEngines engines = new TestEngines();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  /** Counts down the connections taken from now on; the one that takes it to 0 gets the fault (none below 0). */
  private final AtomicInteger connectionsUntilFault = new AtomicInteger(-1);
  private volatile Fault fault;
  private volatile int statement;
  /** How many faults were made. */
  private final AtomicInteger faults = new AtomicInteger();
  private GroupCommitProbe probe;
  private LoyaltyEngine engine;

  /** A pool on a fresh database of the store under test. */
  abstract HikariDataSource openPool();

  /** Drops the database {@link #openPool} made, if the store needs it; after the pool is closed. */
  void closeDatabase() {
  }

  @BeforeEach
  void open() {
    pool = openPool();
    probe = new GroupCommitProbe(JdbcStorage.builder().dataSource(faulty(pool)).build(), true);
    engine = engines.build(engines.builder(probe, 64));
  }

  @AfterEach
  void close() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS), "a caller did not stop");
    engines.close();
    pool.close();
    closeDatabase();
  }

  /**
   * Every statement the batch prepares, on both stores (about 30: its participants' locks, each call's, the chunk's):
   * the fault hits each unit of work, the chunk included, and the batch's own locks.
   */
  static IntStream statements() {
    return IntStream.rangeClosed(1, 28);
  }

  @ParameterizedTest
  @MethodSource("statements")
  void aConnectionLostWhileTheBatchRunsGivesEachCallerItsOwnOutcome(int statementNumber) throws Exception {
    allApplied(run(Fault.LOST_AT_STATEMENT, statementNumber));
  }

  @ParameterizedTest
  @MethodSource("statements")
  void aSerializationFailureWhileTheBatchRunsGivesEachCallerItsOwnOutcome(int statementNumber) throws Exception {
    allApplied(run(Fault.SERIALIZATION_AT_STATEMENT, statementNumber));
  }

  @Test
  void aSerializationFailureAtTheBatchsCommitGivesEachCallerItsOwnOutcome() throws Exception {
    allApplied(run(Fault.SERIALIZATION_AT_COMMIT, 0));
  }

  @Test
  void aConnectionLostAtTheBatchsCommitLeavesEachChangeToAKeyedRetry() throws Exception {
    Setting s = run(Fault.LOST_AT_COMMIT, 0);
    maybeMade(s);
    assertEquals(List.of(List.of(), List.of(), List.of()), s.amounts(), "the lost commit did not commit");
    retries(s, false);
    assertEquals(List.of(List.of(5L, 10L), List.of(), List.of(3L, 4L)), s.amounts(), "each keyed change once");
    nextBatchWorks(s);
  }

  @Test
  void aCommitWhoseAnswerWasLostLeavesEachChangeToAKeyedRetry() throws Exception {
    Setting s = run(Fault.LOST_AFTER_COMMIT, 0);
    maybeMade(s);
    assertEquals(List.of(List.of(5L, 10L), List.of(7L, 20L), List.of(3L, 4L)), s.amounts(),
        "the batch committed: " + s.got);
    retries(s, true);
    assertEquals(List.of(List.of(5L, 10L), List.of(7L, 20L), List.of(3L, 4L)), s.amounts(),
        "each keyed change once");
    nextBatchWorks(s);
  }

  /** A world and what each call of its batch got, in batch order. */
  private record Setting(TenantScope scope, GroupCommitTestBase.World w, List<Object> got) {
    /** Each participant's signed ledger amounts, in ascending order; each balance checked against them. */
    List<List<Long>> amounts() {
      List<List<Long>> all = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        List<LedgerEntry> ledger = GroupCommitTestBase.ledger(scope, w.ref(p));
        long sum = ledger.stream().mapToLong(LedgerEntry::signedAmount).sum();
        assertEquals(sum, scope.participants().get(w.ref(p)).pointsBalance(), "participant " + p
            + "'s balance is the sum of its ledger");
        all.add(ledger.stream().map(LedgerEntry::signedAmount).sorted().toList());
      }
      return all;
    }
  }

  /** The chunk of the batch; the same for its retry. */
  private static List<PointsOperation> chunk(GroupCommitTestBase.World w) {
    return List.of(
        PointsOperation.award(w.ref(0), PointsChange.of(5, "import").withIdempotencyKey("b-5")),
        PointsOperation.award(w.ref(1), PointsChange.of(7, "import")),
        PointsOperation.deduct(w.ref(1), PointsChange.of(1_000, "import").withIdempotencyKey("b-over")),
        PointsOperation.award(w.ref(2), PointsChange.of(3, "import").withIdempotencyKey("b-3")));
  }

  /**
   * Runs a batch of, in this order: an award with a key to participant 0, a chunk (chunk), an overdraft with a key
   * of participant 0, an award without a key to participant 1 and an award with a key to participant 2; its
   * connection with {@code kind}. Checks what every call must get whatever the fault.
   */
  private Setting run(Fault kind, int statementNumber) throws Exception {
    GroupCommitTestBase.World w = new GroupCommitTestBase.World(engine, 4);
    TenantScope scope = engine.forTenant(w.tenantId);
    List<Callable<?>> callers = List.of(
        () -> scope.points().award(w.ref(0), PointsChange.of(10, "purchase").withIdempotencyKey("s-10")),
        () -> scope.points().applyAll(chunk(w)),
        () -> scope.points().deduct(w.ref(0), PointsChange.of(1_000, "redemption").withIdempotencyKey("s-over")),
        () -> scope.points().award(w.ref(1), PointsChange.of(20, "purchase")),
        () -> scope.points().award(w.ref(2), PointsChange.of(4, "purchase").withIdempotencyKey("s-4")));
    fault = kind;
    statement = statementNumber;
    GroupCommitProbe.QueuedBatch batch = probe.queueBehindAPlug(threads,
        () -> scope.points().award(w.ref(3), PointsChange.of(1, "plug")), callers);
    // The plug takes its connection once let go; the batch behind it takes the next.
    connectionsUntilFault.set(2);
    batch.gate().release();
    assertInstanceOf(PointsResult.class, batch.plug().get(2, TimeUnit.MINUTES));
    List<Object> got = new ArrayList<>();
    for (Future<Object> f : batch.queued()) {
      got.add(f.get(2, TimeUnit.MINUTES));
    }
    assertEquals(0, connectionsUntilFault.getAndSet(-1), "the batch took a connection");
    assertEquals(1, faults.getAndSet(0), "the batch's connection failed as asked; answers " + got);

    for (Object answer : got) {
      if (answer instanceof RuntimeException e) {
        assertInstanceOf(LoyaltyException.class, e, () -> "a LoyaltyException, not " + e);
      }
    }
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, assertInstanceOf(LoyaltyException.class, got.get(2)).code(),
        "the overdraft alone keeps its refusal");
    List<?> outcomes = assertInstanceOf(List.class, got.get(1), () -> "the chunk's outcomes, not " + got.get(1));
    assertEquals(4, outcomes.size());
    PointsOutcome overdraft = (PointsOutcome) outcomes.get(2);
    assertFalse(overdraft.succeeded());
    assertEquals(ErrorCode.INSUFFICIENT_POINTS, overdraft.error().code(), "the chunk's overdraft keeps its refusal");
    for (int i : new int[] {0, 1, 3}) {
      PointsOutcome outcome = (PointsOutcome) outcomes.get(i);
      assertTrue(outcome.succeeded() || outcome.error().code() == ErrorCode.STORAGE_UNAVAILABLE,
          () -> "chunk operation " + i + ": " + outcome);
    }
    for (int i : new int[] {0, 3, 4}) {
      Object answer = got.get(i);
      assertTrue(answer instanceof PointsResult
          || ((LoyaltyException) answer).code() == ErrorCode.STORAGE_UNAVAILABLE, () -> "call " + i + ": " + answer);
    }
    return new Setting(scope, w, got);
  }

  /** Every call and chunk operation, but the overdrafts, got its result, applied once. */
  private void allApplied(Setting s) throws Exception {
    List<?> outcomes = (List<?>) s.got.get(1);
    assertEquals(List.of(10L, 15L, 7L, 3L, 27L, 7L), List.of(result(s.got.get(0)).balance(),
        outcome(outcomes, 0).balance(), outcome(outcomes, 1).balance(), outcome(outcomes, 3).balance(),
        result(s.got.get(3)).balance(), result(s.got.get(4)).balance()), "answers " + s.got);
    assertEquals(List.of(List.of(5L, 10L), List.of(7L, 20L), List.of(3L, 4L)), s.amounts(),
        "each applied once: " + s.got);
    assertEquals(List.of(15L, 27L, 7L), balances(s), "answers " + s.got);
    retries(s, true);
    assertEquals(List.of(15L, 27L, 7L), balances(s), "each keyed change once");
    nextBatchWorks(s);
  }

  private static List<Long> balances(Setting s) {
    List<Long> balances = new ArrayList<>();
    for (List<Long> amounts : s.amounts()) {
      balances.add(amounts.stream().mapToLong(Long::longValue).sum());
    }
    return balances;
  }

  /** Every change of the batch but the refusals was answered STORAGE_UNAVAILABLE saying it may have been made. */
  private static void maybeMade(Setting s) {
    List<?> outcomes = (List<?>) s.got.get(1);
    List<LoyaltyException> unknown = new ArrayList<>();
    for (int i : new int[] {0, 3, 4}) {
      unknown.add(assertInstanceOf(LoyaltyException.class, s.got.get(i), "call " + i));
    }
    for (int i : new int[] {0, 1, 3}) {
      PointsOutcome outcome = (PointsOutcome) outcomes.get(i);
      assertFalse(outcome.succeeded(), "chunk operation " + i);
      unknown.add(outcome.error());
    }
    for (LoyaltyException e : unknown) {
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("may have been made"), e.getMessage());
    }
  }

  /**
   * Retries each keyed call and the chunk with the same keys, twice: the first applies what did not commit
   * ({@code committed} false) or replays it, the second replays; the overdrafts stay refused.
   */
  private static void retries(Setting s, boolean committed) {
    TenantScope scope = s.scope;
    GroupCommitTestBase.World w = s.w;
    for (int attempt = 0; attempt < 2; attempt++) {
      boolean replayed = committed || attempt == 1;
      assertEquals(replayed, scope.points().award(w.ref(0), PointsChange.of(10, "purchase")
          .withIdempotencyKey("s-10")).replayed(), "s-10, attempt " + attempt);
      assertEquals(replayed, scope.points().award(w.ref(2), PointsChange.of(4, "purchase")
          .withIdempotencyKey("s-4")).replayed(), "s-4, attempt " + attempt);
      LoyaltyException over = assertThrows(LoyaltyException.class,
          () -> scope.points().deduct(w.ref(0), PointsChange.of(1_000, "redemption").withIdempotencyKey("s-over")));
      assertEquals(ErrorCode.INSUFFICIENT_POINTS, over.code());
      List<PointsOperation> keyed = chunk(w).stream().filter(o -> o.change().idempotencyKey() != null).toList();
      List<PointsOutcome> again = scope.points().applyAll(keyed);
      assertEquals(replayed, again.get(0).result().replayed(), "b-5, attempt " + attempt + ": " + again);
      assertEquals(ErrorCode.INSUFFICIENT_POINTS, again.get(1).error().code(), "b-over: " + again);
      assertEquals(replayed, again.get(2).result().replayed(), "b-3, attempt " + attempt + ": " + again);
    }
  }

  /** A batch after the fault commits as usual. */
  private void nextBatchWorks(Setting s) throws Exception {
    TenantScope scope = s.scope;
    GroupCommitTestBase.World w = s.w;
    long before = scope.participants().get(w.ref(1)).pointsBalance();
    GroupCommitProbe.QueuedBatch batch = probe.queueBehindAPlug(threads,
        () -> scope.points().award(w.ref(3), PointsChange.of(1, "plug")), List.of(
            () -> scope.points().applyAll(List.of(PointsOperation.award(w.ref(1), PointsChange.of(1, "import")))),
            () -> scope.points().award(w.ref(1), PointsChange.of(2, "purchase"))));
    batch.gate().release();
    assertInstanceOf(PointsResult.class, batch.plug().get(2, TimeUnit.MINUTES));
    assertInstanceOf(List.class, batch.queued().get(0).get(2, TimeUnit.MINUTES));
    assertEquals(before + 3, result(batch.queued().get(1).get(2, TimeUnit.MINUTES)).balance(), "the next batch");
    s.amounts();
  }

  private static PointsResult result(Object got) {
    return assertInstanceOf(PointsResult.class, got, () -> "a result, not " + got);
  }

  private static PointsResult outcome(List<?> outcomes, int i) {
    PointsOutcome outcome = (PointsOutcome) outcomes.get(i);
    assertTrue(outcome.succeeded(), () -> "chunk operation " + i + ": " + outcome);
    return outcome.result();
  }

  /** {@code dataSource}, whose connections fail as {@link #connectionsUntilFault} and {@link #fault} say. */
  private DataSource faulty(DataSource dataSource) {
    return TestProxies.connectionsThrough(dataSource, connection -> {
      int left = connectionsUntilFault.getAndUpdate(n -> n > 0 ? n - 1 : n);
      return left == 1 ? failing(connection, fault, statement) : connection;
    });
  }

  /** {@code connection}, failing once as {@code kind} says; a lost one fails every later call with 08003. */
  private Connection failing(Connection connection, Fault kind, int statementNumber) {
    AtomicInteger prepared = new AtomicInteger();
    boolean[] failed = new boolean[1];
    return TestProxies.losable(connection, (method, args, loss) -> {
      String name = method.getName();
      boolean atStatement = name.startsWith("prepare") && prepared.incrementAndGet() == statementNumber;
      boolean atCommit = name.equals("commit");
      if (!failed[0] && atStatement && kind == Fault.LOST_AT_STATEMENT) {
        failed[0] = true;
        faults.incrementAndGet();
        throw loss.lost();
      }
      if (!failed[0] && atStatement && kind == Fault.SERIALIZATION_AT_STATEMENT) {
        failed[0] = true;
        faults.incrementAndGet();
        throw new SQLException("serialization failure (" + INJECTED + ")", "40001");
      }
      if (!failed[0] && atCommit && kind == Fault.LOST_AT_COMMIT) {
        failed[0] = true;
        faults.incrementAndGet();
        connection.rollback();
        throw loss.lost();
      }
      if (!failed[0] && atCommit && kind == Fault.SERIALIZATION_AT_COMMIT) {
        failed[0] = true;
        faults.incrementAndGet();
        connection.rollback();
        throw new SQLException("serialization failure (" + INJECTED + ")", "40001");
      }
      if (!failed[0] && atCommit && kind == Fault.LOST_AFTER_COMMIT) {
        failed[0] = true;
        faults.incrementAndGet();
        connection.commit();
        throw loss.lost();
      }
      return TestProxies.invoke(connection, method, args);
    });
  }
}
