package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** The API-key cache under concurrent authentications and changes, on the embedded PostgreSQL. */
class AccessCacheConcurrencyPostgresTest extends AccessCacheConcurrencyTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  int writes() {
    return 40;
  }
}
