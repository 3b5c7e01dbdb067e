package io.loyaltyengine.jdbc;

/** A coupon upload's last lock round racing the deletion of a late waiting reward's participant, on an H2 file. */
class CouponUploadDeletionRaceH2Test extends CouponUploadDeletionRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
