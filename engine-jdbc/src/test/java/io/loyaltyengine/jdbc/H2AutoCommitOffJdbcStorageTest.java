package io.loyaltyengine.jdbc;

/** The JDBC storage's own tests on an H2 file whose pool hands out connections with auto-commit off. */
class H2AutoCommitOffJdbcStorageTest extends JdbcStorageTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(false);
  }
}
