/**
 * Points: awards and deductions written to a participant's ledger with the new balance, idempotent under a key,
 * one at a time or in bulk ({@link io.loyaltyengine.points.Points#applyAll}).
 */
package io.loyaltyengine.points;
