/**
 * Model-based testing: a reference model of the points ledger ({@link io.loyaltyengine.testkit.model.LedgerModel}),
 * a runner that applies seeded operation sequences to a system and a model and shortens failing sequences
 * ({@link io.loyaltyengine.testkit.model.ModelRunner}), and the engine's ledger scenario
 * ({@link io.loyaltyengine.testkit.model.LedgerScenario}). Replay one seed with {@code -Dloyalty.seed=<seed>}.
 */
package io.loyaltyengine.testkit.model;
