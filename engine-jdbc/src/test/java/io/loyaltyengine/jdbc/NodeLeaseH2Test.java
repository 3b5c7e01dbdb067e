package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Node leases of engines on an H2 file. */
class NodeLeaseH2Test extends NodeLeaseTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
