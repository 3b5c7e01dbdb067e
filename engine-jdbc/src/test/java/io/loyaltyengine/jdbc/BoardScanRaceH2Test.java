package io.loyaltyengine.jdbc;

/**
 * Writes while a board is scanned, on an H2 file. The storages do not take turns: the engine's own transactions on
 * H2 do, so there this interleaving (one unit of work paused in its transaction while another runs) comes only from
 * host transactions.
 */
class BoardScanRaceH2Test extends BoardScanRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }
}
