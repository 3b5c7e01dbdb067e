package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.UniqueKey;
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
}
