package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;

/** Every statement of a tenant's operations names that tenant, on an H2 file. */
class TenantRoutingH2Test extends TenantRoutingTestBase {
  private final Path directory = TestFiles.newDirectory("loyalty-routing-");
  private HikariDataSource pool;

  @Override
  DataSource pool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000");
    config.setMaximumPoolSize(4);
    pool = new HikariDataSource(config);
    return pool;
  }

  @Override
  void closeDatabase() {
    if (pool != null) {
      pool.close();
    }
    TestFiles.delete(directory);
  }
}
