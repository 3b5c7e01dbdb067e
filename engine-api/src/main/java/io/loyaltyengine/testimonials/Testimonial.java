package io.loyaltyengine.testimonials;

import java.time.Instant;

/**
 * A participant's testimonial. {@link #toString()} hides the text, which may hold personal data. Immutable.
 *
 * @param id the testimonial's id
 * @param tenantId the owning tenant
 * @param campaignId the participant's campaign
 * @param participantId who wrote it
 * @param text what the participant wrote, as stored (stripped)
 * @param rating 1..5, or null
 * @param status where it is in moderation
 * @param createdAt when it was submitted
 * @param moderatedAt when its status last changed, or null while it is PENDING
 */
public record Testimonial(long id, long tenantId, long campaignId, long participantId, String text, Integer rating,
    TestimonialStatus status, Instant createdAt, Instant moderatedAt) {

  @Override
  public String toString() {
    return "Testimonial[id=" + id + ", tenantId=" + tenantId + ", campaignId=" + campaignId + ", participantId="
        + participantId + ", text=<hidden>, rating=" + rating + ", status=" + status + ", createdAt=" + createdAt
        + ", moderatedAt=" + moderatedAt + "]";
  }
}
