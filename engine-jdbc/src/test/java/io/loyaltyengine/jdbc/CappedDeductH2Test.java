package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Deductions capped at the balance on an H2 file. */
class CappedDeductH2Test extends CappedDeductTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
