package io.loyaltyengine.jdbc;

/**
 * A participant deleted while a board is scanned, on an H2 file. The storages do not take turns: the engine's own
 * transactions on H2 do, so there this interleaving (one unit of work paused in its transaction while another runs)
 * comes only from host transactions.
 */
class BoardScanDeletionH2Test extends BoardScanDeletionTestBase {
  @Override
  JdbcFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }
}
