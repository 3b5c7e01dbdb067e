package io.loyaltyengine.events;

import java.time.Instant;

/**
 * A delivery that failed for the last time and waits for the host to replay it. Immutable.
 *
 * @param event the event
 * @param subscriber the listener name, or {@code webhook:<endpointId>}
 * @param attempts how many times delivery was tried
 * @param lastError a short reason for the last failure, without payload data
 * @param parkedAt when it was parked
 */
public record ParkedDelivery(LoyaltyEvent event, String subscriber, int attempts, String lastError,
    Instant parkedAt) {
}
