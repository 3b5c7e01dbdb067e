/**
 * Test support for hosts and storage backends of the loyalty engine: {@link io.loyaltyengine.testkit.InMemoryStorage}
 * (a storage held to the SPI contract, for fast tests), {@link io.loyaltyengine.testkit.SettableClock},
 * {@link io.loyaltyengine.testkit.WebhookReceiver} (a local HTTP server recording the webhooks it is sent), and
 * {@link io.loyaltyengine.testkit.StoreFixture}, through which a backend runs the storage contract suites of
 * {@link io.loyaltyengine.testkit.contract}.
 *
 * <p>Seeded input generators live in {@link io.loyaltyengine.testkit.gen}, the reference model of the ledger and
 * the model-based runner in {@link io.loyaltyengine.testkit.model}.
 */
package io.loyaltyengine.testkit;
