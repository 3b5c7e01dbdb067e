package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.TaskCompletion;
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
 * Quests raced on one database, one backend per subclass, through two engines sharing it: completions of one
 * participant queue on its row, so concurrent completions of one task award it once and concurrent completions of
 * the last two tasks award the bonus once; every balance stays the sum of its ledger.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class QuestRaceTestBase extends HostTransactionTestBase {
  private static final int THREADS = 8;

  @Test
  void threadsCompletingOneTaskOfOneParticipantAwardItOnce() throws Exception {
    LoyaltyEngine first = engines.build(engines.builder(fixture.openStorage(), 0));
    LoyaltyEngine second = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(first, 1);
    List<TenantScope> scopes = List.of(first.forTenant(w.tenantId), second.forTenant(w.tenantId));
    Quest quest = scopes.get(0).quests().create(new NewQuest(w.campaignId, "Q", null,
        List.of(new NewQuestTask("A", 10), new NewQuestTask("B", 20)), 100));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<TaskCompletion>> calls = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        TenantScope scope = scopes.get(i % 2);
        calls.add(pool.submit(() -> {
          start.await();
          return scope.quests().completeTask(w.ref(0), quest.id(), 2);
        }));
      }
      int awarded = 0;
      long entryId = -1;
      for (Future<TaskCompletion> call : calls) {
        TaskCompletion c = call.get(60, TimeUnit.SECONDS);
        awarded += c.replayed() ? 0 : 1;
        assertFalse(c.questCompleted());
        if (entryId != -1) {
          assertEquals(entryId, c.points().entry().id(), "every answer is the one award's entry");
        }
        entryId = c.points().entry().id();
      }
      assertEquals(1, awarded, "exactly one completion awarded");
    } finally {
      pool.shutdownNow();
    }
    assertBalanceIsTheLedger(scopes.get(0), w.ref(0), 20);
    assertEquals(List.of(2), scopes.get(1).quests().progress(w.ref(0), quest.id()).completedTasks());
  }

  @Test
  void theLastTwoTasksCompletedAtOnceAwardTheBonusOnce() throws Exception {
    int participants = THREADS / 2;
    LoyaltyEngine first = engines.build(engines.builder(fixture.openStorage(), 0));
    LoyaltyEngine second = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(first, participants);
    List<TenantScope> scopes = List.of(first.forTenant(w.tenantId), second.forTenant(w.tenantId));
    Quest quest = scopes.get(0).quests().create(new NewQuest(w.campaignId, "Q", null,
        List.of(new NewQuestTask("A", 1), new NewQuestTask("B", 10), new NewQuestTask("C", 100)), 1_000));
    for (int p = 0; p < participants; p++) {
      scopes.get(0).quests().completeTask(w.ref(p), quest.id(), 1);
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<TaskCompletion>> calls = new ArrayList<>();
      // Each participant's tasks 2 and 3 at once, on the two engines, all participants together.
      for (int i = 0; i < THREADS; i++) {
        TenantScope scope = scopes.get(i % 2);
        ParticipantRef ref = w.ref(i / 2);
        int task = 2 + i % 2;
        calls.add(pool.submit(() -> {
          start.await();
          return scope.quests().completeTask(ref, quest.id(), task);
        }));
      }
      for (int p = 0; p < participants; p++) {
        TaskCompletion a = calls.get(2 * p).get(60, TimeUnit.SECONDS);
        TaskCompletion b = calls.get(2 * p + 1).get(60, TimeUnit.SECONDS);
        assertFalse(a.replayed() || b.replayed());
        assertTrue(a.questCompleted() ^ b.questCompleted(), "exactly one of the two completes the quest");
        TaskCompletion last = a.questCompleted() ? a : b;
        TaskCompletion other = a.questCompleted() ? b : a;
        assertEquals(1_000, last.bonus().entry().amount());
        assertNull(other.bonus());
        assertEquals(1_111, last.bonus().balance(), "the bonus came after both tasks' points");
      }
    } finally {
      pool.shutdownNow();
    }
    for (int p = 0; p < participants; p++) {
      assertBalanceIsTheLedger(scopes.get(p % 2), w.ref(p), 1_111);
      assertTrue(scopes.get(0).quests().progress(w.ref(p), quest.id()).completed());
    }
  }

  @Test
  void aCompletionWaitsForAnUncommittedOneOfTheSameParticipantAndThenCompletesTheQuest() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    Quest quest = scope.quests().create(new NewQuest(w.campaignId, "Q", null,
        List.of(new NewQuestTask("A", 1), new NewQuestTask("B", 10)), 1_000));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      TaskCompletion a = scope.joining(host.transaction()).quests().completeTask(w.ref(0), quest.id(), 1);
      assertFalse(a.questCompleted());
      Future<TaskCompletion> b = pool.submit(() -> scope.quests().completeTask(w.ref(0), quest.id(), 2));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      TaskCompletion last = b.get(60, TimeUnit.SECONDS);
      assertTrue(last.questCompleted(), "it read the other's completion once that committed");
      assertEquals(1_011, last.bonus().balance());
    } finally {
      pool.shutdownNow();
    }
    assertBalanceIsTheLedger(scope, w.ref(0), 1_011);
  }

  @Test
  void aTaskKeyAHostTakesWhileTheCompletionRunsIsAConflictOnQuestIdThatChangesNothing() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    Quest quest = scope.quests().create(new NewQuest(w.campaignId, "Q", null,
        List.of(new NewQuestTask("A", 10), new NewQuestTask("B", 20)), 100));
    long ada = scope.participants().get(w.ref(0)).id();
    String taskKey = "quest:" + quest.id() + ":" + ada + ":1";
    // The host's change is another participant's, so the completion, which holds its own participant's row, does
    // not wait for it there: it meets the key only at its ledger entry's unique key, after its own lookup.
    Object answer = whileAHostHoldsAKey(scope,
        hosted -> hosted.points().award(w.ref(1), PointsChange.of(7, "purchase").withIdempotencyKey(taskKey)),
        () -> scope.quests().completeTask(w.ref(0), quest.id(), 1));
    assertConflictOn("questId", answer);
    assertTrue(scope.quests().progress(w.ref(0), quest.id()).completedTasks().isEmpty(), "no completion stored");
    assertBalanceIsTheLedger(scope, w.ref(0), 0);
    assertBalanceIsTheLedger(scope, w.ref(1), 7);
  }
}
