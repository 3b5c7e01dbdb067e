package io.loyaltyengine.core.spi;

import io.loyaltyengine.events.DeliveryStatus;
import java.time.Instant;

/**
 * A delivery of one event to one subscriber (a listener name, or {@code webhook:<endpointId>}). Immutable.
 *
 * @param tenantId the event's tenant
 * @param eventId the event
 * @param subscriber the listener name or {@code webhook:<endpointId>}
 * @param participantId the event's participant, or null
 * @param sequence the event's participant sequence, or 0
 * @param position the event's feed position
 * @param status where it stands
 * @param attempts attempts made so far
 * @param nextAttemptAt when it is due
 * @param leaseOwner the instance that holds it, or null
 * @param leaseUntil until when the lease holds, or null
 * @param lastError a short reason of the last failure (no payload data), or null
 * @param updatedAt when it last changed
 */
public record DeliveryRecord(long tenantId, long eventId, String subscriber, Long participantId, long sequence,
    long position, DeliveryStatus status, int attempts, Instant nextAttemptAt, String leaseOwner,
    Instant leaseUntil, String lastError, Instant updatedAt) {
}
