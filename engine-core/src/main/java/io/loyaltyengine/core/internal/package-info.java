/**
 * Not API: the engine implementation behind {@code io.loyaltyengine.LoyaltyEngine}, found by
 * {@link java.util.ServiceLoader}. Hosts compile against {@code engine-api} only.
 */
package io.loyaltyengine.core.internal;
