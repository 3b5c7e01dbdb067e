package io.loyaltyengine.jdbc;

/** A bulk chunk run again behind savepoints racing a host changing two of its participants, on an H2 file. */
class BulkLockOrderH2Test extends BulkLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
