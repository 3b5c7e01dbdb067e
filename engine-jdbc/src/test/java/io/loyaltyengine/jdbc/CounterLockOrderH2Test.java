package io.loyaltyengine.jdbc;

/** A change of a participant's counters racing the participant's deletion, on an H2 file. */
class CounterLockOrderH2Test extends CounterLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
