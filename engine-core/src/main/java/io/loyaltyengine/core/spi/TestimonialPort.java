package io.loyaltyengine.core.spi;

import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Testimonials: at most one per participant, moderated by conditional updates.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface TestimonialPort {
  /**
   * Inserts a testimonial unless its participant has one (a unique key on tenant and participant, so that of
   * concurrent inserts for one participant exactly one is stored; one meeting another's uncommitted row waits for it).
   *
   * @return whether it was inserted
   */
  boolean insertIfAbsent(Testimonial testimonial);

  /** Finds a testimonial of the tenant. */
  Optional<Testimonial> find(long tenantId, long testimonialId);

  /** Finds a participant's testimonial. */
  Optional<Testimonial> findByParticipant(long tenantId, long participantId);

  /**
   * Moves a testimonial to {@code to} if its status is one of {@code from}: one conditional update.
   *
   * @return whether it moved
   */
  boolean moderate(long tenantId, long testimonialId, List<TestimonialStatus> from, TestimonialStatus to,
      Instant at);

  /**
   * A campaign's testimonials in id order after {@code afterId} (null: from the first), at most {@code limit}, in
   * one status or (null) all.
   */
  List<Testimonial> list(long tenantId, long campaignId, TestimonialStatus status, Long afterId, int limit);

  /** Deletes a participant's testimonial, if any. */
  void deleteAll(long tenantId, long participantId);
}
