package io.loyaltyengine.feedback;

/**
 * An idea to submit. Validated by the engine: {@code title} is required, 1..200 characters; {@code body} is
 * 0..5,000 characters (null is none) and may span lines (tab, CR and LF are kept); both without other control
 * characters, stripped of surrounding whitespace.
 * {@code idempotencyKey} is null or 1..128 printable ASCII characters without spaces, unique per tenant among ideas,
 * as for points, redemptions and loyalty actions: a retry with the key answers the idea the first request submitted
 * instead of submitting a second one (see {@link FeedbackBoards#submitIdea}).
 * {@link #toString()} hides the title and body, which are written by a participant and may hold personal data.
 * Immutable.
 *
 * @param title the idea in a line
 * @param body the idea explained, or null
 * @param idempotencyKey the caller's key for safe retries, or null
 */
public record NewIdea(String title, String body, String idempotencyKey) {

  /**
   * An idea without an idempotency key.
   *
   * @param title the idea in a line
   * @param body the idea explained, or null
   */
  public NewIdea(String title, String body) {
    this(title, body, null);
  }

  /**
   * An idea without a body.
   *
   * @param title the idea's title
   * @return the idea
   */
  public static NewIdea of(String title) {
    return new NewIdea(title, null, null);
  }

  /**
   * This idea with an idempotency key.
   *
   * @param key the caller's key
   * @return a new idea
   */
  public NewIdea withIdempotencyKey(String key) {
    return new NewIdea(title, body, key);
  }

  @Override
  public String toString() {
    return "NewIdea[title=<hidden>, body=<hidden>, idempotencyKey=" + idempotencyKey + "]";
  }
}
