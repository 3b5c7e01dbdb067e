package io.loyaltyengine.jdbc;

/** Two requests with one idempotency key racing, on an H2 file. */
class SameKeyRaceH2Test extends SameKeyRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
