package io.loyaltyengine.jdbc;

/** Feedback votes raced, on the embedded PostgreSQL. */
class FeedbackRacePostgresTest extends FeedbackRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
