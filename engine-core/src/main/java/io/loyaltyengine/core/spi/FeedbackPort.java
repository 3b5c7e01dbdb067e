package io.loyaltyengine.core.spi;

import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Feedback boards, their ideas and votes. A vote is a row keyed by (tenant, idea, participant), inserted if absent;
 * an idea's {@code votes} counter moves by conditional updates only.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface FeedbackPort {
  /** Inserts a board (its campaign must be the tenant's). */
  void insertBoard(FeedbackBoard board);

  /** Finds a board of the tenant. */
  Optional<FeedbackBoard> findBoard(long tenantId, long boardId);

  /** A campaign's boards in id order. */
  List<FeedbackBoard> boards(long tenantId, long campaignId);

  /**
   * Replaces a board's name and description with the update's (already validated; the description empty for none,
   * never null), in one update that returns the row it wrote; whether it is open and everything else stay.
   *
   * @return the board as the update wrote it; empty if the tenant has no such board
   */
  Optional<FeedbackBoard> updateBoard(long tenantId, long boardId, FeedbackBoardUpdate update);

  /**
   * Sets whether a board is open.
   *
   * @return whether the board exists
   */
  boolean setBoardOpen(long tenantId, long boardId, boolean open);

  /**
   * Inserts an idea (its board must be the tenant's) with the submission's idempotency key, or none. The key is
   * unique per tenant among ideas (a unique key on tenant and key, NULLs apart); an insert meeting another
   * transaction's uncommitted idea with the key waits for it. The key is deleted with its idea.
   *
   * @throws UniqueViolationException with {@link UniqueKey#IDEA_IDEMPOTENCY_KEY} if the tenant has an idea with
   *     the key
   */
  void insertIdea(Idea idea, String idempotencyKey);

  /** Finds an idea of the tenant. */
  Optional<Idea> findIdea(long tenantId, long ideaId);

  /** Finds the tenant's idea submitted with {@code idempotencyKey}, as it is now. */
  Optional<Idea> findIdeaByKey(long tenantId, String idempotencyKey);

  /**
   * Finds an idea of the tenant and locks its row until the end of the transaction: a vote takes it before it
   * touches its vote row, in the order a participant's deletion takes them ({@link #deleteAll}).
   */
  Optional<Idea> lockIdea(long tenantId, long ideaId);

  /**
   * Moves an idea to {@code to}, setting its {@code updated_at}, if its status is one of {@code from}: one
   * conditional update.
   *
   * @return whether it moved
   */
  boolean moveIdea(long tenantId, long ideaId, List<IdeaStatus> from, IdeaStatus to, Instant at);

  /**
   * Inserts a participant's vote on an idea unless it is there (a unique key on tenant, idea and participant, so
   * that of concurrent inserts exactly one is stored; one meeting another's uncommitted row waits for it).
   *
   * @return whether it was inserted
   */
  boolean insertVoteIfAbsent(long tenantId, long ideaId, long participantId, Instant at);

  /**
   * Deletes a participant's vote on an idea.
   *
   * @return whether there was one
   */
  boolean deleteVote(long tenantId, long ideaId, long participantId);

  /**
   * Adds one to an idea's {@code votes} if its status is one of {@code whileIn}: one conditional update
   * ({@code votes = votes + 1}).
   *
   * @return whether it was added
   */
  boolean incrementVotes(long tenantId, long ideaId, List<IdeaStatus> whileIn);

  /**
   * Takes one from an idea's {@code votes} if it is above zero and its status is one of {@code whileIn}: one
   * conditional update ({@code votes = votes - 1 ... AND votes > 0}).
   *
   * @return whether it was taken
   */
  boolean decrementVotes(long tenantId, long ideaId, List<IdeaStatus> whileIn);

  /** Whether the participant's vote on the idea is stored (a read of its key). */
  boolean hasVote(long tenantId, long ideaId, long participantId);

  /**
   * Which of {@code ideaIds} (distinct; at most {@link io.loyaltyengine.feedback.FeedbackBoards#MAX_VOTED_IDEAS_ASKED})
   * the participant's vote is stored on: one read, of each vote's key. An id with no such vote (no idea, another
   * tenant's) is not in the answer.
   */
  Set<Long> votedIdeas(long tenantId, long participantId, Collection<Long> ideaIds);

  /** How many votes on an idea are stored (the rows, not the counter): for checks of the counter. */
  long countVotes(long tenantId, long ideaId);

  /** How many of a board's ideas are in {@code status} (null: all). */
  long countIdeas(long tenantId, long boardId, IdeaStatus status);

  /**
   * A board's ideas in {@code status} (null: all) in {@code order}, skipping {@code offset}, at most {@code limit}.
   */
  List<Idea> ideas(long tenantId, long boardId, IdeaStatus status, IdeaOrder order, long offset, int limit);

  /**
   * A participant's ideas, of every board, with id below {@code beforeId} (all when null), newest first (id
   * descending), at most {@code limit}.
   */
  List<Idea> ideasOfParticipant(long tenantId, long participantId, Long beforeId, int limit);

  /**
   * Deletes an idea and every vote on it: locks the idea's row, then deletes the votes on it, then the row (the order
   * of {@link #deleteAll} and of a vote, so that a vote on it under way either commits first, and its row is deleted
   * here, or finds the idea gone). The caller takes the author's participant row lock before it, as for every
   * change of an idea.
   *
   * @return the idea as it was before the deletion, or empty if the tenant has no such idea (nothing deleted)
   */
  Optional<Idea> deleteIdea(long tenantId, long ideaId);

  /**
   * Deletes what a participant left on the boards: withdraws its votes (taking one from each voted idea's counter
   * while above zero, whatever its status), then deletes its ideas with every vote on them. The participant's ideas
   * are locked before the votes on them are deleted, so a vote on one of them that is under way either commits
   * first (and its row is deleted here) or finds the idea gone. Every idea it changes (its own and those it voted on)
   * is locked first, in ascending id order, so that two participants deleted at once who voted on each other's ideas
   * wait for one another instead of deadlocking.
   */
  void deleteAll(long tenantId, long participantId);
}
