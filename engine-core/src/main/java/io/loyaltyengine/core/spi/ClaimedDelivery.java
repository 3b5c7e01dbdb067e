package io.loyaltyengine.core.spi;

/**
 * A delivery claimed by an instance, with its event. Immutable.
 *
 * @param delivery the delivery, leased to the claimer
 * @param event the event to deliver
 */
public record ClaimedDelivery(DeliveryRecord delivery, EventRecord event) {
}
