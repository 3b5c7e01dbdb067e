/** The points ledger: awards, deductions, idempotent retries and history. */
package io.loyaltyengine.core.points;
