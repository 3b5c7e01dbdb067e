package io.loyaltyengine.jdbc;


import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.testimonials.NewTestimonial;
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

    assertChangeWaitsForTheParticipantsDeletion(scope, w.ref(0),
        joined -> () -> joined.testimonials().approve(testimonial), ErrorCode.NOT_FOUND);
  }

  @Test
  void anIdeasStatusMoveWaitsForItsAuthorRatherThanDeadlockWithTheAuthorsDeletion() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    long board = scope.feedback().createBoard(NewFeedbackBoard.of(w.campaignId, "Ideas")).id();
    long idea = scope.feedback().submitIdea(w.ref(0), board, NewIdea.of("Dark mode")).id();

    assertChangeWaitsForTheParticipantsDeletion(scope, w.ref(0),
        joined -> () -> joined.feedback().setStatus(idea, IdeaStatus.PLANNED), ErrorCode.NOT_FOUND);
  }
}
