package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A fresh database in the shared embedded PostgreSQL. Each storage opened on it uses a pool of its own whose
 * sessions run in a zone unlike the JVM's (see {@link EmbeddedPostgresServer}), handed to the storage as a host
 * DataSource.
 *
 * <p>Not thread-safe (the storages it opens are).
 */
final class PostgresFixture implements JdbcFixture {
  private final String database;
  private final List<Storage> opened = new ArrayList<>();
  private final List<HikariDataSource> pools = new ArrayList<>();

  /** A fresh database with the server's defaults and the engine's schema already at its latest version. */
  PostgresFixture() {
    database = EmbeddedPostgresServer.createMigratedDatabase();
  }

  /**
   * A fresh database created with {@code options} (see {@link EmbeddedPostgresServer#createDatabase(String)}).
   *
   * @param options appended to the {@code CREATE DATABASE}, for example {@link EmbeddedPostgresServer#ICU_EN_US}
   */
  PostgresFixture(String options) {
    database = EmbeddedPostgresServer.createDatabase(options);
  }

  /** The database's name. */
  String database() {
    return database;
  }

  /** A new connection to the database (auto-commit on), in the test session zone. */
  @Override
  public Connection connect() throws SQLException {
    return EmbeddedPostgresServer.connect(database);
  }

  @Override
  public Storage openStorage() {
    HikariDataSource pool = EmbeddedPostgresServer.pool(database, 4);
    pools.add(pool);
    JdbcStorage storage = JdbcStorage.builder().dataSource(pool).build();
    opened.add(storage);
    return storage;
  }

  @Override
  public SqlDialect dialect() {
    return SqlDialect.POSTGRESQL;
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return Set.of(StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE, StorageCapability.DURABLE);
  }

  @Override
  public Optional<HostTransactions> hostTransactions() {
    return Optional.of(new JdbcHostTransactions(() -> EmbeddedPostgresServer.connect(database)));
  }

  @Override
  public void close() {
    opened.forEach(Storage::close);
    pools.forEach(HikariDataSource::close);
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Override
  public String toString() {
    return "PostgreSQL";
  }
}
