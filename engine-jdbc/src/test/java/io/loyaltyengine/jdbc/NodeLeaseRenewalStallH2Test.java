package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** A unit of work making an id near the lease's end while another thread renews, on an H2 file. */
class NodeLeaseRenewalStallH2Test extends NodeLeaseRenewalStallTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
