package io.loyaltyengine.jdbc;

import java.nio.file.Path;
import java.util.Set;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The migrated schema's catalog on an H2 file. */
class H2SchemaCatalogTest extends SchemaCatalogTestBase {
  private final Path directory = TestFiles.newDirectory("loyalty-catalog-");

  @Override
  SqlDialect dialect() {
    return SqlDialect.H2;
  }

  @Override
  DataSource dataSource() {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0");
    return dataSource;
  }

  @Override
  void closeDatabase() {
    TestFiles.delete(directory);
  }

  @Override
  Set<String> crossTenantIndexes() {
    // H2 has no partial indexes: the unpositioned events are the position = 0 range of an index by position.
    return Set.of("ix_event_outbox_pruning", "ix_event_delivery_claim", "ix_event_outbox_unpositioned");
  }
}
