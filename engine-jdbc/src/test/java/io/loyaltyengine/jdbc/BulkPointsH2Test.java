package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** The bulk API on an H2 file. */
class BulkPointsH2Test extends BulkPointsTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
