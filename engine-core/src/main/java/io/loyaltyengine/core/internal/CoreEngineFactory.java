package io.loyaltyengine.core.internal;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.internal.EngineConfig;
import io.loyaltyengine.internal.EngineFactory;

/** Creates {@link CoreEngine}s; registered for {@link java.util.ServiceLoader}. Thread-safe: stateless. */
public final class CoreEngineFactory implements EngineFactory {
  /** For ServiceLoader. */
  public CoreEngineFactory() {
  }

  @Override
  public LoyaltyEngine create(EngineConfig config) {
    // Refused as build()'s other refusals are (IllegalStateException): the builder cannot see the SPI type.
    if (!(config.storage() instanceof Storage)) {
      throw new IllegalStateException("storage must implement the engine-core storage SPI "
          + "(io.loyaltyengine.core.spi.Storage), as JdbcStorage and InMemoryStorage do, but was "
          + config.storage().getClass().getName());
    }
    return new CoreEngine(config);
  }
}
