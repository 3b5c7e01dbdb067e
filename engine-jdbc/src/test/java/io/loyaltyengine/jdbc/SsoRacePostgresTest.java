package io.loyaltyengine.jdbc;

/** Single sign-on raced, on the embedded PostgreSQL. */
class SsoRacePostgresTest extends SsoRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
