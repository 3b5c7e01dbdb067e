package io.loyaltyengine.feedback;

/**
 * A feedback board to create. Validated by the engine: {@code name} is required, 1..200 characters;
 * {@code description} is 0..2,000 characters (null is none) and may span lines (tab, CR and LF are kept); both
 * without other control characters, stripped of surrounding whitespace. Immutable.
 *
 * @param campaignId the campaign whose participants submit ideas and vote
 * @param name the board's name
 * @param description what the board asks for, or null
 */
public record NewFeedbackBoard(long campaignId, String name, String description) {

  /**
   * A board without a description.
   *
   * @param campaignId the campaign whose participants submit ideas and vote
   * @param name the board's name
   * @return the request
   */
  public static NewFeedbackBoard of(long campaignId, String name) {
    return new NewFeedbackBoard(campaignId, name, null);
  }
}
