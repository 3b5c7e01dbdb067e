package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * {@link StatementCountsTestBase} on an H2 file database.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class StatementCountsH2Test extends StatementCountsTestBase {
  private HikariDataSource pool;
  private Path directory;

  @Override
  DataSource openDatabase() {
    directory = TestFiles.newDirectory("loyalty-h2-counts-");
    pool = H2FileFixture.pool(directory);
    return pool;
  }

  @Override
  void closeDatabase() {
    pool.close();
    TestFiles.delete(directory);
  }
}
