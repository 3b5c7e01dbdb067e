package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The schema migrator on the embedded PostgreSQL: several pools on one database stand for several instances. */
class PostgresSchemaMigratorTest extends SchemaMigratorTestBase {
  private final String database = EmbeddedPostgresServer.createDatabase();
  private final List<HikariDataSource> pools = new ArrayList<>();

  @Override
  SqlDialect dialect() {
    return SqlDialect.POSTGRESQL;
  }

  @Override
  DataSource dataSource() {
    HikariDataSource pool = EmbeddedPostgresServer.pool(database, 2);
    pools.add(pool);
    return pool;
  }

  @Override
  void closeDatabase() {
    pools.forEach(HikariDataSource::close);
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Override
  String extraVersion() {
    return "CREATE TABLE loyalty_test_extra (\n  tenant_id bigint NOT NULL,\n  note text,\n"
        + "  CONSTRAINT pk_loyalty_test_extra PRIMARY KEY (tenant_id)\n);\n";
  }

  @Test
  void aFailingVersionLeavesNothingBehind() {
    new SchemaMigrator(dataSource(), sql()).migrate();
    ClassLoader failing = scriptSet("failing", extraVersion() + "SELECT no_such_function();\n", false);
    StorageException e = assertThrows(StorageException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "failing", failing).migrate());
    assertTrue(e.getMessage().startsWith(
        "applying schema version " + EXTRA + " (extra table) failed (SQLState 42883"),
        e.getMessage());
    assertEquals(0, query("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'loyalty_test_extra'"));
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }
}
