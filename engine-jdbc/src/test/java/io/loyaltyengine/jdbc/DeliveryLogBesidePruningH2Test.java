package io.loyaltyengine.jdbc;

/** A delivery log page read in a host's transaction beside pruning, on an H2 file. */
class DeliveryLogBesidePruningH2Test extends DeliveryLogBesidePruningTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
