package io.loyaltyengine.jdbc;

/** A coupon upload racing an approval of one of its waiting rewards' participants, on the embedded PostgreSQL. */
class CouponLockOrderPostgresTest extends CouponLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
