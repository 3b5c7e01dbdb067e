package io.loyaltyengine.examples.replay;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the replay on an embedded PostgreSQL 17 (zonky, real binaries from Maven Central) started durable, with
 * {@code fsync=on} and {@code synchronous_commit=on} (zonky turns both off by default, which would make every commit
 * free and the figures meaningless). For the manual measurement in {@code docs/REPLAY.md}; not a test.
 *
 * <pre>
 * ./mvnw -q -o -pl engine-examples -am test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.loyaltyengine.examples.replay.ReplayOnEmbeddedPostgres \
 *     -Dexec.args="../shared/data/online-retail/online_retail.csv.gz"
 * </pre>
 *
 * <p>The arguments are the replay's, without a database option: this launcher adds {@code --jdbc-url}. The server
 * and its data are removed when the run ends.
 *
 * <p>Not thread-safe; a program.
 */
public final class ReplayOnEmbeddedPostgres {
  private ReplayOnEmbeddedPostgres() {
  }

  /**
   * Starts the server, runs the replay on it, prints the server's durability settings, and stops the server.
   *
   * @param args the replay's arguments, without {@code --db} or {@code --jdbc-url}
   * @throws IOException if the server cannot start
   */
  public static void main(String[] args) throws Exception {
    try (EmbeddedPostgres server = EmbeddedPostgres.builder()
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        .start()) {
      String database = "replay";
      try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + database);
      }
      String url = server.getJdbcUrl("postgres", database);
      try (Connection c = server.getDatabase("postgres", database).getConnection();
          Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT version(), current_setting('fsync'),"
              + " current_setting('synchronous_commit')")) {
        r.next();
        System.out.printf("PostgreSQL: %s; fsync=%s, synchronous_commit=%s%n", r.getString(1), r.getString(2),
            r.getString(3));
      }
      List<String> replayArgs = new ArrayList<>(Arrays.asList(args));
      replayArgs.add("--jdbc-url");
      replayArgs.add(url);
      replayArgs.add("--user");
      replayArgs.add("postgres");
      ReplayOptions options = ReplayOptions.parse(replayArgs.toArray(String[]::new), System.getenv());
      int status = OnlineRetailReplay.run(options, ProgressBar.forTerminal(options.quiet()), System.out,
          System.err);
      if (status != 0) {
        System.exit(status);
      }
    }
  }
}
