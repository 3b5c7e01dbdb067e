package io.loyaltyengine.core.spi;

/** The unique constraints whose violation the engine turns into a typed result. */
public enum UniqueKey {
  /** A tenant's brands have distinct domains. */
  BRAND_DOMAIN,
  /** A campaign's participants have distinct sanitized emails. */
  PARTICIPANT_EMAIL,
  /** A tenant's ledger entries have distinct idempotency keys. */
  LEDGER_IDEMPOTENCY_KEY
}
