package io.loyaltyengine.jdbc;

/** The JDBC storage's own tests on the embedded PostgreSQL, sessions in a zone unlike the JVM's. */
class PostgresJdbcStorageTest extends JdbcStorageTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
