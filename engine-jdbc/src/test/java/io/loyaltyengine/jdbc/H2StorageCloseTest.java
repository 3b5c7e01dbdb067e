package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Closing a {@link JdbcStorage} with a pool of its own on an H2 file while one of its units of work is in progress
 * on another thread, as {@code LoyaltyEngine.close()} does once its wait for the units of work ends (after 30 s, or
 * at once on an interrupted thread). HikariCP's shutdown hands a connection in use to {@code Connection.abort},
 * which H2 does not implement (a no-op), and drops it from the pool: the connection was never closed, so its session
 * and with it the database file stayed open until the JVM exited. An interrupted close stopped HikariCP's shutdown
 * half-way, leaving its housekeeping thread running for good.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class H2StorageCloseTest {
  private final Path directory = TestFiles.newDirectory("loyalty-h2-close-");
  private final String url = "jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000";
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Pause pause = new Pause();

  @AfterEach
  void cleanUp() {
    pause.release();
    threads.shutdownNow();
    TestFiles.delete(directory);
  }

  @ParameterizedTest(name = "closing thread interrupted: {0}")
  @ValueSource(booleans = {false, true})
  void aCloseUnderAUnitOfWorkReturnsAtOnceAndTheDatabaseIsClosedWhenTheUnitEnds(boolean interrupted)
      throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    JdbcStorage storage = JdbcStorage.builder().url(url).maximumPoolSize(4).build();
    Instant now = Instant.now();
    Future<OptionalInt> inProgress = threads.submit(() -> storage.inTransaction(tx -> {
      OptionalInt node = tx.nodes().claim("in progress", now, now.plusSeconds(600));
      pause.here();
      return node;
    }));
    pause.awaitReached("the unit of work paused");

    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread closer = new Thread(() -> {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      storage.close();
      interruptKept.set(Thread.currentThread().isInterrupted());
    }, "closer");
    closer.start();
    closer.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(closer.isAlive(), "the close returned without waiting for the unit of work");
    assertEquals(interrupted, interruptKept.get(), "the close kept its thread's interrupt, if any");
    assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> null));

    pause.release();
    assertEquals(OptionalInt.of(0), inProgress.get(30, TimeUnit.SECONDS), "the unit of work went on");
    assertEquals(List.of(), PoolThreads.leftSince(before), "the pool's threads ended");
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      assertEquals(1, count(s, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"),
          "the storage's connections are closed once its last unit of work ended: only this one is open");
      assertEquals(1, count(s, "SELECT COUNT(*) FROM node_lease WHERE holder = 'in progress'"),
          "the unit of work committed (H2 lets a transaction under way finish)");
    }
    // The unit's turn at the database's transaction gate ended with it.
    try (JdbcStorage reopened = JdbcStorage.builder().url(url).maximumPoolSize(4).build()) {
      assertEquals(OptionalInt.of(1), reopened.inTransaction(tx -> tx.nodes().claim("after", now,
          now.plusSeconds(60))));
    }
  }

  /**
   * The database a storage made and wrote closes cleanly with the storage: H2 2.3.232 compacted the file at close in
   * a way that could lose data (H2 issue 4247) and, with assertions on, failed every such close ("IO Exception:
   * Closing", an AssertionError in {@code RandomAccessStore.moveChunkInside}), which only its trace file showed.
   */
  @Test
  void closingTheStorageClosesItsDatabaseWithoutAFailureInItsTraceFile() throws Exception {
    Instant now = Instant.now();
    try (JdbcStorage storage = JdbcStorage.builder().url(url).maximumPoolSize(4).build()) {
      for (int i = 0; i < 20; i++) {
        String holder = "holder " + i;
        storage.inTransaction(tx -> tx.nodes().claim(holder, now, now.plusSeconds(600)));
      }
    }
    Path trace = directory.resolve("loyalty.trace.db");
    String logged = Files.exists(trace) ? Files.readString(trace) : "";
    assertFalse(logged.contains("database: close") || logged.contains("IO Exception"), logged);
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      assertEquals(20, count(s, "SELECT COUNT(*) FROM node_lease WHERE holder LIKE 'holder %'"));
    }
  }

  private static int count(Statement statement, String query) throws SQLException {
    try (ResultSet rs = statement.executeQuery(query)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
