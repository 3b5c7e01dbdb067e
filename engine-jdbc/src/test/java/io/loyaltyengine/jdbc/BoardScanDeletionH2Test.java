package io.loyaltyengine.jdbc;

/** A participant deleted while a board is scanned, on an H2 file. */
class BoardScanDeletionH2Test extends BoardScanDeletionTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
