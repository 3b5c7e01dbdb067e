package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** The API-key cache under concurrent authentications and changes, on an H2 file. */
class AccessCacheConcurrencyH2Test extends AccessCacheConcurrencyTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  int writes() {
    return 60;
  }
}
