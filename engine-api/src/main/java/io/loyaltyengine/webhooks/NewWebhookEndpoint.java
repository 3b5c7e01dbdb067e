package io.loyaltyengine.webhooks;

import io.loyaltyengine.events.EventFilter;

/**
 * A request to register a webhook endpoint: an {@code https} URL (or {@code http} where the engine's
 * {@link WebhookAddressPolicy} allows loopback or private addresses), and which events it wants.
 * {@link #toString()} prints only the URL's origin (scheme, host, port): paths and queries often carry an access
 * token. Immutable.
 *
 * @param url where events are POSTed
 * @param filter which events; null means every event of the tenant
 */
public record NewWebhookEndpoint(String url, EventFilter filter) {
  @Override
  public String toString() {
    return "NewWebhookEndpoint[url=" + WebhookUrls.origin(url) + ", filter=" + filter + "]";
  }

  /**
   * An endpoint for every event of the tenant.
   *
   * @param url where events are POSTed
   * @return the request
   */
  public static NewWebhookEndpoint of(String url) {
    return new NewWebhookEndpoint(url, EventFilter.all());
  }
}
