package io.loyaltyengine.jdbc;

/** Every feature at once from eight threads of one engine, on an H2 file. */
class MixedWorkloadH2Test extends MixedWorkloadTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }

  @Override
  int instances() {
    return 1;
  }

  @Override
  int threadsPerInstance() {
    return 8;
  }

  @Override
  long[] seeds() {
    return new long[] {1L, System.nanoTime()};
  }
}
