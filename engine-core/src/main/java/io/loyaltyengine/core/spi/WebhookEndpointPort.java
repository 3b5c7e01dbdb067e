package io.loyaltyengine.core.spi;

import java.util.List;
import java.util.Optional;

/**
 * Webhook endpoints of a tenant.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface WebhookEndpointPort {
  /** Inserts a new endpoint. */
  void insert(WebhookEndpointRecord endpoint);

  /** Finds an endpoint of the tenant. */
  Optional<WebhookEndpointRecord> find(long tenantId, long endpointId);

  /**
   * Finds an endpoint and locks its row until the end of the transaction, so that a read-change-write of it (a
   * rotation, a 410 disabling it) cannot interleave with another.
   */
  Optional<WebhookEndpointRecord> lock(long tenantId, long endpointId);

  /** The tenant's endpoints in id order. */
  List<WebhookEndpointRecord> list(long tenantId);

  /** The tenant's enabled endpoints in id order (what fan-out reads). */
  List<WebhookEndpointRecord> listEnabled(long tenantId);

  /**
   * Writes every field of an existing endpoint but its creation time.
   *
   * @return whether it existed
   */
  boolean update(WebhookEndpointRecord endpoint);

  /**
   * Deletes an endpoint.
   *
   * @return whether it existed
   */
  boolean delete(long tenantId, long endpointId);
}
