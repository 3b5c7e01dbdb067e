package io.loyaltyengine.webhooks;

import io.loyaltyengine.events.EventFilter;
import java.time.Instant;

/**
 * A tenant's webhook endpoint, without its secret. {@link #toString()} prints only the URL's origin (scheme, host,
 * port): paths and queries often carry an access token. Immutable.
 *
 * @param id the endpoint's id
 * @param tenantId the owning tenant
 * @param url where events are POSTed
 * @param filter which events it receives (types, and optionally one campaign)
 * @param enabled whether deliveries are made
 * @param disabledReason why it was disabled ({@code "disabled by the host"}, {@code "410 Gone"}), or null
 * @param rotating whether a previous secret still signs alongside the current one
 * @param createdAt when it was created
 */
public record WebhookEndpoint(long id, long tenantId, String url, EventFilter filter, boolean enabled,
    String disabledReason, boolean rotating, Instant createdAt) {
  @Override
  public String toString() {
    return "WebhookEndpoint[id=" + id + ", tenantId=" + tenantId + ", url=" + WebhookUrls.origin(url) + ", filter="
        + filter + ", enabled=" + enabled + ", disabledReason=" + disabledReason + ", rotating=" + rotating
        + ", createdAt=" + createdAt + "]";
  }
}
