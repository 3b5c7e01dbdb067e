package io.loyaltyengine.core.spi;

import io.loyaltyengine.events.EventType;
import java.time.Instant;
import java.util.Set;

/**
 * A webhook endpoint as stored, secrets included. Immutable.
 *
 * @param tenantId the owning tenant
 * @param endpointId the endpoint's id
 * @param url where events are POSTed
 * @param types wanted event types (all when empty)
 * @param campaignId wanted campaign, or null for all
 * @param enabled whether deliveries are made
 * @param disabledReason why it is disabled, or null
 * @param secret the current signing secret
 * @param previousSecret the secret before the last rotation while it still signs, or null
 * @param previousSecretUntil until when the previous secret signs, or null
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 */
public record WebhookEndpointRecord(long tenantId, long endpointId, String url, Set<EventType> types,
    Long campaignId, boolean enabled, String disabledReason, String secret, String previousSecret,
    Instant previousSecretUntil, Instant createdAt, Instant updatedAt) {

  /** Copies {@code types}. */
  public WebhookEndpointRecord {
    types = Set.copyOf(types);
  }

  @Override
  public String toString() {
    return "WebhookEndpointRecord[tenant " + tenantId + ", endpoint " + endpointId + ", enabled " + enabled
        + ", secrets hidden]";
  }
}
