package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.jdbc.SqlDialect;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * What every port shares: the transaction's handle, the dialect's statements, and the rule that a database failure
 * leaves a port as an SPI exception only (so the engine never sees a Jdbi or JDBC type). Programming errors
 * (a null where a value is required) are not database failures and pass unchanged.
 *
 * <p>Not thread-safe: confined to the unit of work's thread, like its handle.
 */
abstract class JdbcPort {
  final Handle handle;
  final Sql sql;

  JdbcPort(Handle handle, Sql sql) {
    this.handle = handle;
    this.sql = sql;
  }

  /** Values bound in one IN list (well under the drivers' bind-parameter limits). */
  static final int IN_LIST_SIZE = 500;

  /**
   * Runs {@code query} once per slice of at most {@value #IN_LIST_SIZE} values and collects the rows, for a lookup
   * by an IN list of any length.
   */
  static <V, R> List<R> inSlices(Collection<V> values, Function<List<V>, List<R>> query) {
    List<V> all = List.copyOf(values);
    List<R> found = new ArrayList<>();
    for (int from = 0; from < all.size(); from += IN_LIST_SIZE) {
      found.addAll(query.apply(all.subList(from, Math.min(all.size(), from + IN_LIST_SIZE))));
    }
    return found;
  }

  /** Runs a statement, translating its failure. */
  static <T> T run(String operation, Supplier<T> statement) {
    try {
      return statement.get();
    } catch (JdbiException e) {
      throw SqlErrors.translate(operation, e);
    }
  }

  /** Runs a statement that can violate {@code key}, translating its failure. */
  static <T> T run(String operation, UniqueKey key, Supplier<T> statement) {
    try {
      return statement.get();
    } catch (JdbiException e) {
      throw SqlErrors.translate(operation, key, e);
    }
  }

  /**
   * Runs an insert written to do nothing when its row exists ({@link Sql#feedCreate()}, {@link Sql#deliveryCreate()}).
   * On H2 a concurrent insert of the same key can still fail with a unique violation; the row then exists, which is
   * all the caller wants, and H2 rolls back only the failed statement, so the failure is ignored there. (PostgreSQL's
   * ON CONFLICT never raises it, and a failed statement would abort its transaction.)
   *
   * @return the rows inserted
   */
  int runInsertIfAbsent(String operation, Supplier<Integer> statement) {
    try {
      return statement.get();
    } catch (JdbiException e) {
      if (sql.dialect() == SqlDialect.H2 && SqlErrors.isUniqueViolation(e)) {
        return 0;
      }
      throw SqlErrors.translate(operation, e);
    }
  }

  /** Refuses a negative limit before it reaches SQL, as a programming error. */
  static int checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative but was " + limit);
    }
    return limit;
  }
}
