package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Testimonials raced on one database, one backend per subclass: a participant's one testimonial is held by the
 * database's unique key, so a submission that meets another's uncommitted one waits for it and then answers from it
 * (a replay for the same text, a CONFLICT for another), and moderators racing on one testimonial never both move it.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class TestimonialRaceTestBase extends HostTransactionTestBase {
  @Test
  void aSubmissionThatMeetsAnUncommittedOneWaitsForItThenReplaysOrConflicts() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    NewTestimonial praise = NewTestimonial.of("Lovely shop").withRating(5);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      Testimonial first = scope.joining(host.transaction()).testimonials().submit(w.ref(0), praise);
      Future<Object> same = pool.submit(answer(() -> scope.testimonials().submit(w.ref(0), praise)));
      Future<Object> other = pool.submit(answer(() -> scope.testimonials().submit(w.ref(0),
          NewTestimonial.of("Changed my mind"))));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      assertEquals(first, same.get(60, TimeUnit.SECONDS), "the same submission again is answered by the first");
      Object conflict = other.get(60, TimeUnit.SECONDS);
      assertTrue(conflict instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT
          && e.field().orElseThrow().equals("participant"), "another text is a CONFLICT: " + conflict);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(praise.text()), texts(scope, w.campaignId));
  }

  @Test
  void aSubmissionThatWaitedForOneRolledBackIsStored() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      scope.joining(host.transaction()).testimonials().submit(w.ref(0), NewTestimonial.of("Rolled back"));
      Future<Object> second = pool.submit(answer(() -> scope.testimonials().submit(w.ref(0),
          NewTestimonial.of("Kept"))));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.rollback();
      Object got = second.get(60, TimeUnit.SECONDS);
      assertTrue(got instanceof Testimonial t && t.text().equals("Kept"), "stored once the other rolled back: " + got);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of("Kept"), texts(scope, w.campaignId));
  }

  @Test
  void manyThreadsSubmittingForOneParticipantStoreExactlyOneAndRacingModeratorsEachGetAnHonestAnswer() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Object>> submissions = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String text = "Testimonial " + i;
        submissions.add(pool.submit(answer(() -> {
          start.await();
          return scope.testimonials().submit(w.ref(0), NewTestimonial.of(text));
        })));
      }
      int stored = 0;
      for (Future<Object> submission : submissions) {
        Object got = submission.get(60, TimeUnit.SECONDS);
        if (got instanceof Testimonial) {
          stored++;
        } else {
          assertTrue(got instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT, "else a CONFLICT: " + got);
        }
      }
      assertEquals(1, stored, "exactly one submission stored");
      long id = scope.testimonials().of(w.ref(0)).orElseThrow().id();

      List<Future<Object>> moderations = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        boolean approve = i % 2 == 0;
        moderations.add(pool.submit(answer(() -> {
          start.await();
          return approve ? scope.testimonials().approve(id) : scope.testimonials().reject(id);
        })));
      }
      for (int i = 0; i < threads; i++) {
        Object got = moderations.get(i).get(60, TimeUnit.SECONDS);
        if (i % 2 == 0) {
          // An approval that lost to a rejection is refused; one that returns, returns the testimonial approved.
          assertTrue(got instanceof Testimonial t && t.status() == TestimonialStatus.APPROVED
              || got instanceof LoyaltyException e && e.code() == ErrorCode.INVALID_TRANSITION, "approve: " + got);
        } else {
          assertTrue(got instanceof Testimonial t && t.status() == TestimonialStatus.REJECTED, "reject: " + got);
        }
      }
      // Whatever the order, a rejection came last or after the approval: REJECTED is the only end a reject allows.
      assertEquals(TestimonialStatus.REJECTED, scope.testimonials().get(id).status());
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<String> texts(TenantScope scope, long campaignId) {
    return scope.testimonials().list(campaignId, null, Keyset.first(100)).items().stream()
        .map(Testimonial::text).toList();
  }
}
