package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * {@link FeedbackPlanTestBase} on PostgreSQL, statistics gathered: the rows a statement read are, over the scans of
 * its plan ({@code EXPLAIN (ANALYZE, BUFFERS)}), the rows each returned and those its filter removed, times its
 * loops (a bitmap's index scan is counted in its heap scan).
 *
 * <p>Not thread-safe: one instance runs the class's tests, one after another.
 */
class FeedbackPlanPostgresTest extends FeedbackPlanTestBase {
  private static final Pattern SCAN = Pattern.compile("(?<!Bitmap )(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)"
      + "(?: Backward)?(?: using \\w+)? on \\w+.*\\(actual rows=([\\d.]+) loops=(\\d+)\\)");
  private static final Pattern REMOVED = Pattern.compile("Rows Removed by (?:Filter|Index Recheck): (\\d+)");

  private PostgresFixture fixture;
  private HikariDataSource pool;

  @Override
  DataSource openDatabase() {
    fixture = new PostgresFixture();
    pool = EmbeddedPostgresServer.pool(fixture.database(), 4);
    return pool;
  }

  @Override
  void closeDatabase() {
    pool.close();
    fixture.close();
  }

  @Override
  String series(long n) {
    return " FROM generate_series(1, " + n + ") g";
  }

  @Override
  String explain(String sql) {
    return "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + sql;
  }

  @Override
  long rowsRead(String plan) {
    double read = 0;
    long loops = 1;
    boolean scanned = false;
    for (String line : plan.split("\n")) {
      Matcher scan = SCAN.matcher(line);
      if (scan.find()) {
        scanned = true;
        loops = Long.parseLong(scan.group(3));
        read += Double.parseDouble(scan.group(2)) * loops;
      }
      Matcher removed = REMOVED.matcher(line);
      if (removed.find()) {
        read += Double.parseDouble(removed.group(1)) * loops;
      }
    }
    if (!scanned) {
      throw new AssertionError("the plan scans no table:\n" + plan);
    }
    return Math.round(read);
  }
}
