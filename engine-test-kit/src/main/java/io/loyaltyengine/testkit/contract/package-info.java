/**
 * The contract suites a storage backend runs to show that it keeps the storage SPI's contract. There are several;
 * a backend runs each with a subclass of its own that supplies a {@link io.loyaltyengine.testkit.StoreFixture} (a
 * fresh, empty database per test, declaring the backend's capabilities; tests of an ability it lacks are skipped
 * with the reason) and, for the suites below the engine, the hooks they need.
 *
 * <ul>
 *   <li>Through the engine's public API, each subclass implementing {@code createFixture()} only:
 *       {@link io.loyaltyengine.testkit.contract.StorageContractTest} (the main suite),
 *       {@link io.loyaltyengine.testkit.contract.ApiKeysContractTest} and
 *       {@link io.loyaltyengine.testkit.contract.SingleSignOnContractTest}.</li>
 *   <li>{@link io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest}, also through the API:
 *       {@code createFixture()} and {@code storeSnapshot(fixture)} (every row of the database, as a value whose
 *       {@code equals} tells whether anything changed); optionally {@code defaultCalls()} for a slower backend.</li>
 *   <li>Below the engine, on the ports: {@link io.loyaltyengine.testkit.contract.AccessPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.BrandCampaignPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.EventPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.FeedbackPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.LeaderboardPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.NestedTransactionContractTest},
 *       {@link io.loyaltyengine.testkit.contract.PointsRowsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.QuestPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.ReferralPortsContractTest},
 *       {@link io.loyaltyengine.testkit.contract.RewardPortsContractTest} and
 *       {@link io.loyaltyengine.testkit.contract.TestimonialPortsContractTest}: {@code createFixture()} and
 *       {@code awaitBlockedOnALock(thread)} (returns once that thread's unit of work waits for a lock another holds;
 *       it must really see the wait). Optionally {@code instantPrecision()} (referral and reward suites; microseconds
 *       by default), and {@code claimSkipsHeldDeliveries()} and {@code eventTables()} (event suite).</li>
 * </ul>
 *
 * <p>The in-memory store's subclasses in this module's tests and the JDBC module's ({@code H2*}, {@code Postgres*})
 * are worked examples.
 */
package io.loyaltyengine.testkit.contract;
