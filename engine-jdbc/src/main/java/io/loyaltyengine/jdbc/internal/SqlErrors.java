package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import java.sql.SQLException;
import java.util.Set;

/**
 * Turns JDBC failures into the SPI's exceptions by SQLState and vendor code, never by message text.
 *
 * <p>The messages it writes name the operation and the SQLState only, and the failure it keeps as the cause is a
 * {@linkplain #redacted redacted} copy: driver messages quote values (H2's unique violations the duplicate row;
 * PostgreSQL's, on a host's pool without {@code logServerErrorDetail=false}, {@code Key (email)=(...)} or the failing
 * row), which can be personal data or coupon codes, and a host logging the engine's exception prints its whole cause
 * chain.
 *
 * <p>Thread-safe: stateless.
 */
public final class SqlErrors {
  /** Unique violation (SQL standard; H2 and PostgreSQL). */
  static final String UNIQUE_VIOLATION = "23505";

  /**
   * Failures a retry of the whole transaction may cure: serialization failure and deadlock (40001, also H2's
   * deadlock), PostgreSQL deadlock (40P01) and lock timeout (55P03), H2 lock timeout (HYT00, vendor code 50200) and
   * H2 concurrent update of one row (90131).
   */
  private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "HYT00", "90131");
  /** H2's LOCK_TIMEOUT_1, whatever SQLState a wrapper may report (PostgreSQL's vendor code is always 0). */
  private static final int H2_LOCK_TIMEOUT = 50200;
  /** H2's GENERAL_ERROR_1, the vendor code of an MVStore failure it has no code of its own for. */
  private static final int H2_GENERAL_ERROR = 50000;
  /** How deep a failure chain is {@linkplain #redacted copied}: driver chains are a few links; this stops a cycle. */
  private static final int MAX_DEPTH = 16;

  private SqlErrors() {
  }

  /** The first {@link SQLException} in the cause chain of {@code failure}, or null. */
  static SQLException sqlCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }

  /** Whether {@code failure} was caused by a unique-constraint violation. */
  static boolean isUniqueViolation(Throwable failure) {
    SQLException sql = sqlCause(failure);
    // A batch reports its failed statement as the next exception of the batch's own.
    for (SQLException s = sql; s != null; s = s.getNextException()) {
      if (UNIQUE_VIOLATION.equals(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code failure} was caused by something a retry of the transaction may cure. */
  public static boolean isTransient(Throwable failure) {
    // Walk every SQLException of the chain (and its next exceptions): drivers nest them.
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        for (SQLException s = sql; s != null; s = s.getNextException()) {
          if (s.getSQLState() != null && TRANSIENT_STATES.contains(s.getSQLState())
              || s.getErrorCode() == H2_LOCK_TIMEOUT) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code failure} is H2's failure to mark a deadlock's victim: H2's deadlock detection (seen on 2.3.232), in
   * the older transaction of a cycle, marks the younger one rolling back, and fails the older one's statement instead
   * (a general error caused by an MVStore "illegally transitioned" failure) when the younger has rolled back meanwhile
   * (a victim of a {@code SELECT ... FOR UPDATE} keeps naming the transaction it waited for until it ends). The older
   * transaction is left as it was, so a statement's failure so is transient; a commit's is not, as its outcome is not
   * known.
   */
  private static boolean isH2VictimMarkingRace(Throwable failure) {
    SQLException sql = sqlCause(failure);
    if (sql == null || sql.getErrorCode() != H2_GENERAL_ERROR) {
      return false;
    }
    for (Throwable t = sql.getCause(); t != null; t = t.getCause()) {
      // By class name first, so that this class loads without H2 on the class path (a host on PostgreSQL only).
      if (t.getClass().getName().equals("org.h2.mvstore.MVStoreException")) {
        return H2Failures.isIllegalTransactionState(t);
      }
    }
    return false;
  }

  /** What only H2's classes tell; loaded once a failure of H2's class is met. Thread-safe: stateless. */
  private static final class H2Failures {
    static boolean isIllegalTransactionState(Throwable failure) {
      return failure instanceof org.h2.mvstore.MVStoreException mv
          && mv.getErrorCode() == org.h2.mvstore.DataUtils.ERROR_TRANSACTION_ILLEGAL_STATE;
    }
  }

  /**
   * Whether {@code failure} is an error the database sent back refusing the statement: an SQLState outside class 08
   * (connection exception) and 57P (the server ended the session). A lost connection, or a failure without a state,
   * says nothing of what the database did; nor does a session ended by the server (57P01, a fast shutdown or
   * pg_terminate_backend): PostgreSQL holds that signal while it commits and ends the session right after, so the
   * error can follow a COMMIT that took place.
   */
  static boolean isAnswerFromTheDatabase(Throwable failure) {
    SQLException sql = sqlCause(failure);
    String state = sql == null ? null : sql.getSQLState();
    return state != null && !state.startsWith("08") && !state.startsWith("57P");
  }

  /**
   * The SPI exception for a failure of {@code operation}: transient or not; a unique violation here is not one the
   * operation expects, so it is a plain {@link StorageException}.
   *
   * @param operation what was being done, for the message (no values)
   */
  public static StorageException translate(String operation, Throwable failure) {
    if (failure instanceof StorageException storage) {
      return storage;
    }
    SQLException sql = sqlCause(failure);
    String message = operation + " failed" + describe(sql);
    if (isTransient(failure) || isH2VictimMarkingRace(failure)) {
      return new TransientStorageException(message, redacted(failure));
    }
    return new StorageException(message, redacted(failure));
  }

  /** As {@link #translate}, but a unique violation becomes {@link UniqueViolationException} for {@code key}. */
  static StorageException translate(String operation, UniqueKey key, Throwable failure) {
    if (!(failure instanceof StorageException) && isUniqueViolation(failure)) {
      return new UniqueViolationException(key, redacted(failure));
    }
    return translate(operation, failure);
  }

  /**
   * A copy of {@code failure}'s chain without its messages: each link becomes a {@link RedactedFailure} (a
   * {@link RedactedSqlFailure} for an {@link SQLException}, keeping its SQLState and vendor code) that names the
   * original's class and carries its stack trace; causes, a batch's next exceptions and suppressed exceptions are
   * copied the same way.
   */
  public static Throwable redacted(Throwable failure) {
    return redacted(failure, 0);
  }

  private static Throwable redacted(Throwable failure, int depth) {
    if (failure == null || depth >= MAX_DEPTH) {
      return null;
    }
    Throwable copy;
    if (failure instanceof SQLException sql) {
      RedactedSqlFailure sqlCopy = new RedactedSqlFailure(sql);
      SQLException next = sql.getNextException();
      if (next != null && next != sql) {
        sqlCopy.setNextException((SQLException) redacted(next, depth + 1));
      }
      copy = sqlCopy;
    } else {
      copy = new RedactedFailure(failure);
    }
    copy.setStackTrace(failure.getStackTrace());
    Throwable cause = failure.getCause();
    if (cause != null && cause != failure) {
      copy.initCause(redacted(cause, depth + 1));
    }
    for (Throwable suppressed : failure.getSuppressed()) {
      Throwable suppressedCopy = redacted(suppressed, depth + 1);
      if (suppressedCopy != null) {
        copy.addSuppressed(suppressedCopy);
      }
    }
    return copy;
  }

  /**
   * A link of a {@linkplain #redacted redacted} failure chain that was not an {@link SQLException}: the original's
   * class name and stack trace, not its message. Immutable once made (the chain is built before it is shared).
   */
  static final class RedactedFailure extends Exception {
    private static final long serialVersionUID = 1L;

    RedactedFailure(Throwable original) {
      super(original.getClass().getName() + " (message withheld: it may quote values)");
    }
  }

  /**
   * A link of a {@linkplain #redacted redacted} failure chain that was an {@link SQLException}: its class name,
   * SQLState, vendor code and stack trace, not its message. Immutable once made.
   */
  static final class RedactedSqlFailure extends SQLException {
    private static final long serialVersionUID = 1L;

    RedactedSqlFailure(SQLException original) {
      super(original.getClass().getName() + describe(original) + " (message withheld: it may quote values)",
          original.getSQLState(), original.getErrorCode());
    }
  }

  /** " (SQLState ..., vendor code ...)" of the first {@link SQLException} of {@code failure}'s chain, or "". */
  public static String describe(Throwable failure) {
    return describe(sqlCause(failure));
  }

  /** The vendor code of the SQLException in {@code failure}'s causes, or 0 if there is none. */
  public static int vendorCode(Throwable failure) {
    SQLException sql = sqlCause(failure);
    return sql == null ? 0 : sql.getErrorCode();
  }

  private static String describe(SQLException sql) {
    if (sql == null) {
      return "";
    }
    return " (SQLState " + sql.getSQLState() + ", vendor code " + sql.getErrorCode() + ")";
  }
}
