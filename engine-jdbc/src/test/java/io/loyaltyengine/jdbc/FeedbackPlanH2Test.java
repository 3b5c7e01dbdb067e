package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * {@link FeedbackPlanTestBase} on an H2 file: the rows a statement read are the sum of the {@code scanCount}s of
 * {@code EXPLAIN ANALYZE}, its subqueries' included.
 *
 * <p>Not thread-safe: one instance runs the class's tests, one after another.
 */
class FeedbackPlanH2Test extends FeedbackPlanTestBase {
  private Path directory;
  private HikariDataSource pool;

  @Override
  DataSource openDatabase() {
    directory = TestFiles.newDirectory("loyalty-h2-feedback-plan-");
    pool = H2FileFixture.pool(directory);
    return pool;
  }

  @Override
  void closeDatabase() {
    pool.close();
    TestFiles.delete(directory);
  }

  @Override
  String series(long n) {
    return " FROM SYSTEM_RANGE(1, " + n + ") r(g)";
  }

  @Override
  String explain(String sql) {
    return "EXPLAIN ANALYZE " + sql;
  }

  @Override
  long rowsRead(String plan) {
    return H2Plans.rowsRead(plan);
  }
}
