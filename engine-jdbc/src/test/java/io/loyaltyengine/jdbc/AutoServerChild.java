package io.loyaltyengine.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The other process of {@link JdbcStorageConfigTest}'s AUTO_SERVER tests: opens an H2 file database with
 * {@code AUTO_SERVER=TRUE}, as the admin user {@code sa}, so that H2 starts the server other processes reach it
 * through. Reports {@code OPEN} on standard output and keeps the database open until its standard input ends (the
 * test closes it, or the test's JVM died); or reports {@code FAILED <H2 error code>} and ends if it could not open
 * the database.
 *
 * <p>Arguments: the H2 database file.
 */
public final class AutoServerChild {
  private AutoServerChild() {
  }

  /** Runs until its standard input ends, or until it failed to open the database. */
  public static void main(String[] args) throws Exception {
    Connection connection;
    try {
      connection = DriverManager.getConnection("jdbc:h2:file:" + args[0] + ";AUTO_SERVER=TRUE;WRITE_DELAY=0", "sa",
          "");
    } catch (SQLException e) {
      System.out.println("FAILED " + e.getErrorCode());
      return;
    }
    try (connection) {
      System.out.println("OPEN");
      System.out.flush();
      while (System.in.read() >= 0) {
        // Nothing is sent: the child only waits for the end of its input.
      }
    }
  }
}
