package io.loyaltyengine.jdbc;

/** Lock-order stress from two engine instances of five threads each, on the embedded PostgreSQL. */
class LockOrderStressPostgresTest extends LockOrderStressTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  int threadsPerInstance() {
    return 5;
  }

  @Override
  int operationsPerThread() {
    return 500;
  }
}
