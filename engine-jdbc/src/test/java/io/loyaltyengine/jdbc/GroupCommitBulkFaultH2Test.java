package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GroupCommitBulkFaultTestBase} on an H2 file.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class GroupCommitBulkFaultH2Test extends GroupCommitBulkFaultTestBase {
  @TempDir
  Path dir;

  @Override
  HikariDataSource openPool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000");
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }
}
