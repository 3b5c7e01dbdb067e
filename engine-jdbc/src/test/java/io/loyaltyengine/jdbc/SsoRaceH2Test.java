package io.loyaltyengine.jdbc;

/** Single sign-on raced, on an H2 file. */
class SsoRaceH2Test extends SsoRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
