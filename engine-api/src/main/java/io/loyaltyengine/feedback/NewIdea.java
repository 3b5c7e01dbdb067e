package io.loyaltyengine.feedback;

/**
 * An idea to submit. Validated by the engine: {@code title} is required, 1..200 characters; {@code body} is
 * 0..5,000 characters (null is none); both without control characters, stripped of surrounding whitespace.
 * {@link #toString()} hides both, which are written by a participant and may hold personal data. Immutable.
 *
 * @param title the idea in a line
 * @param body the idea explained, or null
 */
public record NewIdea(String title, String body) {

  /**
   * An idea without a body.
   *
   * @param title the idea's title
   * @return the idea
   */
  public static NewIdea of(String title) {
    return new NewIdea(title, null);
  }

  @Override
  public String toString() {
    return "NewIdea[title=<hidden>, body=<hidden>]";
  }
}
