package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Set;
import javax.sql.DataSource;

/** The migrated schema's catalog on the embedded PostgreSQL. */
class PostgresSchemaCatalogTest extends SchemaCatalogTestBase {
  private final String database = EmbeddedPostgresServer.createDatabase();
  private HikariDataSource pool;

  @Override
  SqlDialect dialect() {
    return SqlDialect.POSTGRESQL;
  }

  @Override
  DataSource dataSource() {
    if (pool == null) {
      pool = EmbeddedPostgresServer.pool(database, 2);
    }
    return pool;
  }

  @Override
  void closeDatabase() {
    if (pool != null) {
      pool.close();
    }
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Override
  Set<String> crossTenantIndexes() {
    return Set.of("ix_event_outbox_pruning", "ix_event_delivery_claim");
  }
}
