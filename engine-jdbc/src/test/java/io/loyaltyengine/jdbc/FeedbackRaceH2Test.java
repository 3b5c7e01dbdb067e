package io.loyaltyengine.jdbc;

/** Feedback votes raced, on an H2 file. */
class FeedbackRaceH2Test extends FeedbackRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
