package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static io.loyaltyengine.jdbc.Answers.race;
import static io.loyaltyengine.jdbc.HostTransactionTestBase.finish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.spi.FeedbackPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.feedback.VoteResult;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Votes raced on one database through two engines, one backend per subclass, each race started by a barrier: many
 * voters (each voting twice at once) on one idea end with its counter equal to the distinct voters and to the vote
 * rows; votes and withdrawals racing, and a move to DONE racing them, keep the counter equal to the rows; a
 * participant deleted while others vote on its ideas and it votes on theirs leaves no vote of its own, no idea, and
 * every counter equal to its rows; a deletion waits for the participant's uncommitted vote, then withdraws it; two
 * participants who voted on each other's ideas, deleted at once, and a participant deleted while a voter withdraws
 * from its idea, wait for one another rather than deadlock; a move of an idea's status waits for a vote or withdrawal
 * in progress, which counts. An idea's deletion waits for a vote or withdrawal in progress and deletes the row it
 * left; a vote or a status move waits for a deletion in progress and finds the idea gone; the deletion and its
 * author's wait for one another, whichever holds the author's row first, rather than deadlock.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class FeedbackRaceTestBase {
  private static final int VOTERS = 12;

  private JdbcFixture fixture;
  private final TestEngines engines = new TestEngines();
  private World world;
  private List<TenantScope> scopes;
  private FeedbackBoard board;

  /** A fixture on a fresh, empty database. */
  abstract JdbcFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
    LoyaltyEngine first = engines.build(engines.builder(fixture.openStorage(), 0));
    LoyaltyEngine second = engines.build(engines.builder(fixture.openStorage(), 0));
    world = new World(first, VOTERS);
    scopes = List.of(first.forTenant(world.tenantId), second.forTenant(world.tenantId));
    board = scopes.get(0).feedback().createBoard(NewFeedbackBoard.of(world.campaignId, "Ideas"));
  }

  @AfterEach
  final void close() {
    engines.close();
    fixture.close();
  }

  @Test
  void manyVotersEachVotingTwiceAtOnceAreCountedOnceEach() throws Exception {
    Idea idea = submit(0, "Dark mode");
    List<Object> answers = race(2 * VOTERS, i -> () -> scope(i).feedback().vote(world.ref(i % VOTERS), idea.id()));
    long changed = answers.stream().filter(a -> a instanceof VoteResult r && r.changed()).count();
    assertTrue(answers.stream().allMatch(a -> a instanceof VoteResult), answers::toString);
    assertEquals(VOTERS, changed, "each distinct voter changed it once");
    assertEquals(VOTERS, scopes.get(1).feedback().idea(idea.id()).votes());
    assertEquals(Map.of(idea.id(), (long) VOTERS), voteRows());
    assertCountersEqualRows();
  }

  @Test
  void votesWithdrawalsAndAMoveToDoneRacingKeepTheCounterEqualToTheRows() throws Exception {
    Idea idea = submit(0, "Dark mode");
    for (int i = 0; i < VOTERS; i += 2) {
      scopes.get(0).feedback().vote(world.ref(i), idea.id());
    }
    // Even voters withdraw, odd ones vote, each twice; one more thread finishes the idea somewhere among them.
    List<Object> answers = race(2 * VOTERS + 1, i -> () -> i == 2 * VOTERS
        ? scope(i).feedback().setStatus(idea.id(), IdeaStatus.DONE)
        : i % 2 == 0
            ? scope(i).feedback().withdrawVote(world.ref(i % VOTERS), idea.id())
            : scope(i).feedback().vote(world.ref(i % VOTERS), idea.id()));
    for (Object a : answers) {
      assertTrue(a instanceof VoteResult || a instanceof Idea
          || a instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT
              && e.field().orElseThrow().equals("status"), "a vote, the move, or a refusal after it: " + a);
    }
    assertEquals(IdeaStatus.DONE, scopes.get(0).feedback().idea(idea.id()).status());
    assertCountersEqualRows();
  }

  @Test
  void aParticipantDeletedWhileVotesFlyLeavesNoVoteNoIdeaAndCountersEqualToRows() throws Exception {
    List<Idea> leaversIdeas = List.of(submit(0, "Leaver's first"), submit(0, "Leaver's second"));
    List<Idea> others = List.of(submit(1, "Other's first"), submit(2, "Other's second"));
    long leaver = world.participants.get(0);
    List<Object> answers = race(2 * VOTERS, i -> () -> {
      if (i == 0) {
        scope(i).participants().delete(ParticipantRef.id(leaver));
        return "deleted";
      }
      List<Idea> targets = i % 3 == 0 ? others : leaversIdeas;
      // Participant 0 is the leaver: its own votes race its deletion.
      VoteResult last = null;
      for (Idea idea : targets) {
        last = scope(i).feedback().vote(world.ref(i % VOTERS), idea.id());
      }
      return last;
    });
    for (Object a : answers) {
      assertTrue(a instanceof String || a instanceof VoteResult
          || a instanceof LoyaltyException e && e.code() == ErrorCode.NOT_FOUND, "a vote, or NOT_FOUND: " + a);
    }
    try (Connection c = fixture.connect()) {
      assertEquals(0L, count(c, "SELECT COUNT(*) FROM feedback_vote WHERE tenant_id = ? AND participant_id = "
          + leaver), "no vote of the deleted participant");
      assertEquals(0L, count(c, "SELECT COUNT(*) FROM feedback_idea WHERE tenant_id = ? AND participant_id = "
          + leaver), "no idea of the deleted participant");
      assertEquals(0L, count(c, "SELECT COUNT(*) FROM feedback_vote v WHERE tenant_id = ? AND NOT EXISTS (SELECT 1"
          + " FROM feedback_idea i WHERE i.tenant_id = v.tenant_id AND i.idea_id = v.idea_id)"),
          "no vote on a deleted idea");
    }
    assertCountersEqualRows();
  }

  @Test
  void aDeletionWaitsForTheParticipantsUncommittedVoteAndThenWithdrawsIt() throws Exception {
    Idea idea = submit(1, "Other's");
    long leaver = world.participants.get(0);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      assertTrue(scopes.get(0).joining(host.transaction()).feedback().vote(world.ref(0), idea.id()).changed());
      Future<Object> deletion = pool.submit(() -> {
        scopes.get(1).participants().delete(ParticipantRef.id(leaver));
        return "deleted";
      });
      // The vote holds the participant's row: the deletion waits for it instead of missing its uncommitted row.
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      assertEquals("deleted", deletion.get(60, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, scopes.get(0).feedback().idea(idea.id()).votes());
    assertEquals(Map.of(), voteRows());
  }

  @Test
  void twoParticipantsDeletedAtOnceWhoVotedForEachOthersIdeasDoNotDeadlock() throws Exception {
    Idea firsts = submit(0, "First's");
    Idea seconds = submit(1, "Second's");
    scopes.get(0).feedback().vote(world.ref(0), seconds.id());
    scopes.get(0).feedback().vote(world.ref(1), firsts.id());
    Object firstGone;
    Object secondGone;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (HostTx holder = fixture.hostTransactions().orElseThrow().begin();
        HostTx deletingSecond = fixture.hostTransactions().orElseThrow().begin();
        HostTx deletingFirst = fixture.hostTransactions().orElseThrow().begin()) {
      // A third participant's vote holds the first's idea, so both deletions queue on it: the second's first. The
      // deletions run in host transactions, never retried, so a deadlock the store breaks surfaces as a refusal.
      scopes.get(0).joining(holder.transaction()).feedback().vote(world.ref(2), firsts.id());
      Future<Object> deletion2 = pool.submit(deleteIn(deletingSecond, 1));
      JdbcLockWaits.awaitSessionsBlockedOnALock(fixture, 1);
      Future<Object> deletion1 = pool.submit(deleteIn(deletingFirst, 0));
      JdbcLockWaits.awaitSessionsBlockedOnALock(fixture, 2);
      holder.commit();
      secondGone = deletion2.get(60, TimeUnit.SECONDS);
      firstGone = deletion1.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals("deleted", secondGone, "the second's deletion went through");
    assertEquals("deleted", firstGone, "the first's deletion went through");
    assertEquals(Map.of(), voteRows());
    assertCountersEqualRows();
  }

  @Test
  void aParticipantDeletedWhileAVoterWithdrawsFromItsIdeaDoesNotDeadlockWithTheWithdrawal() throws Exception {
    Idea idea = submit(0, "Leaver's");
    scopes.get(0).feedback().vote(world.ref(1), idea.id());
    Pause atCounter = new Pause();
    // Counts the withdrawal's units of work that the store failed to break a deadlock (then retried).
    AtomicInteger broken = new AtomicInteger();
    LoyaltyEngine pausing = engines.build(engines.builder(new InterceptingStorage((Storage) fixture.openStorage(),
        tx -> new ForwardingTransaction(tx) {
          @Override
          public FeedbackPort feedback() {
            return InterceptingStorage.intercept(FeedbackPort.class, tx.feedback(), (method, args, port) -> {
              if (method.getName().equals("decrementVotes")) {
                atCounter.here();
              }
              return InterceptingStorage.invoke(method, port, args);
            });
          }
        }) {
      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        try {
          return super.inTransaction(work);
        } catch (TransientStorageException e) {
          broken.incrementAndGet();
          throw e;
        }
      }
    }, 0));
    TenantScope scope = pausing.forTenant(world.tenantId);
    Object withdrawal;
    Object deletion;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (HostTx deleting = fixture.hostTransactions().orElseThrow().begin()) {
      Future<Object> withdrawing = pool.submit(() -> {
        try {
          return scope.feedback().withdrawVote(world.ref(1), idea.id());
        } catch (RuntimeException e) {
          return e;
        }
      });
      // The withdrawal has taken what it takes before the counter (the vote row, at least).
      atCounter.awaitReached("the withdrawal reached the counter");
      // The author's deletion, in a host transaction (never retried), waits for the withdrawal.
      Future<Object> deleted = pool.submit(deleteIn(deleting, 0));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      atCounter.release();
      withdrawal = withdrawing.get(60, TimeUnit.SECONDS);
      deletion = deleted.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals("deleted", deletion, "the deletion went through");
    assertTrue(withdrawal instanceof VoteResult r && r.changed(), "the withdrawal went through first: " + withdrawal);
    assertEquals(0, broken.get(), "no deadlock was broken");
    assertEquals(Map.of(), voteRows());
    assertCountersEqualRows();
  }

  @Test
  void anIdeasDeletionWaitsForAVoteInProgressAndDeletesItsRowToo() throws Exception {
    Idea idea = submit(0, "Spam");
    scopes.get(0).feedback().vote(world.ref(1), idea.id());
    List<Object> answers = whileHeld(held -> () -> held.feedback().vote(world.ref(2), idea.id()),
        null, waiting -> deleteIdea(waiting, idea));
    assertTrue(answers.get(0) instanceof VoteResult r && r.changed() && r.votes() == 2, "counted: " + answers);
    assertEquals("deleted", answers.get(2), "the deletion went through after it");
    assertGone(idea);
  }

  @Test
  void anIdeasDeletionWaitsForAWithdrawalInProgress() throws Exception {
    Idea idea = submit(0, "Spam");
    scopes.get(0).feedback().vote(world.ref(1), idea.id());
    scopes.get(0).feedback().vote(world.ref(2), idea.id());
    List<Object> answers = whileHeld(held -> () -> held.feedback().withdrawVote(world.ref(2), idea.id()),
        null, waiting -> deleteIdea(waiting, idea));
    assertTrue(answers.get(0) instanceof VoteResult r && r.changed() && r.votes() == 1, "withdrawn: " + answers);
    assertEquals("deleted", answers.get(2), "the deletion went through after it");
    assertGone(idea);
  }

  @Test
  void aVoteWaitsForAnIdeasDeletionInProgressAndFindsTheIdeaGone() throws Exception {
    Idea idea = submit(0, "Spam");
    scopes.get(0).feedback().vote(world.ref(1), idea.id());
    List<Object> answers = whileHeld(held -> deleteIdea(held, idea),
        null, waiting -> () -> waiting.feedback().vote(world.ref(2), idea.id()));
    assertEquals("deleted", answers.get(0));
    assertNotFound(answers.get(2), "the vote found the idea gone");
    assertGone(idea);
  }

  @Test
  void aStatusMoveWaitsForAnIdeasDeletionInProgressAndFindsTheIdeaGone() throws Exception {
    Idea idea = submit(0, "Spam");
    List<Object> answers = whileHeld(held -> deleteIdea(held, idea),
        null, waiting -> () -> waiting.feedback().setStatus(idea.id(), IdeaStatus.DECLINED));
    assertEquals("deleted", answers.get(0));
    assertNotFound(answers.get(2), "the move found the idea gone");
    assertGone(idea);
  }

  @Test
  void theAuthorsDeletionWaitsForAnIdeasDeletionInProgress() throws Exception {
    Idea idea = submit(0, "Spam");
    Idea other = submit(0, "Other");
    scopes.get(0).feedback().vote(world.ref(1), idea.id());
    scopes.get(0).feedback().vote(world.ref(1), other.id());
    List<Object> answers = whileHeld(held -> deleteIdea(held, idea),
        null, waiting -> () -> {
          waiting.participants().delete(world.ref(0));
          return "author deleted";
        });
    assertEquals("deleted", answers.get(0));
    assertEquals("author deleted", answers.get(2), "the author's deletion went through after it");
    assertGone(idea);
    assertGone(other);
  }

  @Test
  void anIdeasDeletionWaitsForItsAuthorRatherThanDeadlockWithTheAuthorsDeletion() throws Exception {
    Idea idea = submit(0, "Spam");
    scopes.get(0).feedback().vote(world.ref(1), idea.id());
    // The first host holds the author's row; the idea's deletion waits for it; the host then deletes the author,
    // which locks the author's ideas. Had the idea's deletion locked the idea before the author, each would hold
    // what the other waits for.
    List<Object> answers = whileHeld(held -> () -> held.points().award(world.ref(0), PointsChange.of(5, "purchase")),
        held -> () -> {
          held.participants().delete(world.ref(0));
          return "author deleted";
        },
        waiting -> deleteIdea(waiting, idea));
    assertEquals("author deleted", answers.get(1), "the author's deletion went through");
    assertNotFound(answers.get(2), "the idea's deletion found it gone with its author");
    assertGone(idea);
  }

  /**
   * Runs {@code holding} in a host transaction left open, holding its locks; then {@code waiting} in another host
   * transaction on another thread, which must wait for one of them; then {@code more} (if any) in the first host,
   * which commits (or rolls back, had a call of it failed); then the second finishes, committed or rolled back
   * likewise. Host transactions are never retried, so a deadlock the store broke would show as a refusal. The
   * answers of {@code holding}, {@code more} (null without) and {@code waiting}.
   */
  private List<Object> whileHeld(Function<TenantScope, Callable<?>> holding,
      Function<TenantScope, Callable<?>> more, Function<TenantScope, Callable<?>> waiting) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope held = scopes.get(0).joining(first.transaction());
      Object heldAnswer = answer(holding.apply(held)).call();
      assertFalse(heldAnswer instanceof RuntimeException, "the holding call went through: " + heldAnswer);
      Future<Object> waited = pool.submit(() -> {
        Object a = answer(waiting.apply(scopes.get(1).joining(second.transaction()))).call();
        finish(second, a);
        return a;
      });
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      Object moreAnswer = more == null ? null : answer(more.apply(held)).call();
      finish(first, moreAnswer instanceof RuntimeException ? moreAnswer : heldAnswer);
      Object waitedAnswer = waited.get(60, TimeUnit.SECONDS);
      return Arrays.asList(heldAnswer, moreAnswer, waitedAnswer);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Deletes {@code idea} in {@code scope}, answering "deleted". */
  private static Callable<?> deleteIdea(TenantScope scope, Idea idea) {
    return () -> {
      scope.feedback().deleteIdea(idea.id());
      return "deleted";
    };
  }

  private static void assertNotFound(Object answer, String what) {
    assertTrue(answer instanceof LoyaltyException e && e.code() == ErrorCode.NOT_FOUND, what + ": " + answer);
  }

  /** The idea is NOT_FOUND, no vote row on it is left, and every counter equals its rows. */
  private void assertGone(Idea idea) throws Exception {
    assertNotFound(answer(() -> scopes.get(0).feedback().idea(idea.id())).call(), "the idea is gone");
    assertEquals(null, voteRows().get(idea.id()), "no vote row on the deleted idea");
    assertCountersEqualRows();
  }

  /**
   * Deletes participant {@code i} in {@code host}, then commits it; rolls it back and answers what was thrown if the
   * deletion failed.
   */
  private Callable<Object> deleteIn(HostTx host, int i) {
    return () -> {
      try {
        scopes.get(1).joining(host.transaction()).participants().delete(world.ref(i));
        host.commit();
        return "deleted";
      } catch (RuntimeException e) {
        host.rollback();
        return e;
      }
    };
  }

  @Test
  void aMoveToDoneWaitsForAWithdrawalInProgressWhichCounts() throws Exception {
    List<Object> answers = voteWhileMovedToDone(false);
    assertTrue(answers.get(0) instanceof VoteResult r && r.changed() && r.votes() == 0, "withdrawn: " + answers);
    assertTrue(answers.get(1) instanceof Idea i && i.status() == IdeaStatus.DONE, "moved: " + answers);
    assertCountersEqualRows();
  }

  @Test
  void aMoveToDoneWaitsForAVoteInProgressWhichCounts() throws Exception {
    List<Object> answers = voteWhileMovedToDone(true);
    assertTrue(answers.get(0) instanceof VoteResult r && r.changed() && r.votes() == 1, "counted: " + answers);
    assertTrue(answers.get(1) instanceof Idea i && i.status() == IdeaStatus.DONE && i.votes() == 1,
        "moved: " + answers);
    assertCountersEqualRows();
  }

  /**
   * Votes up ({@code up}) or withdraws participant 1's vote on a PLANNED idea through an engine that pauses the
   * call just before it moves the idea's counter, and meanwhile moves the idea to DONE on another thread, which must
   * wait for the idea's row: the vote holds it from before it touched its vote row. Returns the answers of the vote
   * and of the move.
   */
  private List<Object> voteWhileMovedToDone(boolean up) throws Exception {
    Idea idea = submit(0, "Dark mode");
    scopes.get(0).feedback().setStatus(idea.id(), IdeaStatus.PLANNED);
    if (!up) {
      scopes.get(0).feedback().vote(world.ref(1), idea.id());
    }
    String counterMove = up ? "incrementVotes" : "decrementVotes";
    Pause before = new Pause();
    LoyaltyEngine pausing = engines.build(engines.builder(new InterceptingStorage((Storage) fixture.openStorage(),
        tx -> new ForwardingTransaction(tx) {
          @Override
          public FeedbackPort feedback() {
            return InterceptingStorage.intercept(FeedbackPort.class, tx.feedback(), (method, args, port) -> {
              if (method.getName().equals(counterMove)) {
                before.here();
              }
              return InterceptingStorage.invoke(method, port, args);
            });
          }
        }), 0));
    TenantScope scope = pausing.forTenant(world.tenantId);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Object> voting = pool.submit(() -> {
        try {
          return up ? scope.feedback().vote(world.ref(1), idea.id())
              : scope.feedback().withdrawVote(world.ref(1), idea.id());
        } catch (RuntimeException e) {
          return e;
        }
      });
      before.awaitReached("the call reached the counter");
      Future<Object> moving = pool.submit(() -> {
        try {
          return scopes.get(0).feedback().setStatus(idea.id(), IdeaStatus.DONE);
        } catch (RuntimeException e) {
          return e;
        }
      });
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      before.release();
      return List.of(voting.get(30, TimeUnit.SECONDS), moving.get(30, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
  }

  private TenantScope scope(int i) {
    return scopes.get(i % scopes.size());
  }

  private Idea submit(int author, String title) {
    return scopes.get(0).feedback().submitIdea(world.ref(author), board.id(), NewIdea.of(title));
  }

  /** Every idea's counter of the tenant equals the rows of votes on it. */
  private void assertCountersEqualRows() throws SQLException {
    Map<Long, Long> counters = new TreeMap<>();
    try (Connection c = fixture.connect();
        PreparedStatement s = c.prepareStatement("SELECT idea_id, votes FROM feedback_idea WHERE tenant_id = ?")) {
      s.setLong(1, world.tenantId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          if (rs.getLong(2) > 0) {
            counters.put(rs.getLong(1), rs.getLong(2));
          }
        }
      }
    }
    assertEquals(voteRows(), counters, "counters (where above zero) == vote rows per idea");
  }

  private Map<Long, Long> voteRows() throws SQLException {
    Map<Long, Long> rows = new TreeMap<>();
    try (Connection c = fixture.connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT idea_id, COUNT(*) FROM feedback_vote WHERE tenant_id = ? GROUP BY idea_id")) {
      s.setLong(1, world.tenantId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.put(rs.getLong(1), rs.getLong(2));
        }
      }
    }
    return rows;
  }

  private long count(Connection c, String sql) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, world.tenantId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
