package io.loyaltyengine.feedback;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.participant.ParticipantRef;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Feedback boards of one tenant's campaigns, their ideas and votes. A host corrects a board's name or description
 * with {@link #updateBoard} and closes or reopens it with {@link #closeBoard} and {@link #reopenBoard}. Ideas are read
 * back by board ({@link #ideas(long, IdeaStatus, IdeaOrder, PageRequest)}, numbered pages) and by participant
 * ({@link #ideas(ParticipantRef, Keyset)}, the ideas an account page shows it submitted).
 * Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <h2>Rules</h2>
 * Only a participant of the board's campaign submits ideas to it or votes on them (another campaign's participant is
 * a VALIDATION_ERROR on {@code participant}); a participant may vote on its own idea. A closed board takes no new
 * ideas, votes or withdrawals (CONFLICT on {@code board}); moderators still move its ideas. An idea that is DONE or
 * DECLINED takes no votes or withdrawals either (CONFLICT on {@code status}): its tally is final. Nothing returns to
 * OPEN ({@link IdeaStatus#canMoveTo}). A moderator may delete an idea (spam, a duplicate) whatever its status and
 * whether its board is open; its votes go with it. A submission emits {@code idea.submitted}, a status move
 * {@code idea.status_changed} and a deletion {@code idea.deleted}; setting the status an idea has emits nothing.
 * Votes and withdrawals emit no event (their count is in the idea), nor do boards.
 *
 * <h2>Guarantees</h2>
 * A participant votes an idea up at most once, held by a unique key on (idea, participant) in the database; the
 * idea's counter moves in the same unit of work by one conditional update ({@code votes + 1}, or {@code votes - 1}
 * while above zero), never by a read and a write, so concurrent votes and withdrawals keep it equal to the votes
 * stored. A repeated vote, or the withdrawal of a vote that is not there, changes nothing and says so
 * ({@link VoteResult#changed()}). The counter moves only while the idea takes votes, checked in the same update, so
 * a vote racing a move to DONE is either counted before it or refused. Deleting a participant withdraws its votes
 * (decrementing each idea's counter, whatever its status) and deletes its ideas with the votes on them, in the
 * deletion's unit of work. Deleting an idea deletes its votes in the same unit of work; a vote, withdrawal or status
 * move of the idea under way, or its author's deletion, either completes before it or finds the idea gone
 * (NOT_FOUND). No participant has a vote budget: the votes deleted with an idea leave nothing else to give back.
 *
 * <h2>Idempotency keys</h2>
 * A submission may carry the caller's idempotency key ({@link NewIdea#idempotencyKey()}), unique per tenant among
 * ideas and held by a unique key in the database, as the keys of points changes, redemptions and loyalty actions are.
 * A retry with the same participant, board, title and body (as stored: stripped) answers the idea it submitted, as
 * it is now (votes, status), and writes nothing, no event either; of two first requests with one key at once, one
 * submits the idea and the other answers as its retry would. The key is deleted with its idea: after the idea's
 * deletion (by a moderator, or with its author) a retry is a new submission, NOT_FOUND for a deleted author.
 */
public interface FeedbackBoards {
  /** The most idea ids {@link #votedIdeas} takes in one call, duplicates counted: a page of ideas at its largest. */
  int MAX_VOTED_IDEAS_ASKED = 100;

  /**
   * Creates an open board.
   *
   * @param board the new board
   * @return the created board
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code board}, {@code name} or
   *     {@code description}; NOT_FOUND for the campaign
   */
  FeedbackBoard createBoard(NewFeedbackBoard board);

  /**
   * Reads a board.
   *
   * @param boardId the board's id
   * @return the board
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  FeedbackBoard board(long boardId);

  /**
   * A campaign's boards, in creation order.
   *
   * @param campaignId the campaign
   * @return the campaign's boards
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign
   */
  List<FeedbackBoard> boards(long campaignId);

  /**
   * Replaces a board's name and description, in one update of its row. The campaign, whether the board is open,
   * its ideas and votes, its id and creation time are unchanged. Writes no event, as nothing about boards does.
   *
   * @param boardId the board's id
   * @param update the new name and description
   * @return the board as the update left it
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name} or
   *     {@code description} (as {@link NewFeedbackBoard}'s); NOT_FOUND if the tenant has no such board
   */
  FeedbackBoard updateBoard(long boardId, FeedbackBoardUpdate update);

  /**
   * Closes a board: it takes no new ideas or votes. Idempotent.
   *
   * @param boardId the board's id
   * @return the closed board
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  FeedbackBoard closeBoard(long boardId);

  /**
   * Reopens a closed board. Idempotent.
   *
   * @param boardId the board's id
   * @return the open board
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  FeedbackBoard reopenBoard(long boardId);

  /**
   * Submits a participant's idea to a board, OPEN with no votes. With an idempotency key already used by the same
   * request (participant, board, title and body), answers that idea as it is now and changes nothing, even if the
   * board has closed since (see the class description).
   *
   * @param participant who submits it
   * @param boardId the board's id
   * @param idea the idea's title and body, and the caller's idempotency key or null
   * @return the submitted idea, or the idea the key's first request submitted
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant}, {@code idea}, {@code title},
   *     {@code body} or {@code idempotencyKey}, or on {@code participant} for a participant of another campaign;
   *     NOT_FOUND for the participant or board; CONFLICT on {@code board} if it is closed, on {@code idempotencyKey}
   *     if the key was used for another participant, board, title or body. With a key already used, a participant
   *     or board the request cannot name is still NOT_FOUND, and a participant of another campaign still
   *     VALIDATION_ERROR, before CONFLICT: those refusals tell the caller nothing of the key
   */
  Idea submitIdea(ParticipantRef participant, long boardId, NewIdea idea);

  /**
   * Reads an idea.
   *
   * @param ideaId the idea's id
   * @return the idea
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  Idea idea(long ideaId);

  /**
   * Moves an idea to {@code status}. Idempotent: an idea already there is returned unchanged.
   *
   * @param ideaId the idea's id
   * @param status the status to move to
   * @return the idea in its status
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code status} if null; NOT_FOUND;
   *     INVALID_TRANSITION on {@code status} for a move back to OPEN
   */
  Idea setStatus(long ideaId, IdeaStatus status);

  /**
   * Deletes an idea and every vote on it, in one unit of work, whatever its status and whether its board is open:
   * moderation of spam or a duplicate. Emits {@code idea.deleted} (the idea as it was) in the same unit of work.
   * Not idempotent: afterwards the idea, a vote or withdrawal on it, and deleting it again are NOT_FOUND. Thread-safe:
   * a vote, withdrawal or status move of the idea under way, or the deletion of its author, completes first or finds
   * the idea gone.
   *
   * @param ideaId the idea's id
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  void deleteIdea(long ideaId);

  /**
   * Votes an idea up for a participant, once: a repeated vote changes nothing ({@code changed} false).
   *
   * @param participant who votes
   * @param ideaId the idea's id
   * @return whether the vote changed anything, and the idea's votes
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (also for a participant of
   *     another campaign); NOT_FOUND for the participant or idea; CONFLICT on {@code board} if the board is closed,
   *     on {@code status} if the idea is DONE or DECLINED (or was, while the vote was counted: retry)
   */
  VoteResult vote(ParticipantRef participant, long ideaId);

  /**
   * Withdraws a participant's vote: without a vote to withdraw, changes nothing ({@code changed} false).
   *
   * @param participant whose vote
   * @param ideaId the idea's id
   * @return whether the withdrawal changed anything, and the idea's votes
   * @throws io.loyaltyengine.LoyaltyException as {@link #vote}
   */
  VoteResult withdrawVote(ParticipantRef participant, long ideaId);

  /**
   * Whether a participant's vote on an idea is counted now: true after its vote, false before it and after its
   * withdrawal, whatever the idea's status or its board's (what an idea list shows beside its vote button). A read:
   * it changes nothing and takes no lock.
   *
   * @param participant the participant
   * @param ideaId the idea's id
   * @return whether the participant has voted for the idea
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (also for a participant of
   *     another campaign than the idea's board's) or {@code email}; NOT_FOUND for the participant or idea
   */
  boolean hasVoted(ParticipantRef participant, long ideaId);

  /**
   * Which of the given ideas a participant's vote is counted on now, as {@link #hasVoted} tells for one (what a page of
   * ideas shows beside each vote button), in one read of the votes, whatever the ideas' statuses or their boards'. An
   * id named twice is answered once. An id that names no idea of the tenant (unknown, deleted, another tenant's) or an
   * idea of another campaign's board is not in the answer, as no vote of the participant is counted on it; unlike
   * {@link #hasVoted}, that is no error, so that a page read just before a moderator's deletion still gets its answer.
   * A read: it changes nothing and takes no lock.
   *
   * @param participant the participant
   * @param ideaIds the ideas' ids, at most {@value #MAX_VOTED_IDEAS_ASKED} (duplicates counted); empty gives empty
   * @return the ids among {@code ideaIds} of the ideas the participant has voted for (unmodifiable)
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} or {@code email} (as
   *     {@link #hasVoted}), on {@code ideaIds} if it is null, holds a null or more than
   *     {@value #MAX_VOTED_IDEAS_ASKED} ids; NOT_FOUND for the participant (also with no ids)
   */
  Set<Long> votedIdeas(ParticipantRef participant, Collection<Long> ideaIds);

  /**
   * A board's ideas, a numbered page at a time: all, or those in one status.
   *
   * @param boardId the board's id
   * @param status the status to list, or null for all
   * @param order MOST_VOTED (votes descending, then id) or NEWEST (id descending)
   * @param page the page number and size
   * @return the page of ideas, with totals
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the board; VALIDATION_ERROR on {@code order} or
   *     {@code page} if null
   */
  NumberedPage<Idea> ideas(long boardId, IdeaStatus status, IdeaOrder order, PageRequest page);

  /**
   * The ideas a participant submitted, on every board of its campaign, newest first (idea id descending), a keyset
   * page at a time: what an account page shows. Each idea as it is now (its status and votes), in every status and
   * on closed boards too (closing a board keeps its ideas). A deleted idea is gone, as everywhere: after a
   * moderator's deletion no page holds it, and a cursor that was its id still gives the ideas older than it. The
   * order is the ids', so a vote or a status move never moves an idea between pages. A read: it changes nothing and
   * takes no lock; the participant and its ideas are read at one snapshot.
   *
   * @param participant the participant
   * @param page which page
   * @return the page of the participant's ideas
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (null), {@code email} or
   *     {@code page} (null); NOT_FOUND for a participant that is not the tenant's (a deleted one too: its ideas were
   *     deleted with it)
   */
  CursorPage<Idea> ideas(ParticipantRef participant, Keyset page);
}
