package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.WebhookEndpointPort;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Update;

/**
 * Webhook endpoints in table {@code webhook_endpoint}. The event types are stored as their wire names, sorted and
 * comma-separated (empty for all types). The secrets are bound like every other value and never appear in a
 * message: a failure names the operation and the SQLState only.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcWebhookEndpointPort extends JdbcPort implements WebhookEndpointPort {
  JdbcWebhookEndpointPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(WebhookEndpointRecord endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    run("webhook endpoint insert", () -> bind(handle.createUpdate(Sql.WEBHOOK_INSERT), endpoint)
        .bind("createdAt", Rows.timestamp(endpoint.createdAt()))
        .execute());
  }

  @Override
  public Optional<WebhookEndpointRecord> find(long tenantId, long endpointId) {
    return run("webhook endpoint find", () -> handle.createQuery(Sql.WEBHOOK_FIND)
        .bind("tenantId", tenantId)
        .bind("endpointId", endpointId)
        .map(Rows.WEBHOOK_ENDPOINT)
        .findOne());
  }

  @Override
  public Optional<WebhookEndpointRecord> lock(long tenantId, long endpointId) {
    return run("webhook endpoint lock", () -> handle.createQuery(Sql.WEBHOOK_FIND + " FOR UPDATE")
        .bind("tenantId", tenantId)
        .bind("endpointId", endpointId)
        .map(Rows.WEBHOOK_ENDPOINT)
        .findOne());
  }

  @Override
  public List<WebhookEndpointRecord> list(long tenantId) {
    return list("webhook endpoint list", Sql.WEBHOOK_LIST, tenantId);
  }

  @Override
  public List<WebhookEndpointRecord> listEnabled(long tenantId) {
    return list("webhook endpoint list enabled", Sql.WEBHOOK_LIST_ENABLED, tenantId);
  }

  private List<WebhookEndpointRecord> list(String operation, String statement, long tenantId) {
    return run(operation, () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .map(Rows.WEBHOOK_ENDPOINT)
        .list());
  }

  @Override
  public boolean update(WebhookEndpointRecord endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    int rows = run("webhook endpoint update", () -> bind(handle.createUpdate(Sql.WEBHOOK_UPDATE), endpoint)
        .execute());
    return rows > 0;
  }

  @Override
  public boolean delete(long tenantId, long endpointId) {
    int rows = run("webhook endpoint delete", () -> handle.createUpdate(Sql.WEBHOOK_DELETE)
        .bind("tenantId", tenantId)
        .bind("endpointId", endpointId)
        .execute());
    return rows > 0;
  }

  /** Binds every column but the creation time, which insert binds and update leaves alone. */
  private static Update bind(Update update, WebhookEndpointRecord e) {
    return update
        .bind("tenantId", e.tenantId())
        .bind("endpointId", e.endpointId())
        .bind("url", e.url())
        .bind("types", Rows.wireNames(e.types()))
        .bind("campaignId", e.campaignId())
        .bind("enabled", e.enabled())
        .bind("disabledReason", e.disabledReason())
        .bind("secret", e.secret())
        .bind("previousSecret", e.previousSecret())
        .bind("previousSecretUntil", Rows.timestamp(e.previousSecretUntil()))
        .bind("updatedAt", Rows.timestamp(e.updatedAt()));
  }
}
