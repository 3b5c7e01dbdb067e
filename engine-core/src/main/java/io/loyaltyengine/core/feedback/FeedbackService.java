package io.loyaltyengine.core.feedback;

import com.fasterxml.jackson.core.JsonGenerator;
import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.points.PointsRules;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.FeedbackBoards;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.feedback.VoteResult;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Feedback boards over {@link io.loyaltyengine.core.spi.FeedbackPort}.
 *
 * <p>A vote or withdrawal first locks the voter's participant row, which orders it after (or before) the participant's
 * deletion and after the same participant's other votes; then the idea's row, which orders it after (or before) a move
 * of the idea's status and its author's deletion; then it inserts (or deletes) the vote row and moves the idea's
 * counter by one conditional update that also requires the idea to take votes. Participant, idea, vote row is the order
 * a participant's deletion takes them in too ({@link io.loyaltyengine.core.spi.FeedbackPort#deleteAll}): the vote row
 * before the idea, a withdrawal would deadlock with the deletion of the idea's author, which deletes the votes on its
 * ideas. The counter's update still checks the status, and a refusal rolls the vote row back with the rest of the unit
 * of work. The board's open flag is read, not locked: a vote that read the board open before a close committed counts,
 * as if it had come just before the close.
 *
 * <p>The deletion of an idea takes the same locks in the same order: its author's participant row, then the idea's
 * row, then (deleting them) the vote rows on it ({@link io.loyaltyengine.core.spi.FeedbackPort#deleteIdea}). It
 * therefore waits for a vote or withdrawal under way, which holds the idea's row, and then deletes that vote's row
 * too; a vote that comes after it finds the idea gone. It queues with status moves and other deletions of the
 * author's ideas on the author's row, and with the author's deletion, which it either precedes or finds having
 * deleted the idea (NOT_FOUND).
 *
 * <p>A submission with an idempotency key locks its author and reads the board first (the refusals it gets without
 * the key come first), then looks the key up: the same request's idea is the answer, as it is now, and nothing is
 * written; another request's is CONFLICT on {@code idempotencyKey}. Two first requests with one key by one author
 * queue at its lock, and the second one finds the first one's idea. By two participants, the second one's insert
 * meets the first one's key in the store's unique key, and its unit of work runs once more after the first commits,
 * answering as a retry would ({@link Transactions#againAfterRace}).
 *
 * <p>Events, in the unit of work of their change and about the idea's author: {@code idea.submitted} for a new idea,
 * {@code idea.status_changed} (with the status before and after) for a status move, not for setting the status
 * an idea has, and {@code idea.deleted} (the idea as it was) for a deletion. A status move or deletion takes the
 * author's row lock first, as a submission and the author's deletion do (the event's sequence needs that lock
 * anyway; taken after the idea's row, it could deadlock with the deletion, which locks the author's ideas), so
 * moves of one author's ideas queue there and each reads the status it moves from.
 * Votes and withdrawals write no event: one per vote would outnumber every other event of a busy board, and the
 * count is in the API ({@link #idea}, {@link #ideas}). Boards write none either (configuration, as campaigns):
 * not on creation, update, closing or reopening.
 *
 * <p>Thread-safe when its context is.
 */
public final class FeedbackService implements FeedbackBoards {
  /** The longest board name or idea title, in code points. */
  public static final int MAX_NAME_LENGTH = 200;
  /** The longest board description, in code points. */
  public static final int MAX_DESCRIPTION_LENGTH = 2_000;
  /** The longest idea body, in code points. */
  public static final int MAX_BODY_LENGTH = 5_000;

  /** Runs of a keyed submission: once, and once more after losing the race for its key. */
  private static final int KEYED_RUNS = 2;

  /** The statuses in which an idea's counter moves. */
  private static final List<IdeaStatus> TAKING_VOTES =
      Arrays.stream(IdeaStatus.values()).filter(IdeaStatus::takesVotes).toList();

  private final ScopeContext context;

  /** Creates the service. */
  public FeedbackService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public FeedbackBoard createBoard(NewFeedbackBoard request) {
    TextRules.notNull("board", request);
    FeedbackBoardUpdate shown = boardTexts(request.name(), request.description());
    long tenantId = context.tenantId();
    long id = context.ids().nextId();
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, request.campaignId());
      FeedbackBoard board = new FeedbackBoard(id, tenantId, request.campaignId(), shown.name(), shown.description(),
          true, context.now());
      tx.feedback().insertBoard(board);
      return board;
    });
  }

  @Override
  public FeedbackBoard board(long boardId) {
    return context.transactions().runRead(tx -> findBoard(tx, boardId));
  }

  @Override
  public List<FeedbackBoard> boards(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return List.copyOf(tx.feedback().boards(tenantId, campaignId));
    });
  }

  @Override
  public FeedbackBoard updateBoard(long boardId, FeedbackBoardUpdate update) {
    TextRules.notNull("update", update);
    FeedbackBoardUpdate valid = boardTexts(update.name(), update.description());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> tx.feedback().updateBoard(tenantId, boardId, valid))
        .orElseThrow(() -> LoyaltyException.notFound("board"));
  }

  @Override
  public FeedbackBoard closeBoard(long boardId) {
    return setOpen(boardId, false);
  }

  @Override
  public FeedbackBoard reopenBoard(long boardId) {
    return setOpen(boardId, true);
  }

  private FeedbackBoard setOpen(long boardId, boolean open) {
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      if (!tx.feedback().setBoardOpen(tenantId, boardId, open)) {
        throw LoyaltyException.notFound("board");
      }
      return findBoard(tx, boardId);
    });
  }

  @Override
  public Idea submitIdea(ParticipantRef participant, long boardId, NewIdea request) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("idea", request);
    String title = TextRules.required("title", request.title(), MAX_NAME_LENGTH);
    String body = optionalText("body", request.body(), MAX_BODY_LENGTH);
    String key = PointsRules.idempotencyKey(request.idempotencyKey());
    long tenantId = context.tenantId();
    long id = context.ids().nextId();
    // A concurrent first request with the key committed first: run once more, now finding its idea, as a later retry
    // would (the same request's idea, or CONFLICT), after the refusals the request gets without the key.
    return Transactions.againAfterRace(KEYED_RUNS, () -> context.transactions().run(tx -> {
      // Locked: a deletion committed since an unlocked read would not see the idea, which would outlive its author.
      Participant author = resolver.lock(tx, tenantId);
      FeedbackBoard board = findBoard(tx, boardId);
      requireCampaign(author, board);
      if (key != null) {
        Optional<Idea> prior = tx.feedback().findIdeaByKey(tenantId, key);
        if (prior.isPresent()) {
          return replay(prior.get(), author, boardId, title, body);
        }
      }
      requireOpen(board);
      // One reading of the clock: updatedAt is createdAt until the status first changes.
      Instant now = context.now();
      Idea idea = new Idea(id, tenantId, boardId, author.id(), title, body, IdeaStatus.OPEN, 0, now, now);
      tx.feedback().insertIdea(idea, key);
      Outbox.emit(context, tx, EventType.IDEA_SUBMITTED, board.campaignId(), author.id(), submittedPayload(idea));
      return idea;
    }), UniqueKey.IDEA_IDEMPOTENCY_KEY);
  }

  /**
   * The answer to a submission whose key an idea has: that idea as it is now if the submission is the one that
   * submitted it (same author, board, title and body, as stored), else CONFLICT on {@code idempotencyKey}.
   */
  private static Idea replay(Idea prior, Participant author, long boardId, String title, String body) {
    if (prior.participantId() != author.id() || prior.boardId() != boardId || !prior.title().equals(title)
        || !prior.body().equals(body)) {
      throw LoyaltyException.conflict("idempotencyKey",
          "the idempotency key was used by an idea with other parameters");
    }
    return prior;
  }

  @Override
  public Idea idea(long ideaId) {
    return context.transactions().runRead(tx -> findIdea(tx, ideaId));
  }

  @Override
  public Idea setStatus(long ideaId, IdeaStatus status) {
    TextRules.notNull("status", status);
    List<IdeaStatus> from = Arrays.stream(IdeaStatus.values()).filter(s -> s.canMoveTo(status)).toList();
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      // The author's lock first (see the class description); gone, it took its ideas with it.
      Participant author = ParticipantService.lockOwner(tx, tenantId, findIdea(tx, ideaId).participantId(), "idea");
      // Read again under the lock: only a move of this author's ideas changes a status, and it queues there too.
      IdeaStatus before = findIdea(tx, ideaId).status();
      boolean moved = tx.feedback().moveIdea(tenantId, ideaId, from, status, context.now());
      Idea now = findIdea(tx, ideaId);
      if (!moved && now.status() != status) {
        throw new LoyaltyException(ErrorCode.INVALID_TRANSITION, "status",
            "an idea cannot move from " + now.status() + " to " + status);
      }
      if (moved) {
        Outbox.emit(context, tx, EventType.IDEA_STATUS_CHANGED, author.campaignId(), author.id(),
            statusChangedPayload(now, before));
      }
      return now;
    });
  }

  @Override
  public void deleteIdea(long ideaId) {
    long tenantId = context.tenantId();
    context.transactions().run(tx -> {
      // The author's lock first (see the class description); gone, it took its ideas with it.
      Participant author = ParticipantService.lockOwner(tx, tenantId, findIdea(tx, ideaId).participantId(), "idea");
      // Then the idea's row and its votes; the idea gone meanwhile (a deletion that held the author first): nothing.
      Idea gone = tx.feedback().deleteIdea(tenantId, ideaId).orElseThrow(() -> LoyaltyException.notFound("idea"));
      Outbox.emit(context, tx, EventType.IDEA_DELETED, author.campaignId(), author.id(), deletedPayload(gone));
      return null;
    });
  }

  @Override
  public VoteResult vote(ParticipantRef participant, long ideaId) {
    return castVote(participant, ideaId, true);
  }

  @Override
  public VoteResult withdrawVote(ParticipantRef participant, long ideaId) {
    return castVote(participant, ideaId, false);
  }

  @Override
  public boolean hasVoted(ParticipantRef participant, long ideaId) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    // At one snapshot: the participant, the idea and the vote read together.
    return context.transactions().runRead(tx -> {
      Participant voter = resolver.resolve(tx, tenantId);
      Idea idea = findIdea(tx, ideaId);
      requireCampaign(voter, findBoard(tx, idea.boardId()));
      return tx.feedback().hasVote(tenantId, ideaId, voter.id());
    });
  }

  @Override
  public Set<Long> votedIdeas(ParticipantRef participant, Collection<Long> ideaIds) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    Set<Long> asked = ideaIdsAsked(ideaIds);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      Participant voter = resolver.resolve(tx, tenantId);
      // Votes are stored only on ideas of the participant's campaign's boards, so the ideas need no read of their own.
      return asked.isEmpty() ? Set.of() : Set.copyOf(tx.feedback().votedIdeas(tenantId, voter.id(), asked));
    });
  }

  /**
   * The distinct ids of {@code ideaIds}, checked before anything is read.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code ideaIds}: null, a null id, more than
   *     {@link FeedbackBoards#MAX_VOTED_IDEAS_ASKED} ids
   */
  private static Set<Long> ideaIdsAsked(Collection<Long> ideaIds) {
    TextRules.notNull("ideaIds", ideaIds);
    if (ideaIds.size() > MAX_VOTED_IDEAS_ASKED) {
      throw LoyaltyException.validation("ideaIds", "at most " + MAX_VOTED_IDEAS_ASKED + " idea ids");
    }
    Set<Long> asked = new LinkedHashSet<>();
    // Iterated, not asked contains(null): an immutable collection throws there.
    for (Long id : ideaIds) {
      if (id == null) {
        throw LoyaltyException.validation("ideaIds", "an idea id is null");
      }
      asked.add(id);
    }
    return asked;
  }

  private VoteResult castVote(ParticipantRef participant, long ideaId, boolean up) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      // Locked: the participant's deletion, which withdraws its votes, runs wholly before or after this.
      Participant voter = resolver.lock(tx, tenantId);
      // Locked before the vote row, as a deletion of its author does: a move of its status waits for this too.
      Idea idea = tx.feedback().lockIdea(tenantId, ideaId).orElseThrow(() -> LoyaltyException.notFound("idea"));
      FeedbackBoard board = findBoard(tx, idea.boardId());
      requireCampaign(voter, board);
      requireOpen(board);
      requireTakesVotes(idea.status());
      boolean changed = up
          ? tx.feedback().insertVoteIfAbsent(tenantId, ideaId, voter.id(), context.now())
          : tx.feedback().deleteVote(tenantId, ideaId, voter.id());
      if (changed) {
        boolean counted = up
            ? tx.feedback().incrementVotes(tenantId, ideaId, TAKING_VOTES)
            : tx.feedback().decrementVotes(tenantId, ideaId, TAKING_VOTES);
        if (!counted) {
          // Under the idea's lock neither its status nor its existence changed since it was read; should the counter
          // not move all the same, neither may the row: throwing rolls the vote row back too.
          Idea now = findIdea(tx, ideaId);
          requireTakesVotes(now.status());
          if (up || now.votes() > 0) {
            throw LoyaltyException.conflict("status", "the idea's status changed meanwhile; retry");
          }
          // A withdrawal from a counter at zero: the counter stays at zero, never below.
        }
      }
      return new VoteResult(ideaId, findIdea(tx, ideaId).votes(), changed);
    });
  }

  @Override
  public NumberedPage<Idea> ideas(long boardId, IdeaStatus status, IdeaOrder order, PageRequest page) {
    TextRules.notNull("order", order);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      findBoard(tx, boardId);
      long total = tx.feedback().countIdeas(tenantId, boardId, status);
      List<Idea> items = tx.feedback().ideas(tenantId, boardId, status, order, page.offset(), page.limit());
      return NumberedPage.of(items, page, total);
    });
  }

  @Override
  public CursorPage<Idea> ideas(ParticipantRef participant, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot, as a participant's redemptions: the participant and its ideas together. Its ideas are only
    // ever on its campaign's boards (a submission checks that), so the boards are not read: a closed one's stay listed.
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return CursorPage.fromRows(tx.feedback().ideasOfParticipant(tenantId, id, page.afterId(), page.limit() + 1),
          page.limit(), Idea::id);
    });
  }

  /**
   * The payload of {@code idea.submitted}: the idea as the API gives it, {@code {"idea": {"id", "boardId",
   * "participantId", "title", "body", "status", "votes", "createdAt", "updatedAt"}}}. As in the other events, the id
   * of the entity the event is about is a string (64-bit ids do not survive JavaScript numbers) and the ids it refers
   * to are numbers; instants are ISO-8601.
   */
  static String submittedPayload(Idea idea) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("idea");
      ideaObject(g, idea);
      g.writeEndObject();
    });
  }

  /**
   * The payload of {@code idea.status_changed}: {@code {"idea": {...as in idea.submitted, after the move},
   * "oldStatus", "newStatus"}}.
   */
  static String statusChangedPayload(Idea idea, IdeaStatus oldStatus) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("idea");
      ideaObject(g, idea);
      g.writeStringField("oldStatus", oldStatus.name());
      g.writeStringField("newStatus", idea.status().name());
      g.writeEndObject();
    });
  }

  /**
   * The payload of {@code idea.deleted}: {@code {"idea": {...as in idea.submitted, as it was when deleted}}}, its
   * {@code votes} the count it had.
   */
  static String deletedPayload(Idea idea) {
    return submittedPayload(idea);
  }

  private static void ideaObject(JsonGenerator g, Idea idea) throws IOException {
    g.writeStartObject();
    EventJson.id(g, "id", idea.id());
    EventJson.id(g, "boardId", idea.boardId());
    EventJson.id(g, "participantId", idea.participantId());
    g.writeStringField("title", idea.title());
    g.writeStringField("body", idea.body());
    g.writeStringField("status", idea.status().name());
    g.writeNumberField("votes", idea.votes());
    g.writeStringField("createdAt", idea.createdAt().toString());
    g.writeStringField("updatedAt", idea.updatedAt().toString());
    g.writeEndObject();
  }

  /**
   * The fields a new board and an update share, validated in the order they are named.
   *
   * @return the name stripped, and the description stripped or empty for none (never null)
   * @throws LoyaltyException VALIDATION_ERROR naming {@code name} or {@code description}
   */
  private static FeedbackBoardUpdate boardTexts(String name, String description) {
    return new FeedbackBoardUpdate(TextRules.required("name", name, MAX_NAME_LENGTH),
        optionalText("description", description, MAX_DESCRIPTION_LENGTH));
  }

  /**
   * An optional text that may span lines and is never null: null or blank is none (empty), else as
   * {@link TextRules#requiredLines}.
   */
  private static String optionalText(String field, String value, int maxLength) {
    return value == null || TextRules.drawsNothing(value) ? "" : TextRules.requiredLines(field, value, maxLength);
  }

  private FeedbackBoard findBoard(Transaction tx, long boardId) {
    return tx.feedback().findBoard(context.tenantId(), boardId)
        .orElseThrow(() -> LoyaltyException.notFound("board"));
  }

  private Idea findIdea(Transaction tx, long ideaId) {
    return tx.feedback().findIdea(context.tenantId(), ideaId).orElseThrow(() -> LoyaltyException.notFound("idea"));
  }

  private static void requireCampaign(Participant participant, FeedbackBoard board) {
    if (participant.campaignId() != board.campaignId()) {
      throw LoyaltyException.validation("participant", "the participant is not in the board's campaign");
    }
  }

  private static void requireOpen(FeedbackBoard board) {
    if (!board.open()) {
      throw LoyaltyException.conflict("board", "the board is closed");
    }
  }

  private static void requireTakesVotes(IdeaStatus status) {
    if (!status.takesVotes()) {
      throw LoyaltyException.conflict("status", "the votes of a " + status + " idea are final");
    }
  }
}
