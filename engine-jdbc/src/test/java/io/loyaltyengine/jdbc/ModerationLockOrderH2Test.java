package io.loyaltyengine.jdbc;

/** A testimonial's approval or an idea's status move racing its author's deletion, on an H2 file. */
class ModerationLockOrderH2Test extends ModerationLockOrderTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
