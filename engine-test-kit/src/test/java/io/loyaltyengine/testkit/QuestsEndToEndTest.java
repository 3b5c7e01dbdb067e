package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.Rejections.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestProgress;
import io.loyaltyengine.quests.QuestTask;
import io.loyaltyengine.quests.Quests;
import io.loyaltyengine.quests.TaskCompletion;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Quests end to end, through the public engine API on {@link InMemoryStorage} with a {@link SettableClock}: creation
 * and its validation field by field, completions that award through the ledger, replays, the bonus once, refusals
 * that change nothing, inactive quests, tenant isolation, deletion with the participant, and the quest events. Races
 * run on H2 and
 * PostgreSQL ({@code QuestRace*}), the port's contract on every store.
 */
class QuestsEndToEndTest {
  private static final Instant START = Instant.parse("2025-06-01T08:00:00Z");

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private InMemoryStorage storage;
  private SettableClock clock;
  private TenantScope scope;
  private Quests quests;
  private Campaign campaign;
  private Participant ada;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    storage = new InMemoryStorage();
    LoyaltyEngine engine = LoyaltyEngine.builder().storage(storage).clock(clock)
        .limits(EngineLimits.builder().maxPointsPerOperation(1_000).build())
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(engine);
    scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    quests = scope.quests();
    Brand brand = scope.brands().create(new NewBrand("Shop", "https://shop.example.com"));
    campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Advocates"));
    ada = enrol("ada@example.com");
  }

  @AfterEach
  void tearDown() {
    engines.forEach(LoyaltyEngine::close);
  }

  @Test
  void aQuestIsCreatedWithItsTasksNumberedInOrderAndListedByCampaign() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "  Summer  ", " Three steps ",
        List.of(new NewQuestTask(" Follow ", 10), new NewQuestTask("Share", 0), new NewQuestTask("Review", 1_000)),
        50));
    assertEquals(new Quest(quest.id(), scope.tenantId(), campaign.id(), "Summer", "Three steps",
        List.of(new QuestTask(1, "Follow", 10), new QuestTask(2, "Share", 0), new QuestTask(3, "Review", 1_000)),
        50, true, START), quest);
    assertEquals(quest, quests.get(quest.id()));
    clock.advance(Duration.ofMinutes(1));
    Quest second = quests.create(new NewQuest(campaign.id(), "Winter", null, List.of(new NewQuestTask("Go", 1)), 0));
    assertNull(second.description());
    assertEquals(List.of(quest, second), quests.list(campaign.id()));

    Quest off = quests.setActive(quest.id(), false);
    assertEquals(quest.withActive(false), off);
    assertEquals(off, quests.setActive(quest.id(), false), "idempotent");
    assertEquals(List.of(off, second), quests.list(campaign.id()));
    assertEquals(quest, quests.setActive(quest.id(), true));

    assertNotFound("quest", () -> quests.get(second.id() + 1_000));
    assertNotFound("quest", () -> quests.setActive(second.id() + 1_000, true));
    assertNotFound("campaign", () -> quests.list(campaign.id() + 1_000));
  }

  @Test
  void everyFieldOfANewQuestIsValidatedAndARefusalCreatesNothing() {
    List<NewQuestTask> one = List.of(new NewQuestTask("Go", 1));
    assertInvalid("quest", null);
    assertInvalid("name", new NewQuest(campaign.id(), null, null, one, 0));
    assertInvalid("name", new NewQuest(campaign.id(), " \u00a0 ", null, one, 0));
    assertInvalid("name", new NewQuest(campaign.id(), "x".repeat(201), null, one, 0));
    assertInvalid("name", new NewQuest(campaign.id(), "a\u0007b", null, one, 0));
    assertInvalid("description", new NewQuest(campaign.id(), "Q", "  ", one, 0));
    assertInvalid("description", new NewQuest(campaign.id(), "Q", "d".repeat(2_001), one, 0));
    assertInvalid("tasks", new NewQuest(campaign.id(), "Q", null, null, 0));
    assertInvalid("tasks", new NewQuest(campaign.id(), "Q", null, List.of(), 0));
    assertInvalid("tasks", new NewQuest(campaign.id(), "Q", null, tasks(51), 0));
    assertInvalid("tasks[1]", new NewQuest(campaign.id(), "Q", null, Arrays.asList(one.get(0), null), 0));
    assertInvalid("tasks[0].name", new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask(null, 1)), 0));
    assertInvalid("tasks[0].name", new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("", 1)), 0));
    assertInvalid("tasks[0].name", new NewQuest(campaign.id(), "Q", null,
        List.of(new NewQuestTask("n".repeat(201), 1)), 0));
    assertInvalid("tasks[2].name", new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("A", 1),
        new NewQuestTask("B", 1), new NewQuestTask(" A ", 1)), 0));
    assertInvalid("tasks[1].points", new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("A", 1),
        new NewQuestTask("B", -1)), 0));
    assertInvalid("tasks[0].points", new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("A", 1_001)),
        0));
    assertInvalid("completionBonus", new NewQuest(campaign.id(), "Q", null, one, -1));
    assertInvalid("completionBonus", new NewQuest(campaign.id(), "Q", null, one, 1_001));
    assertNotFound("campaign", () -> quests.create(new NewQuest(campaign.id() + 1_000, "Q", null,
        one, 0)));
    assertEquals(List.of(), quests.list(campaign.id()));

    // The bounds themselves are accepted: 50 tasks, 200-character names, 2,000-character description, max award.
    Quest edge = quests.create(new NewQuest(campaign.id(), "q".repeat(200), "d".repeat(2_000), tasks(50), 1_000));
    assertEquals(50, edge.tasks().size());
    assertEquals(new QuestTask(50, "Task 50", 1_000), edge.tasks().get(49));
  }

  @Test
  void completionsAwardThroughTheLedgerRepeatsReplayAndTheLastTaskAwardsTheBonusOnce() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Summer", null,
        List.of(new NewQuestTask("Follow", 10), new NewQuestTask("Share", 0), new NewQuestTask("Review", 30)), 100));
    ParticipantRef byEmail = ParticipantRef.email(campaign.id(), "ADA@example.com");
    assertEquals(new QuestProgress(quest.id(), ada.id(), List.of(), false, null), quests.progress(byEmail,
        quest.id()));

    clock.advance(Duration.ofMinutes(1));
    TaskCompletion review = quests.completeTask(byEmail, quest.id(), 3);
    assertFalse(review.replayed());
    assertFalse(review.questCompleted());
    assertNull(review.bonus());
    assertEquals(30, review.points().entry().amount());
    assertEquals(30, review.points().balance());
    assertEquals("quest_task", review.points().entry().type());
    assertEquals("Summer / Review", review.points().entry().description());
    assertEquals("quest:" + quest.id() + ":" + ada.id() + ":3", review.points().entry().idempotencyKey());
    assertEquals(LedgerEntryKind.AWARD, review.points().entry().kind());

    TaskCompletion again = quests.completeTask(ParticipantRef.id(ada.id()), quest.id(), 3);
    assertEquals(new TaskCompletion(quest.id(), ada.id(), 3, new PointsResult(review.points().entry(), 30, true),
        false, null, true), again, "a repeat is the first result, replayed");
    assertEquals(30, balance(ada));

    TaskCompletion share = quests.completeTask(byEmail, quest.id(), 2);
    assertNull(share.points(), "a task of 0 points writes no entry");
    assertFalse(share.questCompleted());

    clock.advance(Duration.ofMinutes(1));
    TaskCompletion follow = quests.completeTask(byEmail, quest.id(), 1);
    assertTrue(follow.questCompleted());
    assertEquals(40, follow.points().balance());
    assertEquals(140, follow.bonus().balance());
    assertEquals(100, follow.bonus().entry().amount());
    assertEquals("quest_bonus", follow.bonus().entry().type());
    assertEquals("quest_bonus:" + quest.id() + ":" + ada.id(), follow.bonus().entry().idempotencyKey());
    assertEquals(new QuestProgress(quest.id(), ada.id(), List.of(1, 2, 3), true, START.plusSeconds(120)),
        quests.progress(byEmail, quest.id()));

    for (int task = 1; task <= 3; task++) {
      TaskCompletion replay = quests.completeTask(byEmail, quest.id(), task);
      assertTrue(replay.replayed());
      assertEquals(task == 1, replay.questCompleted(), "only the completion that finished the quest says so");
    }
    TaskCompletion replayedLast = quests.completeTask(byEmail, quest.id(), 1);
    assertEquals(new PointsResult(follow.bonus().entry(), 140, true), replayedLast.bonus());
    assertEquals(new PointsResult(follow.points().entry(), 40, true), replayedLast.points());

    List<LedgerEntry> ledger = ledger(ada);
    assertEquals(List.of("quest_bonus", "quest_task", "quest_task"), ledger.stream().map(LedgerEntry::type).toList(),
        "one entry per award, newest first, the bonus once");
    assertEquals(140, balance(ada));
    assertEquals(balance(ada), ledger.stream().mapToLong(LedgerEntry::amount).sum());
  }

  /**
   * A replay of a task that did not complete the quest answers as that completion did: its own award and no bonus,
   * even once a later task completed the quest and the bonus's entry exists in the ledger.
   */
  @Test
  void aReplayOfATaskThatDidNotCompleteTheQuestCarriesNoBonusAfterTheQuestIsCompleted() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Summer", null,
        List.of(new NewQuestTask("Follow", 10), new NewQuestTask("Review", 30)), 100));
    ParticipantRef ref = ParticipantRef.id(ada.id());
    TaskCompletion follow = quests.completeTask(ref, quest.id(), 1);
    TaskCompletion review = quests.completeTask(ref, quest.id(), 2);
    assertTrue(review.questCompleted());
    assertEquals(140, review.bonus().balance());

    assertEquals(new TaskCompletion(quest.id(), ada.id(), 1, new PointsResult(follow.points().entry(), 10, true),
        false, null, true), quests.completeTask(ref, quest.id(), 1),
        "the first task's replay: its award only; the bonus was the second task's");
    assertEquals(new TaskCompletion(quest.id(), ada.id(), 2, new PointsResult(review.points().entry(), 40, true),
        true, new PointsResult(review.bonus().entry(), 140, true), true), quests.completeTask(ref, quest.id(), 2));
  }

  @Test
  void eachCompletionWritesItsTaskEventAfterItsAwardAndTheLastOneTheQuestEventOnceAndRepeatsWriteNone() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Summer", null,
        List.of(new NewQuestTask("Follow", 10), new NewQuestTask("Share", 0)), 100));
    ParticipantRef ref = ParticipantRef.id(ada.id());
    clock.advance(Duration.ofMinutes(1));
    TaskCompletion share = quests.completeTask(ref, quest.id(), 2);
    quests.completeTask(ref, quest.id(), 2);
    assertCode(ErrorCode.VALIDATION_ERROR, "taskNumber", () -> quests.completeTask(ref, quest.id(), 3));
    clock.advance(Duration.ofMinutes(1));
    TaskCompletion follow = quests.completeTask(ref, quest.id(), 1);
    for (int task = 1; task <= 2; task++) {
      assertTrue(quests.completeTask(ref, quest.id(), task).replayed());
    }
    assertNull(share.points());

    List<LoyaltyEvent> events = FeedReads.ofParticipant(FeedReads.events(engines.get(0), scope, EventFilter.types(
        EventType.POINTS_AWARDED, EventType.QUEST_TASK_COMPLETED, EventType.QUEST_COMPLETED)), ada.id());
    assertEquals(List.of(EventType.QUEST_TASK_COMPLETED, EventType.POINTS_AWARDED, EventType.QUEST_TASK_COMPLETED,
        EventType.POINTS_AWARDED, EventType.QUEST_COMPLETED), FeedReads.types(events),
        "a task of 0 points has no award; each award comes before the event of what it was for; replays write none");
    assertTrue(events.stream().allMatch(e -> e.campaignId() == campaign.id()));

    Map<String, Object> shared = FeedReads.payload(events.get(0));
    assertEquals(Set.of("questId", "questName", "taskNumber", "taskName", "participantId", "pointsAwarded",
        "ledgerEntryId", "completesQuest", "completedAt"), shared.keySet());
    assertEquals(Long.toString(quest.id()), shared.get("questId"));
    assertEquals("Summer", shared.get("questName"));
    assertEquals(2L, shared.get("taskNumber"));
    assertEquals("Share", shared.get("taskName"));
    assertEquals(Long.toString(ada.id()), shared.get("participantId"));
    assertEquals(0L, shared.get("pointsAwarded"));
    assertNull(shared.get("ledgerEntryId"));
    assertEquals(false, shared.get("completesQuest"));
    assertEquals(START.plusSeconds(60).toString(), shared.get("completedAt"));

    Map<String, Object> followed = FeedReads.payload(events.get(2));
    assertEquals(1L, followed.get("taskNumber"));
    assertEquals(10L, followed.get("pointsAwarded"));
    assertEquals(Long.toString(follow.points().entry().id()), followed.get("ledgerEntryId"));
    assertEquals(true, followed.get("completesQuest"));

    Map<String, Object> completed = FeedReads.payload(events.get(4));
    assertEquals(Set.of("questId", "questName", "participantId", "lastTaskNumber", "bonusAwarded", "ledgerEntryId",
        "completedAt"), completed.keySet());
    assertEquals(Long.toString(quest.id()), completed.get("questId"));
    assertEquals(Long.toString(ada.id()), completed.get("participantId"));
    assertEquals(1L, completed.get("lastTaskNumber"));
    assertEquals(100L, completed.get("bonusAwarded"));
    assertEquals(Long.toString(follow.bonus().entry().id()), completed.get("ledgerEntryId"));
    assertEquals(START.plusSeconds(120).toString(), completed.get("completedAt"));
  }

  @Test
  void aQuestWithoutBonusCompletesWithoutOneAndWithoutAnEntryInItsEventAndRefusalsWriteNoEvents() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("Only", 5)), 0));
    Quest closed = quests.create(new NewQuest(campaign.id(), "Closed", null, List.of(new NewQuestTask("A", 5)), 5));
    quests.setActive(closed.id(), false);
    assertCode(ErrorCode.CONFLICT, "questId", () -> quests.completeTask(ParticipantRef.id(ada.id()), closed.id(), 1));
    quests.completeTask(ParticipantRef.id(ada.id()), quest.id(), 1);

    List<LoyaltyEvent> events = FeedReads.events(engines.get(0), scope,
        EventFilter.types(EventType.QUEST_TASK_COMPLETED, EventType.QUEST_COMPLETED));
    assertEquals(List.of(EventType.QUEST_TASK_COMPLETED, EventType.QUEST_COMPLETED), FeedReads.types(events));
    Map<String, Object> completed = FeedReads.payload(events.get(1));
    assertEquals(0L, completed.get("bonusAwarded"));
    assertNull(completed.get("ledgerEntryId"));
    assertEquals(Long.toString(quest.id()), completed.get("questId"), "nothing of the refused completion");
  }

  @Test
  void aQuestWithoutBonusCompletesWithoutOneAndParticipantsProgressApart() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("Only", 5)), 0));
    Participant bob = enrol("bob@example.com");
    TaskCompletion done = quests.completeTask(ParticipantRef.id(ada.id()), quest.id(), 1);
    assertTrue(done.questCompleted());
    assertNull(done.bonus());
    assertEquals(5, balance(ada));
    assertEquals(new QuestProgress(quest.id(), bob.id(), List.of(), false, null),
        quests.progress(ParticipantRef.id(bob.id()), quest.id()));
    assertFalse(quests.completeTask(ParticipantRef.id(bob.id()), quest.id(), 1).replayed(), "bob's own task");
    assertEquals(5, balance(bob));
  }

  @Test
  void refusalsNameTheirCauseAndChangeNothing() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Q", null,
        List.of(new NewQuestTask("A", 10), new NewQuestTask("B", 10)), 100));
    ParticipantRef ref = ParticipantRef.id(ada.id());
    assertNotFound("quest", () -> quests.completeTask(ref, quest.id() + 1_000, 1));
    assertNotFound("participant", () -> quests.completeTask(ParticipantRef.id(ada.id() + 1_000),
        quest.id(), 1));
    assertNotFound("participant", () -> quests.completeTask(
        ParticipantRef.email(campaign.id(), "nobody@example.com"), quest.id(), 1));
    assertCode(ErrorCode.VALIDATION_ERROR, "taskNumber", () -> quests.completeTask(ref, quest.id(), 0));
    assertCode(ErrorCode.VALIDATION_ERROR, "taskNumber", () -> quests.completeTask(ref, quest.id(), 3));
    assertCode(ErrorCode.VALIDATION_ERROR, "taskNumber", () -> quests.completeTask(ref, quest.id(), -1));

    Campaign other = scope.campaigns().create(NewCampaign.running(campaign.brandId(), "Other"));
    Participant stranger = scope.participants().create(other.id(), NewParticipant.withEmail("ada@example.com"));
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> quests.completeTask(ParticipantRef.id(stranger.id()),
        quest.id(), 1));
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> quests.progress(ParticipantRef.id(stranger.id()),
        quest.id()));

    TaskCompletion first = quests.completeTask(ref, quest.id(), 1);
    quests.setActive(quest.id(), false);
    assertCode(ErrorCode.CONFLICT, "questId", () -> quests.completeTask(ref, quest.id(), 2));
    TaskCompletion replay = quests.completeTask(ref, quest.id(), 1);
    assertTrue(replay.replayed(), "a completed task replays even on an inactive quest");
    assertEquals(first.points().entry(), replay.points().entry());

    assertEquals(10, balance(ada));
    assertEquals(0, balance(stranger));
    assertEquals(List.of(1), quests.progress(ref, quest.id()).completedTasks());

    quests.setActive(quest.id(), true);
    TaskCompletion last = quests.completeTask(ref, quest.id(), 2);
    assertTrue(last.questCompleted());
    assertEquals(120, balance(ada));
  }

  @Test
  void anAwardOverflowingThePointsIsAValidationErrorThatRollsTheWholeCompletionBack() {
    // An engine on the same store whose largest award is Long.MAX_VALUE, the bound itself.
    LoyaltyEngine unbounded = LoyaltyEngine.builder().storage(storage).clock(clock)
        .limits(EngineLimits.builder().maxPointsPerOperation(Long.MAX_VALUE).build())
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(unbounded);
    TenantScope big = unbounded.forTenant(scope.tenantId());
    ParticipantRef ref = ParticipantRef.id(ada.id());
    big.points().award(ref, PointsChange.of(Long.MAX_VALUE - 5, "purchase"));
    List<LedgerEntry> before = ledger(ada);

    // The task fits, the bonus does not: the task's award, written first, goes back with the completion.
    Quest bonusOverflows = big.quests().create(new NewQuest(campaign.id(), "Bonus", null,
        List.of(new NewQuestTask("A", 5)), 1));
    assertCode(ErrorCode.VALIDATION_ERROR, "amount", () -> big.quests().completeTask(ref, bonusOverflows.id(), 1));
    // A task at the largest award.
    Quest taskOverflows = big.quests().create(new NewQuest(campaign.id(), "Task", null,
        List.of(new NewQuestTask("A", Long.MAX_VALUE), new NewQuestTask("B", 0)), Long.MAX_VALUE));
    assertCode(ErrorCode.VALIDATION_ERROR, "amount", () -> big.quests().completeTask(ref, taskOverflows.id(), 1));

    assertEquals(Long.MAX_VALUE - 5, balance(ada));
    assertEquals(before, ledger(ada), "no entry");
    for (Quest q : List.of(bonusOverflows, taskOverflows)) {
      assertEquals(new QuestProgress(q.id(), ada.id(), List.of(), false, null), big.quests().progress(ref, q.id()),
          "no completion");
    }
    // A task of 0 points completes (nothing to overflow) and the quest stays open for the one that overflows.
    assertNull(big.quests().completeTask(ref, taskOverflows.id(), 2).points());
    assertCode(ErrorCode.VALIDATION_ERROR, "amount", () -> big.quests().completeTask(ref, taskOverflows.id(), 1));
    assertEquals(List.of(2), big.quests().progress(ref, taskOverflows.id()).completedTasks());
    assertEquals(List.of(EventType.QUEST_TASK_COMPLETED), FeedReads.types(FeedReads.events(engines.get(0), scope,
        EventFilter.types(EventType.QUEST_TASK_COMPLETED, EventType.QUEST_COMPLETED))),
        "only the completion of 0 points: the events of those rolled back went with them");
  }

  @Test
  void aTaskKeyTheHostTookInTheLedgerIsAConflictThatRollsTheCompletionBack() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("A", 1_000)), 0));
    // A ledger key of the host's own, identical to the task's: the engine refuses rather than award nothing.
    String key = "quest:" + quest.id() + ":" + ada.id() + ":1";
    scope.points().award(ParticipantRef.id(ada.id()), new PointsChange(1_000, "quest_task", "Q / A", key));
    assertCode(ErrorCode.CONFLICT, "questId", () -> quests.completeTask(ParticipantRef.id(ada.id()), quest.id(), 1));
    assertEquals(List.of(), quests.progress(ParticipantRef.id(ada.id()), quest.id()).completedTasks(),
        "the completion rolled back with the refusal");
    assertEquals(1_000, balance(ada));

    // Taken by a change of other parameters, the key is the same CONFLICT, not one on a field the call did not give.
    Quest other = quests.create(new NewQuest(campaign.id(), "R", null, List.of(new NewQuestTask("A", 10)), 0));
    scope.points().award(ParticipantRef.id(ada.id()), PointsChange.of(3, "purchase")
        .withIdempotencyKey("quest:" + other.id() + ":" + ada.id() + ":1"));
    assertCode(ErrorCode.CONFLICT, "questId", () -> quests.completeTask(ParticipantRef.id(ada.id()), other.id(), 1));
    assertEquals(List.of(), quests.progress(ParticipantRef.id(ada.id()), other.id()).completedTasks());
    assertEquals(1_003, balance(ada));
  }

  /**
   * A task and a bonus of 0 points award nothing, so a host's change that took their ledger keys takes nothing of
   * theirs: the completion goes through, and its replay answers as the first completion did, with no award, never
   * with the host's entry. Found by {@code QuestScenario} (seed 33).
   */
  @Test
  void aReplayOfATaskAndBonusOfZeroPointsAnswersNoAwardThoughTheHostTookTheirLedgerKeys() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Q", null, List.of(new NewQuestTask("A", 0)), 0));
    ParticipantRef ref = ParticipantRef.id(ada.id());
    scope.points().award(ref, PointsChange.of(17, "purchase")
        .withIdempotencyKey("quest:" + quest.id() + ":" + ada.id() + ":1"));
    scope.points().award(ref, PointsChange.of(5, "purchase")
        .withIdempotencyKey("quest_bonus:" + quest.id() + ":" + ada.id()));

    TaskCompletion first = quests.completeTask(ref, quest.id(), 1);
    assertNull(first.points(), "a task of 0 points awards nothing");
    assertTrue(first.questCompleted());
    assertNull(first.bonus(), "a bonus of 0 awards nothing");
    TaskCompletion again = quests.completeTask(ref, quest.id(), 1);
    assertEquals(new TaskCompletion(quest.id(), ada.id(), 1, null, true, null, true), again,
        "the replay carries what the first completion did: no award, not the host's entries");
    assertEquals(22, balance(ada), "the host's awards only");
  }

  @Test
  void anotherTenantSeesNoneOfItAndADeletedParticipantTakesItsCompletions() {
    Quest quest = quests.create(new NewQuest(campaign.id(), "Q", null,
        List.of(new NewQuestTask("A", 10), new NewQuestTask("B", 10)), 100));
    quests.completeTask(ParticipantRef.id(ada.id()), quest.id(), 1);
    Participant bob = enrol("bob@example.com");
    quests.completeTask(ParticipantRef.id(bob.id()), quest.id(), 1);

    LoyaltyEngine engine = engines.get(0);
    TenantScope stranger = engine.forTenant(engine.tenants().create(NewTenant.business("Other")).id());
    assertNotFound("quest", () -> stranger.quests().get(quest.id()));
    assertNotFound("quest", () -> stranger.quests().setActive(quest.id(), false));
    assertNotFound("campaign", () -> stranger.quests().list(campaign.id()));
    assertNotFound("campaign", () -> stranger.quests().create(new NewQuest(campaign.id(), "Q",
        null, List.of(new NewQuestTask("A", 1)), 0)));
    assertNotFound("participant", () -> stranger.quests().completeTask(ParticipantRef.id(ada.id()),
        quest.id(), 2));
    assertTrue(quests.get(quest.id()).active());

    scope.participants().delete(ParticipantRef.id(ada.id()));
    long tenantId = scope.tenantId();
    assertEquals(List.of(), storage.inTransaction(tx -> tx.quests().completions(tenantId, quest.id(), ada.id())),
        "its completions went with it");
    assertEquals(1, storage.inTransaction(tx -> tx.quests().completions(tenantId, quest.id(), bob.id())).size(),
        "another participant's stay");
    assertNotFound("participant", () -> quests.progress(ParticipantRef.id(ada.id()), quest.id()));
    Participant again = enrol("ada@example.com");
    assertEquals(List.of(), quests.progress(ParticipantRef.id(again.id()), quest.id()).completedTasks());
  }

  private Participant enrol(String email) {
    return scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
  }

  private long balance(Participant p) {
    return scope.participants().get(ParticipantRef.id(p.id())).pointsBalance();
  }

  private List<LedgerEntry> ledger(Participant p) {
    return scope.points().history(ParticipantRef.id(p.id()), Keyset.first(100)).items();
  }

  private static List<NewQuestTask> tasks(int count) {
    List<NewQuestTask> tasks = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      tasks.add(new NewQuestTask("Task " + i, 1_000));
    }
    return tasks;
  }

  private void assertInvalid(String field, NewQuest quest) {
    assertCode(ErrorCode.VALIDATION_ERROR, field, () -> quests.create(quest));
  }

  /** NOT_FOUND, naming the entity not found in its message (NOT_FOUND names no field). */
  private static void assertNotFound(String entity, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.NOT_FOUND, e.code(), e.toString());
    assertEquals(entity + " not found", e.getMessage());
  }
}
