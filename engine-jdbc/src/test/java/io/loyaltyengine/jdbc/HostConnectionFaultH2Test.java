package io.loyaltyengine.jdbc;

/** The host's connection failing during joined operations, on an H2 file. */
class HostConnectionFaultH2Test extends HostConnectionFaultTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
