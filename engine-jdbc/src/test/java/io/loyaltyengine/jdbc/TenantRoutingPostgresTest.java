package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/** Every statement of a tenant's operations names that tenant, on the embedded PostgreSQL. */
class TenantRoutingPostgresTest extends TenantRoutingTestBase {
  private final String database = EmbeddedPostgresServer.createDatabase();
  private HikariDataSource pool;

  @Override
  DataSource pool() {
    pool = EmbeddedPostgresServer.pool(database, 4);
    return pool;
  }

  @Override
  void closeDatabase() {
    if (pool != null) {
      pool.close();
    }
    EmbeddedPostgresServer.dropDatabase(database);
  }
}
