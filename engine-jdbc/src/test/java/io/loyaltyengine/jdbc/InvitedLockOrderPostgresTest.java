package io.loyaltyengine.jdbc;

/** A loyalty action naming an invited participant racing a host that holds that participant, on PostgreSQL. */
class InvitedLockOrderPostgresTest extends InvitedLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
