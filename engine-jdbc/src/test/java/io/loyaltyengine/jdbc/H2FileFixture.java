package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A fresh H2 file database in a new temporary directory. Storages opened on it have pools of their own, with
 * auto-commit on or (to catch a forgotten commit) off.
 *
 * <p>Not thread-safe (the storages it opens are).
 */
final class H2FileFixture implements JdbcFixture {
  private final Path directory = TestFiles.newDirectory("loyalty-h2-");
  private final String url = url(directory);
  private final boolean autoCommit;
  private final boolean takeTurns;
  private final List<Storage> opened = new ArrayList<>();

  /** A fixture whose storages' pools hand out connections with {@code autoCommit}. */
  H2FileFixture(boolean autoCommit) {
    this(autoCommit, true);
  }

  private H2FileFixture(boolean autoCommit, boolean takeTurns) {
    this.autoCommit = autoCommit;
    this.takeTurns = takeTurns;
  }

  /**
   * A fixture whose storages' transactions do not take turns, as host transactions do not: for tests that hold two
   * of a storage's transactions open at once, to show H2's own row locks at work (the port contract suites) or an
   * interleaving that on H2 only host transactions can make.
   */
  static H2FileFixture withoutTakingTurns(boolean autoCommit) {
    return new H2FileFixture(autoCommit, false);
  }

  /**
   * A pool of four connections on a durable H2 file database in {@code directory} (made if absent), as this
   * fixture's URL, for tests that build their storage themselves; closing it is the caller's.
   */
  static HikariDataSource pool(Path directory) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(directory));
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }

  private static String url(Path directory) {
    return "jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000";
  }

  /** The database's URL. */
  String url() {
    return url;
  }

  /** A new connection to the database (auto-commit on). */
  @Override
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  @Override
  public Storage openStorage() {
    return open(takeTurns);
  }

  @Override
  public Storage openStorageWithoutTakingTurns() {
    return open(false);
  }

  private Storage open(boolean turns) {
    JdbcStorage storage = JdbcStorage.builder().url(url).autoCommit(autoCommit).maximumPoolSize(4)
        .h2TransactionsTakeTurns(turns).build();
    opened.add(storage);
    return storage;
  }

  @Override
  public SqlDialect dialect() {
    return SqlDialect.H2;
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return Set.of(StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE, StorageCapability.DURABLE);
  }

  @Override
  public Optional<HostTransactions> hostTransactions() {
    return Optional.of(new JdbcHostTransactions(() -> DriverManager.getConnection(url)));
  }

  @Override
  public void close() {
    opened.forEach(Storage::close);
    TestFiles.delete(directory);
  }

  @Override
  public String toString() {
    return "H2 file" + (autoCommit ? "" : " (pool auto-commit off)") + (takeTurns ? "" : " (no turns)");
  }
}
