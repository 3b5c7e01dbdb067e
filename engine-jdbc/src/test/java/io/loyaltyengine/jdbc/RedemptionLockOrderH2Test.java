package io.loyaltyengine.jdbc;

/** A redemption racing a host's redemption of the same catalog reward for the same participant, on an H2 file. */
class RedemptionLockOrderH2Test extends RedemptionLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
