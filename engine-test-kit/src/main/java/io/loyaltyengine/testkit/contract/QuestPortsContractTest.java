package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.QuestCompletionRecord;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestTask;
import io.loyaltyengine.quests.QuestUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The quest port's contract suite, held to its javadoc below the engine on every storage backend: a quest and its
 * tasks read back as written (nulls and task order included), lists by campaign in id order, the active flag, an
 * update of the name and description alone returning the row it wrote, one completion per participant and task kept by insert-if-absent, completions listed in task order, a participant's
 * deletion, tenant isolation of every lookup, the undo of every write, and races on two storages: of concurrent
 * completions of one task exactly one is stored, and a second one waits for an uncommitted first. Races through the
 * engine are in the JDBC module's {@code QuestRace*} tests.
 *
 * <p>A backend's test extends this class and supplies its fixture (see {@link ReferralPortsContractTest}).
 * Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class QuestPortsContractTest extends PortsContractSupport {
  /** Microseconds: every backend keeps them. */
  private static final Instant T0 = Instant.parse("2025-04-01T09:30:00.123456Z");

  @Test
  void aQuestRoundTripsEveryFieldWithItsTasksInNumberOrder() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Quest full = new Quest(nextId(), t, campaign.id(), "Spring quest 🎁 «été»", "Do three things",
        List.of(new QuestTask(1, "Follow us", 10), new QuestTask(2, "Share", 0),
            new QuestTask(3, "Review — ★", Long.MAX_VALUE / 2)), 500, true, T0);
    Quest bare = new Quest(nextId(), t, campaign.id(), "x", null, List.of(new QuestTask(1, "y", 1)), 0, false, T0);
    run(tx -> tx.quests().insert(full));
    run(tx -> tx.quests().insert(bare));
    assertEquals(Optional.of(full), tx(tx -> tx.quests().find(t, full.id())));
    assertEquals(Optional.of(bare), tx(tx -> tx.quests().find(t, bare.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.quests().find(t, nextId())));
    long stranger = tenant(T0);
    assertEquals(Optional.empty(), tx(tx -> tx.quests().find(stranger, full.id())), "another tenant");
  }

  @Test
  void listsAreByCampaignInIdOrderAndTheActiveFlagChangesAlone() {
    Campaign campaign = campaign(tenant(T0), T0);
    Campaign other = campaign(campaign.tenantId(), T0);
    long t = campaign.tenantId();
    long first = nextIds(3);
    // Inserted out of id order: the list is in id order all the same.
    for (long id : List.of(first + 2, first, first + 1)) {
      run(tx -> tx.quests().insert(quest(campaign, id, "Q" + (id - first), 2)));
    }
    run(tx -> tx.quests().insert(quest(other, nextId(), "elsewhere", 1)));
    assertEquals(List.of("Q0", "Q1", "Q2"), names(t, campaign.id()));
    assertEquals(List.of(2, 2, 2), tx(tx -> tx.quests().list(t, campaign.id())).stream()
        .map(q -> q.tasks().size()).toList(), "each with its own tasks");
    assertEquals(List.of("elsewhere"), names(t, other.id()));
    long stranger = tenant(T0);
    assertEquals(List.of(), names(stranger, campaign.id()), "another tenant, same campaign id");

    Quest before = tx(tx -> tx.quests().find(t, first)).orElseThrow();
    assertTrue(test(tx -> tx.quests().setActive(t, first, false)));
    assertEquals(before.withActive(false), tx(tx -> tx.quests().find(t, first)).orElseThrow());
    assertTrue(test(tx -> tx.quests().setActive(t, first, false)), "idempotent: the quest exists");
    assertTrue(test(tx -> tx.quests().setActive(t, first, true)));
    assertEquals(before, tx(tx -> tx.quests().find(t, first)).orElseThrow());
    assertFalse(test(tx -> tx.quests().setActive(stranger, first, false)), "another tenant's quest");
    assertFalse(test(tx -> tx.quests().setActive(t, nextId(), false)), "no such quest");
    assertTrue(tx(tx -> tx.quests().find(t, first)).orElseThrow().active());
  }

  @Test
  void anUpdateReplacesNameAndDescriptionOnlyAndReturnsTheRowItWroteWithItsTasks() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Quest inactive = quest(campaign, nextId(), "Spring", 3).withActive(false);
    Quest sibling = quest(campaign, nextId(), "Sibling", 2);
    run(tx -> tx.quests().insert(inactive));
    run(tx -> tx.quests().insert(sibling));
    long participant = nextId();
    QuestCompletionRecord done = completion(t, inactive.id(), participant, 2, false);
    run(tx -> tx.quests().insertCompletionIfAbsent(done));

    Quest updated = tx(tx -> tx.quests().update(t, inactive.id(), new QuestUpdate("Spring — Zoë's 😀",
        "Three «steps»"))).orElseThrow();
    assertEquals(new Quest(inactive.id(), t, campaign.id(), "Spring — Zoë's 😀", "Three «steps»", inactive.tasks(),
        100, false, T0), updated, "tasks, bonus, active flag, campaign and creation time as they were");
    assertEquals(Optional.of(updated), tx(tx -> tx.quests().find(t, inactive.id())), "returned as stored");
    assertEquals(List.of(updated, sibling), tx(tx -> tx.quests().list(t, campaign.id())),
        "the list sees it; the sibling is untouched");
    assertEquals(List.of(done), tx(tx -> tx.quests().completions(t, inactive.id(), participant)),
        "its completions stay");
    Quest cleared = tx(tx -> tx.quests().update(t, inactive.id(), new QuestUpdate("Spring", null))).orElseThrow();
    assertNull(cleared.description(), "a null description is none");
    assertEquals(Optional.of(cleared), tx(tx -> tx.quests().find(t, inactive.id())));

    long stranger = tenant(T0);
    QuestUpdate other = new QuestUpdate("Other", "Other");
    assertEquals(Optional.empty(), tx(tx -> tx.quests().update(stranger, inactive.id(), other)),
        "another tenant's quest");
    assertEquals(Optional.empty(), tx(tx -> tx.quests().update(t, nextId(), other)), "no such quest");
    assertThrows(IllegalStateException.class, () -> run(tx -> {
      tx.quests().update(t, inactive.id(), other);
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(cleared), tx(tx -> tx.quests().find(t, inactive.id())),
        "neither another tenant's update nor a rolled-back one changed it");
  }

  @Test
  void aParticipantCompletesEachTaskOnceAndCompletionsComeInTaskOrder() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Quest quest = quest(campaign, nextId(), "Q", 3);
    Quest other = quest(campaign, nextId(), "Other", 3);
    run(tx -> tx.quests().insert(quest));
    run(tx -> tx.quests().insert(other));
    long participant = nextId();
    long neighbour = nextId();
    QuestCompletionRecord third = completion(t, quest.id(), participant, 3, false);
    QuestCompletionRecord firstTask = completion(t, quest.id(), participant, 1, true);
    assertTrue(test(tx -> tx.quests().insertCompletionIfAbsent(third)));
    assertTrue(test(tx -> tx.quests().insertCompletionIfAbsent(firstTask)));
    assertTrue(test(tx -> {
      boolean inserted = tx.quests().insertCompletionIfAbsent(completion(t, quest.id(), participant, 3, true));
      // The unit of work stays usable after the insert that found the completion.
      return !inserted && tx.quests().completions(t, quest.id(), participant).size() == 2;
    }));
    assertEquals(List.of(firstTask, third), tx(tx -> tx.quests().completions(t, quest.id(), participant)),
        "every field as written, the first kept, in task order");
    assertTrue(test(tx -> tx.quests().insertCompletionIfAbsent(completion(t, quest.id(), neighbour, 3, false))),
        "another participant's completion of the same task");
    assertTrue(test(tx -> tx.quests().insertCompletionIfAbsent(completion(t, other.id(), participant, 3, false))),
        "the same task number of another quest");
    assertEquals(1, tx(tx -> tx.quests().completions(t, other.id(), participant)).size());
    long stranger = tenant(T0);
    assertEquals(List.of(), tx(tx -> tx.quests().completions(stranger, quest.id(), participant)),
        "another tenant");
    assertThrows(RuntimeException.class, () -> run(tx -> tx.quests().insertCompletionIfAbsent(
        completion(t, quest.id(), participant, 4, false))), "a task the quest does not have");
    assertThrows(RuntimeException.class, () -> run(tx -> tx.quests().insertCompletionIfAbsent(
        completion(stranger, quest.id(), participant, 2, false))), "a quest of another tenant");
  }

  @Test
  void aParticipantsDeletionTakesItsCompletionsOnlyAndAnUndoneUnitOfWorkLeavesNothing() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Quest quest = quest(campaign, nextId(), "Q", 2);
    Quest other = quest(campaign, nextId(), "Other", 2);
    run(tx -> tx.quests().insert(quest));
    run(tx -> tx.quests().insert(other));
    long gone = nextId();
    long kept = nextId();
    run(tx -> tx.quests().insertCompletionIfAbsent(completion(t, quest.id(), gone, 1, false)));
    run(tx -> tx.quests().insertCompletionIfAbsent(completion(t, other.id(), gone, 2, false)));
    run(tx -> tx.quests().insertCompletionIfAbsent(completion(t, quest.id(), kept, 1, false)));
    long stranger = tenant(T0);
    run(tx -> tx.quests().deleteAll(stranger, gone));
    assertEquals(1, tx(tx -> tx.quests().completions(t, quest.id(), gone)).size(), "another tenant's deletion");

    long undone = nextId();
    assertThrows(IllegalStateException.class, () -> run(tx -> {
      tx.quests().deleteAll(t, gone);
      tx.quests().setActive(t, quest.id(), false);
      tx.quests().insertCompletionIfAbsent(completion(t, quest.id(), kept, 2, true));
      tx.quests().insert(quest(campaign, undone, "undone", 1));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(1, tx(tx -> tx.quests().completions(t, quest.id(), gone)).size());
    assertEquals(1, tx(tx -> tx.quests().completions(t, other.id(), gone)).size());
    assertEquals(1, tx(tx -> tx.quests().completions(t, quest.id(), kept)).size());
    assertEquals(List.of("Q", "Other"), names(t, campaign.id()));
    assertEquals(quest, tx(tx -> tx.quests().find(t, quest.id())).orElseThrow());

    run(tx -> tx.quests().deleteAll(t, gone));
    assertEquals(List.of(), tx(tx -> tx.quests().completions(t, quest.id(), gone)));
    assertEquals(List.of(), tx(tx -> tx.quests().completions(t, other.id(), gone)), "of every quest");
    assertEquals(1, tx(tx -> tx.quests().completions(t, quest.id(), kept)).size(), "another participant's");
    assertTrue(test(tx -> tx.quests().insertCompletionIfAbsent(completion(t, quest.id(), gone, 1, false))),
        "its key is free again");
  }

  @Test
  void ofConcurrentCompletionsOfOneTaskExactlyOneIsStored() throws Exception {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Quest quest = quest(campaign, nextId(), "Q", 2);
    run(tx -> tx.quests().insert(quest));
    long participant = nextId();
    List<Boolean> outcomes = race(i -> tx -> tx.quests().insertCompletionIfAbsent(new QuestCompletionRecord(t,
        quest.id(), participant, 2, false, T0.plusSeconds(i))));
    assertEquals(1, outcomes.stream().filter(b -> b).count(), outcomes.toString());
    assertEquals(List.of(new QuestCompletionRecord(t, quest.id(), participant, 2, false,
        T0.plusSeconds(outcomes.indexOf(true)))), tx(tx -> tx.quests().completions(t, quest.id(), participant)));
  }

  @Test
  void aSecondCompletionOfOneTaskWaitsForTheFirstAndLosesIfItCommits() throws Exception {
    assertASecondCompletionWaits(true);
  }

  @Test
  void aSecondCompletionOfOneTaskWaitsForTheFirstAndWinsIfItRollsBack() throws Exception {
    assertASecondCompletionWaits(false);
  }

  private void assertASecondCompletionWaits(boolean firstCommits) throws Exception {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Quest quest = quest(campaign, nextId(), "Q", 1);
    run(tx -> tx.quests().insert(quest));
    long participant = nextId();
    QuestCompletionRecord mine = completion(t, quest.id(), participant, 1, true);
    QuestCompletionRecord yours = new QuestCompletionRecord(t, quest.id(), participant, 1, false, T0);
    boolean inserted = secondWaitingForFirst(tx -> tx.quests().insertCompletionIfAbsent(mine), firstCommits,
        tx -> tx.quests().insertCompletionIfAbsent(yours));
    assertEquals(!firstCommits, inserted, firstCommits ? "loses to the committed first" : "wins after a rollback");
    assertEquals(List.of(firstCommits ? mine : yours), tx(tx -> tx.quests().completions(t, quest.id(), participant)));
  }

  private List<String> names(long tenantId, long campaignId) {
    return tx(tx -> tx.quests().list(tenantId, campaignId)).stream().map(Quest::name).toList();
  }

  /** An active quest of {@code tasks} tasks of 10 points each, bonus 100, made at T0. */
  private static Quest quest(Campaign campaign, long id, String name, int tasks) {
    List<QuestTask> list = new ArrayList<>();
    for (int i = 1; i <= tasks; i++) {
      list.add(new QuestTask(i, name + " task " + i, 10));
    }
    return new Quest(id, campaign.tenantId(), campaign.id(), name, null, list, 100, true, T0);
  }

  private static QuestCompletionRecord completion(long tenantId, long questId, long participantId, int task,
      boolean completesQuest) {
    return new QuestCompletionRecord(tenantId, questId, participantId, task, completesQuest, T0.plusSeconds(task));
  }
}
