package io.loyaltyengine.jdbc;

/** Host transactions at other isolation levels than READ COMMITTED, on an H2 file. */
class HostTransactionIsolationH2Test extends HostTransactionIsolationTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
