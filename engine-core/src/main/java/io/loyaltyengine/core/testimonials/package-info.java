/** Testimonials and their moderation: {@link io.loyaltyengine.core.testimonials.TestimonialService}. */
package io.loyaltyengine.core.testimonials;
