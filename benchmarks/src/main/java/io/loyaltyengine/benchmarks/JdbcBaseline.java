package io.loyaltyengine.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw JDBC baseline: plain prepared statements on one connection, auto-commit off, one commit per unit of work.
 * Its tables hold what the same work needs and nothing more: the balance and lifetime total, a ledger row with the
 * balance after and the time, the index a participant's history needs, a counter row per reward and month, a
 * coupon pool indexed by (status, id), each code once. Counters exist from the start (the engine creates them on
 * first use). The SQL of each unit of work is listed in {@code docs/BENCHMARKS.md}; on PostgreSQL an update returns
 * its row with {@code RETURNING}, on H2 with {@code SELECT ... FROM FINAL TABLE (UPDATE ...)}, as the engine's SQL
 * does.
 *
 * <p>Not thread-safe: one instance per thread, each with its own connection; instances on one database share a
 * {@link Shared}.
 */
public final class JdbcBaseline implements RawBaseline {
  /** The POINTS reward's id in the counter table. */
  static final long GOAL_REWARD = 1;
  /** The COUPON reward's id in the counter table. */
  static final long COUPON_REWARD = 2;
  /** The all-time month key. */
  static final int ALL_TIME = 0;

  private static final List<String> SCHEMA = List.of(
      "CREATE TABLE account (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL, lifetime BIGINT NOT NULL)",
      "CREATE TABLE ledger (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, amount BIGINT NOT NULL,"
          + " balance_after BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)",
      "CREATE INDEX ix_ledger_account ON ledger (account_id, id)",
      "CREATE TABLE catalog (id BIGINT PRIMARY KEY, cost BIGINT NOT NULL, stock BIGINT NOT NULL)",
      "CREATE TABLE redemption (id BIGINT PRIMARY KEY, catalog_id BIGINT NOT NULL, account_id BIGINT NOT NULL,"
          + " ledger_id BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)",
      "CREATE TABLE action_count (account_id BIGINT NOT NULL, reward_id BIGINT NOT NULL, year_month INT NOT NULL,"
          + " count BIGINT NOT NULL, PRIMARY KEY (account_id, reward_id, year_month))",
      "CREATE TABLE action (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, reward_id BIGINT NOT NULL,"
          + " created_at TIMESTAMP NOT NULL)",
      "CREATE TABLE earned (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, reward_id BIGINT NOT NULL,"
          + " cycle BIGINT NOT NULL, coupon_code VARCHAR(100), created_at TIMESTAMP NOT NULL)",
      "CREATE TABLE coupon (id BIGINT PRIMARY KEY, code VARCHAR(100) NOT NULL UNIQUE, status CHAR(1) NOT NULL,"
          + " account_id BIGINT)",
      "CREATE INDEX ix_coupon_status ON coupon (status, id)");

  private static final String CREDIT = "UPDATE account SET balance = balance + ?, lifetime = lifetime + ? WHERE id = ?";
  private static final String DEBIT = "UPDATE account SET balance = balance - ? WHERE id = ? AND balance >= ?";
  private static final String INSERT_LEDGER =
      "INSERT INTO ledger (id, account_id, amount, balance_after, created_at) VALUES (?, ?, ?, ?, ?)";
  /** In a batch each participant appears once, so the balance read here is the one its update left. */
  private static final String INSERT_LEDGER_READING_BALANCE = "INSERT INTO ledger (id, account_id, amount,"
      + " balance_after, created_at) SELECT ?, id, ?, balance, ? FROM account WHERE id = ?";
  private static final String TAKE_STOCK = "UPDATE catalog SET stock = stock - 1 WHERE id = 1 AND stock > 0";
  private static final String INSERT_REDEMPTION =
      "INSERT INTO redemption (id, catalog_id, account_id, ledger_id, created_at) VALUES (?, 1, ?, ?, ?)";
  private static final String COUNT = "UPDATE action_count SET count = count + 1"
      + " WHERE account_id = ? AND reward_id = ? AND year_month = ?";
  private static final String INSERT_ACTION =
      "INSERT INTO action (id, account_id, reward_id, created_at) VALUES (?, ?, ?, ?)";
  private static final String INSERT_EARNED = "INSERT INTO earned (id, account_id, reward_id, cycle, coupon_code,"
      + " created_at) VALUES (?, ?, ?, ?, ?, ?)";
  // A status letter, F(ree) or A(ssigned), rather than a boolean: H2 turns "free = TRUE" into "free", which it
  // cannot look up in an index. On H2 the ORDER BY names the index's columns exactly: with "ORDER BY id" H2 reads
  // and sorts every free code on each call (tens of milliseconds at 20,000 codes) instead of taking the first.
  private static final String PG_TAKE_CODE = "UPDATE coupon SET status = 'A', account_id = ? WHERE id ="
      + " (SELECT id FROM coupon WHERE status = 'F' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code";
  private static final String H2_NEXT_CODE =
      "SELECT id, code FROM coupon WHERE status = 'F' ORDER BY status, id LIMIT 1";
  private static final String H2_TAKE_CODE =
      "UPDATE coupon SET status = 'A', account_id = ? WHERE id = ? AND status = 'F'";
  private static final String INSERT_CODE = "INSERT INTO coupon (id, code, status) VALUES (?, ?, 'F')";

  /** What the baseline's connections to one database share. Thread-safe but {@link #couponsUploaded}. */
  public static final class Shared {
    final boolean postgres;
    final int month = monthKey(YearMonth.now(ZoneOffset.UTC));
    /** Row ids of every table, as the engine takes its ids from one generator. */
    final AtomicLong ids = new AtomicLong();
    /** Codes inserted so far; touched by one thread between iterations. */
    long couponsUploaded;

    Shared(boolean postgres) {
      this.postgres = postgres;
    }
  }

  private final Connection c;
  private final Shared shared;
  private final PreparedStatement credit;
  private final PreparedStatement debit;
  private final PreparedStatement insertLedger;
  private final PreparedStatement takeStock;
  private final PreparedStatement insertRedemption;
  private final PreparedStatement count;
  private final PreparedStatement insertAction;
  private final PreparedStatement insertEarned;
  private final PreparedStatement takeCode;
  private final PreparedStatement nextCode;
  private final PreparedStatement bulkCredit;
  private final PreparedStatement bulkInsertLedger;
  private final PreparedStatement insertCode;

  /**
   * Prepares the statements on {@code connection} (which it will close) and turns auto-commit off.
   *
   * @param connection a connection to the baseline's database
   * @param shared what connections to this database share, from {@link #createSchema}
   */
  public JdbcBaseline(Connection connection, Shared shared) throws SQLException {
    this.c = connection;
    this.shared = shared;
    c.setAutoCommit(false);
    credit = c.prepareStatement(returning(CREDIT, "balance"));
    debit = c.prepareStatement(returning(DEBIT, "balance"));
    insertLedger = c.prepareStatement(INSERT_LEDGER);
    takeStock = c.prepareStatement(TAKE_STOCK);
    insertRedemption = c.prepareStatement(INSERT_REDEMPTION);
    count = c.prepareStatement(returning(COUNT, "count"));
    insertAction = c.prepareStatement(INSERT_ACTION);
    insertEarned = c.prepareStatement(INSERT_EARNED);
    takeCode = c.prepareStatement(shared.postgres ? PG_TAKE_CODE : H2_TAKE_CODE);
    nextCode = shared.postgres ? null : c.prepareStatement(H2_NEXT_CODE);
    bulkCredit = c.prepareStatement(CREDIT);
    bulkInsertLedger = c.prepareStatement(INSERT_LEDGER_READING_BALANCE);
    insertCode = c.prepareStatement(INSERT_CODE);
  }

  /** Creates the baseline's tables and starting rows in {@code database}'s baseline database. */
  public static Shared createSchema(BenchDatabase database, int participants) throws SQLException {
    try (Connection c = database.rawConnection()) {
      return createSchema(c, database.kind() == StoreKind.POSTGRES, participants);
    }
  }

  /**
   * Creates the baseline's tables on {@code connection} and its starting rows: {@code participants} participants
   * with their balances, the catalog reward with its stock, and each participant's counters.
   *
   * @return what the connections to this database share
   */
  private static Shared createSchema(Connection connection, boolean postgres, int participants)
      throws SQLException {
    Shared shared = new Shared(postgres);
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      for (String ddl : SCHEMA) {
        s.execute(ddl);
      }
      s.execute("INSERT INTO catalog (id, cost, stock) VALUES (1, 1, " + EngineFixture.STOCK + ")");
      try (PreparedStatement account = connection.prepareStatement(
          "INSERT INTO account (id, balance, lifetime) VALUES (?, ?, ?)");
          PreparedStatement counter = connection.prepareStatement(
              "INSERT INTO action_count (account_id, reward_id, year_month, count) VALUES (?, ?, ?, 0)")) {
        for (int p = 0; p < participants; p++) {
          account.setLong(1, p);
          account.setLong(2, EngineFixture.STARTING_BALANCE);
          account.setLong(3, EngineFixture.STARTING_BALANCE);
          account.addBatch();
          addCounter(counter, p, GOAL_REWARD, ALL_TIME);
          addCounter(counter, p, GOAL_REWARD, shared.month);
          addCounter(counter, p, COUPON_REWARD, ALL_TIME);
        }
        account.executeBatch();
        counter.executeBatch();
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(autoCommit);
    }
    return shared;
  }

  private static void addCounter(PreparedStatement counter, long account, long reward, int month)
      throws SQLException {
    counter.setLong(1, account);
    counter.setLong(2, reward);
    counter.setInt(3, month);
    counter.addBatch();
  }

  static int monthKey(YearMonth month) {
    return month.getYear() * 100 + month.getMonthValue();
  }

  private String returning(String update, String column) {
    return shared.postgres ? update + " RETURNING " + column : "SELECT " + column + " FROM FINAL TABLE (" + update
        + ")";
  }

  @Override
  public long award(int participant) {
    try {
      long balance = credit(participant, 1);
      appendLedger(participant, 1, balance);
      c.commit();
      return balance;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  @Override
  public long deduct(int participant) {
    try {
      long balance = debit(participant, 1);
      appendLedger(participant, -1, balance);
      c.commit();
      return balance;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  @Override
  public long bulkAward(int n) {
    try {
      Timestamp now = now();
      for (int p = 0; p < n; p++) {
        bulkCredit.setLong(1, 1);
        bulkCredit.setLong(2, 1);
        bulkCredit.setLong(3, p);
        bulkCredit.addBatch();
      }
      bulkCredit.executeBatch();
      long first = shared.ids.getAndAdd(n);
      for (int p = 0; p < n; p++) {
        bulkInsertLedger.setLong(1, first + p);
        bulkInsertLedger.setLong(2, 1);
        bulkInsertLedger.setTimestamp(3, now);
        bulkInsertLedger.setLong(4, p);
        bulkInsertLedger.addBatch();
      }
      bulkInsertLedger.executeBatch();
      c.commit();
      return first;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  @Override
  public long redeem(int participant) {
    try {
      if (takeStock.executeUpdate() != 1) {
        throw new IllegalStateException("out of stock");
      }
      long balance = debit(participant, 1);
      long entry = appendLedger(participant, -1, balance);
      long id = shared.ids.incrementAndGet();
      insertRedemption.setLong(1, id);
      insertRedemption.setLong(2, participant);
      insertRedemption.setLong(3, entry);
      insertRedemption.setTimestamp(4, now());
      insertRedemption.executeUpdate();
      c.commit();
      return id;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  @Override
  public long recordAction(int participant) {
    try {
      long allTime = count(participant, GOAL_REWARD, ALL_TIME);
      long month = count(participant, GOAL_REWARD, shared.month);
      long action = shared.ids.incrementAndGet();
      insertAction.setLong(1, action);
      insertAction.setLong(2, participant);
      insertAction.setLong(3, GOAL_REWARD);
      insertAction.setTimestamp(4, now());
      insertAction.executeUpdate();
      if (allTime % EngineFixture.GOAL_EVERY == 0) {
        appendEarned(participant, GOAL_REWARD, allTime / EngineFixture.GOAL_EVERY, null);
        appendLedger(participant, EngineFixture.GOAL_POINTS, credit(participant, EngineFixture.GOAL_POINTS));
      }
      c.commit();
      return allTime + month;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  @Override
  public String couponAction(int participant) {
    try {
      long cycle = count(participant, COUPON_REWARD, ALL_TIME);
      String code = takeCode(participant);
      appendEarned(participant, COUPON_REWARD, cycle, code);
      c.commit();
      return code;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  @Override
  public void topUpCoupons(long taken, long free) {
    while (shared.couponsUploaded - taken < free) {
      uploadCodes(10_000);
    }
  }

  @Override
  public long uploadCodes(int count) {
    try {
      for (int i = 0; i < count; i++) {
        long n = shared.couponsUploaded + i;
        insertCode.setLong(1, n);
        insertCode.setString(2, "BENCH-" + n);
        insertCode.addBatch();
      }
      insertCode.executeBatch();
      c.commit();
      return shared.couponsUploaded += count;
    } catch (SQLException e) {
      throw rollBack(e);
    }
  }

  private long credit(int participant, long amount) throws SQLException {
    credit.setLong(1, amount);
    credit.setLong(2, amount);
    credit.setLong(3, participant);
    return single(credit, "no such participant");
  }

  private long debit(int participant, long amount) throws SQLException {
    debit.setLong(1, amount);
    debit.setLong(2, participant);
    debit.setLong(3, amount);
    return single(debit, "insufficient points");
  }

  private long count(int participant, long reward, int month) throws SQLException {
    count.setLong(1, participant);
    count.setLong(2, reward);
    count.setInt(3, month);
    return single(count, "no counter");
  }

  private long appendLedger(int participant, long amount, long balanceAfter) throws SQLException {
    long id = shared.ids.incrementAndGet();
    insertLedger.setLong(1, id);
    insertLedger.setLong(2, participant);
    insertLedger.setLong(3, amount);
    insertLedger.setLong(4, balanceAfter);
    insertLedger.setTimestamp(5, now());
    insertLedger.executeUpdate();
    return id;
  }

  private void appendEarned(int participant, long reward, long cycle, String code) throws SQLException {
    insertEarned.setLong(1, shared.ids.incrementAndGet());
    insertEarned.setLong(2, participant);
    insertEarned.setLong(3, reward);
    insertEarned.setLong(4, cycle);
    insertEarned.setString(5, code);
    insertEarned.setTimestamp(6, now());
    insertEarned.executeUpdate();
  }

  private String takeCode(int participant) throws SQLException {
    if (shared.postgres) {
      takeCode.setLong(1, participant);
      try (ResultSet rs = takeCode.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("the coupon pool is empty");
        }
        return rs.getString(1);
      }
    }
    // H2: read the lowest free code, then take it only if it is still free; another thread may have taken it.
    while (true) {
      long id;
      String code;
      try (ResultSet rs = nextCode.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("the coupon pool is empty");
        }
        id = rs.getLong(1);
        code = rs.getString(2);
      }
      takeCode.setLong(1, participant);
      takeCode.setLong(2, id);
      if (takeCode.executeUpdate() == 1) {
        return code;
      }
    }
  }

  private static long single(PreparedStatement statement, String none) throws SQLException {
    try (ResultSet rs = statement.executeQuery()) {
      if (!rs.next()) {
        throw new IllegalStateException(none);
      }
      return rs.getLong(1);
    }
  }

  private static Timestamp now() {
    return new Timestamp(System.currentTimeMillis());
  }

  private RuntimeException rollBack(SQLException e) {
    try {
      c.rollback();
    } catch (SQLException suppressed) {
      e.addSuppressed(suppressed);
    }
    return new IllegalStateException("baseline statement failed", e);
  }

  @Override
  public void close() {
    try {
      c.close();
    } catch (SQLException e) {
      throw new IllegalStateException("closing the baseline's connection failed", e);
    }
  }
}
