package io.loyaltyengine.jdbc;

/** An earned reward's move racing its participant's deletion, on an H2 file. */
class RewardLockOrderH2Test extends RewardLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
