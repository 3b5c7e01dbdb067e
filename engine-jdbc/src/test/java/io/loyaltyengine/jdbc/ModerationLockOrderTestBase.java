package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A moderation (a testimonial's approval, an idea's status move) racing its author's deletion, on one backend per
 * subclass. The move writes an event about the author, numbered under the author's row lock; the deletion holds that
 * lock and then deletes the testimonial or locks the ideas. Were the move to update its row first and take the author's
 * lock for the event, each would hold what the other waits for (the store would fail one; a host transaction, never
 * retried, would see STORAGE_UNAVAILABLE). The move takes the author's lock first, so it waits, and then finds its row
 * deleted: NOT_FOUND. Host transactions hold both sides uncommitted, so who waits for whom is fixed with no timing
 * assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class ModerationLockOrderTestBase extends HostTransactionTestBase {
  @Test
  void anApprovalWaitsForItsAuthorRatherThanDeadlockWithTheAuthorsDeletion() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    long testimonial = scope.testimonials().submit(w.ref(0), NewTestimonial.of("Lovely")).id();

    moveRacingTheAuthorsDeletion(scope, w.ref(0), joined -> () -> joined.testimonials().approve(testimonial));
  }

  @Test
  void anIdeasStatusMoveWaitsForItsAuthorRatherThanDeadlockWithTheAuthorsDeletion() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    long board = scope.feedback().createBoard(NewFeedbackBoard.of(w.campaignId, "Ideas")).id();
    long idea = scope.feedback().submitIdea(w.ref(0), board, NewIdea.of("Dark mode")).id();

    moveRacingTheAuthorsDeletion(scope, w.ref(0),
        joined -> () -> joined.feedback().setStatus(idea, IdeaStatus.PLANNED));
  }

  /**
   * A host holds the author's lock; {@code move} runs in another host transaction and waits for it; the host then
   * deletes the author, which deletes or locks the moved row, and commits. The move must then fail as NOT_FOUND.
   */
  private void moveRacingTheAuthorsDeletion(TenantScope scope, ParticipantRef author,
      Function<TenantScope, Callable<?>> move) throws Exception {
    Object deletion;
    Object moved;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      // The first host holds the author's lock.
      hosted.points().award(author, PointsChange.of(5, "purchase"));
      Future<Object> moving = pool.submit(answer(move.apply(scope.joining(second.transaction()))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      deletion = answer(() -> {
        hosted.participants().delete(author);
        return "deleted";
      }).call();
      finish(first, deletion);
      moved = moving.get(60, TimeUnit.SECONDS);
      finish(second, moved);
    } finally {
      pool.shutdownNow();
    }
    assertEquals("deleted", deletion, "the deletion went through");
    LoyaltyException refused = assertInstanceOf(LoyaltyException.class, moved, "the move found its row deleted");
    assertEquals(ErrorCode.NOT_FOUND, refused.code(), refused.toString());
  }

  /** Commits the host transaction after a call that went through, rolls it back after one that failed. */
  private static void finish(HostTx host, Object answer) {
    if (answer instanceof RuntimeException) {
      host.rollback();
    } else {
      host.commit();
    }
  }
}
