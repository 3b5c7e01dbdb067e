package io.loyaltyengine.jdbc;

import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.StorageContractTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

class ProbeH2UrlContractTest extends StorageContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new Fixture(System.getProperty("probe.suffix", ""));
  }

  static final class Fixture implements JdbcFixture {
    private final Path directory = TestFiles.newDirectory("loyalty-probe-");
    private final String url;
    private final List<Storage> opened = new ArrayList<>();

    Fixture(String suffix) {
      url = "jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000" + suffix;
    }

    @Override
    public Connection connect() throws SQLException {
      return DriverManager.getConnection(url);
    }

    @Override
    public Storage openStorage() {
      JdbcStorage storage = JdbcStorage.builder().url(url).maximumPoolSize(4).build();
      opened.add(storage);
      return storage;
    }

    @Override
    public Storage openStorageWithoutTakingTurns() {
      JdbcStorage storage = JdbcStorage.builder().url(url).maximumPoolSize(4).h2TransactionsTakeTurns(false).build();
      opened.add(storage);
      return storage;
    }

    @Override
    public SqlDialect dialect() {
      return SqlDialect.H2;
    }

    @Override
    public Set<StorageCapability> capabilities() {
      return Set.of(StorageCapability.HOST_TRANSACTIONS, StorageCapability.SHARED_DATABASE,
          StorageCapability.DURABLE);
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
  }
}
