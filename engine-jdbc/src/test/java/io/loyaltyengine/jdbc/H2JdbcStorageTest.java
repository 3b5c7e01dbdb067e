package io.loyaltyengine.jdbc;

/** The JDBC storage's own tests on an H2 file. */
class H2JdbcStorageTest extends JdbcStorageTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
