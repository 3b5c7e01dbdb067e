/**
 * Testimonials: what participants write about the brand, held for moderation before a host shows them.
 *
 * <p>A participant submits one testimonial ({@link io.loyaltyengine.testimonials.Testimonials#submit}); it waits as
 * {@link io.loyaltyengine.testimonials.TestimonialStatus#PENDING} until a moderator approves it (the host may show
 * it) or rejects it. An approved testimonial can still be taken down (rejected); a rejected one stays rejected.
 */
package io.loyaltyengine.testimonials;
