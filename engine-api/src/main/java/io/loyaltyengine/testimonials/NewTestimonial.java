package io.loyaltyengine.testimonials;

/**
 * A testimonial to submit. Validated by the engine: {@code text} is required, 1..5,000 characters, stripped of
 * surrounding whitespace, that may span lines (tab, CR and LF are kept; other control characters are refused);
 * {@code rating} is 1..5 or null. {@link #toString()} hides the text,
 * which may hold personal data. Immutable.
 *
 * @param text what the participant wrote
 * @param rating a rating from 1 to 5, or null for none
 */
public record NewTestimonial(String text, Integer rating) {

  /**
   * A testimonial without a rating.
   *
   * @param text what the participant wrote
   * @return the testimonial
   */
  public static NewTestimonial of(String text) {
    return new NewTestimonial(text, null);
  }

  /**
   * This testimonial with a rating.
   *
   * @param rating a rating from 1 to 5
   * @return a new testimonial
   */
  public NewTestimonial withRating(int rating) {
    return new NewTestimonial(text, rating);
  }

  @Override
  public String toString() {
    return "NewTestimonial[text=<hidden>, rating=" + rating + "]";
  }
}
