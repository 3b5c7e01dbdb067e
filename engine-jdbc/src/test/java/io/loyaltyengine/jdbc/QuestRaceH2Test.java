package io.loyaltyengine.jdbc;

/** Quests raced, on an H2 file. */
class QuestRaceH2Test extends QuestRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
