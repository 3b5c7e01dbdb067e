package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/**
 * {@link StatementCountsTestBase} on a fresh database of the shared embedded PostgreSQL.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class StatementCountsPostgresTest extends StatementCountsTestBase {
  private String database;
  private HikariDataSource pool;

  @Override
  DataSource openDatabase() {
    database = EmbeddedPostgresServer.createDatabase();
    pool = EmbeddedPostgresServer.pool(database, 4);
    return pool;
  }

  @Override
  void closeDatabase() {
    pool.close();
    EmbeddedPostgresServer.dropDatabase(database);
  }
}
