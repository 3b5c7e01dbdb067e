package io.loyaltyengine.jdbc.internal;

import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.core.transaction.LocalTransactionHandler;

/**
 * The Jdbi configuration the storage relies on.
 *
 * <p>Thread-safe: stateless.
 */
public final class JdbiSetup {
  private JdbiSetup() {
  }

  /**
   * A Jdbi on the pool {@code dataSource} whose transactions always begin and commit themselves.
   *
   * <p>Jdbi's default transaction handler treats a connection with auto-commit off as already in a transaction that
   * someone else will commit, so on a pool configured with auto-commit off its {@code inTransaction} would never
   * commit and every write would be lost when the connection goes back to the pool. The managed handler begins and
   * commits (or rolls back) whatever the connection's auto-commit state.
   */
  public static Jdbi pooled(DataSource dataSource) {
    Jdbi jdbi = configure(Jdbi.create(dataSource));
    jdbi.setTransactionHandler(LocalTransactionHandler.managed());
    return jdbi;
  }

  /** Settings every Jdbi of the storage shares. */
  static Jdbi configure(Jdbi jdbi) {
    // Jdbi would otherwise render bound values (personal data) into its exception messages.
    jdbi.getConfig(StatementExceptions.class).setMessageRendering(StatementExceptions.MessageRendering.NONE);
    return jdbi;
  }
}
