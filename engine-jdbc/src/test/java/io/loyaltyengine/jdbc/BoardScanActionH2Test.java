package io.loyaltyengine.jdbc;

/**
 * An action recorded while a campaign's index is first built, on an H2 file whose transactions do not take turns
 * (the engine's do, so on H2 this interleaving does not arise; it shows the index's handling on a second store).
 */
class BoardScanActionH2Test extends BoardScanActionTestBase {
  @Override
  JdbcFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }
}
