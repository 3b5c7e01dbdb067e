package io.loyaltyengine.core.customers;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.customers.CustomerMappings;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import java.util.Optional;

/**
 * The customer mappings of one tenant (rules in {@link CustomerMappings}).
 *
 * <p>Uniqueness is the store's: a mapping is inserted, and the unique constraints refuse a second one. The reads
 * before the insert only choose the answer (the existing mapping, or which CONFLICT); when a concurrent unit of work
 * commits a mapping between the reads and the insert, the insert fails on the constraint and the unit of work runs
 * once more, now reading the committed mapping. The participant's row is locked before its mapping is written, so a
 * concurrent deletion (which locks it too) either sees the mapping and removes it, or is seen as NOT_FOUND.
 *
 * <p>Thread-safe when its context is.
 */
public final class CustomerMappingService implements CustomerMappings {
  /** Longest customer id, in code points. */
  public static final int MAX_CUSTOMER_ID_LENGTH = 255;

  /** How many times a unit of work that mapped is run in all, while concurrent ones win races on the mapping. */
  public static final int MAX_ATTEMPTS = 3;

  private final ScopeContext context;

  /** Creates the service. */
  public CustomerMappingService(ScopeContext context) {
    this.context = context;
  }

  /**
   * Validates a customer id: required, not blank (nor made only of characters drawn as nothing),
   * 1..{@value #MAX_CUSTOMER_ID_LENGTH} code points, no control characters or unpaired surrogates. Returned exactly as
   * given: customer ids are compared exactly.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code customerId}, without repeating it
   */
  public static String customerId(String value) {
    return customerId("customerId", value);
  }

  /**
   * Validates a customer id given in another field (a conversion's buyer, say), as {@link #customerId(String)} does.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}, without repeating the value
   */
  public static String customerId(String field, String value) {
    if (value == null) {
      throw LoyaltyException.validation(field, field + " is required");
    }
    if (TextRules.drawsNothing(value)) {
      throw LoyaltyException.validation(field, field + " must not be blank");
    }
    TextRules.checkCharacters(field, value);
    TextRules.checkLength(field, value, MAX_CUSTOMER_ID_LENGTH);
    return value;
  }

  @Override
  public CustomerMapping map(long campaignId, String customerId, ParticipantRef participant) {
    String id = customerId(customerId);
    TextRules.notNull("participant", participant);
    if (participant instanceof ParticipantRef.ByEmail byEmail && byEmail.campaignId() != campaignId) {
      throw LoyaltyException.validation("participant", "the participant's campaign is not the mapping's campaign");
    }
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return Transactions.againAfterRace(MAX_ATTEMPTS, () -> context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      Participant p = resolver.lock(tx, tenantId);
      if (p.campaignId() != campaignId) {
        throw LoyaltyException.notFound("participant");
      }
      return mapIn(context, tx, campaignId, id, p.id()).mapping();
    }), UniqueKey.CUSTOMER_MAPPING);
  }

  @Override
  public Optional<CustomerMapping> find(long campaignId, String customerId) {
    String id = customerId(customerId);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return tx.customerMappings().find(tenantId, campaignId, id);
    });
  }

  @Override
  public Optional<CustomerMapping> findByParticipant(ParticipantRef participant) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    // At one snapshot: a deletion committed between the two reads would show the participant without its mapping.
    return context.transactions().runRead(tx ->
        tx.customerMappings().findByParticipant(tenantId, resolver.resolve(tx, tenantId).id()));
  }

  @Override
  public void unmap(long campaignId, String customerId) {
    String id = customerId(customerId);
    long tenantId = context.tenantId();
    context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      tx.customerMappings().delete(tenantId, campaignId, id);
      return null;
    });
  }

  /**
   * A mapping and whether this call made it. Immutable.
   *
   * @param mapping the mapping
   * @param created whether it was inserted now
   */
  public record Mapped(CustomerMapping mapping, boolean created) {
  }

  /**
   * Maps a validated customer id to a participant of the campaign inside an open unit of work: the existing mapping
   * if it is the same pair, else a new one. The caller has checked the campaign and the participant (of the campaign)
   * and locked the participant's row.
   *
   * @throws LoyaltyException CONFLICT on {@code customerId} or {@code participant}
   * @throws UniqueViolationException with {@link UniqueKey#CUSTOMER_MAPPING} if a concurrent unit of work mapped
   *     either meanwhile (run the unit of work again: see {@link Transactions#againAfterRace})
   */
  public static Mapped mapIn(ScopeContext context, Transaction tx, long campaignId, String customerId,
      long participantId) {
    long tenantId = context.tenantId();
    Optional<CustomerMapping> byCustomer = tx.customerMappings().find(tenantId, campaignId, customerId);
    if (byCustomer.isPresent()) {
      if (byCustomer.get().participantId() == participantId) {
        return new Mapped(byCustomer.get(), false);
      }
      throw LoyaltyException.conflict("customerId", "the customer id is mapped to another participant");
    }
    if (tx.customerMappings().findByParticipant(tenantId, participantId).isPresent()) {
      throw LoyaltyException.conflict("participant", "the participant is mapped to another customer id");
    }
    CustomerMapping mapping = new CustomerMapping(campaignId, customerId, participantId, context.now());
    tx.customerMappings().insert(tenantId, mapping);
    return new Mapped(mapping, true);
  }
}
