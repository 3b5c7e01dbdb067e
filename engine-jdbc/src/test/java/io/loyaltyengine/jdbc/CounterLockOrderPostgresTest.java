package io.loyaltyengine.jdbc;

/** A change of a participant's counters racing the participant's deletion, on the embedded PostgreSQL. */
class CounterLockOrderPostgresTest extends CounterLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
