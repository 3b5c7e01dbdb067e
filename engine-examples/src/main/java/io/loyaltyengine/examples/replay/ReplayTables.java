package io.loyaltyengine.examples.replay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The replay's own two tables, in the engine's database, written on the replay's connection in the same
 * transaction as the engine's changes (the host-transaction pattern of the README: the host's row and the points
 * commit together or not at all).
 *
 * <ul>
 *   <li>{@code retail_replay_program}: the tenant, campaign and campaign reward the replay set up, so that a rerun
 *       finds them again (the engine has no lookup of tenants by name).
 *   <li>{@code retail_replay_invoice}: one row per invoice applied, its primary key the invoice number. A rerun
 *       skips what is there, and a resumed run picks up after the last commit. This is what makes a rerun exact for
 *       cancellations: a capped deduction that found a zero balance writes no ledger entry, so its idempotency key
 *       is not used up, and without this row a rerun would deduct again from the balance it finds then.
 * </ul>
 *
 * <p>Not thread-safe: bound to the replay's connection.
 */
final class ReplayTables {
  /** The program's key: one Online Retail replay per database. */
  static final String PROGRAM = "online-retail";

  /**
   * The replay's setup.
   *
   * @param tenantId the tenant
   * @param campaignId the campaign
   * @param rewardId the campaign reward unlocked every 10 purchase invoices
   */
  record Program(long tenantId, long campaignId, long rewardId) {
  }

  private final Connection connection;
  private PreparedStatement mark;
  private int pending;

  /** Tables on {@code connection}, which has auto-commit off. */
  ReplayTables(Connection connection) {
    this.connection = connection;
  }

  /** Creates the tables if absent (the caller commits). */
  void create() throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS retail_replay_program ("
          + " program VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " tenant_id BIGINT NOT NULL, campaign_id BIGINT NOT NULL, reward_id BIGINT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS retail_replay_invoice ("
          + " program VARCHAR(64) NOT NULL, invoice_no VARCHAR(32) NOT NULL,"
          + " kind CHAR(1) NOT NULL, points BIGINT NOT NULL,"
          + " PRIMARY KEY (program, invoice_no))");
    }
  }

  /** The setup of an earlier run, if any. */
  Optional<Program> program() throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(
        "SELECT tenant_id, campaign_id, reward_id FROM retail_replay_program WHERE program = ?")) {
      s.setString(1, PROGRAM);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(new Program(r.getLong(1), r.getLong(2), r.getLong(3))) : Optional.empty();
      }
    }
  }

  /** Records the setup (the caller commits); a concurrent first run makes this fail on the primary key. */
  void saveProgram(Program program) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(
        "INSERT INTO retail_replay_program (program, tenant_id, campaign_id, reward_id) VALUES (?, ?, ?, ?)")) {
      s.setString(1, PROGRAM);
      s.setLong(2, program.tenantId());
      s.setLong(3, program.campaignId());
      s.setLong(4, program.rewardId());
      s.executeUpdate();
    }
  }

  /** The invoice numbers applied by earlier runs. */
  Set<String> appliedInvoices() throws SQLException {
    Set<String> applied = new HashSet<>();
    try (PreparedStatement s = connection.prepareStatement(
        "SELECT invoice_no FROM retail_replay_invoice WHERE program = ?")) {
      s.setString(1, PROGRAM);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          applied.add(r.getString(1));
        }
      }
    }
    return applied;
  }

  /**
   * Queues the row of an applied invoice; {@link #flush()} writes the queue before each commit.
   *
   * @param kind {@code P} for a purchase, {@code C} for a cancellation
   * @param points the points awarded, or deducted
   */
  void markApplied(String invoiceNo, char kind, long points) throws SQLException {
    if (mark == null) {
      mark = connection.prepareStatement(
          "INSERT INTO retail_replay_invoice (program, invoice_no, kind, points) VALUES (?, ?, ?, ?)");
    }
    mark.setString(1, PROGRAM);
    mark.setString(2, invoiceNo);
    mark.setString(3, String.valueOf(kind));
    mark.setLong(4, points);
    mark.addBatch();
    pending++;
  }

  /** Writes the queued rows in one batch; a row already there (a concurrent replay) fails it on the primary key. */
  void flush() throws SQLException {
    if (pending > 0) {
      mark.executeBatch();
      pending = 0;
    }
  }

  /** Drops the queued rows (after a rollback). */
  void discard() throws SQLException {
    if (mark != null) {
      mark.clearBatch();
    }
    pending = 0;
  }
}
