package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * Host transactions at an isolation level other than the READ COMMITTED every unit of work of the engine is written
 * for, one backend per subclass: a host's connection may come from a pool set to any level (the engine's own
 * transactions on a host's DataSource are set to READ COMMITTED for that reason), and the engine's checks that read
 * after a lock (the live keys counted under the tenant's lock) or that trust what a read finds (an idempotency key)
 * must not decide on a snapshot from before the lock, or on another transaction's uncommitted rows. Each test either
 * sees the connection refused when joined, or the engine's promise kept.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class HostTransactionIsolationTestBase extends HostTransactionTestBase {
  /**
   * A host at REPEATABLE READ reads the tenant's keys (its snapshot is fixed then), the engine issues the tenant's
   * last allowed key in a transaction of its own, and the host issues one more: the count under the tenant's lock
   * must see the engine's key, as ApiKeys.issue promises a CONFLICT past {@value ApiKeys#MAX_LIVE_KEYS} live keys.
   */
  @Test
  void aHostAtRepeatableReadCannotIssueAKeyPastTheLiveKeyLimit() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 0);
    TenantScope scope = engine.forTenant(w.tenantId);
    for (int i = 0; i < ApiKeys.MAX_LIVE_KEYS - 1; i++) {
      scope.apiKeys().issue(NewApiKey.of("key " + i, ApiScope.READ));
    }
    try (Connection connection = fixture.connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Object joined = answer(() -> scope.joining(JdbcHostTransaction.of(connection))).call();
      if (joined instanceof TenantScope hosted) {
        assertEquals(ApiKeys.MAX_LIVE_KEYS - 1, hosted.apiKeys().list().size());
        scope.apiKeys().issue(NewApiKey.of("the last allowed", ApiScope.READ));
        Object issued = answer(() -> hosted.apiKeys().issue(NewApiKey.of("one too many", ApiScope.READ))).call();
        connection.commit();
        LoyaltyException refused = assertInstanceOf(LoyaltyException.class, issued,
            () -> "the host's key past the limit: " + issued);
        assertEquals(ErrorCode.CONFLICT, refused.code(), refused.toString());
      } else {
        assertInstanceOf(IllegalArgumentException.class, joined, () -> "joining: " + joined);
      }
    }
    long live = scope.apiKeys().list().stream().filter(k -> k.revokedAt() == null).count();
    assertTrue(live <= ApiKeys.MAX_LIVE_KEYS, live + " live keys");
  }

  /**
   * A host at READ UNCOMMITTED awards points with an idempotency key another host's transaction used and has not
   * committed: the award must not replay the other's entry, which that transaction then rolls back (the host would be
   * told its points were given, and no points would ever be). H2 only: PostgreSQL runs READ UNCOMMITTED as READ
   * COMMITTED, where the award waits for the other transaction's lock (on this one thread, for good).
   */
  @Test
  void aHostAtReadUncommittedNeverReplaysAnAwardThatNeverCommits() throws Exception {
    assumeTrue(fixture.dialect() == SqlDialect.H2, "PostgreSQL reads no uncommitted row at any isolation level");
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    PointsChange award = PointsChange.of(10, "purchase").withIdempotencyKey("order-1");
    Object answered;
    try (HostTx other = fixture.hostTransactions().orElseThrow().begin();
        Connection connection = fixture.connect()) {
      scope.joining(other.transaction()).points().award(w.ref(0), award);
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED);
      Object joined = answer(() -> scope.joining(JdbcHostTransaction.of(connection))).call();
      if (joined instanceof TenantScope hosted) {
        answered = answer(() -> hosted.points().award(w.ref(0), award)).call();
        other.rollback();
        if (answered instanceof RuntimeException) {
          connection.rollback();
        } else {
          connection.commit();
        }
      } else {
        answered = assertInstanceOf(IllegalArgumentException.class, joined, () -> "joining: " + joined);
        other.rollback();
      }
    }
    long balance = scope.participants().get(w.ref(0)).pointsBalance();
    if (answered instanceof PointsResult result) {
      assertTrue(!result.replayed() && balance == 10,
          "an award answered " + result + " leaves a balance of " + balance);
    } else {
      assertEquals(0, balance, "after a refusal: " + answered);
    }
  }
}
