package io.loyaltyengine.jdbc;

/** The event ports on the embedded PostgreSQL, sessions in a zone unlike the JVM's. */
class PostgresEventPortsTest extends EventPortsTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
