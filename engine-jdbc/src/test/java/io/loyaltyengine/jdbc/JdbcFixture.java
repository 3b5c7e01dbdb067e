package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import java.sql.Connection;
import java.sql.SQLException;

/** A store fixture on a JDBC database that tests can also reach with plain SQL. */
interface JdbcFixture extends StoreFixture {
  /** A new connection to the fixture's database, auto-commit on; the caller closes it. */
  Connection connect() throws SQLException;

  /** The storage's dialect. */
  SqlDialect dialect();
}
