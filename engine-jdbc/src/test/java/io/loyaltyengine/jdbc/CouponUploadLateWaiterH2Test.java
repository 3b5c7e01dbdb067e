package io.loyaltyengine.jdbc;

/** A coupon upload meeting a reward that began waiting after it read the waiting ones, on an H2 file. */
class CouponUploadLateWaiterH2Test extends CouponUploadLateWaiterTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
