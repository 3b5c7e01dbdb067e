package io.loyaltyengine.participant;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;

/**
 * Participants (advocates) of one tenant's campaigns. Thread-safe (see {@link io.loyaltyengine.TenantScope} for
 * host transactions).
 *
 * <h2>Validation</h2>
 * <ul>
 *   <li>{@code email} is required: at most 254 characters, one {@code @}, a local part of 1..64 characters (both
 *       counted in the NFC form, so that a composed and a decomposed spelling are as long) and a domain with at
 *       least one dot; Unicode letters are allowed, whitespace, control characters and invisible
 *       characters (zero-width space, byte-order mark, soft hyphen, Hangul filler, unassigned code points...) are
 *       not. Spaces around it, no-break
 *       ones ({@code U+00A0}, {@code U+2007}, {@code U+202F}) included, are trimmed, wherever an email is taken.
 *   <li>Email uniqueness is decided per campaign on the <em>sanitized</em> form: trimmed, Unicode-normalized (NFC)
 *       and lower-cased, the local part's Greek final sigma ({@code ς}) made the medial one ({@code σ}), so that
 *       {@code ΝΊΚΟΣ.Α@...} and {@code νίκος.α@...} are one address; for {@code gmail.com} and
 *       {@code googlemail.com} the dots and any {@code +tag} of the local part are dropped and the domain becomes
 *       {@code gmail.com}. Both the given and the sanitized email are kept.
 *   <li>{@code firstName}, {@code lastName}: at most 100 characters; {@code tier}: at most 64; {@code ipAddress}: an
 *       IPv4 or IPv6 literal, its surrounding spaces trimmed as an email's are (no-break ones included). Text may
 *       hold any Unicode (emoji included, stored verbatim) except control characters and unpaired surrogates. Each
 *       is optional: null, or a text that is not blank, stripped of surrounding spaces (a blank one is refused at
 *       enrolment; in an update the empty string clears the field).
 *   <li>{@code metadata}: a shallow map of String, Boolean or number values within the engine's
 *       {@link io.loyaltyengine.EngineLimits}; integral numbers are kept as {@code Long}, floating point as
 *       finite {@code Double}. A value breaking a rule (a string too long or with control characters other than
 *       tab, CR and LF; another type: nested maps, lists, BigDecimal) is a VALIDATION_ERROR naming
 *       {@code metadata.<key>}; a key that is empty, too long or has control characters, and more keys than the
 *       limit (for an update, once merged), name {@code metadata}.
 * </ul>
 * Lengths are counted in code points. Every violation is a {@link io.loyaltyengine.LoyaltyException} with code
 * VALIDATION_ERROR naming the field, and changes nothing.
 */
public interface Participants {

  /**
   * Enrols a participant in a campaign.
   *
   * @param campaignId the campaign to enrol in
   * @param participant the new participant's profile
   * @return the enrolled participant
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND if the campaign is not
   *     the tenant's; CONFLICT on {@code email} if the sanitized email is taken in the campaign
   */
  Participant create(long campaignId, NewParticipant participant);

  /**
   * Reads a participant.
   *
   * @param participant the participant
   * @return the participant
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if there is no such participant in the tenant
   */
  Participant get(ParticipantRef participant);

  /**
   * Changes a participant's profile (not its points), atomically with respect to concurrent updates. An update that
   * changes a field sets {@code updatedAt} to the engine's clock and writes
   * {@link io.loyaltyengine.events.EventType#PARTICIPANT_UPDATED}; one that changes none (the same values again, a
   * key mapped to null that is not there) writes nothing and answers the participant as it is, {@code updatedAt}
   * included, so a host may send a customer's whole profile on every sync.
   *
   * @param participant the participant
   * @param update the fields to change
   * @return the participant after the change
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND; CONFLICT on
   *     {@code email} if another participant of the campaign holds the new sanitized email
   */
  Participant update(ParticipantRef participant, ParticipantUpdate update);

  /**
   * Deletes a participant with its ledger history, loyalty actions, earned rewards, referrals, testimonial, quest
   * completions, feedback votes and ideas (with the votes on them) and customer mapping, in one unit of work (coupon
   * codes already assigned stay assigned; catalog redemptions stay, their units taken and their idempotency keys
   * used; referral conversions stay, for audit; its short referral code stays reserved, so that a link shared before
   * never credits another participant, and with it up to 8 letters of the first name it was made from). The keys of
   * its points changes and loyalty actions are free again.
   *
   * @param participant the participant
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if there is no such participant
   */
  void delete(ParticipantRef participant);

  /**
   * Lists a campaign's participants in id order (creation order), a keyset page at a time.
   *
   * @param campaignId the campaign
   * @param filter which participants
   * @param page which page
   * @return the page of participants
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the campaign is not the tenant's; VALIDATION_ERROR on
   *     {@code search} or {@code tier} beyond the bounds {@link ParticipantFilter} states
   */
  CursorPage<Participant> list(long campaignId, ParticipantFilter filter, Keyset page);

  /**
   * Lists a campaign's participants in id order, as a numbered page with totals, the page and its totals read at one
   * point in time (a participant created or deleted meanwhile is in both or in neither).
   *
   * @param campaignId the campaign
   * @param filter which participants
   * @param page the page number and size
   * @return the page of participants, with totals
   * @throws io.loyaltyengine.LoyaltyException as {@link #list}
   */
  NumberedPage<Participant> page(long campaignId, ParticipantFilter filter, PageRequest page);
}
