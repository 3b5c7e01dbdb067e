package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bulk points call in a host's transaction on H2 that H2 picks as a deadlock's victim. The host must be told
 * (STORAGE_UNAVAILABLE, after which JdbcHostTransaction's javadoc has it roll back and run its transaction again), or
 * else get outcomes that hold for what it commits: were the call to run its chunk again after H2 failed its
 * transaction, and answer with success, the host would commit the points without the work they were for.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class HostBulkDeadlockH2Test extends HostTransactionTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }

  /**
   * Host transaction 1 awards the participant (its row lock); host transaction 2, begun after it, inserts its order
   * and holds a row of the host's own ({@code X}); transaction 1 waits for {@code X}; transaction 2's bulk award of
   * the participant then closes the cycle, and H2 fails the younger transaction, the bulk call's. Both hosts commit
   * what they were told succeeded (the first once it has {@code X}).
   *
   * <p>H2 2.3.232 can fail the first host's update too, once the second has rolled back: a race in its deadlock
   * detection (the victim of a {@code SELECT ... FOR UPDATE} keeps naming the transaction it waited for) answers about
   * one run in a hundred with a general error (50000, "Transaction was illegally transitioned from ROLLED_BACK to
   * ROLLING_BACK"). That is the first host's to roll back; the expected balance counts what each host committed.
   */
  @Test
  void aBulkCallThatH2PicksAsADeadlocksVictimInAHostTransactionIsStorageUnavailable() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    try (Connection setup = fixture.connect(); Statement s = setup.createStatement()) {
      s.execute("CREATE TABLE host_row (id INT PRIMARY KEY, v INT NOT NULL)");
      s.execute("INSERT INTO host_row VALUES (1, 0)");
    }
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Object bulk;
    boolean firstCommitted;
    try (Connection first = fixture.connect(); Connection second = fixture.connect()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      scope.joining(JdbcHostTransaction.of(first)).points().award(w.ref(0), PointsChange.of(5, "purchase"));
      // Begun after the first: the younger transaction, which H2 fails when the two deadlock.
      update(second, "INSERT INTO host_row VALUES (2, 0)"); // the second host's order
      update(second, "UPDATE host_row SET v = v + 1 WHERE id = 1"); // holds X
      // The first host updates X once it can, and commits; or rolls back, should H2 fail its update.
      Future<Boolean> firstCommits = pool.submit(() -> {
        try {
          assertEquals(1, update(first, "UPDATE host_row SET v = v + 1 WHERE id = 1"), "the first host's update");
          first.commit();
          return true;
        } catch (SQLException failedByH2) {
          first.rollback();
          return false;
        }
      });
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      bulk = answer(() -> scope.joining(JdbcHostTransaction.of(second)).points().applyAll(List.of(
          PointsOperation.award(w.ref(0), PointsChange.of(7, "import"))))).call();
      if (bulk instanceof RuntimeException) {
        second.rollback();
      } else {
        second.commit();
      }
      firstCommitted = firstCommits.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    boolean secondOrderCommitted = fixture.count("SELECT COUNT(*) FROM host_row WHERE id = ?", 2) == 1;
    if (bulk instanceof List<?> outcomes) {
      PointsOutcome outcome = (PointsOutcome) outcomes.get(0);
      assertTrue(!outcome.succeeded() || secondOrderCommitted,
          () -> "the award was answered " + outcome + " and committed, but the host's order it was for is gone");
    } else {
      LoyaltyException refused = assertInstanceOf(LoyaltyException.class, bulk, () -> "the bulk call: " + bulk);
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, refused.code(), refused.toString());
    }
    assertBalanceIsTheLedger(scope, w.ref(0), (firstCommitted ? 5 : 0) + (secondOrderCommitted ? 7 : 0));
  }

  /**
   * As above, with H2's answer to its deadlock victim made certain: the bulk call's first statement that locks the
   * participants fails as H2 fails a victim, "Deadlock detected. The current transaction was rolled back" (SQLState
   * 40001), its whole transaction, the host's order included, rolled back. The call must not go on in the fresh
   * transaction the connection is in by then, and answer as if the host's transaction held its change. (H2 2.3.232
   * rolls the victim back whole when the failing statement is an UPDATE; a victim failing in a SELECT ... FOR UPDATE
   * gets the same error but keeps its transaction and locks. The first test meets the real answer, whichever it is.)
   */
  @Test
  void aBulkCallWhoseHostTransactionH2RolledBackAsADeadlocksVictimIsStorageUnavailable() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    try (Connection setup = fixture.connect(); Statement s = setup.createStatement()) {
      s.execute("CREATE TABLE host_row (id INT PRIMARY KEY, v INT NOT NULL)");
    }
    Object bulk;
    try (Connection connection = fixture.connect()) {
      connection.setAutoCommit(false);
      update(connection, "INSERT INTO host_row VALUES (2, 0)"); // the host's order
      boolean[] victim = {false};
      Connection deadlocking = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
          new Class<?>[] {Connection.class}, (proxy, method, args) -> {
            if (!victim[0] && method.getName().startsWith("prepare") && args[0] instanceof String sql
                && sql.contains("FOR UPDATE")) {
              victim[0] = true;
              connection.rollback();
              throw new SQLException("Deadlock detected. The current transaction was rolled back (a test's injected"
                  + " failure)", "40001", 40001);
            }
            return TestProxies.invoke(connection, method, args);
          });
      bulk = answer(() -> scope.joining(JdbcHostTransaction.of(deadlocking)).points().applyAll(List.of(
          PointsOperation.award(w.ref(0), PointsChange.of(7, "import"))))).call();
      assertTrue(victim[0], "the participants' lock was taken");
      if (bulk instanceof RuntimeException) {
        connection.rollback();
      } else {
        connection.commit();
      }
    }
    boolean orderCommitted = fixture.count("SELECT COUNT(*) FROM host_row WHERE id = ?", 2) == 1;
    if (bulk instanceof List<?> outcomes) {
      PointsOutcome outcome = (PointsOutcome) outcomes.get(0);
      assertTrue(!outcome.succeeded() || orderCommitted,
          () -> "the award was answered " + outcome + " and committed, but the host's order it was for is gone");
    } else {
      LoyaltyException refused = assertInstanceOf(LoyaltyException.class, bulk, () -> "the bulk call: " + bulk);
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, refused.code(), refused.toString());
    }
    assertBalanceIsTheLedger(scope, w.ref(0), orderCommitted ? 7 : 0);
  }

  private static int update(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      return s.executeUpdate(sql);
    }
  }
}
