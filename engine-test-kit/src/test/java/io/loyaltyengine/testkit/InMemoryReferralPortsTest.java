package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.ReferralPortsContractTest;
import java.time.temporal.ChronoUnit;

/** The referral port's contract suite on the in-memory backend. */
class InMemoryReferralPortsTest extends ReferralPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }

  /** {@link InMemoryStorage} keeps instants exactly as given. */
  @Override
  protected ChronoUnit instantPrecision() {
    return ChronoUnit.NANOS;
  }
}
