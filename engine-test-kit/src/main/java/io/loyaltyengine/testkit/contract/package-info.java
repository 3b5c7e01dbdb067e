/**
 * The storage contract suite, {@link io.loyaltyengine.testkit.contract.StorageContractTest}: every storage backend
 * extends it with an empty subclass that supplies a {@link io.loyaltyengine.testkit.StoreFixture}.
 */
package io.loyaltyengine.testkit.contract;
