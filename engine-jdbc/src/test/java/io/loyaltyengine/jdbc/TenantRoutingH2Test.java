package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;

/** Every statement of a tenant's operations names that tenant, on an H2 file. */
class TenantRoutingH2Test extends TenantRoutingTestBase {
  private final Path directory = TestFiles.newDirectory("loyalty-routing-");
  private HikariDataSource pool;

  @Override
  DataSource pool() {
    pool = H2FileFixture.pool(directory);
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
