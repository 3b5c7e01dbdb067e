package io.loyaltyengine.internal;

import io.loyaltyengine.LoyaltyEngine;

/**
 * Creates the engine implementation; found with {@link java.util.ServiceLoader}, provided by {@code engine-core}.
 * Not API.
 *
 * <p>Implementations need not be thread-safe: the engine builder loads a new instance for each engine it builds.
 */
public interface EngineFactory {
  /**
   * Creates an engine from validated settings.
   *
   * @param config the validated settings
   * @return the engine
   */
  LoyaltyEngine create(EngineConfig config);
}
