package io.loyaltyengine.jdbc;

/** Testimonials raced, on an H2 file. */
class TestimonialRaceH2Test extends TestimonialRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
