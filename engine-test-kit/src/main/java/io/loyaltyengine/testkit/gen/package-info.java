/**
 * Seeded generators of valid and invalid engine inputs, as plain functions of a
 * {@link java.util.random.RandomGenerator} ({@link io.loyaltyengine.testkit.gen.Gen}), usable from any
 * property-testing library or none.
 */
package io.loyaltyengine.testkit.gen;
