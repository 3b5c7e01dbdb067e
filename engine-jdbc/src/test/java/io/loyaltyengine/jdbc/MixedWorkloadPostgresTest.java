package io.loyaltyengine.jdbc;

/** Every feature at once from three engine instances of four threads each, on the embedded PostgreSQL. */
class MixedWorkloadPostgresTest extends MixedWorkloadTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  int instances() {
    return 3;
  }

  @Override
  int threadsPerInstance() {
    return 4;
  }

  @Override
  long[] seeds() {
    return new long[] {1L, 2L, System.nanoTime()};
  }
}
