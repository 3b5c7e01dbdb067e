package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.FeedbackPort;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Update;

/**
 * Feedback boards (tables {@code feedback_board}, {@code feedback_idea}, {@code feedback_vote}). A vote is held by
 * the primary key {@code (tenant_id, idea_id, participant_id)}, inserted if absent; an idea's {@code votes} moves by
 * conditional updates only; an idea's idempotency key is held by {@code uq_feedback_idea_idempotency_key
 * (tenant_id, idempotency_key)} (schema V19).
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcFeedbackPort extends JdbcPort implements FeedbackPort {
  JdbcFeedbackPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insertBoard(FeedbackBoard b) {
    Objects.requireNonNull(b, "board");
    run("feedback board insert", () -> handle.createUpdate(Sql.FEEDBACK_BOARD_INSERT)
        .bind("tenantId", b.tenantId())
        .bind("boardId", b.id())
        .bind("campaignId", b.campaignId())
        .bind("name", b.name())
        .bind("description", b.description())
        .bind("isOpen", b.open())
        .bind("createdAt", Rows.timestamp(b.createdAt()))
        .execute());
  }

  @Override
  public Optional<FeedbackBoard> findBoard(long tenantId, long boardId) {
    return run("feedback board find", () -> handle.createQuery(Sql.FEEDBACK_BOARD_FIND)
        .bind("tenantId", tenantId)
        .bind("boardId", boardId)
        .map(Rows.FEEDBACK_BOARD)
        .findOne());
  }

  @Override
  public List<FeedbackBoard> boards(long tenantId, long campaignId) {
    return run("feedback board list", () -> handle.createQuery(Sql.FEEDBACK_BOARD_LIST)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(Rows.FEEDBACK_BOARD)
        .list());
  }

  @Override
  public Optional<FeedbackBoard> updateBoard(long tenantId, long boardId, FeedbackBoardUpdate update) {
    Objects.requireNonNull(update, "update");
    return run("feedback board update", () -> handle.createQuery(sql.feedbackBoardUpdate())
        .bind("tenantId", tenantId)
        .bind("boardId", boardId)
        .bind("name", update.name())
        .bind("description", update.description())
        .map(Rows.FEEDBACK_BOARD)
        .findOne());
  }

  @Override
  public boolean setBoardOpen(long tenantId, long boardId, boolean open) {
    return run("feedback board open", () -> handle.createUpdate(Sql.FEEDBACK_BOARD_SET_OPEN)
        .bind("tenantId", tenantId)
        .bind("boardId", boardId)
        .bind("isOpen", open)
        .execute()) > 0;
  }

  @Override
  public void insertIdea(Idea i, String idempotencyKey) {
    Objects.requireNonNull(i, "idea");
    run("feedback idea insert", UniqueKey.IDEA_IDEMPOTENCY_KEY, () -> handle.createUpdate(Sql.IDEA_INSERT)
        .bind("tenantId", i.tenantId())
        .bind("ideaId", i.id())
        .bind("boardId", i.boardId())
        .bind("participantId", i.participantId())
        .bind("title", i.title())
        .bind("body", i.body())
        .bind("status", JdbcRewardPort.name(i.status()))
        .bind("votes", i.votes())
        .bind("createdAt", Rows.timestamp(i.createdAt()))
        .bind("updatedAt", Rows.timestamp(i.updatedAt()))
        .bind("idempotencyKey", idempotencyKey)
        .execute());
  }

  @Override
  public Optional<Idea> findIdeaByKey(long tenantId, String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    return run("feedback idea find by idempotency key", () -> handle.createQuery(Sql.IDEA_FIND_BY_KEY)
        .bind("tenantId", tenantId)
        .bind("idempotencyKey", idempotencyKey)
        .map(Rows.IDEA)
        .findOne());
  }

  @Override
  public Optional<Idea> findIdea(long tenantId, long ideaId) {
    return run("feedback idea find", () -> handle.createQuery(Sql.IDEA_FIND)
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .map(Rows.IDEA)
        .findOne());
  }

  @Override
  public Optional<Idea> lockIdea(long tenantId, long ideaId) {
    return run("feedback idea lock", () -> handle.createQuery(Sql.IDEA_LOCK)
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .map(Rows.IDEA)
        .findOne());
  }

  @Override
  public boolean moveIdea(long tenantId, long ideaId, List<IdeaStatus> from, IdeaStatus to, Instant at) {
    Objects.requireNonNull(to, "to");
    return conditional("feedback idea move", Sql.IDEA_MOVE, tenantId, ideaId, from,
        update -> update.bind("status", to.name()).bind("updatedAt", Rows.timestamp(at)));
  }

  @Override
  public boolean insertVoteIfAbsent(long tenantId, long ideaId, long participantId, Instant at) {
    int rows = runInsertIfAbsent("feedback vote insert", () -> handle.createUpdate(sql.voteInsertIfAbsent())
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .bind("participantId", participantId)
        .bind("createdAt", Rows.timestamp(at))
        .execute());
    return rows > 0;
  }

  @Override
  public boolean deleteVote(long tenantId, long ideaId, long participantId) {
    return run("feedback vote delete", () -> handle.createUpdate(Sql.VOTE_DELETE)
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .bind("participantId", participantId)
        .execute()) > 0;
  }

  @Override
  public boolean incrementVotes(long tenantId, long ideaId, List<IdeaStatus> whileIn) {
    return conditional("feedback idea vote up", Sql.IDEA_VOTES_UP, tenantId, ideaId, whileIn, update -> update);
  }

  @Override
  public boolean decrementVotes(long tenantId, long ideaId, List<IdeaStatus> whileIn) {
    return conditional("feedback idea vote down", Sql.IDEA_VOTES_DOWN, tenantId, ideaId, whileIn, update -> update);
  }

  @Override
  public boolean hasVote(long tenantId, long ideaId, long participantId) {
    return run("feedback vote find", () -> handle.createQuery(Sql.VOTE_EXISTS)
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .bind("participantId", participantId)
        .mapTo(Long.class)
        .one()) > 0;
  }

  @Override
  public Set<Long> votedIdeas(long tenantId, long participantId, Collection<Long> ideaIds) {
    Objects.requireNonNull(ideaIds, "ideaIds");
    if (ideaIds.isEmpty()) {
      return Set.of();
    }
    return run("feedback votes find", () -> handle.createQuery(Sql.VOTED_IDEAS)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bindArray("ideaIds", Long.class, ideaIds.toArray())
        .mapTo(Long.class)
        .collect(Collectors.toUnmodifiableSet()));
  }

  @Override
  public long countVotes(long tenantId, long ideaId) {
    return run("feedback vote count", () -> handle.createQuery(Sql.VOTE_COUNT)
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public long countIdeas(long tenantId, long boardId, IdeaStatus status) {
    String statement = Sql.IDEA_COUNT + (status == null ? "" : Sql.IDEA_AND_STATUS);
    return run("feedback idea count", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("boardId", boardId);
      if (status != null) {
        query.bind("status", status.name());
      }
      return query.mapTo(Long.class).one();
    });
  }

  @Override
  public List<Idea> ideas(long tenantId, long boardId, IdeaStatus status, IdeaOrder order, long offset, int limit) {
    Objects.requireNonNull(order, "order");
    boolean newest = order == IdeaOrder.NEWEST;
    String statement = status == null
        ? sql.ideaPage(newest) + (newest ? Sql.IDEA_NEWEST : Sql.IDEA_MOST_VOTED)
        : sql.ideaPageInStatus(newest) + (newest ? Sql.IDEA_STATUS_NEWEST : Sql.IDEA_STATUS_MOST_VOTED);
    return run("feedback idea page", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("boardId", boardId)
          .bind("offset", offset)
          .bind("limit", checkLimit(limit));
      if (status != null) {
        query.bind("status", status.name());
      }
      return query.map(Rows.IDEA).list();
    });
  }

  @Override
  public List<Idea> ideasOfParticipant(long tenantId, long participantId, Long beforeId, int limit) {
    String statement = Sql.IDEAS_OF_PARTICIPANT + (beforeId == null ? "" : Sql.IDEAS_OF_PARTICIPANT_BEFORE)
        + Sql.IDEAS_OF_PARTICIPANT_NEWEST_LIMIT;
    return run("feedback idea list of a participant", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("limit", checkLimit(limit));
      if (beforeId != null) {
        query.bind("beforeId", beforeId.longValue());
      }
      return query.map(Rows.IDEA).list();
    });
  }

  @Override
  public Optional<Idea> deleteIdea(long tenantId, long ideaId) {
    // The idea's row before its vote rows, the order of a vote and of a participant's deletion: a vote under way
    // commits first (its row is deleted below) or, waiting for the idea, finds it gone.
    Optional<Idea> idea = lockIdea(tenantId, ideaId);
    if (idea.isEmpty()) {
      return idea;
    }
    for (String statement : List.of(Sql.VOTES_ON_IDEA_DELETE, Sql.IDEA_DELETE)) {
      run("feedback idea delete", () -> handle.createUpdate(statement)
          .bind("tenantId", tenantId)
          .bind("ideaId", ideaId)
          .execute());
    }
    return idea;
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    // Every idea changed below is locked first, in one order: another participant's deletion changes some of the
    // same ideas (it voted on this one's, this one on its), and taking them as the statements meet them deadlocks.
    // Locked, the participant's own ideas also order a vote on them: one that has counted commits before the votes
    // on them are deleted below, and one that has not yet counted finds its idea gone and rolls back its vote.
    run("feedback participant delete", () -> handle.createQuery(Sql.FEEDBACK_LOCK_IDEAS_TOUCHED_BY)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .mapTo(Long.class)
        .list());
    for (String statement : List.of(sql.feedbackWithdrawVotesOf(), Sql.FEEDBACK_DELETE_VOTES_OF,
        sql.feedbackDeleteVotesOnIdeasOf(), Sql.FEEDBACK_DELETE_IDEAS_OF)) {
      update("feedback participant delete", statement, tenantId, participantId);
    }
  }

  private void update(String operation, String statement, long tenantId, long participantId) {
    run(operation, () -> handle.createUpdate(statement)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }

  /** Runs one of the conditional updates of an idea, which applies while its status is one of {@code statuses}. */
  private boolean conditional(String operation, String update, long tenantId, long ideaId,
      List<IdeaStatus> statuses, java.util.function.UnaryOperator<Update> binds) {
    Objects.requireNonNull(statuses, "statuses");
    if (statuses.isEmpty()) {
      return false;
    }
    return run(operation, () -> binds.apply(handle.createUpdate(update)
        .bind("tenantId", tenantId)
        .bind("ideaId", ideaId)
        .bindList("statuses", statuses.stream().map(Enum::name).toList()))
        .execute()) > 0;
  }
}
