/**
 * The engine's entry points and what every feature shares: {@link io.loyaltyengine.LoyaltyEngine} and its builder,
 * {@link io.loyaltyengine.TenantScope} (one tenant's features), {@link io.loyaltyengine.HostTransaction} (work inside
 * the host's own transaction), {@link io.loyaltyengine.LoyaltyException} with its stable
 * {@link io.loyaltyengine.ErrorCode}s, and the paging types ({@link io.loyaltyengine.Keyset},
 * {@link io.loyaltyengine.PageRequest}).
 */
package io.loyaltyengine;
