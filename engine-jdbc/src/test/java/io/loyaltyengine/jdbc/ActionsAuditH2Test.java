package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** {@link ActionsAuditTestBase} on an H2 file. */
class ActionsAuditH2Test extends ActionsAuditTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
