package io.loyaltyengine.jdbc;

/**
 * A coupon upload's last lock round racing the deletion of a late waiting reward's participant, on the embedded
 * PostgreSQL.
 */
class CouponUploadDeletionRacePostgresTest extends CouponUploadDeletionRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
