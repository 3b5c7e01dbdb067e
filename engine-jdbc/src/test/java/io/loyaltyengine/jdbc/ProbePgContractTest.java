package io.loyaltyengine.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.StorageContractTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

class ProbePgContractTest extends StorageContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new Fixture(System.getProperty("probe.dbopts", ""), System.getProperty("probe.setup", ""),
        System.getProperty("probe.init", ""));
  }

  static final class Fixture implements JdbcFixture {
    private final String database;
    private final String init;
    private final List<Storage> opened = new ArrayList<>();
    private final List<HikariDataSource> pools = new ArrayList<>();

    Fixture(String options, String setup, String init) {
      database = EmbeddedPostgresServer.createDatabase(options);
      this.init = "SET TIME ZONE 'Pacific/Chatham'" + (init.isEmpty() ? "" : ";" + init);
      if (!setup.isEmpty()) {
        try (Connection c = EmbeddedPostgresServer.connect(database); Statement s = c.createStatement()) {
          s.execute(setup);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public Connection connect() throws SQLException {
      Connection c = EmbeddedPostgresServer.connect(database);
      try (Statement s = c.createStatement()) {
        s.execute(init);
      }
      return c;
    }

    @Override
    public Storage openStorage() {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(EmbeddedPostgresServer.url(database));
      config.setMaximumPoolSize(4);
      config.setConnectionInitSql(init);
      HikariDataSource pool = new HikariDataSource(config);
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
      return Set.of(StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE,
          StorageCapability.DURABLE);
    }

    @Override
    public Optional<HostTransactions> hostTransactions() {
      return Optional.of(new JdbcHostTransactions(this::connect));
    }

    @Override
    public void close() {
      opened.forEach(Storage::close);
      pools.forEach(HikariDataSource::close);
      EmbeddedPostgresServer.dropDatabase(database);
    }
  }
}
