package io.loyaltyengine.referrals;

import java.time.Instant;

/**
 * One of a tenant's signing keys for signed referral codes, without its secret (which never leaves the engine).
 * Immutable and thread-safe.
 *
 * @param keyId the key's number, the one a signed code names ({@code r1.<key>....}); numbers grow and are never
 *     reused
 * @param createdAt when the key was made (by a rotation, or key 1 by the tenant's first signed code)
 * @param signing whether it signs new codes: the tenant's highest-numbered key, which cannot be retired
 */
public record SigningKeyInfo(int keyId, Instant createdAt, boolean signing) {
}
