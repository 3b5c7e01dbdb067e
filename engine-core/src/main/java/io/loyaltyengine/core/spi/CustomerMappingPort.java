package io.loyaltyengine.core.spi;

import io.loyaltyengine.customers.CustomerMapping;
import java.util.Optional;

/**
 * Customer mappings of a tenant: in a campaign, a customer id maps to at most one participant, and a participant to
 * at most one customer id, both enforced by the store (unique constraints in SQL). Customer ids are compared exactly.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface CustomerMappingPort {
  /**
   * Inserts a mapping. The participant must be the tenant's and of the mapping's campaign (the engine checks).
   *
   * @throws UniqueViolationException with {@link UniqueKey#CUSTOMER_MAPPING} if the campaign's customer id or the
   *     participant is mapped already (the unit of work must fail)
   */
  void insert(long tenantId, CustomerMapping mapping);

  /** The mapping of a customer id in a campaign. */
  Optional<CustomerMapping> find(long tenantId, long campaignId, String customerId);

  /** The mapping of a participant. */
  Optional<CustomerMapping> findByParticipant(long tenantId, long participantId);

  /**
   * Deletes the mapping of a customer id in a campaign.
   *
   * @return whether there was one
   */
  boolean delete(long tenantId, long campaignId, String customerId);

  /** Deletes the mapping of a participant, if any (the participant is being deleted). */
  void deleteAll(long tenantId, long participantId);
}
