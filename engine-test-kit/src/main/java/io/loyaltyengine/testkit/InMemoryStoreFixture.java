package io.loyaltyengine.testkit;

import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import java.util.Set;

/**
 * A {@link StoreFixture} on a fresh {@link InMemoryStorage.Database}: every storage it opens shares that database,
 * and {@link #close()} drops it.
 *
 * <pre>{@code
 * class InMemoryStorageContractTest extends StorageContractTest {
 *   @Override
 *   protected StoreFixture createFixture() {
 *     return new InMemoryStoreFixture();
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe, as the database and its storages are.
 */
public final class InMemoryStoreFixture implements StoreFixture {
  private final InMemoryStorage.Database database;

  /** A fixture on a new, empty in-memory database. */
  public InMemoryStoreFixture() {
    database = InMemoryStorage.newDatabase();
  }

  /** The database the storages of this fixture share. */
  public InMemoryStorage.Database database() {
    return database;
  }

  @Override
  public Storage openStorage() {
    return database.openStorage();
  }

  /** {@link StorageCapability#SHARED_DATABASE} only, as {@link InMemoryStorage#capabilities()}. */
  @Override
  public Set<StorageCapability> capabilities() {
    return Set.of(StorageCapability.SHARED_DATABASE);
  }

  @Override
  public void close() {
    database.drop();
  }

  @Override
  public String toString() {
    return "InMemoryStoreFixture[" + database + "]";
  }
}
