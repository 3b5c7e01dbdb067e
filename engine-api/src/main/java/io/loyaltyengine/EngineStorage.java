package io.loyaltyengine;

/**
 * Where the engine keeps its state; obtained from a storage module, never implemented by hosts directly.
 *
 * <p>Use {@code JdbcStorage} from {@code engine-jdbc} (an embedded H2 file, or PostgreSQL when several host instances
 * share one database), or {@code InMemoryStorage} from {@code engine-test-kit} in tests. Storage implementations
 * implement the storage SPI of {@code engine-core}, which extends this interface.
 *
 * <p>The engine takes ownership of the storage it is built with and closes it when the engine is closed.
 * Implementations are thread-safe.
 */
public interface EngineStorage extends AutoCloseable {
  /** Releases the storage's resources (connection pools, files). Idempotent. */
  @Override
  void close();
}
