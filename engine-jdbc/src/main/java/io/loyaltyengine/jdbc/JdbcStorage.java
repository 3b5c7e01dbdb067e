package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.jdbc.internal.DatabaseChecks;
import io.loyaltyengine.jdbc.internal.H2TransactionGate;
import io.loyaltyengine.jdbc.internal.H2Urls;
import io.loyaltyengine.jdbc.internal.HostHandles;
import io.loyaltyengine.jdbc.internal.JdbcTransaction;
import io.loyaltyengine.jdbc.internal.JdbiSetup;
import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import io.loyaltyengine.jdbc.internal.Secrets;
import io.loyaltyengine.jdbc.internal.Sql;
import io.loyaltyengine.jdbc.internal.SqlErrors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's storage in a relational database: an embedded H2 file by default, PostgreSQL when several host
 * instances share one database.
 *
 * <pre>{@code
 * // Embedded, in a file next to the application:
 * JdbcStorage storage = JdbcStorage.h2File(Path.of("data/loyalty"));
 *
 * // PostgreSQL, with a pool of its own:
 * JdbcStorage storage = JdbcStorage.builder()
 *     .url("jdbc:postgresql://db:5432/shop")
 *     .credentials("loyalty", secret)
 *     .maximumPoolSize(20)
 *     .build();
 *
 * // On the host's pool (the host keeps owning it):
 * JdbcStorage storage = JdbcStorage.builder().dataSource(hostDataSource).build();
 * }</pre>
 *
 * <h2>Start</h2>
 * {@link Builder#build()} connects, detects the dialect (logged), checks durability, and brings the schema to this
 * engine's version ({@link SchemaMode#MIGRATE}, the default) or checks that it is there ({@link SchemaMode#VALIDATE}).
 * It logs its effective configuration once, with the password masked.
 *
 * <h2>Durability</h2>
 * On H2 every commit is written to the database file before the engine reports it, so it survives a killed process;
 * H2 does not fsync each commit, so a power cut or an operating-system crash can lose the last ones. An H2 URL naming
 * an in-memory database, a {@code WRITE_DELAY} other than 0 or an H2 server ({@code tcp:}, {@code ssl:},
 * {@code AUTO_SERVER}: other processes' transactions would not take turns with this one's, see Transactions) is
 * refused, and a URL without a write delay gets {@code ;WRITE_DELAY=0}; the database is checked again at start,
 * also when reached through a host {@link DataSource} (in memory, the write delay, a {@code tcp:} or {@code ssl:}
 * server, which H2 reports in the connection's URL, and {@code AUTO_SERVER}, which H2 does not report: the lock file
 * it keeps beside such a database names a server, and a server there that accepts a connection is refused; a file
 * left by a process that died is not). An H2 database in a compatibility mode ({@code MODE} other than REGULAR: in
 * some, unique constraints take NULLs as equal, against the schema's keys), with a collation ({@code COLLATION}
 * other than OFF: text, keys included, would compare by it, not exactly), ignoring case ({@code IGNORECASE=TRUE}:
 * the text columns of later migrations would compare without case) or folding unquoted names to lower case
 * ({@code DATABASE_TO_LOWER=TRUE}: the schema scripts name H2's own upper-case columns unquoted) is refused at start
 * too, by URL or {@link DataSource}. On PostgreSQL a commit is as durable as the server makes it: {@code fsync=off} or
 * {@code synchronous_commit=off} is only logged as a warning, not refused.
 *
 * <h2>Transactions</h2>
 * A unit of work runs in one READ COMMITTED transaction, once (one that only reads, {@link #inReadTransaction}, at
 * one snapshot instead); the engine retries after a
 * {@link io.loyaltyengine.core.spi.TransientStorageException} (deadlock, serialization failure, lock timeout). On
 * H2 the storage turns off the reuse of query results (H2's {@code OPTIMIZE_REUSE_RESULTS}, for the whole database,
 * at start and on each connection of its own pool): H2 would otherwise answer a query repeated after waiting for a
 * lock with rows from before another transaction's commit. On H2 the engine's own transactions on one database run
 * one at a time, across every storage of the JVM on that database: H2 can lose a committed change when a transaction
 * that waited for its row lock rolls back, and the engine rolls back every refused unit of work (docs/ARCHITECTURE.md,
 * Lock order).
 * Failures are classified by SQLState, never by message text, and reported without bound values. A unit of work can
 * also join the host's own transaction on its connection ({@link JdbcHostTransaction}), behind a savepoint.
 *
 * <h2>Thread-safety</h2>
 * Thread-safe: any number of threads may run units of work at once, each on its own pooled connection (on H2 they
 * take turns, see Transactions).
 */
public final class JdbcStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcStorage.class);
  private static final Set<StorageCapability> CAPABILITIES = Collections.unmodifiableSet(EnumSet.of(
      StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE, StorageCapability.DURABLE));
  /** PostgreSQL also commits in parallel, sharing WAL flushes among concurrent commits. */
  private static final Set<StorageCapability> POSTGRESQL_CAPABILITIES = Collections.unmodifiableSet(EnumSet.of(
      StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE, StorageCapability.DURABLE,
      StorageCapability.PARALLEL_COMMITS));
  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
  /** H2's error when a database file is open elsewhere (a constant, so inlined: H2 need not be on the class path). */
  private static final int H2_DATABASE_ALREADY_OPEN = org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1;
  /**
   * H2's SNAPSHOT isolation level as JDBC takes it ({@code org.h2.engine.Constants.TRANSACTION_SNAPSHOT}): every
   * statement reads the database as it was at the transaction's first, rows added since included (H2's REPEATABLE
   * READ lets those through).
   */
  private static final int H2_SNAPSHOT = 6;
  /** A PostgreSQL read's transaction, set by its first statement. */
  private static final String PG_READ_LEVEL = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

  private final HikariDataSource ownedPool;
  private final Sql sql;
  private final Jdbi jdbi;
  private final HostHandles hostHandles = new HostHandles();
  /** A host's DataSource may hand out connections at any isolation level; the storage's own pool is set once. */
  private final boolean isolationPerTransaction;
  /**
   * On PostgreSQL, whether a read can set its level by its transaction's first statement: not when the driver sends
   * a statement of its own first (pgjdbc's {@code autosave=always}: a savepoint), after which PostgreSQL refuses
   * {@code SET TRANSACTION}; the level is then set on the connection for each read, and set back.
   */
  private final boolean pgReadLevelPerTransaction;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The units of work in progress on the storage's own connections, counted from before the closed check. */
  private final AtomicInteger running = new AtomicInteger();
  /**
   * Set on a thread while it runs one of the storage's own units of work. Jdbi runs a transaction begun on that
   * thread (an engine call a host's risk rule makes) on the running one's handle, in its transaction: it would see
   * that transaction's uncommitted rows, commit or roll back with it, and its failure would roll the running one's
   * work back under it. Such a unit of work is refused instead, as the in-memory store refuses it.
   */
  private final ThreadLocal<Boolean> unitOnThread = new ThreadLocal<>();
  /** Whether the storage's own pool was closed; {@link #close()} may leave that to its last unit of work. */
  private final AtomicBoolean poolClosed = new AtomicBoolean();
  /**
   * On H2, lets the engine's transactions on the database run one at a time (see {@link H2TransactionGate});
   * {@link H2TransactionGate#NONE} elsewhere.
   */
  private final H2TransactionGate h2Gate;

  private JdbcStorage(DataSource dataSource, HikariDataSource ownedPool, SqlDialect dialectOverride,
      SchemaMode schemaMode, boolean h2TransactionsTakeTurns) {
    this.ownedPool = ownedPool;
    this.isolationPerTransaction = ownedPool == null;
    SqlDialect dialect;
    boolean storesEveryCharacter;
    try (Connection connection = dataSource.getConnection()) {
      if (dialectOverride == null) {
        dialect = DatabaseChecks.detectDialect(connection);
      } else {
        DatabaseChecks.checkDialectSet(connection, dialectOverride);
        dialect = dialectOverride;
        LOG.info("Loyalty engine storage uses dialect {} (set explicitly)", dialect);
      }
      DatabaseChecks.checkDurability(connection, dialect);
      DatabaseChecks.prepare(connection, dialect);
      storesEveryCharacter = DatabaseChecks.storesEveryCharacter(connection, dialect);
      this.h2Gate = dialect == SqlDialect.H2 && h2TransactionsTakeTurns
          ? H2TransactionGate.of(DatabaseChecks.h2DatabasePath(connection)) : H2TransactionGate.NONE;
      this.pgReadLevelPerTransaction = dialect == SqlDialect.POSTGRESQL
          && DatabaseChecks.canSetTransactionFirst(connection, PG_READ_LEVEL);
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("storage start", e);
    }
    this.sql = new Sql(dialect, storesEveryCharacter);
    SchemaMigrator migrator = new SchemaMigrator(dataSource, sql);
    if (schemaMode == SchemaMode.VALIDATE) {
      migrator.validate();
    } else {
      migrator.migrate();
    }
    this.jdbi = JdbiSetup.pooled(dataSource);
  }

  /**
   * Opens (creating it if needed) the H2 database in the file {@code path} (H2 adds {@code .mv.db}), with its own
   * pool, migrating the schema. The URL is
   * {@code jdbc:h2:retry:<absolute path>;WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64} (see
   * {@link Builder#h2File}). Shorthand for {@code builder().h2File(path).build()}.
   *
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if the path contains {@code ;}
   * @throws IllegalStateException if the schema is newer than this engine or was changed
   * @throws StorageException if the database cannot be opened
   */
  public static JdbcStorage h2File(Path path) {
    return builder().h2File(path).build();
  }

  /** Returns a new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The database's dialect. */
  public SqlDialect dialect() {
    return sql.dialect();
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return sql.dialect() == SqlDialect.POSTGRESQL ? POSTGRESQL_CAPABILITIES : CAPABILITIES;
  }

  /**
   * {@inheritDoc}
   *
   * <p>On H2 the unit of work first waits for the database's other engine transactions to end (failing with a
   * {@link io.loyaltyengine.core.spi.TransientStorageException} after 10 s), and a caller's interrupt is held back
   * while it waits, runs and commits (or rolls back), and set again before the call returns: on H2's default file
   * system the JDK closes the database file when a thread with its interrupt set reads or writes it, and H2 then
   * closes the whole database, for every connection (a commit and a rollback write the file). An interrupt that comes
   * while the work runs is taken back only when the work ends: a statement the work runs after it still meets it.
   * Any statement may read the file (pages not in H2's cache), so the database must be on a file system that an
   * interrupt does not close: {@link #h2File} opens it on H2's {@code retry:} file system, which opens the file again
   * and retries the read or write that met the interrupt; a URL or a host {@link DataSource} on another one is warned
   * about at start (see {@link Builder#url}). H2 clears the interrupt it retried for, so a caller interrupted while
   * its work ran does not get that interrupt back (one that came before the work, or while it waited or committed,
   * it does).
   *
   * @throws IllegalStateException if this storage is closed, or if the calling thread is running one of its units of
   *     work (an engine call a risk rule makes inside the signup's): Jdbi would run this one in that one's transaction
   */
  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    return inTransaction(work, true);
  }

  /**
   * As {@link #inTransaction}, but at one snapshot, and on H2 outside the turn the engine's transactions take: every
   * statement of the work reads the database as it was at its first one, so that a transaction committing between
   * two of them shows in neither. On PostgreSQL the transaction runs at REPEATABLE READ, READ ONLY (set by its
   * first statement; a read-only transaction there never fails to serialize; a transaction a host's pool left open
   * on the connection, such as a validation query's with auto-commit off, is rolled back before; where the driver
   * sends a statement of its own first, as pgjdbc's {@code autosave=always} does, REPEATABLE READ is set on the
   * connection instead, and set back after), on H2 at H2's
   * SNAPSHOT level (set on the connection for the transaction, and set back after it). A read takes no row lock and
   * rolls nothing back, so the H2 defect the turn works around cannot reach it. A read whose commit fails changed
   * nothing, and fails as a {@link StorageException}, not as a {@link CommitOutcomeUnknownException}.
   *
   * @throws IllegalStateException if this storage is closed, or if the calling thread is running one of its units of
   *     work, as {@link #inTransaction}
   */
  @Override
  public <T> T inReadTransaction(TransactionWork<T> work) {
    return inTransaction(work, false);
  }

  private <T> T inTransaction(TransactionWork<T> work, boolean readWrite) {
    Objects.requireNonNull(work, "work");
    if (unitOnThread.get() != null) {
      throw new IllegalStateException("a unit of work is already running on this thread; nested transactions are"
          + " not supported (this one would run inside the running one's transaction)");
    }
    unitOnThread.set(Boolean.TRUE);
    try {
      return inTransactionOnThisThread(work, readWrite);
    } finally {
      unitOnThread.remove();
    }
  }

  private <T> T inTransactionOnThisThread(TransactionWork<T> work, boolean readWrite) {
    // Counted before the check: a close that comes after it sees this unit and leaves the pool to it (see close()).
    running.incrementAndGet();
    try {
      requireOpen();
      if (sql.dialect() != SqlDialect.H2) {
        return runInTransaction(work, null, readWrite);
      }
      boolean[] interrupted = {Thread.interrupted()};
      try {
        if (!readWrite) {
          return runInTransaction(work, interrupted, readWrite);
        }
        h2Gate.enter(interrupted);
        try {
          return runInTransaction(work, interrupted, readWrite);
        } finally {
          h2Gate.exit();
        }
      } finally {
        if (interrupted[0] | Thread.interrupted()) {
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      if (running.decrementAndGet() == 0 && closed.get()) {
        closePool();
      }
    }
  }

  /**
   * Runs {@code work} in a transaction, at one snapshot unless {@code readWrite}; with {@code interrupted}, holds back
   * an interrupt that comes meanwhile.
   */
  private <T> T runInTransaction(TransactionWork<T> work, boolean[] interrupted, boolean readWrite) {
    boolean[] workDone = new boolean[1];
    HandleCallback<T, RuntimeException> callback = handle -> {
      JdbcTransaction tx = new JdbcTransaction(handle, sql, true);
      T result;
      try {
        result = work.run(tx);
      } catch (RuntimeException | Error failure) {
        if (interrupted != null) {
          // Nor the rollback's: H2 writes the undone rows (and the row locks taken) to its file, as a commit does.
          interrupted[0] |= Thread.interrupted();
        }
        // Rolled back here rather than by Jdbi, which would keep the rollback's failure raw beside the work's: a
        // driver's message may quote values. Jdbi rolls back no more once the handle's transaction has ended.
        try {
          handle.rollback();
        } catch (RuntimeException rollbackFailure) {
          failure.addSuppressed(SqlErrors.redacted(rollbackFailure));
        }
        throw failure;
      }
      workDone[0] = true;
      if (interrupted != null) {
        // An interrupt that came while the work ran must not reach the commit's write either.
        interrupted[0] |= Thread.interrupted();
      }
      tx.commitWithDeferredRows();
      return result;
    };
    try {
      if (!readWrite) {
        return jdbi.withHandle(handle -> atOneSnapshot(handle, callback));
      }
      return isolationPerTransaction
          ? jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, callback)
          : jdbi.inTransaction(callback);
    } catch (JdbiException e) {
      if (workDone[0] && readWrite && !SqlErrors.isTransient(e)) {
        // The work ran to its end and the commit failed without saying it was refused (a transient failure is a
        // refusal: rolled back): its answer may simply have been lost, so it may have committed.
        throw new CommitOutcomeUnknownException("transaction commit failed; whether it committed is unknown"
            + SqlErrors.describe(e), SqlErrors.redacted(e));
      }
      // Begin, connection: what the ports did not translate themselves.
      throw SqlErrors.translate("transaction", e);
    }
  }

  /**
   * Runs {@code callback}, which only reads, in a transaction on {@code handle} at one snapshot: on H2 at its
   * SNAPSHOT level; on PostgreSQL at REPEATABLE READ, READ ONLY, set by the transaction's first statement for this
   * transaction only, or set on the connection where the driver sends a statement first
   * ({@link #pgReadLevelPerTransaction}).
   */
  private <T> T atOneSnapshot(Handle handle, HandleCallback<T, RuntimeException> callback) {
    if (sql.dialect() == SqlDialect.H2) {
      return atSessionLevel(handle, H2_SNAPSHOT, callback);
    }
    endPoolsTransaction(handle);
    if (!pgReadLevelPerTransaction) {
      return atSessionLevel(handle, Connection.TRANSACTION_REPEATABLE_READ, callback);
    }
    return handle.inTransaction(h -> {
      h.execute(PG_READ_LEVEL);
      return callback.withHandle(h);
    });
  }

  /**
   * Ends a transaction a pool left open on a PostgreSQL connection it handed out with auto-commit off (a HikariCP
   * {@code connectionTestQuery} at checkout begins one), after which a read could not set its level (25001): it holds
   * nothing of the engine's. The driver sends nothing when none is open.
   */
  private static void endPoolsTransaction(Handle handle) {
    try {
      Connection connection = handle.getConnection();
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("transaction begin", e);
    }
  }

  /**
   * Runs {@code callback} in a transaction on {@code handle} at {@code level}, set on the connection before the
   * transaction begins and set back to the level it had after it ends, so that the connection goes back to the pool
   * at the level it came at, READ COMMITTED on the storage's own pool, whatever it is on a host's (a connection whose
   * level cannot be set back fails the call): H2's SNAPSHOT, which H2 sets per session only, and PostgreSQL's
   * REPEATABLE READ when a read cannot set it by its first statement ({@link #pgReadLevelPerTransaction}).
   */
  private static <T> T atSessionLevel(Handle handle, int level, HandleCallback<T, RuntimeException> callback) {
    // The driver's own number: Jdbi names SNAPSHOT, which JDBC does not, UNKNOWN, a level no driver takes back.
    int before;
    try {
      before = handle.getConnection().getTransactionIsolation();
    } catch (SQLException e) {
      throw SqlErrors.translate("transaction begin", e);
    }
    handle.setTransactionIsolationLevel(level);
    T result;
    try {
      result = handle.inTransaction(callback);
    } catch (RuntimeException | Error failure) {
      try {
        handle.setTransactionIsolationLevel(before);
      } catch (RuntimeException restoreFailure) {
        failure.addSuppressed(SqlErrors.redacted(restoreFailure));
      }
      throw failure;
    }
    handle.setTransactionIsolationLevel(before);
    return result;
  }

  /**
   * Refuses a host transaction that is not a {@link JdbcHostTransaction}, or whose connection was not at READ
   * COMMITTED when wrapped (READ UNCOMMITTED is taken on PostgreSQL, which runs it as READ COMMITTED), without
   * touching the database: the units of work are written for READ COMMITTED (see {@link JdbcHostTransaction}).
   *
   * @throws IllegalArgumentException if {@code host} is not a {@link JdbcHostTransaction}, or is at another level
   */
  @Override
  public void checkJoinable(HostTransaction host) {
    if (!(host instanceof JdbcHostTransaction jdbcHost)) {
      throw new IllegalArgumentException("JdbcStorage joins only a JdbcHostTransaction (JdbcHostTransaction.of("
          + "connection)), not " + (host == null ? "null" : host.getClass().getName()));
    }
    int isolation = jdbcHost.isolation();
    if (isolation != Connection.TRANSACTION_READ_COMMITTED && !(isolation == Connection.TRANSACTION_READ_UNCOMMITTED
        && sql.dialect() == SqlDialect.POSTGRESQL)) {
      throw new IllegalArgumentException("a host transaction must run at READ COMMITTED, as the engine's own do (its"
          + " checks must see what committed before them), not at " + isolationName(isolation)
          + "; set it before JdbcHostTransaction.of(connection)");
    }
  }

  /**
   * The host's connection: every {@link JdbcHostTransaction} wrapping it is a handle on its open transaction (a host
   * may wrap it for each call).
   *
   * @throws IllegalArgumentException if {@code host} is not a {@link JdbcHostTransaction}
   */
  @Override
  public Object hostTransactionIdentity(HostTransaction host) {
    if (!(host instanceof JdbcHostTransaction jdbcHost)) {
      throw new IllegalArgumentException("JdbcStorage joins only a JdbcHostTransaction (JdbcHostTransaction.of("
          + "connection)), not " + (host == null ? "null" : host.getClass().getName()));
    }
    return jdbcHost.connection();
  }

  private static String isolationName(int isolation) {
    return switch (isolation) {
      case Connection.TRANSACTION_NONE -> "no transaction isolation";
      case Connection.TRANSACTION_READ_UNCOMMITTED -> "READ UNCOMMITTED";
      case Connection.TRANSACTION_REPEATABLE_READ -> "REPEATABLE READ";
      case Connection.TRANSACTION_SERIALIZABLE -> "SERIALIZABLE";
      default -> "isolation level " + isolation;
    };
  }

  /**
   * {@inheritDoc}
   *
   * <p>Sets a savepoint on the host's connection, runs the work there and releases the savepoint; if the work
   * throws, or the release fails, rolls back to the savepoint first, so the host's own work in the transaction
   * survives and nothing of a failed operation stays in it. Never commits,
   * rolls back or closes the host's transaction.
   *
   * @throws IllegalArgumentException if {@code host} is not a {@link JdbcHostTransaction}, or is not at READ COMMITTED
   * @throws IllegalStateException if this storage is closed, or the host's connection was switched to auto-commit
   */
  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    Objects.requireNonNull(work, "work");
    checkJoinable(host);
    JdbcHostTransaction jdbcHost = (JdbcHostTransaction) host;
    requireOpen();
    Connection connection = jdbcHost.connection();
    Savepoint savepoint = savepoint(connection);
    T result;
    try (Handle handle = hostHandles.open(connection)) {
      result = work.run(new JdbcTransaction(handle, sql));
    } catch (RuntimeException | Error e) {
      rollbackTo(connection, savepoint, e);
      if (e instanceof JdbiException) {
        throw SqlErrors.translate("host transaction", e);
      }
      throw e;
    }
    try {
      connection.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      // The work's writes are still in the host's transaction (on PostgreSQL, aborted by the refusal): undone, as for
      // any failure of the operation, so that the host's work stays committable and nothing of the reported failure
      // commits with it.
      StorageException failure = SqlErrors.translate("host transaction savepoint release", e);
      rollbackTo(connection, savepoint, failure);
      throw failure;
    }
    return result;
  }

  private static Savepoint savepoint(Connection connection) {
    try {
      if (connection.getAutoCommit()) {
        throw new IllegalStateException("the host transaction's connection has auto-commit on; it must stay off"
            + " while engine operations join it");
      }
      return connection.setSavepoint();
    } catch (SQLException e) {
      throw SqlErrors.translate("host transaction savepoint", e);
    }
  }

  private static void rollbackTo(Connection connection, Savepoint savepoint, Throwable failure) {
    try {
      connection.rollback(savepoint);
      connection.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      failure.addSuppressed(SqlErrors.redacted(e));
    }
  }

  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the storage is closed");
    }
  }

  /**
   * Closes the pool this storage created; a host's DataSource stays open. Idempotent; returns without waiting for
   * units of work in progress, and keeps the calling thread's interrupt. Afterwards the storage refuses units of
   * work, its own and joined host transactions alike, with an {@link IllegalStateException}.
   *
   * <p>Units of work still in progress on the pool's connections (a close that did not wait for them, as
   * {@code LoyaltyEngine.close()} after its wait) are treated by database. On H2 each goes on to its end (it may
   * commit), keeping its turn at the database's transaction gate until then, so that another storage on the database
   * waits for it; the idle connections are closed at once and the pool, the database file with it, when the last of
   * them ends. On PostgreSQL the pool aborts their connections at once (the driver closes them), so they fail; one
   * whose commit fails that way reports its outcome as unknown.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && ownedPool != null) {
      if (running.get() == 0 || sql.dialect() != SqlDialect.H2) {
        closePool();
      } else {
        // HikariCP would "abort" the connections in use, which H2 does not implement, and drop them from the pool
        // unclosed: their sessions, and the database file, would stay open until the JVM exits. The last unit of
        // work closes the pool instead (it saw the storage open, so it is counted in running).
        ownedPool.getHikariPoolMXBean().softEvictConnections();
      }
    }
  }

  /**
   * Closes the storage's own pool, once; with the caller's interrupt held back, which would stop HikariCP's shutdown
   * half-way (its housekeeping thread left running for good).
   */
  private void closePool() {
    if (ownedPool == null || !poolClosed.compareAndSet(false, true)) {
      return;
    }
    boolean interrupted = Thread.interrupted();
    try {
      ownedPool.close();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "JdbcStorage[" + sql.dialect() + (ownedPool == null ? ", host DataSource" : ", " + ownedPool.getPoolName())
        + (closed.get() ? ", closed" : "") + "]";
  }

  /**
   * Builds a {@link JdbcStorage}. Each setter validates its value at once and names the setting in its error;
   * {@link #build()} checks what depends on several settings. Either {@link #url(String)} (the storage creates and
   * owns a pool) or {@link #dataSource(DataSource)} (the host's pool) is required.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    /** The largest pool the builder accepts. */
    public static final int MAX_POOL_SIZE = 1_000;
    private static final int DEFAULT_POOL_SIZE = 10;

    private String url;
    private String username;
    private String password;
    private boolean credentialsSet;
    private DataSource dataSource;
    private int maximumPoolSize = -1;
    private Boolean autoCommit;
    private SqlDialect dialect;
    private SchemaMode schemaMode;
    private boolean h2TransactionsTakeTurns = true;

    private Builder() {
    }

    /**
     * The JDBC URL of the database; the storage creates a pool on it and closes the pool on {@link #close()}.
     * For H2, an in-memory database ({@code jdbc:h2:mem:}, {@code jdbc:h2:.}, or one of H2's in-memory file systems),
     * a {@code WRITE_DELAY} other than 0 and an H2 server ({@code tcp:}, {@code ssl:}, {@code AUTO_SERVER}) are
     * refused, and a URL without a write delay gets {@code ;WRITE_DELAY=0}. Unless the URL sets
     * {@code DB_CLOSE_ON_EXIT}, the pool opens an H2 database with it off, so that H2 does not close the database from
     * a JVM shutdown hook of its own under the units of work a close of the engine waits for. An H2 file database
     * not on H2's {@code retry:} (or {@code async:}) file system is logged as a warning at start: there, a thread
     * interrupted while an engine call on it reads or writes the file makes H2 close the database under every
     * connection; {@code jdbc:h2:retry:<path>} opens the same file without that ({@link #h2File} does).
     *
     * @throws NullPointerException if {@code url} is null
     * @throws IllegalArgumentException if {@code url} does not start with {@code jdbc:} or would lose commits
     * @throws IllegalStateException if a URL or a data source was already set
     */
    public Builder url(String url) {
      Objects.requireNonNull(url, "url");
      if (this.url != null) {
        throw new IllegalStateException("url was already set");
      }
      if (dataSource != null) {
        throw new IllegalStateException("url cannot be combined with dataSource, which was already set: the storage"
            + " either creates its own pool from a url or uses the host's DataSource");
      }
      if (!url.regionMatches(true, 0, "jdbc:", 0, 5)) {
        throw new IllegalArgumentException("url must start with jdbc:");
      }
      this.url = H2Urls.requireDurable(url.strip());
      return this;
    }

    /**
     * The H2 database in the file {@code path} (H2 adds {@code .mv.db}): sets the URL
     * {@code jdbc:h2:retry:<absolute path>;WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64}.
     *
     * <p>{@code retry:} is H2's file system that opens the file again, and retries, when the JDK closed it under a
     * thread with its interrupt set: the same file as with {@code jdbc:h2:file:}, written as durably and as fast, but
     * a host thread interrupted while an engine call on it runs (a request cancelled with
     * {@code Future.cancel(true)}) no longer makes H2 close the database under every connection (see
     * {@link JdbcStorage#inTransaction}). H2's {@code async:} file system would keep the caller's interrupt too, but
     * costs the award about 16% and an order-log replay about 25% (docs/BENCHMARKS.md). A connection of the host's to
     * the same database in this process (for a {@link JdbcHostTransaction}) must use the same {@code jdbc:h2:retry:}
     * URL: H2 refuses to open one file under two file systems at once (error 90020, the database may be already in
     * use).
     *
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if the path contains {@code ;}
     * @throws IllegalStateException if a URL or a data source was already set
     */
    public Builder h2File(Path path) {
      String file = Objects.requireNonNull(path, "path").toAbsolutePath().normalize().toString();
      if (file.indexOf(';') >= 0) {
        throw new IllegalArgumentException("path must not contain ';', which separates settings in an H2 URL");
      }
      // H2 keeps 8 parsed statements per session by default; one award alone runs more than 8 distinct ones.
      // On retry:, an interrupted thread's read or write does not close the database (see inTransaction).
      return url("jdbc:h2:retry:" + file + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64");
    }

    /**
     * The user and password of the pool the storage creates (with {@link #url(String)} only). The password is
     * never logged.
     *
     * @throws NullPointerException if {@code username} or {@code password} is null
     * @throws IllegalStateException if credentials were already set
     */
    public Builder credentials(String username, String password) {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      if (credentialsSet) {
        throw new IllegalStateException("credentials were already set");
      }
      this.username = username;
      this.password = password;
      this.credentialsSet = true;
      return this;
    }

    /**
     * The host's pool to use instead of creating one. The host keeps owning it: {@link JdbcStorage#close()} does not
     * close it. Its connections must reach the engine's database; an H2 database must run with
     * {@code WRITE_DELAY=0} (checked at start), and with an admin user, since the storage turns off H2's reuse of
     * query results at start (if the host lets H2 close the database and opens it again, it must start the storage
     * again too, or add {@code ;OPTIMIZE_REUSE_RESULTS=0} to its URL); and with {@code DB_CLOSE_ON_EXIT=FALSE}, else
     * H2 closes the database at JVM shutdown under the units of work that a close of the engine waits for. An H2
     * file database not on H2's {@code retry:} or {@code async:} file system is warned about at start, as for
     * {@link #url}.
     *
     * @throws NullPointerException if {@code dataSource} is null
     * @throws IllegalStateException if a data source or a URL was already set
     */
    public Builder dataSource(DataSource dataSource) {
      Objects.requireNonNull(dataSource, "dataSource");
      if (this.dataSource != null) {
        throw new IllegalStateException("dataSource was already set");
      }
      if (url != null) {
        throw new IllegalStateException("dataSource cannot be combined with url, which was already set: the storage"
            + " either creates its own pool from a url or uses the host's DataSource");
      }
      this.dataSource = dataSource;
      return this;
    }

    /**
     * The most connections the storage's own pool opens (with {@link #url(String)} only); 1..1,000, default 10.
     *
     * @throws IllegalArgumentException if {@code size} is outside 1..1,000
     * @throws IllegalStateException if it was already set
     */
    public Builder maximumPoolSize(int size) {
      if (size < 1 || size > MAX_POOL_SIZE) {
        throw new IllegalArgumentException("maximumPoolSize must be between 1 and " + MAX_POOL_SIZE + " but was "
            + size);
      }
      if (maximumPoolSize > 0) {
        throw new IllegalStateException("maximumPoolSize was already set to " + maximumPoolSize);
      }
      this.maximumPoolSize = size;
      return this;
    }

    /**
     * The auto-commit state the storage's own pool hands connections out with (with {@link #url(String)} only;
     * default true). Transactions are begun and committed explicitly either way.
     *
     * @throws IllegalStateException if it was already set
     */
    public Builder autoCommit(boolean autoCommit) {
      if (this.autoCommit != null) {
        throw new IllegalStateException("autoCommit was already set to " + this.autoCommit);
      }
      this.autoCommit = autoCommit;
      return this;
    }

    /**
     * The SQL dialect, instead of detecting it from the database's product name at start: for a database that speaks
     * it under another product name. {@link #build()} refuses it for a database whose product name is the other
     * dialect's.
     *
     * @throws NullPointerException if {@code dialect} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder dialect(SqlDialect dialect) {
      Objects.requireNonNull(dialect, "dialect");
      if (this.dialect != null) {
        throw new IllegalStateException("dialect was already set to " + this.dialect);
      }
      this.dialect = dialect;
      return this;
    }

    /**
     * What to do with the schema at start (default {@link SchemaMode#MIGRATE}).
     *
     * @throws NullPointerException if {@code schemaMode} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder schemaMode(SchemaMode schemaMode) {
      Objects.requireNonNull(schemaMode, "schemaMode");
      if (this.schemaMode != null) {
        throw new IllegalStateException("schemaMode was already set to " + this.schemaMode);
      }
      this.schemaMode = schemaMode;
      return this;
    }

    /**
     * Whether the storage's transactions on an H2 database take turns with the others on it (default true; see
     * {@link H2TransactionGate}). Not API: off only in this package's tests of H2's own row locks (the port contract
     * suites), which hold two of the storage's transactions open at once, as host transactions may.
     */
    Builder h2TransactionsTakeTurns(boolean takeTurns) {
      this.h2TransactionsTakeTurns = takeTurns;
      return this;
    }

    /**
     * Connects, checks the database and brings its schema up to date (or validates it).
     *
     * @throws IllegalStateException if neither url nor dataSource was set; if a pool setting was given with a
     *     dataSource; if the database is not supported, is of another dialect than one set with {@link #dialect},
     *     can lose commits (H2), is H2 reached as a user without admin rights, or its schema is newer than this
     *     engine, differs from it or (in VALIDATE mode) lacks versions
     * @throws StorageException if the database cannot be reached or a schema script fails; also, saying so, if no
     *     JDBC driver on the class path accepts the url (PostgreSQL's driver is an optional dependency of
     *     engine-jdbc, which a host on PostgreSQL adds itself), or if the url's H2 file is in use by another
     *     process (or by this one under another URL)
     */
    public JdbcStorage build() {
      if (url == null && dataSource == null) {
        throw new IllegalStateException("url or dataSource must be set: use url(...) (or h2File(...)) for a pool the"
            + " storage owns, or dataSource(...) for the host's pool");
      }
      if (dataSource != null) {
        for (var setting : Map.of("credentials", credentialsSet, "maximumPoolSize", maximumPoolSize > 0,
            "autoCommit", autoCommit != null).entrySet()) {
          if (setting.getValue()) {
            throw new IllegalStateException(setting.getKey() + " applies to the pool the storage creates from url;"
                + " it cannot be combined with dataSource, whose pool the host configures");
          }
        }
      }
      SchemaMode mode = schemaMode == null ? SchemaMode.MIGRATE : schemaMode;
      logConfiguration(mode);
      HikariDataSource pool = dataSource == null ? createPool() : null;
      try {
        return new JdbcStorage(pool == null ? dataSource : pool, pool, dialect, mode, h2TransactionsTakeTurns);
      } catch (RuntimeException | Error e) {
        if (pool != null) {
          pool.close();
        }
        throw e;
      }
    }

    private HikariDataSource createPool() {
      HikariConfig config = new HikariConfig();
      config.setPoolName("loyalty-engine-" + POOL_NUMBER.incrementAndGet());
      config.setJdbcUrl(url);
      if (credentialsSet) {
        config.setUsername(username);
        config.setPassword(password);
      }
      config.setMaximumPoolSize(maximumPoolSize > 0 ? maximumPoolSize : DEFAULT_POOL_SIZE);
      config.setAutoCommit(autoCommit == null || autoCommit);
      config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
      if (H2Urls.isH2(url)) {
        // Database-wide but not persistent: set again should H2 close the database and open it anew.
        config.setConnectionInitSql(DatabaseChecks.H2_NO_RESULT_REUSE);
        if (!H2Urls.setsSetting(url, "DB_CLOSE_ON_EXIT")) {
          // Else H2 closes the database from a JVM shutdown hook of its own, under the units of work that a close of
          // the engine in the host's shutdown hook waits for: they failed, their commit's outcome unknown. Commits
          // are on disk once reported (WRITE_DELAY=0), so an exit without a close loses none.
          config.addDataSourceProperty("DB_CLOSE_ON_EXIT", "FALSE");
        }
      }
      if (url.regionMatches(true, 0, "jdbc:postgresql:", 0, 16) && !url.contains("logServerErrorDetail")) {
        // Keeps row values (personal data) out of the driver's exception messages, e.g. "Key (email)=(...)".
        config.addDataSourceProperty("logServerErrorDetail", "false");
      }
      try {
        return new HikariDataSource(config);
      } catch (RuntimeException e) {
        // Only a redacted copy: HikariCP's message quotes the URL, masking a password only up to a ';' or '#'.
        if (!driverAccepts(url)) {
          // HikariCP asks DriverManager as this does; its "Failed to get driver instance" is withheld with the rest,
          // and the SQLState (08001) is the one of a database that cannot be reached.
          throw new StorageException("no JDBC driver on the class path accepts the url " + Secrets.maskUrl(url)
              + ": add the database's driver to the host's dependencies (for PostgreSQL, org.postgresql:postgresql,"
              + " which engine-jdbc does not bring), or correct the url if its driver is there",
              SqlErrors.redacted(e));
        }
        if (H2Urls.isH2(url) && SqlErrors.vendorCode(e) == H2_DATABASE_ALREADY_OPEN) {
          throw new StorageException("the H2 database file at " + Secrets.maskUrl(url) + " is in use: another"
              + " process has it open, or this one under another URL (a connection of the host's to it in this"
              + " process must use the same jdbc:h2:retry: URL); an H2 file serves one process, PostgreSQL several"
              + SqlErrors.describe(e), SqlErrors.redacted(e));
        }
        throw new StorageException("the storage's connection pool could not connect to the database at "
            + Secrets.maskUrl(url) + SqlErrors.describe(e), SqlErrors.redacted(e));
      }
    }

    /** Whether a JDBC driver the pool can find accepts {@code url}. */
    private static boolean driverAccepts(String url) {
      try {
        DriverManager.getDriver(url);
        return true;
      } catch (SQLException e) {
        return false;
      }
    }

    private void logConfiguration(SchemaMode mode) {
      Map<String, Object> settings = new TreeMap<>();
      settings.put("dialect", dialect == null ? "detect" : dialect);
      settings.put("schemaMode", mode);
      if (dataSource != null) {
        settings.put("dataSource", "host-supplied " + dataSource.getClass().getName());
      } else {
        settings.put("url", Secrets.maskUrl(url));
        settings.put("username", credentialsSet ? username : "<driver default>");
        settings.put("password", credentialsSet ? Secrets.MASK : "<none>");
        settings.put("maximumPoolSize", maximumPoolSize > 0 ? maximumPoolSize : DEFAULT_POOL_SIZE);
        settings.put("autoCommit", autoCommit == null || autoCommit);
        settings.put("transactionIsolation", "READ_COMMITTED");
      }
      LOG.info("Loyalty engine JDBC storage configuration: {}", settings.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
    }
  }
}
