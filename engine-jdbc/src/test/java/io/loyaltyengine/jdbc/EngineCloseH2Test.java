package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Closing an engine while an operation runs, on an H2 file. */
class EngineCloseH2Test extends EngineCloseTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  boolean leasesItsNodeNumber() {
    return true;
  }
}
