package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest;

/**
 * The API input fuzzer on a fresh database of the shared embedded PostgreSQL, whose statements differ from H2's
 * (data-modifying CTEs, {@code ON CONFLICT}, rows sent with the commit), with fewer calls than on H2 (each call reads
 * every table for the snapshot, {@link TableSnapshot}, over a socket, about 30 ms): also one round of each refusal
 * test a seed (each refusal twice), the variety of the malformed values being tried on the other stores.
 */
class PostgresApiInputFuzzTest extends ApiInputFuzzContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected int defaultCalls() {
    return 1_000;
  }

  @Override
  protected int maxRefusalRounds() {
    return 1;
  }

  @Override
  protected Object storeSnapshot(StoreFixture fixture) {
    return TableSnapshot.of((JdbcFixture) fixture);
  }
}
