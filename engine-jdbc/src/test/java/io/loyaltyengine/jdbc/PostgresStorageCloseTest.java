package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.StorageException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing a {@link JdbcStorage} with a pool of its own on PostgreSQL while one of its units of work is in progress
 * on another thread, as {@code LoyaltyEngine.close()} does once its wait for the units of work ends: unlike H2
 * ({@link H2StorageCloseTest}), the driver implements {@code Connection.abort}, so HikariCP's shutdown closes the
 * connection in use at once and the unit of work fails without committing.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class PostgresStorageCloseTest {
  private final String database = EmbeddedPostgresServer.createDatabase();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Pause pause = new Pause();

  @AfterEach
  void cleanUp() {
    pause.release();
    threads.shutdownNow();
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Test
  void aCloseUnderAUnitOfWorkAbortsItsConnectionAtOnce() throws Exception {
    JdbcStorage storage = JdbcStorage.builder().url(EmbeddedPostgresServer.url(database)).maximumPoolSize(4)
        .build();
    Instant now = Instant.now();
    Future<OptionalInt> inProgress = threads.submit(() -> storage.inTransaction(tx -> {
      OptionalInt node = tx.nodes().claim("in progress", now, now.plusSeconds(600));
      pause.here();
      return node;
    }));
    pause.awaitReached("the unit of work paused");
    Thread closer = new Thread(storage::close, "closer");
    closer.start();
    closer.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(closer.isAlive(), "the close returned without waiting for the unit of work");
    try (Connection c = EmbeddedPostgresServer.connect(database); Statement s = c.createStatement()) {
      // The paused unit holds node 0's row lock. Taking it waits until the server, seeing the unit's socket closed,
      // has rolled the unit back: while the unit itself is still paused, so its connection was closed at once.
      s.execute("SET lock_timeout = '10s'");
      try (ResultSet rs = s.executeQuery("SELECT holder FROM node_lease WHERE node = 0 FOR UPDATE")) {
        assertTrue(rs.next());
        assertNull(rs.getString(1), "the unit's claim was rolled back with its connection");
      }
    }

    pause.release();
    ExecutionException failed = assertThrows(ExecutionException.class, () -> inProgress.get(30, TimeUnit.SECONDS));
    assertTrue(failed.getCause() instanceof StorageException, "the unit of work failed: " + failed.getCause());
    try (Connection c = EmbeddedPostgresServer.connect(database); Statement s = c.createStatement()) {
      assertEquals(0, count(s, "SELECT COUNT(*) FROM node_lease WHERE holder = 'in progress'"),
          "the unit of work did not commit");
    }
  }

  private static int count(Statement statement, String query) throws SQLException {
    try (ResultSet rs = statement.executeQuery(query)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
