package io.loyaltyengine.jdbc;

/** Testimonials raced, on the embedded PostgreSQL. */
class TestimonialRacePostgresTest extends TestimonialRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
