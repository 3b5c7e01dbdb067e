package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** Deductions capped at the balance on the in-memory store. */
class CappedDeductInMemoryTest extends CappedDeductTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
