package io.loyaltyengine.events;

import java.time.Instant;

/**
 * A delivery that failed for the last time, or a webhook delivery not delivered within the retry window (see
 * {@link io.loyaltyengine.webhooks.Webhooks}), and waits for the host to replay it. Immutable.
 *
 * @param event the event
 * @param subscriber the listener name, or {@code webhook:<endpointId>}
 * @param attempts how many times delivery was tried (fewer than the schedule's, 0 too, for one parked when its window
 *     passed)
 * @param lastError a short reason for the last failure ({@code not delivered within the retry window} for one parked
 *     when its window passed), without payload data, URL or secret
 * @param parkedAt when it was parked
 */
public record ParkedDelivery(LoyaltyEvent event, String subscriber, int attempts, String lastError,
    Instant parkedAt) {
}
