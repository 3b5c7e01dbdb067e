package io.loyaltyengine.core.spi;

/**
 * The ports of one open transaction. Valid only while the unit of work runs, and only on its thread.
 */
public interface Transaction {
  /** Tenants. */
  TenantPort tenants();

  /** Brands. */
  BrandPort brands();

  /** Campaigns. */
  CampaignPort campaigns();

  /** Participants' profiles. */
  ParticipantPort participants();

  /** Balances and ledger entries. */
  LedgerPort ledger();
}
