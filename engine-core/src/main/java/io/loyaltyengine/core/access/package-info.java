/**
 * API keys and rate limits: the keys' form and hashing ({@link io.loyaltyengine.core.access.ApiKeyFormat}), a
 * tenant's keys ({@link io.loyaltyengine.core.access.ApiKeyService}), and authentication with its key cache and
 * token buckets shared through the storage ({@link io.loyaltyengine.core.access.AccessService}).
 */
package io.loyaltyengine.core.access;
