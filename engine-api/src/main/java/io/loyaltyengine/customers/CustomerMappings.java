package io.loyaltyengine.customers;

import io.loyaltyengine.participant.ParticipantRef;
import java.util.Optional;

/**
 * Which participant each of a host's customers is, per campaign. Thread-safe (see {@link io.loyaltyengine.TenantScope}
 * for host transactions).
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>In a campaign, a customer id maps to at most one participant, and a participant to at most one customer id.
 *       Both are unique constraints of the storage, so concurrent {@link #map} calls never make a second mapping.
 *   <li>{@code customerId} is required: 1..255 characters (code points), not blank, without control characters. It
 *       is kept and compared exactly as given: case-sensitive, not trimmed. It is never repeated in a message.
 *   <li>{@link io.loyaltyengine.participant.Participants#delete Deleting} a participant removes its mapping in the
 *       same transaction.
 * </ul>
 * Errors are {@link io.loyaltyengine.LoyaltyException}s: VALIDATION_ERROR on {@code customerId} or
 * {@code participant} (a reference by email naming another campaign); NOT_FOUND for a campaign or participant that is
 * not the tenant's, or a participant id of another campaign (as for loyalty actions).
 */
public interface CustomerMappings {
  /**
   * Maps a customer id to a participant of the campaign. Idempotent: mapping the same pair again returns the
   * existing mapping.
   *
   * @param campaignId the campaign
   * @param customerId the host's id of the customer
   * @param participant the participant the customer is
   * @return the mapping
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR; NOT_FOUND; CONFLICT on {@code customerId} if the
   *     customer id is mapped to another participant, or on {@code participant} if the participant is mapped to
   *     another customer id
   */
  CustomerMapping map(long campaignId, String customerId, ParticipantRef participant);

  /**
   * The mapping of a customer id in a campaign.
   *
   * @param campaignId the campaign
   * @param customerId the host's id of the customer
   * @return the mapping, or empty if the customer id is not mapped
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code customerId}; NOT_FOUND for a campaign that
   *     is not the tenant's
   */
  Optional<CustomerMapping> find(long campaignId, String customerId);

  /**
   * The mapping of a participant.
   *
   * @param participant the participant
   * @return the mapping, or empty if the participant is not mapped
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if there is no such participant
   */
  Optional<CustomerMapping> findByParticipant(ParticipantRef participant);

  /**
   * Removes the mapping of a customer id in a campaign, if there is one (idempotent). The participant stays.
   *
   * @param campaignId the campaign
   * @param customerId the host's id of the customer
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code customerId}; NOT_FOUND for a campaign that
   *     is not the tenant's
   */
  void unmap(long campaignId, String customerId);
}
