package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/**
 * Closing an engine while an operation runs, on PostgreSQL. The fixture hands the storage a pool of its own as a
 * host DataSource, which the storage's close leaves open (see {@link PostgresStorageCloseTest} for a pool the storage
 * made).
 */
class EngineClosePostgresTest extends EngineCloseTestBase {
  @Override
  StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  boolean leasesItsNodeNumber() {
    return true;
  }
}
