package io.loyaltyengine.jdbc;

/** A mixed batch of group commit run behind savepoints racing a host transaction, on an H2 file. */
class MixedBatchLockOrderH2Test extends MixedBatchLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
