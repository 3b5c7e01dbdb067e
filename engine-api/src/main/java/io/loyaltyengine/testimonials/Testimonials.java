package io.loyaltyengine.testimonials;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.participant.ParticipantRef;
import java.util.Optional;

/**
 * Testimonials of one tenant's participants, and their moderation. Thread-safe (see
 * {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <h2>Guarantees</h2>
 * A participant has at most one testimonial, held by a unique key in the database: of concurrent submissions for one
 * participant exactly one is stored. A submission repeated with the same text and rating returns the stored
 * testimonial (a retry after a lost answer changes nothing); different text or rating is a CONFLICT. Moderation is a
 * conditional update on the status, so two moderators acting at once never both move a testimonial from the same
 * status. A stored submission emits {@code testimonial.submitted}, a move {@code testimonial.approved} or
 * {@code testimonial.rejected}; a replay, or approving (rejecting) a testimonial that already is, emits nothing.
 * Deleting a participant deletes its testimonial.
 */
public interface Testimonials {

  /**
   * Submits a participant's testimonial, PENDING until moderated.
   *
   * @param participant who writes it
   * @param testimonial the text and rating
   * @return the submitted testimonial
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND for the participant;
   *     CONFLICT on {@code participant} if it already has a testimonial with another text or rating
   */
  Testimonial submit(ParticipantRef participant, NewTestimonial testimonial);

  /**
   * Reads a testimonial.
   *
   * @param testimonialId the testimonial's id
   * @return the testimonial
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  Testimonial get(long testimonialId);

  /**
   * A participant's testimonial, if it wrote one.
   *
   * @param participant the participant
   * @return the testimonial, or empty if it wrote none
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the participant
   */
  Optional<Testimonial> of(ParticipantRef participant);

  /**
   * Approves a PENDING testimonial. Idempotent: an APPROVED one is returned unchanged.
   *
   * @param testimonialId the testimonial's id
   * @return the approved testimonial
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; INVALID_TRANSITION if it was rejected
   */
  Testimonial approve(long testimonialId);

  /**
   * Rejects a PENDING testimonial, or takes down an APPROVED one. Idempotent: a REJECTED one is returned unchanged.
   *
   * @param testimonialId the testimonial's id
   * @return the rejected testimonial
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  Testimonial reject(long testimonialId);

  /**
   * A campaign's testimonials in submission order, a keyset page at a time: all, or those in one status (APPROVED
   * for a page that shows them, PENDING for a moderation queue).
   *
   * @param campaignId the campaign
   * @param status the status to list, or null for all
   * @param page which page
   * @return the page of testimonials
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign; VALIDATION_ERROR on {@code page}
   */
  CursorPage<Testimonial> list(long campaignId, TestimonialStatus status, Keyset page);
}
