package io.loyaltyengine.jdbc;

/** A coupon upload meeting a reward that began waiting after it read the waiting ones, on the embedded PostgreSQL. */
class CouponUploadLateWaiterPostgresTest extends CouponUploadLateWaiterTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
