package io.loyaltyengine.tenant;

/** Whether a tenant is a business account or a member (individual) account. Immutable. */
public enum TenantType {
  /** A business that runs programs for its customers. */
  BUSINESS,
  /** An individual member account. */
  MEMBER
}
