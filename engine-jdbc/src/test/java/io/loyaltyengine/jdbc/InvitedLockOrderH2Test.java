package io.loyaltyengine.jdbc;

/** A loyalty action naming an invited participant racing a host that holds that participant, on an H2 file. */
class InvitedLockOrderH2Test extends InvitedLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
