package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.BrandPort;
import io.loyaltyengine.core.spi.CampaignPort;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.TenantPort;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.WebhookEndpointPort;
import org.jdbi.v3.core.Handle;

/**
 * The ports of one open transaction, all on one Jdbi handle (one connection).
 *
 * <p>Not thread-safe: valid only while its unit of work runs, on that thread.
 */
public final class JdbcTransaction implements Transaction {
  private final TenantPort tenants;
  private final BrandPort brands;
  private final CampaignPort campaigns;
  private final ParticipantPort participants;
  private final LedgerPort ledger;
  private final EventPort events;
  private final DeliveryPort deliveries;
  private final WebhookEndpointPort webhookEndpoints;

  /** The ports on {@code handle}, which is in a transaction. */
  public JdbcTransaction(Handle handle, Sql sql) {
    this.tenants = new JdbcTenantPort(handle, sql);
    this.brands = new JdbcBrandPort(handle, sql);
    this.campaigns = new JdbcCampaignPort(handle, sql);
    this.participants = new JdbcParticipantPort(handle, sql);
    this.ledger = new JdbcLedgerPort(handle, sql);
    this.events = new JdbcEventPort(handle, sql);
    this.deliveries = new JdbcDeliveryPort(handle, sql);
    this.webhookEndpoints = new JdbcWebhookEndpointPort(handle, sql);
  }

  @Override
  public TenantPort tenants() {
    return tenants;
  }

  @Override
  public BrandPort brands() {
    return brands;
  }

  @Override
  public CampaignPort campaigns() {
    return campaigns;
  }

  @Override
  public ParticipantPort participants() {
    return participants;
  }

  @Override
  public LedgerPort ledger() {
    return ledger;
  }

  @Override
  public EventPort events() {
    return events;
  }

  @Override
  public DeliveryPort deliveries() {
    return deliveries;
  }

  @Override
  public WebhookEndpointPort webhookEndpoints() {
    return webhookEndpoints;
  }
}
