package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.amounts;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.balance;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.ledger;
import static io.loyaltyengine.jdbc.GroupCommitTestBase.result;
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
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * On PostgreSQL an award or deduction, in a transaction the engine commits, sends its rows and the commit in one
 * round trip ({@code INSERT ...; COMMIT}): without an idempotency key two statements in all, with one three (the
 * key's lookup first), and when the engine then commits, the driver has no transaction left to end, so it sends
 * nothing. A key that another instance commits first, while a call is between its lookup and its commit, is refused
 * with that commit: the call then answers as a retry would (a replay, or CONFLICT), whether it ran alone, in a bulk
 * chunk or in a group-commit batch, and nothing of it commits. Observed through a DataSource that records each
 * statement prepared and, at each {@code commit()}, the driver's transaction state, and that can stop a statement
 * before it is sent.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class PostgresCommitWithRowsTest {
  private final TestEngines engines = new TestEngines();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private String database;
  private JdbcStorage storage;
  private World world;
  /** Whether the next statement sent with its commit finds its server process terminated first. */
  private volatile boolean terminateBeforeCommitWithRows;
  /** Whether the next statement sent with its commit runs, then fails as a session the server ended does. */
  private volatile boolean sessionEndedAfterCommitWithRows;
  private HikariDataSource pool;
  private TenantScope scope;
  private ParticipantRef ann;
  /** Statements to stop before they are sent, each the first one its predicate matches (guarded by itself). */
  private final List<Armed> pauses = new ArrayList<>();
  /** Pools of the other engine instances a test starts on the database. */
  private final List<HikariDataSource> otherPools = new ArrayList<>();
  private final ExecutorService calls = Executors.newCachedThreadPool();

  @BeforeEach
  void open() {
    database = EmbeddedPostgresServer.createDatabase();
    pool = EmbeddedPostgresServer.pool(database, 2);
    storage = JdbcStorage.builder().dataSource(recording(pool)).build();
    // One batch of one call each: the call runs alone, as a lone checkout's award does.
    LoyaltyEngine engine = engines.build(engines.builder(storage, 1));
    world = new World(engine, 2);
    scope = engine.forTenant(world.tenantId);
    ann = world.ref(0);
    // Someone else's award first, so that the campaign (its time zone) is read and cached before the calls watched.
    scope.points().award(world.ref(1), PointsChange.of(1, "purchase"));
  }

  @AfterEach
  void close() throws InterruptedException {
    synchronized (pauses) {
      pauses.forEach(armed -> armed.pause().release());
      pauses.clear();
    }
    calls.shutdownNow();
    assertTrue(calls.awaitTermination(60, TimeUnit.SECONDS), "a call did not end");
    engines.close();
    pool.close();
    otherPools.forEach(HikariDataSource::close);
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Test
  void anAwardOrDeductionWithoutAKeySendsItsRowsWithTheCommit() {
    log.clear();
    assertEquals(30, scope.points().award(ann, PointsChange.of(30, "purchase")).balance());
    List<String> award = List.copyOf(log);
    log.clear();
    assertEquals(18, scope.points().deduct(ann, PointsChange.of(12, "refund")).balance());
    List<String> deduct = List.copyOf(log);

    for (List<String> call : List.of(award, deduct)) {
      assertEquals(3, call.size(), call.toString());
      assertTrue(call.get(0).startsWith("prepare UPDATE participant"), call.toString());
      assertTrue(call.get(1).startsWith("prepare WITH entries") && call.get(1).endsWith("COMMIT"), call.toString());
      assertEquals("commit, nothing to send", call.get(2), call.toString());
    }
    assertEquals(List.of(-12L, 30L), amounts(scope, ann), "both committed");
  }

  @Test
  void anAwardOrDeductionWithAKeySendsItsRowsWithTheCommitToo() {
    log.clear();
    scope.points().award(ann, PointsChange.of(30, "purchase").withIdempotencyKey("order-1"));
    List<String> award = List.copyOf(log);
    log.clear();
    scope.points().deduct(ann, PointsChange.of(12, "refund").withIdempotencyKey("refund-1"));
    List<String> deduct = List.copyOf(log);

    for (List<String> call : List.of(award, deduct)) {
      assertEquals(4, call.size(), call.toString());
      assertTrue(call.get(0).startsWith("prepare SELECT"), "the key's lookup: " + call);
      assertTrue(call.get(1).startsWith("prepare UPDATE participant"), call.toString());
      assertTrue(call.get(2).startsWith("prepare WITH entries") && call.get(2).endsWith("COMMIT"), call.toString());
      assertEquals("commit, nothing to send", call.get(3), call.toString());
    }
    assertTrue(scope.points().award(ann, PointsChange.of(30, "purchase").withIdempotencyKey("order-1")).replayed());
    assertTrue(scope.points().deduct(ann, PointsChange.of(12, "refund").withIdempotencyKey("refund-1")).replayed());
    assertEquals(List.of(-12L, 30L), amounts(scope, ann));
  }

  @Test
  void aBulkCallSendsItsLastRowsWithTheCommit() {
    log.clear();
    scope.points().applyAll(List.of(
        PointsOperation.award(ann, PointsChange.of(5, "purchase")),
        PointsOperation.award(ann, PointsChange.of(7, "purchase"))));
    List<String> call = List.copyOf(log);
    assertTrue(call.stream().anyMatch(s -> s.startsWith("prepare WITH entries") && s.endsWith("COMMIT")),
        call.toString());
    assertEquals("commit, nothing to send", call.get(call.size() - 1), call.toString());
    assertEquals(List.of(7L, 5L), amounts(scope, ann));
  }

  @Test
  void aRecordedActionWithOrWithoutAKeySendsItsActionAndEventWithTheCommit() {
    long reward = scope.rewards().define(world.campaignId, NewCampaignReward.message("Thanks", "Thank you", 10)
        .unlimited()).id();
    log.clear();
    scope.rewards().recordAction(LoyaltyAction.of(ann, reward));
    List<String> unkeyed = List.copyOf(log);
    log.clear();
    scope.rewards().recordAction(LoyaltyAction.of(ann, reward).withIdempotencyKey("visit-1"));
    List<String> keyed = List.copyOf(log);

    // The reward, the participant found by numbering the event, the counters (the previous month's read with them),
    // then the action and its event in one statement, with the commit. With a key, the participant and the key are
    // looked up before the event is numbered.
    assertEquals(5, unkeyed.size(), unkeyed.toString());
    assertTrue(unkeyed.get(1).startsWith("prepare UPDATE participant SET event_s"), unkeyed.toString());
    assertTrue(unkeyed.get(2).startsWith("prepare WITH added AS (INSERT INTO act"), unkeyed.toString());
    assertTrue(unkeyed.get(3).startsWith("prepare WITH action AS (INSERT") && unkeyed.get(3).endsWith("COMMIT"),
        unkeyed.toString());
    assertEquals("commit, nothing to send", unkeyed.get(4), unkeyed.toString());
    assertEquals(7, keyed.size(), keyed.toString());
    assertTrue(keyed.get(5).startsWith("prepare WITH action AS (INSERT") && keyed.get(5).endsWith("COMMIT"),
        keyed.toString());
    assertEquals("commit, nothing to send", keyed.get(6), keyed.toString());
    assertTrue(keyed.stream().noneMatch(s -> s.contains("reward_program")), "nothing unlocked: " + keyed);

    assertEquals(2, scope.rewards().counts(ann, reward).allTime(), "both committed");
    assertTrue(scope.rewards().recordAction(LoyaltyAction.of(ann, reward).withIdempotencyKey("visit-1")).replayed());
    assertEquals(2, scope.rewards().counts(ann, reward).allTime());
  }

  @Test
  void anActionRowTheDatabaseRefusesWithTheCommitFailsTheActionAsRefusedAndKeepsNothing() throws SQLException {
    long reward = scope.rewards().define(world.campaignId, NewCampaignReward.message("Thanks", "Thank you", 10)
        .unlimited()).id();
    scope.rewards().recordAction(LoyaltyAction.of(ann, reward));
    try (Connection connection = EmbeddedPostgresServer.connect(database);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS"
          + " $$ BEGIN RAISE EXCEPTION 'refused'; END $$");
      statement.execute("CREATE TRIGGER refuse_action_row BEFORE INSERT ON loyalty_action FOR EACH ROW"
          + " EXECUTE FUNCTION refuse_row()");
    }
    log.clear();
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> scope.rewards().recordAction(LoyaltyAction.of(ann, reward)));
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code(), e.toString());
    assertFalse(e.getCause() instanceof CommitOutcomeUnknownException, "the database answered: " + e.getCause());
    assertTrue(log.stream().anyMatch(s -> s.startsWith("prepare WITH action AS (INSERT") && s.endsWith("COMMIT")),
        "refused with the commit: " + log);
    assertEquals(1, scope.rewards().counts(ann, reward).allTime(), "the counters rolled back with the action");
  }

  @Test
  void rowsOrACommitTheDatabaseRefusesFailTheUnitOfWorkAsRefusedAndKeepNothing() {
    scope.points().award(ann, PointsChange.of(30, "purchase"));
    long taken = ledger(scope, ann).get(0).id();
    StorageException e = assertThrows(StorageException.class, () -> awardInOneUnitOfWork(taken));
    assertFalse(e instanceof CommitOutcomeUnknownException, "the database answered: " + e);
    assertFalse(e.getMessage().contains("order"), "no value in the message: " + e.getMessage());
    assertEquals(30, scope.participants().get(ann).pointsBalance(), "the credit rolled back with the rows");
    assertEquals(List.of(30L), amounts(scope, ann));
  }

  @Test
  void aConnectionLostWithTheRowsAndCommitLeavesTheOutcomeUnknown() {
    terminateBeforeCommitWithRows = true;
    assertThrows(CommitOutcomeUnknownException.class, () -> awardInOneUnitOfWork(Long.MAX_VALUE - 1));
    terminateBeforeCommitWithRows = false;
    // The server process was gone before the statement was sent: nothing committed, and the pool carries on.
    assertEquals(0, scope.participants().get(ann).pointsBalance());
    assertEquals(5, scope.points().award(ann, PointsChange.of(5, "purchase")).balance());
  }

  @Test
  void rowsANestedUnitLeavesAreSentBeforeItEndsSoTheirFailureIsItsOwn() {
    scope.points().award(ann, PointsChange.of(30, "purchase"));
    long taken = ledger(scope, ann).get(0).id();
    long tenant = world.tenantId;
    long participant = world.participants.get(0);
    Instant now = Instant.now();
    StorageException failed = storage.inTransaction(tx -> {
      StorageException e = assertThrows(StorageException.class, () -> tx.nested(n -> {
        n.appendPointsRows(new PointsRows(List.of(new LedgerEntry(taken, tenant, world.campaignId, participant,
            LedgerEntryKind.AWARD, 1, "order", null, null, 31, now)), List.of(), List.of()));
        return null;
      }), "the unit's rows fail before it returns");
      tx.appendPointsRows(new PointsRows(List.of(new LedgerEntry(Long.MAX_VALUE - 3, tenant, world.campaignId,
          participant, LedgerEntryKind.AWARD, 2, "order", null, null, 32, now)), List.of(), List.of()));
      return e;
    });
    assertFalse(failed instanceof CommitOutcomeUnknownException);
    assertEquals(List.of(2L, 30L), amounts(scope, ann), "the transaction went on and committed the rest");
  }

  @Test
  void aRowTheDatabaseRefusesInABulkCallFailsItsOperationAloneAndTheOthersCommit() throws SQLException {
    refuseLedgerRowsOfType("poison");
    ParticipantRef bob = ParticipantRef.id(
        scope.participants().create(world.campaignId, NewParticipant.withEmail("bob@example.com")).id());
    // In one go the chunk's rows go with its commit, which the database refuses; the chunk then runs again each
    // operation behind a savepoint, where the refused one must be undone alone.
    List<PointsOutcome> out = scope.points().applyAll(List.of(
        PointsOperation.award(ann, PointsChange.of(5, "purchase")),
        PointsOperation.award(world.ref(1), PointsChange.of(7, "poison")),
        PointsOperation.award(bob, PointsChange.of(9, "purchase"))));

    assertTrue(out.get(0).succeeded(), out.toString());
    assertFalse(out.get(1).succeeded(), "the award whose row the database refused: " + out);
    assertTrue(out.get(2).succeeded(), out.toString());
    assertEquals(List.of(5L), amounts(scope, ann), "the award before the refused one committed");
    assertEquals(List.of(1L), amounts(scope, world.ref(1)), "only the award of the set-up");
    assertEquals(List.of(9L), amounts(scope, bob), "the award after the refused one committed");
  }

  @Test
  void rowsHeldBackThatFailBeforeASavepointKeepTheTransactionFromCommitting() throws SQLException {
    refuseLedgerRowsOfType("poison");
    long tenant = world.tenantId;
    long participant = world.participants.get(0);
    Instant now = Instant.now();
    // The unit of work takes a failure of a nested unit for the nested unit's own and goes on to its commit, as group
    // commit does (a transient failure excepted: the transaction is then unusable). The failure was of the unit's
    // own rows, sent before the savepoint: the transaction must not commit without them.
    assertThrows(StorageException.class, () -> storage.inTransaction(tx -> {
      LockedParticipant credited = tx.ledger().credit(tenant, participant, 3).orElseThrow();
      tx.appendPointsRows(new PointsRows(List.of(new LedgerEntry(Long.MAX_VALUE - 1, tenant, world.campaignId,
          participant, LedgerEntryKind.AWARD, 3, "poison", null, null, credited.participant().pointsBalance(), now)),
          List.of(), List.of()));
      try {
        tx.nested(inner -> null);
      } catch (TransientStorageException unusable) {
        throw unusable;
      } catch (StorageException refused) {
        // The nested unit's own failure, as far as this unit of work can tell.
      }
      return null;
    }));
    assertEquals(0, scope.participants().get(ann).pointsBalance());
    assertEquals(List.of(), amounts(scope, ann));
  }

  /** Makes the database refuse every ledger entry of type {@code type}, as a host's trigger or constraint could. */
  private void refuseLedgerRowsOfType(String type) throws SQLException {
    try (Connection connection = EmbeddedPostgresServer.connect(database);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS"
          + " $$ BEGIN RAISE EXCEPTION 'refused'; END $$");
      statement.execute("CREATE TRIGGER refuse_ledger_row BEFORE INSERT ON ledger_entry FOR EACH ROW"
          + " WHEN (NEW.type = '" + type + "') EXECUTE FUNCTION refuse_row()");
    }
  }

  @Test
  void aSessionTheServerEndsAfterTheRowsAndCommitLeavesTheOutcomeUnknown() {
    // A fast shutdown or pg_terminate_backend signals the server process; while it commits (writing and flushing the
    // commit record) the signal is held, and it ends the session right after, sending FATAL 57P01 behind the COMMIT's
    // own answer. The driver reports that error: an answer of the database, but not a refusal.
    sessionEndedAfterCommitWithRows = true;
    CommitOutcomeUnknownException e = assertThrows(CommitOutcomeUnknownException.class,
        () -> awardInOneUnitOfWork(Long.MAX_VALUE - 1));
    sessionEndedAfterCommitWithRows = false;
    assertTrue(e.getMessage().contains("57P01"), e.getMessage());
    assertEquals(3, scope.participants().get(ann).pointsBalance(), "it did commit");
  }

  // ==================================================================== a key taken by the time of the commit

  @Test
  void aKeyedAwardOrDeductionWhoseKeyAnotherInstanceCommitsAfterItsLookupReplaysThatEntry() throws Exception {
    TenantScope other = otherInstance();
    scope.points().award(ann, PointsChange.of(100, "welcome"));
    for (boolean award : List.of(true, false)) {
      PointsChange change = award ? PointsChange.of(30, "purchase").withIdempotencyKey("order-1")
          : PointsChange.of(12, "refund").withIdempotencyKey("refund-1");
      // Stopped after its key's lookup found nothing, before its credit: it holds no row lock yet.
      Pause beforeCredit = pauseBefore(sql -> sql.startsWith("UPDATE participant"));
      log.clear();
      Future<Object> call = calls.submit(answer(() -> pointsCall(scope, award, change)));
      beforeCredit.awaitReached("the call did not reach its credit");
      PointsResult first = pointsCall(other, award, change);
      beforeCredit.release();
      Object got = call.get(60, TimeUnit.SECONDS);

      PointsResult replay = assertInstanceOf(PointsResult.class, got, "the first request's result, replayed");
      assertTrue(replay.replayed(), got.toString());
      assertEquals(first.entry(), replay.entry());
      assertEquals(first.balance(), replay.balance());
      assertTrue(log.stream().anyMatch(s -> s.startsWith("prepare WITH entries") && s.endsWith("COMMIT")),
          "the key was refused with the commit: " + log);
    }
    assertEquals(List.of(-12L, 30L, 100L), amounts(scope, ann), "one entry for each key");
    assertEquals(118, balance(scope, ann), "the balance is the sum of the ledger");
  }

  @Test
  void aKeyedAwardWhoseKeyAnotherInstanceTakesWhileItsRowsWaitForItsCommitIsAConflictAndKeepsNothing()
      throws Exception {
    TenantScope other = otherInstance();
    ParticipantRef bob = world.ref(1);
    // Stopped between its credit and its commit, its rows held back: the key is not written yet.
    Pause atCommit = pauseBefore(sql -> sql.endsWith("COMMIT"));
    Future<Object> call = calls.submit(answer(() -> scope.points().award(ann,
        PointsChange.of(30, "purchase").withIdempotencyKey("order-2"))));
    atCommit.awaitReached("the award's rows did not wait for its commit");
    // Another request with the key, for another participant: it waits for nothing and commits first.
    PointsResult first = calls.submit(() -> other.points().award(bob,
        PointsChange.of(5, "purchase").withIdempotencyKey("order-2"))).get(30, TimeUnit.SECONDS);
    atCommit.release();
    Object got = call.get(60, TimeUnit.SECONDS);

    GroupCommitTestBase.assertCode(ErrorCode.CONFLICT, "idempotencyKey", got, "a key another request used");
    assertEquals(0, balance(scope, ann), "the credit rolled back with the rows");
    assertEquals(List.of(), amounts(scope, ann));
    assertEquals(List.of(5L, 1L), amounts(scope, bob));
    assertEquals(6, balance(scope, bob));
    assertEquals(first.entry(), ledger(scope, bob).get(0), "the key's one entry");
  }

  @Test
  void aKeyedActionWhoseKeyAnotherInstanceCommitsFirstReplaysItOrIsAConflictAndKeepsNothing() throws Exception {
    TenantScope other = otherInstance();
    ParticipantRef bob = world.ref(1);
    long reward = scope.rewards().define(world.campaignId, NewCampaignReward.message("Thanks", "Thank you", 10)
        .unlimited()).id();

    // The same action by another instance after this one's lookup, before it numbers its event.
    Pause beforeNumbering = pauseBefore(sql -> sql.startsWith("UPDATE participant"));
    log.clear();
    LoyaltyAction visit = LoyaltyAction.of(ann, reward).withIdempotencyKey("visit-1");
    Future<Object> call = calls.submit(answer(() -> scope.rewards().recordAction(visit)));
    beforeNumbering.awaitReached("the action did not reach its event's number");
    ActionResult first = other.rewards().recordAction(visit);
    beforeNumbering.release();
    ActionResult replay = assertInstanceOf(ActionResult.class, call.get(60, TimeUnit.SECONDS));
    assertTrue(replay.replayed());
    assertEquals(first.actionId(), replay.actionId());
    assertTrue(log.stream().anyMatch(s -> s.startsWith("prepare WITH action AS (INSERT") && s.endsWith("COMMIT")),
        "the key was refused with the commit: " + log);
    assertEquals(1, scope.rewards().counts(ann, reward).allTime(), "counted once");

    // The key taken for another participant while this one's rows wait for its commit.
    Pause atCommit = pauseBefore(sql -> sql.endsWith("COMMIT"));
    call = calls.submit(answer(() -> scope.rewards().recordAction(
        LoyaltyAction.of(ann, reward).withIdempotencyKey("visit-2"))));
    atCommit.awaitReached("the action's rows did not wait for its commit");
    calls.submit(() -> other.rewards().recordAction(LoyaltyAction.of(bob, reward).withIdempotencyKey("visit-2")))
        .get(30, TimeUnit.SECONDS);
    atCommit.release();
    GroupCommitTestBase.assertCode(ErrorCode.CONFLICT, "idempotencyKey", call.get(60, TimeUnit.SECONDS),
        "a key another action used");
    assertEquals(1, scope.rewards().counts(ann, reward).allTime(), "the counters rolled back with the action");
    assertEquals(1, scope.rewards().counts(bob, reward).allTime());
  }

  @Test
  void aBulkChunkWhoseKeyAnotherInstanceTakesBeforeItsCommitRunsAgainAndOnlyThatOperationFails() throws Exception {
    TenantScope other = otherInstance();
    ParticipantRef bob = world.ref(1);
    ParticipantRef carl = ParticipantRef.id(
        scope.participants().create(world.campaignId, NewParticipant.withEmail("carl@example.com")).id());
    Pause atCommit = pauseBefore(sql -> sql.endsWith("COMMIT"));
    Future<Object> call = calls.submit(answer(() -> scope.points().applyAll(List.of(
        PointsOperation.award(ann, PointsChange.of(5, "import").withIdempotencyKey("b-1")),
        PointsOperation.award(carl, PointsChange.of(7, "import").withIdempotencyKey("b-2"))))));
    atCommit.awaitReached("the chunk's rows did not wait for its commit");
    calls.submit(() -> other.points().award(bob, PointsChange.of(3, "import").withIdempotencyKey("b-1")))
        .get(30, TimeUnit.SECONDS);
    atCommit.release();
    @SuppressWarnings("unchecked")
    List<PointsOutcome> out = (List<PointsOutcome>) call.get(60, TimeUnit.SECONDS);

    GroupCommitTestBase.assertCode(ErrorCode.CONFLICT, "idempotencyKey", out.get(0).error(), "the taken key");
    assertEquals(7, out.get(1).result().balance(), "its neighbour, run again behind a savepoint: " + out);
    assertEquals(List.of(), amounts(scope, ann));
    assertEquals(List.of(7L), amounts(scope, carl));
    assertEquals(List.of(3L, 1L), amounts(scope, bob));
  }

  @Test
  void aGroupCommitBatchWhoseKeyAnotherInstanceTakesBeforeItsCommitRunsEachCallAloneAndOnlyThatOneFails()
      throws Exception {
    TenantScope other = otherInstance();
    // The engine's default group commit: two batches at a time, awards and deductions combined.
    HikariDataSource batchPool = EmbeddedPostgresServer.pool(database, 6);
    otherPools.add(batchPool);
    LoyaltyEngine combining = engines.build(engines.builder(
        JdbcStorage.builder().dataSource(recording(batchPool)).build(), 0));
    TenantScope batching = combining.forTenant(world.tenantId);
    List<ParticipantRef> p = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      p.add(ParticipantRef.id(batching.participants().create(world.campaignId,
          NewParticipant.withEmail("b" + i + "@example.com")).id()));
    }
    // Two calls hold both batches, stopped before their credits, while two more queue behind them.
    Pause firstLeader = pauseBefore(sql -> sql.startsWith("UPDATE participant"));
    Pause secondLeader = pauseBefore(sql -> sql.startsWith("UPDATE participant"));
    Future<Object> a = calls.submit(answer(() -> batching.points().award(p.get(0), PointsChange.of(1, "plug"))));
    firstLeader.awaitReached("the first call did not lead a batch");
    Future<Object> b = calls.submit(answer(() -> batching.points().award(p.get(1), PointsChange.of(1, "plug"))));
    secondLeader.awaitReached("the second call did not lead a batch");
    List<Thread> queued = Collections.synchronizedList(new ArrayList<>());
    // The batch runs on the thread of one of its callers: not the first call's, whose rows go with its commit too.
    Pause atCommit = pauseBefore(sql -> sql.endsWith("COMMIT") && queued.contains(Thread.currentThread()));
    List<Future<Object>> batch = new ArrayList<>();
    for (int i = 2; i <= 3; i++) {
      ParticipantRef who = p.get(i);
      PointsChange change = PointsChange.of(10 * i, "purchase").withIdempotencyKey("g-" + i);
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      batch.add(calls.submit(answer(() -> {
        thread.complete(Thread.currentThread());
        return batching.points().award(who, change);
      })));
      queued.add(thread.get(30, TimeUnit.SECONDS));
    }
    for (Thread t : List.copyOf(queued)) {
      GroupCommitProbe.awaitQueued(t);
    }
    log.clear();
    firstLeader.release();
    // The two queued calls run together, one transaction, their rows held back for its commit.
    atCommit.awaitReached("the batch's rows did not wait for its commit");
    assertTrue(log.stream().anyMatch(s -> s.startsWith("prepare UPDATE participant p SET")),
        "the batch changed its participants' balances by one update, as calls run together do: " + log);
    calls.submit(() -> other.points().award(p.get(4), PointsChange.of(4, "purchase").withIdempotencyKey("g-2")))
        .get(30, TimeUnit.SECONDS);
    atCommit.release();
    secondLeader.release();

    assertEquals(1, result(a.get(60, TimeUnit.SECONDS)).balance());
    assertEquals(1, result(b.get(60, TimeUnit.SECONDS)).balance());
    GroupCommitTestBase.assertCode(ErrorCode.CONFLICT, "idempotencyKey", batch.get(0).get(60, TimeUnit.SECONDS),
        "the taken key");
    assertEquals(30, result(batch.get(1).get(60, TimeUnit.SECONDS)).balance(), "its neighbour, run again alone");
    assertEquals(List.of(), amounts(scope, p.get(2)));
    assertEquals(List.of(30L), amounts(scope, p.get(3)));
    assertEquals(List.of(4L), amounts(scope, p.get(4)));
  }

  /** An award or a deduction of {@code change} to ann. */
  private PointsResult pointsCall(TenantScope on, boolean award, PointsChange change) {
    return award ? on.points().award(ann, change) : on.points().deduct(ann, change);
  }

  /** Another engine instance on the test's database, on a pool of its own: nothing of it is recorded or paused. */
  private TenantScope otherInstance() {
    HikariDataSource otherPool = EmbeddedPostgresServer.pool(database, 2);
    otherPools.add(otherPool);
    LoyaltyEngine other = engines.build(engines.builder(JdbcStorage.builder().dataSource(otherPool).build(), 1));
    return other.forTenant(world.tenantId);
  }

  /** Stops the next statement prepared that {@code statement} matches, before it is sent, until released. */
  private Pause pauseBefore(Predicate<String> statement) {
    Pause pause = new Pause();
    synchronized (pauses) {
      pauses.add(new Armed(statement, pause));
    }
    return pause;
  }

  /** The first pause armed for {@code sql}, disarmed; null if none. */
  private Pause pauseFor(String sql) {
    synchronized (pauses) {
      for (Iterator<Armed> i = pauses.iterator(); i.hasNext(); ) {
        Armed armed = i.next();
        if (armed.when().test(sql)) {
          i.remove();
          return armed.pause();
        }
      }
    }
    return null;
  }

  /** A pause armed for the first statement {@code when} matches. */
  private record Armed(Predicate<String> when, Pause pause) {
  }

  /** A credit of 3 and its rows, without a key, the entry numbered {@code entryId}, in one unit of work. */
  private void awardInOneUnitOfWork(long entryId) {
    long tenant = world.tenantId;
    long participant = world.participants.get(0);
    Instant now = Instant.now();
    storage.inTransaction(tx -> {
      LockedParticipant credited = tx.ledger().credit(tenant, participant, 3).orElseThrow();
      tx.appendPointsRows(new PointsRows(
          List.of(new LedgerEntry(entryId, tenant, world.campaignId, participant, LedgerEntryKind.AWARD, 3,
              "order", null, null, credited.participant().pointsBalance(), now)),
          List.of(new EventRecord(Long.MAX_VALUE - 2, tenant, EventType.POINTS_AWARDED, world.campaignId,
              participant, credited.eventSequence(), now, 1, 0, "{}")),
          List.of()));
      return null;
    });
  }

  /** {@code pool} seen through connections that record what they prepare and what each commit finds. */
  private DataSource recording(DataSource pool) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        forward(pool, (target, method, args) -> {
          Object result = method.invoke(target, args);
          return method.getName().equals("getConnection") ? recording((Connection) result) : result;
        }));
  }

  private Connection recording(Connection connection) {
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        forward(connection, (target, method, args) -> {
          if (method.getName().equals("prepareStatement")) {
            String sql = ((String) args[0]).strip();
            log.add("prepare " + (sql.length() <= 40 ? sql : sql.substring(0, 30) + " ... " + tail(sql)));
            Pause pause = pauseFor(sql);
            if (pause != null) {
              pause.here();
            }
            if (terminateBeforeCommitWithRows && sql.endsWith("COMMIT")) {
              terminate(connection.unwrap(PGConnection.class).getBackendPID());
            }
            if (sessionEndedAfterCommitWithRows && sql.endsWith("COMMIT")) {
              return failingAfterExecute((PreparedStatement) method.invoke(target, args));
            }
          } else if (method.getName().equals("commit")) {
            TransactionState state = connection.unwrap(BaseConnection.class).getTransactionState();
            log.add(state == TransactionState.IDLE ? "commit, nothing to send" : "commit, sent");
          }
          return method.invoke(target, args);
        }));
  }

  /** {@code statement}, whose {@code execute()} runs and then throws what a session the server ended reports. */
  private PreparedStatement failingAfterExecute(PreparedStatement statement) {
    return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, forward(statement, (target, method, args) -> {
          Object result = method.invoke(target, args);
          if (method.getName().equals("execute") && args == null) {
            throw sessionEndedByTheServer();
          }
          return result;
        }));
  }

  /** The failure the driver reports for a session the server ended (FATAL 57P01), from a session ended so. */
  private SQLException sessionEndedByTheServer() throws SQLException {
    try (Connection doomed = EmbeddedPostgresServer.connect(database)) {
      terminate(doomed.unwrap(PGConnection.class).getBackendPID());
      try (Statement statement = doomed.createStatement()) {
        statement.execute("SELECT 1");
      }
    } catch (SQLException e) {
      assertEquals("57P01", e.getSQLState(), "what the driver reports");
      return e;
    }
    throw new AssertionError("a terminated session answered");
  }

  /** Ends the server process {@code pid}, as a crash or a network failure would end a session. */
  private void terminate(int pid) throws SQLException {
    try (Connection other = EmbeddedPostgresServer.connect(database);
        PreparedStatement kill = other.prepareStatement("SELECT pg_terminate_backend(?, 5000)")) {
      kill.setInt(1, pid);
      kill.execute();
    }
  }

  /** The end of a statement: its last word. */
  private static String tail(String sql) {
    return sql.substring(sql.lastIndexOf(sql.endsWith("COMMIT") ? '\n' : ' ') + 1);
  }

  /** A handler that calls {@code step} with the target, unwrapping a reflective call's exception. */
  private static InvocationHandler forward(Object target, Step step) {
    return (proxy, method, args) -> {
      try {
        return step.call(target, method, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
  }

  @FunctionalInterface
  private interface Step {
    Object call(Object target, Method method, Object[] args) throws Throwable;
  }
}
