package io.loyaltyengine.jdbc;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A storage under the engine's that passes everything through and logs every {@link TransientStorageException} a
 * transaction ends with: the failures the engine retries unseen (its own transactions, and a group commit's batch),
 * and those a host's transaction sees. A lock-order defect between two of the engine's operations only costs a
 * retry, so a test that wants to see one asserts on {@link #deadlocks()} (SQLState 40P01, PostgreSQL's deadlock, or
 * 40001, H2's deadlock and PostgreSQL's serialization failure, read from the failure's cause chain, where the
 * storage's redacted copy keeps the SQLState). Costs the engine nothing: only tests build it.
 *
 * <p>Thread-safe.
 */
final class TransientFailureLog implements Storage {
  /** PostgreSQL's deadlock_detected. */
  static final String POSTGRES_DEADLOCK = "40P01";
  /** H2's DEADLOCK_1; on PostgreSQL serialization_failure. */
  static final String SERIALIZATION_OR_H2_DEADLOCK = "40001";

  /**
   * One transient failure.
   *
   * @param sqlState the first SQLState of its cause chain, or null (a failure the engine's storage made itself)
   * @param trace its stack trace, naming the operation and port that failed (messages carry no values)
   */
  record Failure(String sqlState, String trace) {
    @Override
    public String toString() {
      return "SQLState " + sqlState + ":\n" + trace;
    }
  }

  private final Storage delegate;
  private final List<Failure> failures = new CopyOnWriteArrayList<>();

  TransientFailureLog(Storage delegate) {
    this.delegate = delegate;
  }

  /** Every transient failure logged so far. */
  List<Failure> failures() {
    return List.copyOf(failures);
  }

  /** The logged failures that were deadlocks (or, on PostgreSQL, serialization failures). */
  List<Failure> deadlocks() {
    return failures.stream().filter(f -> POSTGRES_DEADLOCK.equals(f.sqlState())
        || SERIALIZATION_OR_H2_DEADLOCK.equals(f.sqlState())).toList();
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    try {
      return delegate.inTransaction(work);
    } catch (TransientStorageException e) {
      throw log(e);
    }
  }

  @Override
  public <T> T inReadTransaction(TransactionWork<T> work) {
    try {
      return delegate.inReadTransaction(work);
    } catch (TransientStorageException e) {
      throw log(e);
    }
  }

  @Override
  public void checkJoinable(HostTransaction host) {
    delegate.checkJoinable(host);
  }

  @Override
  public Object hostTransactionIdentity(HostTransaction host) {
    return delegate.hostTransactionIdentity(host);
  }

  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    try {
      return delegate.inHostTransaction(host, work);
    } catch (TransientStorageException e) {
      throw log(e);
    }
  }

  @Override
  public void close() {
    delegate.close();
  }

  private TransientStorageException log(TransientStorageException e) {
    String state = null;
    for (Throwable t = e; t != null && state == null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        state = sql.getSQLState();
      }
    }
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    failures.add(new Failure(state, trace.toString()));
    return e;
  }
}
