package io.loyaltyengine.core.spi;

/** The unique constraints whose violation the engine turns into a typed result. Immutable. */
public enum UniqueKey {
  /** A tenant's brands have distinct domains. */
  BRAND_DOMAIN,
  /** A campaign's participants have distinct sanitized emails. */
  PARTICIPANT_EMAIL,
  /** A tenant's ledger entries have distinct idempotency keys. */
  LEDGER_IDEMPOTENCY_KEY,
  /** A tenant's loyalty actions have distinct idempotency keys. */
  ACTION_IDEMPOTENCY_KEY,
  /** A campaign's coupon pool holds each code once. */
  COUPON_CODE,
  /** A tenant's redemptions have distinct idempotency keys. */
  REDEMPTION_IDEMPOTENCY_KEY,
  /** A tenant's feedback ideas have distinct idempotency keys. */
  IDEA_IDEMPOTENCY_KEY,
  /**
   * A campaign's customer id maps to one participant, and a participant to one customer id (either constraint of
   * {@link CustomerMappingPort#insert}: the engine reads again to tell which).
   */
  CUSTOMER_MAPPING
}
