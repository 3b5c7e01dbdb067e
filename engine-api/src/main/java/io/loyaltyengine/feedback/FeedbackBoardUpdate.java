package io.loyaltyengine.feedback;

import io.loyaltyengine.LoyaltyException;

/**
 * A feedback board's new name and description, replacing both, with the rules of {@link NewFeedbackBoard}:
 * {@code name} 1..200 characters, {@code description} 0..2,000 (null or blank is none, read back as empty), both
 * stripped, without control characters but the description's tab, CR and LF. The campaign never changes; whether
 * the board is open changes by {@link FeedbackBoards#closeBoard} and {@link FeedbackBoards#reopenBoard}. Immutable.
 *
 * <pre>{@code
 * feedback.updateBoard(board.id(), FeedbackBoardUpdate.of(board).withDescription("What should we build next?"));
 * }</pre>
 *
 * @param name the board's name
 * @param description what the board asks for, or null for none
 */
public record FeedbackBoardUpdate(String name, String description) {

  /**
   * The current name and description of {@code board}, to change one of them.
   *
   * @param board the board as read
   * @return an update that would change nothing
   * @throws LoyaltyException VALIDATION_ERROR on field {@code board} if it is null
   */
  public static FeedbackBoardUpdate of(FeedbackBoard board) {
    if (board == null) {
      throw LoyaltyException.validation("board", "board is required");
    }
    return new FeedbackBoardUpdate(board.name(), board.description());
  }

  /**
   * This update with another name.
   *
   * @param text the board's name
   * @return a new update
   */
  public FeedbackBoardUpdate withName(String text) {
    return new FeedbackBoardUpdate(text, description);
  }

  /**
   * This update with another description; null or blank for none.
   *
   * @param text what the board asks for, or null
   * @return a new update
   */
  public FeedbackBoardUpdate withDescription(String text) {
    return new FeedbackBoardUpdate(name, text);
  }
}
