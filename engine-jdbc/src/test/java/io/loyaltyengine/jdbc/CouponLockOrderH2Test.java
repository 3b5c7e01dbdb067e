package io.loyaltyengine.jdbc;

/** A coupon upload racing an approval of one of its waiting rewards' participants, on an H2 file. */
class CouponLockOrderH2Test extends CouponLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
