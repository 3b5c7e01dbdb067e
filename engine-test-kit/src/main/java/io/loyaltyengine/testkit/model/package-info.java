/**
 * Model-based testing: a reference model of the points ledger ({@link io.loyaltyengine.testkit.model.LedgerModel}),
 * a runner that applies seeded operation sequences to a system and a model and shortens failing sequences
 * ({@link io.loyaltyengine.testkit.model.ModelRunner}), and the engine's scenarios: the ledger
 * ({@link io.loyaltyengine.testkit.model.LedgerScenario}), goal unlocking
 * ({@link io.loyaltyengine.testkit.model.RewardScenario}), catalog redemption
 * ({@link io.loyaltyengine.testkit.model.CatalogScenario}), coupon assignment
 * ({@link io.loyaltyengine.testkit.model.CouponScenario}), referrals
 * ({@link io.loyaltyengine.testkit.model.ReferralScenario}), leaderboards
 * ({@link io.loyaltyengine.testkit.model.LeaderboardScenario}), feedback boards
 * ({@link io.loyaltyengine.testkit.model.FeedbackScenario}), quests
 * ({@link io.loyaltyengine.testkit.model.QuestScenario}), testimonials
 * ({@link io.loyaltyengine.testkit.model.TestimonialScenario}), participant profiles, customer mappings and single
 * sign-on ({@link io.loyaltyengine.testkit.model.ProfileScenario}), API keys and plan rate limits
 * ({@link io.loyaltyengine.testkit.model.AccessScenario}) and event delivery
 * ({@link io.loyaltyengine.testkit.model.EventScenario}). Replay one seed with {@code -Dloyalty.seed=<seed>}.
 */
package io.loyaltyengine.testkit.model;
