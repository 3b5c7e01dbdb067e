package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** A unit of work making an id near the lease's end while another thread renews, on the in-memory store. */
class NodeLeaseRenewalStallInMemoryTest extends NodeLeaseRenewalStallTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
