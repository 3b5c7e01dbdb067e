package io.loyaltyengine.jdbc;

/** The reward ports on an H2 file. */
class H2RewardPortsTest extends RewardPortsTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
