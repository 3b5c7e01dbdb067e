package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest;

/**
 * The API input fuzzer on an H2 file, with fewer calls than on the in-memory store (each call also reads every
 * table for the snapshot, {@link TableSnapshot}).
 */
class H2ApiInputFuzzTest extends ApiInputFuzzContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  protected int defaultCalls() {
    return 4_000;
  }

  @Override
  protected Object storeSnapshot(StoreFixture fixture) {
    return TableSnapshot.of((JdbcFixture) fixture);
  }
}
