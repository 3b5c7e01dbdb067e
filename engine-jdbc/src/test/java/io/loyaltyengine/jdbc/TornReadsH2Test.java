package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link TornReadsTestBase} on an H2 file. */
class TornReadsH2Test extends TornReadsTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
