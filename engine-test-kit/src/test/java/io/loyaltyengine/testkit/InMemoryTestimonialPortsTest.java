package io.loyaltyengine.testkit;

import io.loyaltyengine.testkit.contract.TestimonialPortsContractTest;

/** The testimonial port's contract suite on the in-memory backend. */
class InMemoryTestimonialPortsTest extends TestimonialPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new InMemoryStoreFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) {
    InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
  }
}
