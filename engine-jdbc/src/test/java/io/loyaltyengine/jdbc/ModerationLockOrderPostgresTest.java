package io.loyaltyengine.jdbc;

/** A testimonial's approval or an idea's status move racing its author's deletion, on the embedded PostgreSQL. */
class ModerationLockOrderPostgresTest extends ModerationLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
