package io.loyaltyengine.jdbc;

/** The event ports on an H2 file. */
class H2EventPortsTest extends EventPortsTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
