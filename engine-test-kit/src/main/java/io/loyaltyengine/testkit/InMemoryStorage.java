package io.loyaltyengine.testkit;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransactionWork;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A storage backend in the JVM's heap, for tests: fast, deterministic, and held to exactly the storage SPI's
 * contract, so that an engine bug found here is not hidden by a forgiving store.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).clock(clock).build();
 *
 * // Two engines on one database, as two host instances on one PostgreSQL:
 * InMemoryStorage.Database db = InMemoryStorage.newDatabase();
 * LoyaltyEngine first = LoyaltyEngine.builder().storage(db.openStorage()).build();
 * LoyaltyEngine second = LoyaltyEngine.builder().storage(db.openStorage()).build();
 * }</pre>
 *
 * <h2>Transactions</h2>
 * A unit of work runs holding the database's one lock, so transactions are serializable (they run one at a time).
 * Every write is recorded in an undo log; if the work throws, the log is replayed in reverse and nothing the work
 * wrote remains. Ports may be used only by the thread running the unit of work and only while it runs; a nested
 * {@link #inTransaction} on that thread is refused, since a SQL store would open a second connection and could
 * deadlock on its own row locks.
 *
 * <p>A port that throws (a unique violation, a broken precondition) leaves the transaction aborted, as PostgreSQL
 * does: later port calls fail, and a unit of work that swallows the failure and returns normally is rolled back
 * and reported as a {@link StorageException}.
 *
 * <h2>Constraints</h2>
 * Unique keys are enforced as the SPI documents, by throwing
 * {@link io.loyaltyengine.core.spi.UniqueViolationException}: {@code BRAND_DOMAIN} on (tenant, domain),
 * {@code PARTICIPANT_EMAIL} on (campaign, sanitized email), {@code LEDGER_IDEMPOTENCY_KEY},
 * {@code ACTION_IDEMPOTENCY_KEY}, {@code REDEMPTION_IDEMPOTENCY_KEY} and {@code IDEA_IDEMPOTENCY_KEY} on (tenant,
 * key), {@code COUPON_CODE} on (campaign, code); a {@code null} key never collides. Duplicate ids, and rows whose
 * parent (tenant, brand, campaign, participant, campaign reward, catalog reward) does not exist in the same tenant,
 * are refused with a
 * {@link StorageException}, as foreign keys would. A second coupon code for one earned reward is refused with a
 * {@link io.loyaltyengine.core.spi.TransientStorageException}, as the SQL stores report the race that leads to it; a
 * negative catalog stock as the CHECK constraint would. Instants, metadata and texts are kept exactly as given.
 *
 * <h2>Rewards</h2>
 * Action counters, earned-reward moves, coupon assignment and catalog stock follow the SQL statements: a counter
 * increment returns each value once, {@code insertIfAbsent} does nothing when the cycle (or the id) exists,
 * {@code transition} and {@code takeStock} are compare-and-set, and {@code assignNext} takes the free code with the
 * lowest id. Since a unit of work holds the database's lock, none of them ever meets a row another one holds.
 *
 * <h2>Events</h2>
 * The outbox, the feeds, deliveries and webhook endpoints follow the SQL schema: a delivery must belong to an
 * existing event of its tenant, creating a delivery that exists does nothing, a participant's event counter goes
 * with its row. Claiming applies the {@link io.loyaltyengine.core.spi.DeliveryPort} rule exactly; since a unit of
 * work holds the database's lock, no claim ever meets a row another one holds, which is what {@code SKIP LOCKED}
 * achieves in PostgreSQL.
 *
 * <h2>Referrals</h2>
 * Every insert-if-absent of {@link io.loyaltyengine.core.spi.ReferralPort} (signing key, short code on both its keys,
 * signup, referral, visitor, conversion on its order id or its id) returns false when its key exists and writes
 * nothing; stats counters are a row per participant, created at zero and added to (revenue as an exact
 * {@link java.math.BigDecimal} sum), which keeps the campaign it was created with; a reversal is a compare-and-set
 * on the status. Referral settings need their
 * campaign in the same tenant, as a foreign key would. A participant's {@code deleteAll} takes its signup, visitors,
 * stats and every referral it is part of, and leaves its short code (reserved) and its conversions, which the
 * campaign's and the referrer's conversion lists keep listing. Since a unit of work holds
 * the database's lock, a second insert of a key always finds the first one committed or rolled back, which is what
 * a unique index's wait achieves in SQL.
 *
 * <h2>Leaderboards</h2>
 * Boards are read from the participants and counters as the SQL queries read them (members created before the
 * cutoff, 0 without a counter, score descending then id ascending). Points counters are created at zero and added
 * to; a month's winners and a participant's removal are inserted if absent, and a removal takes the participant's
 * points counters. Every counter carries the time of its last change, never moved back: the time {@code addPoints}
 * or {@code increment} is given.
 *
 * <h2>Node leases</h2>
 * A node number leased once is a row; claiming takes the lowest number without one, else the one released or run out
 * longest ago, as the SQL stores' conditional update does. Node leases are not tenant data.
 *
 * <h2>Capabilities</h2>
 * {@link StorageCapability#SHARED_DATABASE} only: several storages opened on one {@link Database} see each other's
 * commits, but nothing survives the JVM, and host transactions cannot be joined.
 *
 * <p>Thread-safe.
 */
public final class InMemoryStorage implements Storage {
  private static final Set<StorageCapability> CAPABILITIES = Set.of(StorageCapability.SHARED_DATABASE);

  private final Database database;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A storage on a new, empty database of its own. */
  public InMemoryStorage() {
    this(newDatabase());
  }

  private InMemoryStorage(Database database) {
    this.database = database;
  }

  /** A new, empty database, on which any number of storages can be opened with {@link Database#openStorage()}. */
  public static Database newDatabase() {
    return new Database();
  }

  /** The database this storage works on. */
  public Database database() {
    return database;
  }

  /** {@link StorageCapability#SHARED_DATABASE} only. */
  @Override
  public Set<StorageCapability> capabilities() {
    return CAPABILITIES;
  }

  /**
   * Runs {@code work} holding the database's lock and commits it; if it throws, undoes everything it wrote.
   *
   * @throws IllegalStateException if this storage is closed, its database dropped, or the current thread is
   *     already running a unit of work on this database
   * @throws StorageException if the work swallowed a failure of a port and returned normally (it was rolled back)
   */
  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    Objects.requireNonNull(work, "work");
    if (closed.get()) {
      throw new IllegalStateException("storage is closed");
    }
    return database.run(work);
  }

  /**
   * Always refuses: the in-memory store cannot join host transactions.
   *
   * @throws IllegalArgumentException always
   */
  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    throw new IllegalArgumentException("the in-memory store cannot join host transactions (it has no connection to "
        + "share); run the operation without joining, or use a JDBC storage with JdbcHostTransaction");
  }

  /** Closes this storage; the database and other storages on it are unaffected. Idempotent. */
  @Override
  public void close() {
    closed.set(true);
  }

  @Override
  public String toString() {
    return "InMemoryStorage[" + database + (closed.get() ? ", closed" : "") + "]";
  }

  /**
   * One in-memory database: the tables and the lock every unit of work on it holds. Storages opened on it see the
   * same data.
   *
   * <p>Thread-safe.
   */
  public static final class Database {
    private static final AtomicInteger NUMBERS = new AtomicInteger();

    private final int number = NUMBERS.incrementAndGet();
    private final ReentrantLock lock = new ReentrantLock();
    private final InMemoryTables tables = new InMemoryTables();
    private boolean dropped;

    private Database() {}

    /** Opens another storage on this database; the engine it is given closes it. */
    public InMemoryStorage openStorage() {
      lock.lock();
      try {
        checkNotDropped();
        return new InMemoryStorage(this);
      } finally {
        lock.unlock();
      }
    }

    /** Deletes every row and refuses further work on this database, from any storage. Idempotent. */
    public void drop() {
      lock.lock();
      try {
        dropped = true;
        tables.clear();
      } finally {
        lock.unlock();
      }
    }

    /**
     * A copy of every row, equal to another snapshot exactly when no row differs: for tests that check that a
     * refused call changed nothing. Waits for a unit of work in progress.
     */
    Object snapshot() {
      lock.lock();
      try {
        checkNotDropped();
        return tables.snapshot();
      } finally {
        lock.unlock();
      }
    }

    <T> T run(TransactionWork<T> work) {
      if (lock.isHeldByCurrentThread()) {
        throw new IllegalStateException("a unit of work is already running on this thread; nested transactions "
            + "are not supported (a SQL store would need a second connection and could deadlock)");
      }
      lock.lock();
      try {
        checkNotDropped();
        InMemoryTransaction tx = new InMemoryTransaction(tables, Thread.currentThread());
        T result;
        try {
          result = work.run(tx);
        } catch (Throwable failure) {
          tx.rollback();
          throw failure;
        }
        if (tx.aborted() != null) {
          tx.rollback();
          throw new StorageException("the unit of work returned normally after a storage failure it caught; the "
              + "transaction was rolled back (a failed statement aborts a PostgreSQL transaction)", tx.aborted());
        }
        tx.commit();
        return result;
      } finally {
        lock.unlock();
      }
    }

    private void checkNotDropped() {
      if (dropped) {
        throw new IllegalStateException("the in-memory database was dropped");
      }
    }

    @Override
    public String toString() {
      return "in-memory database #" + number;
    }
  }
}
