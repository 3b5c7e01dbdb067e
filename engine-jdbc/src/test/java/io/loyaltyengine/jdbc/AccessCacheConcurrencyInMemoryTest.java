package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** The API-key cache under concurrent authentications and changes, on the in-memory store. */
class AccessCacheConcurrencyInMemoryTest extends AccessCacheConcurrencyTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  int writes() {
    return 200;
  }
}
