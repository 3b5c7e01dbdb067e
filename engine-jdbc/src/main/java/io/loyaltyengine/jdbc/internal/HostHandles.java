package io.loyaltyengine.jdbc.internal;

import java.sql.Connection;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Handles;
import org.jdbi.v3.core.Jdbi;

/**
 * Jdbi handles on connections the host owns. The handle borrows the connection: closing the handle neither closes
 * nor commits nor rolls back the connection, and the handle never starts or ends a transaction on it (the host's
 * transaction is already open: its auto-commit is off).
 *
 * <p>One {@link Jdbi} serves every host connection (creating a Jdbi per call would cost far more than the call):
 * {@link #open(Connection)} lends the connection to the factory for the moment the handle is opened.
 *
 * <p>Thread-safe.
 */
public final class HostHandles {
  private final ThreadLocal<Connection> lent = new ThreadLocal<>();
  private final Jdbi jdbi;

  /** Creates the Jdbi for host connections. */
  public HostHandles() {
    this.jdbi = JdbiSetup.configure(Jdbi.create(new ConnectionFactory() {
      @Override
      public Connection openConnection() {
        Connection connection = lent.get();
        if (connection == null) {
          throw new IllegalStateException("host connections are opened through HostHandles.open only");
        }
        return connection;
      }

      @Override
      public void closeConnection(Connection connection) {
        // Borrowed: the host closes it.
      }
    }));
    // Closing a handle whose connection is in a transaction must not roll the host's transaction back.
    jdbi.getConfig(Handles.class).setForceEndTransactions(false);
  }

  /** A handle on the host's {@code connection}; close it when the work is done (the connection stays open). */
  public Handle open(Connection connection) {
    lent.set(connection);
    try {
      return jdbi.open();
    } finally {
      lent.remove();
    }
  }
}
