package io.loyaltyengine.jdbc;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The engines one test builds on its store: manual event dispatch (a test drives delivery itself, if at all), a
 * node id each (so that engines on one database never make the same id), closed together, newest first.
 *
 * <p>Not thread-safe: used by one test's setup, body and teardown.
 */
final class TestEngines implements AutoCloseable {
  private final List<LoyaltyEngine> engines = new ArrayList<>();

  /** A builder on {@code storage} with those settings, and {@code maxGroupCommit} unless it is 0 (the default). */
  LoyaltyEngine.Builder builder(Storage storage, int maxGroupCommit) {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder()
        .storage(storage)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(engines.size() + 1);
    if (maxGroupCommit > 0) {
      builder.maxGroupCommit(maxGroupCommit);
    }
    return builder;
  }

  /** Builds the engine and keeps it, to be closed with the others. */
  LoyaltyEngine build(LoyaltyEngine.Builder builder) {
    LoyaltyEngine engine = builder.build();
    engines.add(engine);
    return engine;
  }

  @Override
  public void close() {
    List<LoyaltyEngine> open = new ArrayList<>(engines);
    Collections.reverse(open);
    open.forEach(LoyaltyEngine::close);
    engines.clear();
  }
}
