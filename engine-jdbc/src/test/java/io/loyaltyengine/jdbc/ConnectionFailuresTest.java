package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection failures at the edges of a transaction. A commit whose answer is lost (the connection drops after the
 * database committed): the storage cannot tell whether the transaction committed, and says so
 * ({@link CommitOutcomeUnknownException}), so that the engine never
 * runs the work again; a commit refused with a transient SQLState (the database rolled it back) is transient as
 * ever, and a failure of the work itself is the work's. A rollback to a savepoint that fails leaves the
 * transaction unusable: transient, so that the whole unit of work rolls back and runs again.
 */
class ConnectionFailuresTest {
  private static final AtomicLong IDS = new AtomicLong(7_000);

  @TempDir
  Path dir;
  private HikariDataSource pool;
  private JdbcStorage storage;
  /** What the next commit throws after it committed (null: nothing). */
  private final AtomicReference<SQLException> afterNextCommit = new AtomicReference<>();
  /** What the next rollback to a savepoint throws instead of rolling back (null: nothing). */
  private final AtomicReference<SQLException> nextSavepointRollback = new AtomicReference<>();
  /** What the next release of a savepoint throws instead of releasing it (null: nothing). */
  private final AtomicReference<SQLException> nextSavepointRelease = new AtomicReference<>();
  /** What the next rollback of a whole transaction throws instead of rolling back (null: nothing). */
  private final AtomicReference<SQLException> nextRollback = new AtomicReference<>();

  @BeforeEach
  void open() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0");
    config.setMaximumPoolSize(2);
    pool = new HikariDataSource(config);
    storage = JdbcStorage.builder().dataSource(losingCommitAnswers(pool)).build();
  }

  @AfterEach
  void close() {
    storage.close();
    pool.close();
  }

  @Test
  void aCommitWhoseAnswerIsLostMayHaveCommittedAndSaysSo() {
    Tenant tenant = tenant();
    afterNextCommit.set(new SQLException("connection lost", "08006"));
    CommitOutcomeUnknownException e = assertThrows(CommitOutcomeUnknownException.class, () -> insert(tenant));
    assertTrue(e.getMessage().contains("SQLState 08006"), e.getMessage());
    assertTrue(storage.inTransaction(tx -> tx.tenants().find(tenant.id())).isPresent(), "it had committed");
  }

  @Test
  void aCommitRefusedWithATransientStateIsTransientAsEver() {
    afterNextCommit.set(new SQLException("could not serialize access", "40001"));
    StorageException e = assertThrows(StorageException.class, () -> insert(tenant()));
    assertInstanceOf(TransientStorageException.class, e);
    assertFalse(e instanceof CommitOutcomeUnknownException, e.toString());
  }

  @Test
  void aFailureOfTheWorkItselfIsNeverAnUnknownOutcome() {
    afterNextCommit.set(new SQLException("connection lost", "08006"));
    IllegalStateException thrown = new IllegalStateException("the work's own failure");
    assertSame(thrown, assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> {
      tx.tenants().insert(tenant());
      throw thrown;
    })));
    // The commit that was to lose its answer never came: the next one does.
    Tenant tenant = tenant();
    assertThrows(CommitOutcomeUnknownException.class, () -> insert(tenant));
    StringWriter printed = new StringWriter();
    assertThrows(CommitOutcomeUnknownException.class, () -> {
      afterNextCommit.set(new SQLException("connection to ann@example.com lost", "08006"));
      insert(tenant());
    }).printStackTrace(new PrintWriter(printed));
    assertFalse(printed.toString().contains("ann@"), "the driver's message is not kept: " + printed);
    assertEquals(2, countTenants(), "both commits whose answers were lost had committed, the failed work had not");
  }

  @Test
  void aRollbackToASavepointThatFailsRollsTheWholeTransactionBackAsTransient() {
    Tenant kept = tenant();
    Tenant nestedOne = tenant();
    nextSavepointRollback.set(new SQLException("connection lost", "08006"));
    IllegalStateException nestedFailure = new IllegalStateException("the nested work's own failure");
    TransientStorageException e = assertThrows(TransientStorageException.class, () -> storage.inTransaction(tx -> {
      tx.tenants().insert(kept);
      return tx.nested(inner -> {
        inner.tenants().insert(nestedOne);
        throw nestedFailure;
      });
    }));
    assertTrue(e.getMessage().contains("the transaction is unusable"), e.getMessage());
    assertSame(nestedFailure, e.getSuppressed()[0], "the work's own failure goes with it");
    assertEquals(0, countTenants(), "neither the nested write nor the one before it committed");
  }

  @Test
  void aReleaseOfASavepointThatFailsRollsTheWholeTransactionBackAsTransient() {
    // The nested work succeeded and its writes stay in the transaction: reported as the nested work's own failure,
    // a caller (a unit of a shared batch) would be told it failed while the transaction commits its writes.
    Tenant kept = tenant();
    Tenant nestedOne = tenant();
    nextSavepointRelease.set(new SQLException("savepoint release refused", "3B001"));
    TransientStorageException e = assertThrows(TransientStorageException.class, () -> storage.inTransaction(tx -> {
      tx.tenants().insert(kept);
      try {
        return tx.nested(inner -> {
          inner.tenants().insert(nestedOne);
          return null;
        });
      } catch (TransientStorageException unusable) {
        throw unusable;
      } catch (StorageException nestedFailure) {
        return null;   // as a shared batch does with a unit's own failure: the others go on and commit
      }
    }));
    assertTrue(e.getMessage().contains("the transaction is unusable"), e.getMessage());
    assertEquals(0, countTenants(), "neither the nested write nor the one before it committed");
  }

  private static Tenant tenant() {
    return new Tenant(IDS.incrementAndGet(), "Acme", TenantType.BUSINESS, Instant.parse("2025-01-01T00:00:00Z"));
  }

  /**
   * A unit of work that fails, and whose rollback fails too (the connection lost): the failure thrown holds no driver
   * message, whose values (an email here) a host logging it would print; the rollback's failure, if kept beside it,
   * is a redacted copy, as every failure of the storage keeps its driver's.
   */
  @Test
  void aRollbackThatFailsAfterTheWorkFailedAddsNoDriverMessageToTheFailure() {
    IllegalStateException thrown = new IllegalStateException("the work's own failure");
    nextRollback.set(new SQLException("connection to ann@example.com lost", "08006"));
    assertSame(thrown, assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> {
      tx.tenants().insert(tenant());
      throw thrown;
    })));
    StringWriter printed = new StringWriter();
    thrown.printStackTrace(new PrintWriter(printed));
    assertFalse(printed.toString().contains("ann@"), "the driver's message is not kept: " + printed);
    assertTrue(printed.toString().contains("08006"), "what failed is: " + printed);
  }

  private void insert(Tenant tenant) {
    storage.inTransaction(tx -> {
      tx.tenants().insert(tenant);
      return null;
    });
  }

  private long countTenants() {
    try (Connection c = pool.getConnection(); var s = c.createStatement();
        var rs = s.executeQuery("SELECT COUNT(*) FROM tenant")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code dataSource}, whose connections' commit commits, then throws what {@link #afterNextCommit} holds, and whose
   * rollback to a savepoint and release of a savepoint throw what {@link #nextSavepointRollback} and
   * {@link #nextSavepointRelease} hold instead.
   */
  private DataSource losingCommitAnswers(DataSource dataSource) {
    return TestProxies.connectionsThrough(dataSource, this::losingCommitAnswers);
  }

  private Connection losingCommitAnswers(Connection connection) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("rollback") && args != null && args.length == 1) {
            SQLException failed = nextSavepointRollback.getAndSet(null);
            if (failed != null) {
              throw failed;
            }
          }
          if (method.getName().equals("rollback") && (args == null || args.length == 0)) {
            SQLException failed = nextRollback.getAndSet(null);
            if (failed != null) {
              throw failed;
            }
          }
          if (method.getName().equals("releaseSavepoint")) {
            SQLException failed = nextSavepointRelease.getAndSet(null);
            if (failed != null) {
              throw failed;
            }
          }
          Object result = TestProxies.invoke(connection, method, args);
          if (method.getName().equals("commit")) {
            SQLException lost = afterNextCommit.getAndSet(null);
            if (lost != null) {
              throw lost;
            }
          }
          return result;
        });
  }

}
