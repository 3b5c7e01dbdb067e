package io.loyaltyengine.jdbc;

/** What API keys and rate limits promise across engine instances sharing one H2 file. */
class AccessAcrossInstancesH2Test extends AccessAcrossInstancesTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
