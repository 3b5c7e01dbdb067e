package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link ActionCountsSnapshotTestBase} on an H2 file. */
class ActionCountsSnapshotH2Test extends ActionCountsSnapshotTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
