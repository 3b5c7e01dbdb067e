package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;

/** Group commit on the in-memory store, whose nested units replay an undo log. */
class GroupCommitInMemoryTest extends GroupCommitTestBase {
  @Override
  StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }
}
