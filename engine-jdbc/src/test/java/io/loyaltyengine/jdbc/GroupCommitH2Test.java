package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;

/** Group commit on an H2 file with every commit durable ({@code WRITE_DELAY=0}). */
class GroupCommitH2Test extends GroupCommitTestBase {
  @Override
  StoreFixture createFixture() {
    return new H2FileFixture(true);
  }
}
