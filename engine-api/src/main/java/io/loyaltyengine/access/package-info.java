/**
 * API keys, the scopes they carry, and the rate limits of tenants' plans: what a host exposing the engine over HTTP
 * needs to authenticate each request ({@link io.loyaltyengine.access.Access#authenticate}) and answer with a stable
 * status (401, 403, 429; see {@link io.loyaltyengine.LoyaltyException#httpStatus()}).
 */
package io.loyaltyengine.access;
