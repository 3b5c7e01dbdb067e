package io.loyaltyengine.webhooks;

import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.LoyaltyEvent;
import java.time.Instant;

/**
 * A delivery of one event to a webhook endpoint as the engine holds it: a line of the endpoint's delivery log
 * ({@link Webhooks#deliveries(long, io.loyaltyengine.Keyset)}). Immutable. Its {@link #toString()} holds no URL,
 * secret or payload (the event's prints its id, type and references only).
 *
 * @param event the event, whose payload is the request body's {@code data}
 * @param endpointId the endpoint's id
 * @param status where the delivery stands
 * @param failedAttempts the attempts that failed since the event was fanned out to the endpoint, or since the delivery
 *     was last replayed: for a PENDING one so far, for a DELIVERED one before the attempt that succeeded, for a PARKED
 *     one all of them (fewer than the schedule's, 0 too, for one parked because its endpoint was disabled or its retry
 *     window passed); an attempt in progress counts once it failed
 * @param lastError a short reason for the last failure ({@code HTTP 503}, {@code timed out}, {@code endpoint
 *     disabled}, {@code not delivered within the retry window}, ...), without payload data, URL or secret; null when
 *     none failed; a DELIVERED one keeps the reason of the failure before its success
 * @param nextAttemptAt for a PENDING delivery, when it is due: a time past means due now, or being attempted by an
 *     engine instance; null for a DELIVERED or PARKED one
 * @param outcomeAt when a DELIVERED delivery was delivered or a PARKED one parked; null for a PENDING one
 */
public record WebhookDelivery(LoyaltyEvent event, long endpointId, DeliveryStatus status, int failedAttempts,
    String lastError, Instant nextAttemptAt, Instant outcomeAt) {
}
