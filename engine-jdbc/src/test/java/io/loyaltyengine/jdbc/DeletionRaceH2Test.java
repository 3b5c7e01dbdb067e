package io.loyaltyengine.jdbc;

/** A participant deleted during a change of theirs, on an H2 file. */
class DeletionRaceH2Test extends DeletionRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
