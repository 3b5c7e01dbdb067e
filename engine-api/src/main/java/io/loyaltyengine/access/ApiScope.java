package io.loyaltyengine.access;

/**
 * What an API key may do. The host decides which scope each of its endpoints needs and passes it to
 * {@link Access#authenticate}; a suggested use: {@link #READ} for reads (balances, history, leaderboards),
 * {@link #WRITE} for operations that change a tenant's loyalty data (awards, deductions, participants), and
 * {@link #ADMIN} for managing the tenant itself (its API keys, webhooks, campaigns).
 *
 * <p>Scopes are independent: {@link #ADMIN} does not imply {@link #READ} or {@link #WRITE}. A key that should do
 * everything is issued with all three. Immutable and thread-safe.
 */
public enum ApiScope {
  /** Reads. */
  READ,
  /** Changes to the tenant's loyalty data. */
  WRITE,
  /** Administration of the tenant. */
  ADMIN
}
