package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.quests.QuestService;
import io.loyaltyengine.events.EventType;
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
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.quests.TaskCompletion;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.model.LedgerModel.Applied;
import io.loyaltyengine.testkit.model.LedgerModel.Entry;
import io.loyaltyengine.testkit.model.LedgerModel.Outcome;
import io.loyaltyengine.testkit.model.LedgerModel.Rejected;
import io.loyaltyengine.testkit.model.LedgerModel.Replayed;
import io.loyaltyengine.testkit.model.ScenarioEvents.Some;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Quests of a real engine, driven against a reference model by a {@link ModelRunner}: seeded sequences of quest
 * creations (valid, or breaking one rule of {@link NewQuest}), updates of a quest's name and description, activations
 * and deactivations, task completions by four participants of the quests' campaign, one of another campaign and one
 * that does not exist (task numbers in and outside 1..n, quests inactive or unknown, repeated completions), progress
 * reads, plain awards and deductions of points, a host's awards that take the ledger key of a task or a bonus,
 * deletions of the campaign's participants, and moves of the engine's settable clock.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(storage).clock(clock)
 *     .events(EventSettings.builder().manualDispatch().build()).build();
 * QuestScenario.runner(engine, clock, outcome -> {}).steps(120).build().runSeeds(QuestScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine, which must
 * have the default {@link EngineLimits} and dispatch events manually (the scenario runs the rounds that position its
 * events in the change feed), with one brand, the quests' campaign with four participants and a second campaign with
 * one; tenant isolation keeps runs apart. Like {@link LeaderboardScenario} it sets the clock back to where it stood
 * when the runner was built at the start of every run; within a run the clock moves forward by up to ten minutes at a
 * time, with nanoseconds. Operations name participants and quests by slot (quest slots in the order of the creations
 * that succeed), so they stay meaningful when a shortened sequence drops some; an operation on a quest slot that does
 * not exist (yet) is skipped. Participant slot {@value #NOBODY} and quest slot {@value #NO_QUEST} name ones that
 * never exist.
 *
 * <h2>The rules the model follows ({@link io.loyaltyengine.quests.Quests}' javadoc)</h2>
 * A completion is refused with NOT_FOUND for an unknown participant or quest, VALIDATION_ERROR on
 * {@code participant} for a participant of another campaign than the quest's, VALIDATION_ERROR on
 * {@code taskNumber} outside 1..n, and CONFLICT on {@code questId} for an inactive quest; the javadoc gives no order
 * among these, so a call breaking several may be refused for any of them. A task completed before is answered by its
 * first completion, replayed (the same ledger entries, whether it completed the quest), even on a quest deactivated
 * since. Otherwise a completion whose task or bonus ledger key a host's points change took is CONFLICT on
 * {@code questId} and changes nothing; else it awards the task's points (none for 0) as a {@code quest_task} entry
 * and, when it is the participant's last task of the quest, the completion bonus (none for 0) as a
 * {@code quest_bonus} entry, both described with the quest's name at the time. A creation or update breaking a rule
 * of {@link NewQuest} or {@link QuestUpdate} is VALIDATION_ERROR naming the field (a creation breaks one at a time);
 * an unknown campaign or quest is NOT_FOUND. Points are the {@link LedgerModel}'s rules.
 *
 * <p>Deleting a participant ({@link io.loyaltyengine.participant.Participants#delete}) deletes its ledger and its
 * quest completions and frees its ledger keys: from then on it is NOT_FOUND (its completions, replays of tasks it
 * had completed, progress reads, points and a second deletion), and a host's award under one of its task's or bonus's
 * keys is applied, not a CONFLICT; another participant's entry under one of its keys stays, and so does its key.
 *
 * <h2>The events the model expects ({@link io.loyaltyengine.quests.Quests}', {@link QuestService}'s and
 * {@link EventType}'s javadoc)</h2>
 * A first completion writes, about its participant, in its campaign, at the engine's clock and in this order: the
 * task's {@code points.awarded} (unless 0 points), {@code quest.task_completed} {@code {"questId", "questName",
 * "taskNumber", "taskName", "participantId", "pointsAwarded", "ledgerEntryId", "completesQuest", "completedAt"}}
 * and, when it completes the quest, the bonus's {@code points.awarded} (unless 0) and {@code quest.completed}
 * {@code {"questId", "questName", "participantId", "lastTaskNumber", "bonusAwarded", "ledgerEntryId",
 * "completedAt"}}; a task or bonus of 0 points has 0 and a null entry id, the quest's name is the one at the time,
 * and {@code completedAt} is the completion's time, which the progress shows from then on. A replay, a refusal, and
 * a quest's creation, update and activation write none. An award or deduction applied writes {@code points.awarded}
 * or {@code points.deducted} ({@code {"entry": {"id", "kind", "amount", "type", "description", "idempotencyKey",
 * "balanceAfter", "createdAt", "requestedAmount"}, "balance", "lifetimePoints", "participant": {"id", "campaignId",
 * "email", "tier"}}}, as engine-core's {@code EventJson.points} documents; the participant after the change); a
 * deletion {@code participant.deleted} with the participant as it was.
 *
 * <h2>Checked at every step</h2>
 * Every call's result or error code (and field) is the model's; a completion's awards are the model's entries, a
 * replay's the first completion's (same entry ids, the balance they left); a created or updated quest is the model's.
 *
 * <h2>Checked after every step</h2>
 * The change feed holds exactly the events the model expects of the step, in order, with the participant's next
 * sequence numbers and the payloads above. Each campaign's quest list is the model's quests, in creation order; every
 * living participant's balance and lifetime points are the model's, and a deleted one is NOT_FOUND, its progress in
 * every quest too; each participant the step touched has exactly the model's ledger, newest first, whose sum is its
 * balance, with at most one entry per task's and per bonus's key; and its progress in every quest is the model's
 * (the tasks it completed ascending, completed once all are, from then on at the time of the completion that
 * completed it).
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class QuestScenario {
  /** The slot of a participant that never exists. */
  public static final int NOBODY = 99;
  /** The slot of a quest that never exists. */
  public static final int NO_QUEST = 99;

  /** The participants of the quests' campaign: slots 0..3. */
  private static final int MEMBERS = 4;
  /** The slot of the participant of the other campaign. */
  private static final int OUTSIDER = MEMBERS;
  private static final long MAX_POINTS = EngineLimits.DEFAULTS.maxPointsPerOperation();
  private static final int MAX_TASKS = 50;
  private static final int MAX_NAME = 200;
  private static final int MAX_DESCRIPTION = 2_000;
  private static final String TASK_TYPE = "quest_task";
  private static final String BONUS_TYPE = "quest_bonus";
  private static final List<String> QUEST_NAMES = List.of("Summer quest", "  Padded quest  ", "🎁 Gift hunt",
      "Robert'); DROP TABLE quest;--", "Ünïcödé quest");
  private static final long[] DEFAULT_SEEDS = {31L, 32L, 33L};

  /** A completion that recorded a task without completing the quest. */
  public static final String COMPLETED = "task completed";
  /** A completion of a participant's last task of a quest. */
  public static final String QUEST_COMPLETED = "quest completed";
  /** A completion of a quest with a bonus, which awarded it. */
  public static final String BONUS_AWARDED = "bonus awarded";
  /** A task completed before, answered with its first completion. */
  public static final String REPLAYED = "replayed";
  /** A task completed before, answered with its first completion though the quest is inactive now. */
  public static final String REPLAYED_INACTIVE = "replayed on an inactive quest";
  /** A completion of a task of an inactive quest. */
  public static final String INACTIVE = "CONFLICT on questId (inactive)";
  /** A completion whose task's or bonus's ledger key a host's award took. */
  public static final String KEY_TAKEN = "CONFLICT on questId (key taken)";
  /** A completion of a task number outside 1..n. */
  public static final String BAD_TASK = "VALIDATION_ERROR on taskNumber";
  /** A completion or progress read by a participant of another campaign. */
  public static final String OTHER_CAMPAIGN = "VALIDATION_ERROR on participant";
  /** An unknown participant, quest or campaign. */
  public static final String NOT_FOUND = "NOT_FOUND";
  /** A quest created. */
  public static final String CREATED = "created";
  /** A creation refused for one of its fields. */
  public static final String CREATE_REFUSED = "creation refused";
  /** A quest's name and description updated. */
  public static final String UPDATED = "updated";
  /** An update refused for one of its fields. */
  public static final String UPDATE_REFUSED = "update refused";
  /** A quest activated or deactivated. */
  public static final String SWITCHED = "switched";
  /** A progress read answered. */
  public static final String PROGRESS = "progress";
  /** A plain award or deduction applied. */
  public static final String POINTS = "points";
  /** A deduction larger than the balance. */
  public static final String INSUFFICIENT = "INSUFFICIENT_POINTS";
  /** A host's award that took the ledger key of a task or bonus. */
  public static final String HOST_TOOK_KEY = "host took a quest key";
  /** A host's award with a quest key that was taken already (by a completion or another request). */
  public static final String HOST_KEY_CONFLICT = "CONFLICT on idempotencyKey";
  /** A participant deleted with its ledger and completions. */
  public static final String DELETED = "participant deleted";
  /** A completion, by a deleted participant, of a task it had completed: NOT_FOUND, no replay. */
  public static final String DELETED_REPLAY = "NOT_FOUND for a task completed before its participant's deletion";
  /** A host's award under a key of a deleted participant's task or bonus: the key is free again. */
  public static final String FREED_KEY = "host took a key freed by a deletion";

  /** The longest move of the clock, in nanoseconds: ten minutes. */
  private static final long MAX_TICK_NANOS = Duration.ofMinutes(10).toNanos();

  private QuestScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test, with the default {@link EngineLimits}, dispatching events manually, whose
   *     clock is {@code clock}; each run creates its own tenant in it
   * @param clock the engine's clock: set back to its present instant at the start of every run, then moved forward
   * @param outcomes told the outcome of every call (one of {@link #outcomes()}), so that a caller can check that its
   *     seeds reach them all
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(outcomes, "outcomes");
    Instant origin = clock.instant();
    return ModelRunner.<Run, Model, Op>builder()
        .name("quests")
        .system(() -> new Run(engine, clock, origin))
        .model(run -> new Model())
        .operations(QuestScenario::next)
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(QuestScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(COMPLETED, QUEST_COMPLETED, BONUS_AWARDED, REPLAYED, REPLAYED_INACTIVE, INACTIVE, KEY_TAKEN,
        BAD_TASK, OTHER_CAMPAIGN, NOT_FOUND, CREATED, CREATE_REFUSED, UPDATED, UPDATE_REFUSED, SWITCHED, PROGRESS,
        POINTS, INSUFFICIENT, HOST_TOOK_KEY, HOST_KEY_CONFLICT, DELETED, DELETED_REPLAY, FREED_KEY);
  }

  // ==================================================================== generating

  private static Op next(RandomGenerator random, List<Op> previous) {
    List<Create> quests = previous.stream()
        .filter(op -> op instanceof Create c && refusals(c).isEmpty())
        .map(Create.class::cast)
        .toList();
    int roll = random.nextInt(100);
    if (roll < 5 || quests.isEmpty() || quests.size() < 2 && roll < 40) {
      return create(random, previous.size());
    }
    int participant = participant(random);
    int questSlot = random.nextInt(quests.size());
    int tasks = quests.get(questSlot).tasks().size();
    if (roll < 12) {
      return update(random, random.nextInt(12) == 0 ? NO_QUEST : questSlot);
    }
    if (roll < 19) {
      return new SetActive(random.nextInt(15) == 0 ? NO_QUEST : questSlot, random.nextInt(5) < 3);
    }
    if (roll < 29) {
      return new Progress(participant, random.nextInt(15) == 0 ? NO_QUEST : questSlot);
    }
    if (roll < 38) {
      return new Award(random.nextInt(MEMBERS + 1), 1 + random.nextInt(60));
    }
    if (roll < 44) {
      return new Deduct(random.nextInt(MEMBERS + 1), random.nextInt(4) == 0 ? 500 : 1 + random.nextInt(40));
    }
    // Deleted members, so that their keys and completed tasks are tried again more often than by chance.
    List<Integer> deleted = previous.stream().filter(DeleteParticipant.class::isInstance)
        .map(op -> ((DeleteParticipant) op).slot()).distinct().toList();
    if (roll < 46) {
      return new DeleteParticipant(random.nextInt(MEMBERS));
    }
    if (roll < 50) {
      List<TakeKey> taken = previous.stream().filter(TakeKey.class::isInstance).map(TakeKey.class::cast).toList();
      if (!taken.isEmpty() && random.nextInt(4) == 0) {
        return taken.get(random.nextInt(taken.size())); // the host's retry
      }
      int owner = !deleted.isEmpty() && random.nextBoolean() ? deleted.get(random.nextInt(deleted.size()))
          : random.nextInt(MEMBERS);
      int to = random.nextInt(4) == 0 || deleted.contains(owner) ? random.nextInt(MEMBERS) : owner;
      return new TakeKey(owner, questSlot, random.nextInt(tasks + 1), to, 1 + random.nextInt(30));
    }
    if (roll < 54) {
      return new Tick(1 + random.nextLong(MAX_TICK_NANOS));
    }
    List<Complete> done = previous.stream().filter(Complete.class::isInstance).map(Complete.class::cast).toList();
    List<Complete> ofDeleted = done.stream().filter(c -> deleted.contains(c.participant())).toList();
    if (!ofDeleted.isEmpty() && random.nextInt(4) == 0) {
      return ofDeleted.get(random.nextInt(ofDeleted.size())); // a retry after the participant's deletion
    }
    if (!done.isEmpty() && random.nextInt(6) == 0) {
      return done.get(random.nextInt(done.size())); // a repeated completion
    }
    int task = random.nextInt(10) > 0 ? 1 + random.nextInt(tasks)
        : Gen.elements(0, -1, tasks + 1, Integer.MAX_VALUE).next(random);
    return new Complete(participant, random.nextInt(25) == 0 ? NO_QUEST : questSlot, task);
  }

  /** Mostly a member of the quests' campaign; now and then the outsider or nobody. */
  private static int participant(RandomGenerator random) {
    int roll = random.nextInt(30);
    return roll == 0 ? NOBODY : roll < 3 ? OUTSIDER : random.nextInt(MEMBERS);
  }

  /** A valid creation three times in four; else one that breaks exactly one rule of {@link NewQuest}. */
  private static Create create(RandomGenerator random, int step) {
    String name = Gen.elements(QUEST_NAMES).next(random) + " " + step;
    String description = random.nextBoolean() ? null : "Do these, " + step;
    int size = 1 + random.nextInt(4);
    List<NewQuestTask> tasks = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      tasks.add(new NewQuestTask(random.nextInt(8) == 0 ? "  task " + (i + 1) + "  " : "task " + (i + 1),
          random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(50)));
    }
    long bonus = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(100);
    if (random.nextInt(4) > 0) {
      return new Create(name, description, tasks, bonus, false);
    }
    int broken = random.nextInt(size > 1 ? 12 : 11);
    int at = random.nextInt(size);
    NewQuestTask task = tasks.get(at);
    switch (broken) {
      case 0 -> name = "   ";
      case 1 -> name = "x".repeat(MAX_NAME + 1);
      case 2 -> description = "bell \u0007 rings";
      case 3 -> description = " ";
      case 4 -> tasks.clear();
      case 5 -> {
        while (tasks.size() <= MAX_TASKS) {
          tasks.add(new NewQuestTask("extra " + tasks.size(), 1));
        }
      }
      case 6 -> tasks.set(at, new NewQuestTask(" ", task.points()));
      case 7 -> tasks.set(at, new NewQuestTask(task.name(), -1));
      case 8 -> tasks.set(at, new NewQuestTask(task.name(), MAX_POINTS + 1));
      case 9 -> bonus = random.nextBoolean() ? -1 : MAX_POINTS + 1;
      case 10 -> {
        return new Create(name, description, tasks, bonus, true);
      }
      default -> tasks.set(size - 1, new NewQuestTask(" " + tasks.get(0).name().strip() + " ", task.points()));
    }
    return new Create(name, description, tasks, bonus, false);
  }

  /** A valid update two times in three; else one that breaks a rule of {@link QuestUpdate}. */
  private static Update update(RandomGenerator random, int quest) {
    String name = Gen.elements(QUEST_NAMES).next(random) + " renamed " + random.nextInt(100);
    String description = random.nextBoolean() ? null : "Now about " + random.nextInt(100);
    if (random.nextInt(3) > 0) {
      return new Update(quest, name, description);
    }
    return switch (random.nextInt(4)) {
      case 0 -> new Update(quest, " ", description);
      case 1 -> new Update(quest, "y".repeat(MAX_NAME + 1), description);
      case 2 -> new Update(quest, name, "tab\tted? no: \u0000");
      default -> new Update(quest, name, "d".repeat(MAX_DESCRIPTION + 1));
    };
  }

  // ==================================================================== the rules of creation and update

  /** The refusals a creation breaks ({@link NewQuest}'s rules, then NOT_FOUND for the campaign); empty if valid. */
  static Set<String> refusals(Create c) {
    Set<String> broken = new LinkedHashSet<>();
    text("name", c.name(), MAX_NAME, false, broken);
    text("description", c.description(), MAX_DESCRIPTION, true, broken);
    if (c.tasks().isEmpty() || c.tasks().size() > MAX_TASKS) {
      broken.add(validation("tasks"));
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < c.tasks().size(); i++) {
      NewQuestTask task = c.tasks().get(i);
      if (!text("tasks[" + i + "].name", task.name(), MAX_NAME, false, broken) && !names.add(task.name().strip())) {
        broken.add(validation("tasks[" + i + "].name"));
      }
      if (task.points() < 0 || task.points() > MAX_POINTS) {
        broken.add(validation("tasks[" + i + "].points"));
      }
    }
    if (c.completionBonus() < 0 || c.completionBonus() > MAX_POINTS) {
      broken.add(validation("completionBonus"));
    }
    if (broken.isEmpty() && c.unknownCampaign()) {
      broken.add(NOT_FOUND); // validated first: the campaign is looked up in the store
    }
    return broken;
  }

  /** Adds the refusal of a text field breaking its rule (1..max code points once stripped, no control characters). */
  private static boolean text(String field, String value, int max, boolean optional, Set<String> broken) {
    if (value == null && optional) {
      return false;
    }
    String stripped = value == null ? "" : value.strip();
    if (stripped.isEmpty() || stripped.codePointCount(0, stripped.length()) > max
        || stripped.chars().anyMatch(Character::isISOControl)) {
      broken.add(validation(field));
      return true;
    }
    return false;
  }

  private static String validation(String field) {
    return ErrorCode.VALIDATION_ERROR + " on " + field;
  }

  // ==================================================================== applying

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    run.touched.clear();
    if (op instanceof Create c) {
      applyCreate(run, model, c, outcomes);
    } else if (op instanceof Update u) {
      applyUpdate(run, model, u, outcomes);
    } else if (op instanceof SetActive s) {
      applySetActive(run, model, s, outcomes);
    } else if (op instanceof Complete c) {
      applyComplete(run, model, c, outcomes);
    } else if (op instanceof Progress p) {
      applyProgress(run, model, p, outcomes);
    } else if (op instanceof Award a) {
      applyPoints(run, model, a, a.slot(), true, new PointsChange(a.amount(), "purchase", null, null), POINTS,
          outcomes);
    } else if (op instanceof Deduct d) {
      applyPoints(run, model, d, d.slot(), false, new PointsChange(d.amount(), "refund", null, null), POINTS,
          outcomes);
    } else if (op instanceof TakeKey t) {
      if (t.quest() >= run.quests.size()) {
        return;
      }
      long questId = run.quests.get(t.quest()).id();
      long owner = run.participants.get(t.owner()).id();
      String key = t.task() == 0 ? QuestService.BONUS_KEY_PREFIX + questId + ":" + owner
          : QuestService.TASK_KEY_PREFIX + questId + ":" + owner + ":" + t.task();
      boolean freed = model.deleted.contains(t.owner()) && !model.deleted.contains(t.to())
          && model.freedKeys.contains(key);
      applyPoints(run, model, t, t.to(), true, new PointsChange(t.amount(), "purchase", null, key),
          freed ? FREED_KEY : HOST_TOOK_KEY, outcomes);
    } else if (op instanceof DeleteParticipant d) {
      applyDelete(run, model, d, outcomes);
    } else if (op instanceof Tick t) {
      run.clock.advance(Duration.ofNanos(t.nanos()));
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void applyCreate(Run run, Model model, Create c, Consumer<String> outcomes) {
    Set<String> expected = refusals(c);
    NewQuest request = new NewQuest(c.unknownCampaign() ? run.unknownId : run.campaignId, c.name(), c.description(),
        c.tasks(), c.completionBonus());
    Quest created;
    try {
      created = run.scope.quests().create(request);
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      assertTrue(expected.contains(actual), () -> c + ": expected " + (expected.isEmpty() ? "a quest" : expected)
          + " but got " + actual);
      outcomes.accept(actual.equals(NOT_FOUND) ? NOT_FOUND : CREATE_REFUSED);
      return;
    }
    assertTrue(expected.isEmpty(), () -> c + ": expected " + expected + " but the quest was created");
    QuestState quest = new QuestState(c);
    model.quests.add(quest);
    run.quests.add(created);
    assertQuest(run, model, model.quests.size() - 1, created, c.toString());
    outcomes.accept(CREATED);
  }

  private static void applyUpdate(Run run, Model model, Update u, Consumer<String> outcomes) {
    if (u.quest() != NO_QUEST && u.quest() >= run.quests.size()) {
      return;
    }
    Set<String> expected = new LinkedHashSet<>();
    text("name", u.name(), MAX_NAME, false, expected);
    text("description", u.description(), MAX_DESCRIPTION, true, expected);
    if (u.quest() == NO_QUEST) {
      expected.add(NOT_FOUND);
    }
    Quest updated;
    try {
      updated = run.scope.quests().update(questId(run, u.quest()), new QuestUpdate(u.name(), u.description()));
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      assertTrue(expected.contains(actual), () -> u + ": expected " + (expected.isEmpty() ? "an update" : expected)
          + " but got " + actual);
      outcomes.accept(actual.equals(NOT_FOUND) ? NOT_FOUND : UPDATE_REFUSED);
      return;
    }
    assertTrue(expected.isEmpty(), () -> u + ": expected " + expected + " but the quest was updated");
    QuestState quest = model.quests.get(u.quest());
    quest.name = u.name().strip();
    quest.description = u.description() == null ? null : u.description().strip();
    assertQuest(run, model, u.quest(), updated, u.toString());
    outcomes.accept(UPDATED);
  }

  private static void applySetActive(Run run, Model model, SetActive s, Consumer<String> outcomes) {
    if (s.quest() != NO_QUEST && s.quest() >= run.quests.size()) {
      return;
    }
    String actual;
    try {
      Quest switched = run.scope.quests().setActive(questId(run, s.quest()), s.active());
      model.quests.get(s.quest()).active = s.active();
      assertQuest(run, model, s.quest(), switched, s.toString());
      actual = SWITCHED;
    } catch (LoyaltyException e) {
      actual = refusal(e);
    }
    assertEquals(s.quest() == NO_QUEST ? NOT_FOUND : SWITCHED, actual, s::toString);
    outcomes.accept(actual);
  }

  /** The refusals a completion or progress read breaks, any of which the engine may answer; empty if none. */
  private static Set<String> refusals(Model model, int participant, int quest, Integer task) {
    Set<String> broken = new LinkedHashSet<>();
    QuestState q = quest == NO_QUEST ? null : model.quests.get(quest);
    if (participant == NOBODY || model.deleted.contains(participant) || q == null) {
      broken.add(NOT_FOUND);
    }
    if (q == null) {
      return broken; // of another campaign than the quest's, or a task of it, needs a quest
    }
    if (participant == OUTSIDER) {
      broken.add(OTHER_CAMPAIGN);
    }
    if (task != null) {
      if (task < 1 || task > q.tasks.size()) {
        broken.add(BAD_TASK);
      } else if (!q.done(participant).containsKey(task) && !q.active) {
        broken.add(ErrorCode.CONFLICT + " on questId");
      }
    }
    return broken;
  }

  private static void applyComplete(Run run, Model model, Complete c, Consumer<String> outcomes) {
    if (c.quest() != NO_QUEST && c.quest() >= run.quests.size()) {
      return;
    }
    touch(run, c.participant());
    Set<String> refusals = refusals(model, c.participant(), c.quest(), c.task());
    QuestState quest = refusals.isEmpty() ? model.quests.get(c.quest()) : null;
    Completion first = quest == null ? null : quest.done(c.participant()).get(c.task());
    Completion predicted = null;
    LedgerModel after = null;
    if (quest != null && first == null) {
      after = model.ledger.copy();
      predicted = predictCompletion(run, after, c, quest);
    }
    TaskCompletion got;
    try {
      got = run.scope.quests().completeTask(ref(run, c.participant()), questId(run, c.quest()), c.task());
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      if (!refusals.isEmpty()) {
        assertTrue(refusals.contains(actual), () -> c + ": expected one of " + refusals + " but got " + actual);
        boolean completedBeforeDeletion = actual.equals(NOT_FOUND)
            && model.deletedCompletions.contains(List.of(c.participant(), c.quest(), c.task()));
        outcomes.accept(actual.startsWith(ErrorCode.CONFLICT.name()) ? INACTIVE
            : completedBeforeDeletion ? DELETED_REPLAY : actual);
        return;
      }
      String why = first != null ? "completed before" : predicted == null ? "its task's or bonus's ledger key is taken"
          : "a valid completion";
      String expected = first != null ? "a replay" : predicted == null ? ErrorCode.CONFLICT + " on questId"
          : "a completion";
      assertEquals(expected, actual, () -> c + " (" + why + ")");
      outcomes.accept(KEY_TAKEN);
      return;
    }
    assertTrue(refusals.isEmpty(), () -> c + ": expected one of " + refusals + " but got " + got);
    assertNotNull(got, c::toString);
    assertEquals(run.quests.get(c.quest()).id(), got.questId(), () -> c + ": questId");
    assertEquals(run.participants.get(c.participant()).id(), got.participantId(), () -> c + ": participantId");
    assertEquals(c.task(), got.taskNumber(), () -> c + ": taskNumber");
    if (first != null) {
      assertTrue(got.replayed(), () -> c + ": the task was completed before, so the answer is a replay");
      assertEquals(first.completesQuest(), got.questCompleted(), () -> c + ": the first completion's questCompleted");
      assertReplayedAward(run, first.task(), got.points(), c + ": the task's award");
      assertReplayedAward(run, first.bonus(), got.bonus(), c + ": the bonus");
      outcomes.accept(quest.active ? REPLAYED : REPLAYED_INACTIVE);
      return;
    }
    assertNotNull(predicted, () -> c + ": expected CONFLICT on questId (a ledger key taken) but got " + got);
    assertFalse(got.replayed(), () -> c + ": a first completion is no replay");
    assertEquals(predicted.completesQuest(), got.questCompleted(), () -> c + ": questCompleted");
    assertNewAward(run, predicted.task(), got.points(), c + ": the task's award");
    assertNewAward(run, predicted.bonus(), got.bonus(), c + ": the bonus");
    model.ledger = after;
    quest.done(c.participant()).put(c.task(), predicted);
    expectCompletionEvents(run, model, c, quest, predicted, got);
    outcomes.accept(predicted.completesQuest() ? QUEST_COMPLETED : COMPLETED);
    if (predicted.bonus() != null) {
      outcomes.accept(BONUS_AWARDED);
    }
  }

  /**
   * What a first completion does to {@code ledger} (a copy of the model's): the task's award and, for the last task,
   * the bonus; null if a ledger key is taken (the caller then drops the copy, as the engine rolls back).
   */
  private static Completion predictCompletion(Run run, LedgerModel ledger, Complete c, QuestState quest) {
    boolean completes = quest.done(c.participant()).size() + 1 == quest.tasks.size();
    long questId = run.quests.get(c.quest()).id();
    long participantId = run.participants.get(c.participant()).id();
    NewQuestTask task = quest.tasks.get(c.task() - 1);
    Entry taskEntry = null;
    if (task.points() > 0) {
      Outcome o = ledger.award(c.participant(), new PointsChange(task.points(), TASK_TYPE, quest.name,
          QuestService.TASK_KEY_PREFIX + questId + ":" + participantId + ":" + c.task()));
      if (!(o instanceof Applied a)) {
        return null;
      }
      taskEntry = a.entry();
    }
    Entry bonusEntry = null;
    if (completes && quest.bonus > 0) {
      Outcome o = ledger.award(c.participant(), new PointsChange(quest.bonus, BONUS_TYPE, quest.name,
          QuestService.BONUS_KEY_PREFIX + questId + ":" + participantId));
      if (!(o instanceof Applied a)) {
        return null;
      }
      bonusEntry = a.entry();
    }
    return new Completion(taskEntry, completes, bonusEntry);
  }

  /**
   * The events of a first completion, in the documented order: the task's award, {@code quest.task_completed}, and
   * for the last task the bonus's award and {@code quest.completed}; none for an award of 0 points.
   */
  private static void expectCompletionEvents(Run run, Model model, Complete c, QuestState quest,
      Completion completion, TaskCompletion got) {
    Participant p = run.participants.get(c.participant());
    long questId = run.quests.get(c.quest()).id();
    Instant now = now(run);
    if (completion.task() != null) {
      expectPoints(run, model, completion.task(), got.points().entry());
    }
    NewQuestTask task = quest.tasks.get(c.task() - 1);
    run.events.expect(EventType.QUEST_TASK_COMPLETED, run.campaignId, p.id(), now, ScenarioEvents.fields(
        "questId", questId, "questName", quest.name, "taskNumber", c.task(), "taskName", task.name(),
        "participantId", p.id(), "pointsAwarded", task.points(),
        "ledgerEntryId", completion.task() == null ? null : got.points().entry().id(),
        "completesQuest", completion.completesQuest(), "completedAt", ScenarioEvents.time(now)));
    if (!completion.completesQuest()) {
      return;
    }
    if (completion.bonus() != null) {
      expectPoints(run, model, completion.bonus(), got.bonus().entry());
    }
    run.events.expect(EventType.QUEST_COMPLETED, run.campaignId, p.id(), now, ScenarioEvents.fields(
        "questId", questId, "questName", quest.name, "participantId", p.id(), "lastTaskNumber", c.task(),
        "bonusAwarded", quest.bonus, "ledgerEntryId", completion.bonus() == null ? null : got.bonus().entry().id(),
        "completedAt", ScenarioEvents.time(now)));
    // The progress shows this time from now on.
    run.completedAt.put(List.of(c.participant(), c.quest()), now);
  }

  /**
   * The {@code points.awarded} or {@code points.deducted} event of a model entry just applied, whose engine entry is
   * {@code actual} (its id, and its description, which the ledger checks hold to the quest's name).
   */
  private static void expectPoints(Run run, Model model, Entry e, LedgerEntry actual) {
    int slot = (int) e.participant();
    Participant p = run.participants.get(slot);
    long lifetime = 0;
    for (Entry earlier : model.ledger.entries(slot)) {
      if (earlier.sequence() <= e.sequence() && earlier.kind() == LedgerEntryKind.AWARD) {
        lifetime += earlier.amount();
      }
    }
    Instant now = now(run);
    run.events.expect(e.kind() == LedgerEntryKind.AWARD ? EventType.POINTS_AWARDED : EventType.POINTS_DEDUCTED,
        p.campaignId(), p.id(), now, ScenarioEvents.fields(
            "entry", ScenarioEvents.fields("id", Long.toString(actual.id()), "kind", e.kind().name(),
                "amount", e.amount(), "type", e.type(), "description", actual.description(),
                "idempotencyKey", e.idempotencyKey(), "balanceAfter", e.balanceAfter(),
                "createdAt", ScenarioEvents.time(now), "requestedAmount", e.requestedAmount()),
            "balance", e.balanceAfter(), "lifetimePoints", lifetime,
            "participant", ScenarioEvents.fields("id", p.id(), "campaignId", p.campaignId(), "email", p.email(),
                "tier", null)));
  }

  private static void assertNewAward(Run run, Entry expected, PointsResult got, String what) {
    if (expected == null) {
      assertNull(got, () -> what + ": none for 0 points");
      return;
    }
    assertNotNull(got, () -> what + ": an award of " + expected.amount());
    assertFalse(got.replayed(), () -> what + ": not replayed");
    assertEquals(expected.balanceAfter(), got.balance(), () -> what + ": the balance after it");
    assertEntry(run, expected, got.entry(), what);
    assertTrue(run.seenEntryIds.add(got.entry().id()), () -> what + ": a new entry reuses an earlier one's id");
    run.entryIds.put(expected.sequence(), got.entry().id());
  }

  private static void assertReplayedAward(Run run, Entry first, PointsResult got, String what) {
    if (first == null) {
      assertNull(got, () -> what + ": none, as the first completion awarded none");
      return;
    }
    assertNotNull(got, () -> what + ": the first completion's award");
    assertEquals(run.entryIds.get(first.sequence()), got.entry().id(), () -> what + ": the first completion's entry");
    assertEquals(first.balanceAfter(), got.balance(), () -> what + ": the balance the first award left");
    assertEntry(run, first, got.entry(), what);
  }

  /** The engine's entry is the model's; a quest's entry is described with the quest's name at the time. */
  private static void assertEntry(Run run, Entry expected, LedgerEntry actual, String what) {
    assertEquals(expected.kind(), actual.kind(), () -> what + ": kind");
    assertEquals(expected.amount(), actual.amount(), () -> what + ": amount");
    assertEquals(expected.type(), actual.type(), () -> what + ": type");
    assertEquals(expected.idempotencyKey(), actual.idempotencyKey(), () -> what + ": idempotency key");
    assertEquals(expected.balanceAfter(), actual.balanceAfter(), () -> what + ": balanceAfter");
    assertEquals(run.participants.get((int) expected.participant()).id(), actual.participantId(),
        () -> what + ": participant");
    if (expected.type().equals(TASK_TYPE) || expected.type().equals(BONUS_TYPE)) {
      assertTrue(actual.description() != null && actual.description().startsWith(expected.description()),
          () -> what + ": described with the quest's name \"" + expected.description() + "\" but was \""
              + actual.description() + "\"");
    } else {
      assertEquals(expected.description(), actual.description(), () -> what + ": description");
    }
  }

  private static void applyProgress(Run run, Model model, Progress p, Consumer<String> outcomes) {
    if (p.quest() != NO_QUEST && p.quest() >= run.quests.size()) {
      return;
    }
    Set<String> refusals = refusals(model, p.participant(), p.quest(), null);
    try {
      QuestProgress got = run.scope.quests().progress(ref(run, p.participant()), questId(run, p.quest()));
      assertTrue(refusals.isEmpty(), () -> p + ": expected one of " + refusals + " but got " + got);
      assertProgress(run, model, p.participant(), p.quest(), got, p.toString());
      outcomes.accept(PROGRESS);
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      assertTrue(refusals.contains(actual), () -> p + ": expected " + (refusals.isEmpty() ? "the progress"
          : "one of " + refusals) + " but got " + actual);
      outcomes.accept(actual);
    }
  }

  private static void applyPoints(Run run, Model model, Op op, int slot, boolean award, PointsChange change,
      String applied, Consumer<String> outcomes) {
    touch(run, slot);
    Outcome expected = award ? model.ledger.award(slot, change) : model.ledger.deduct(slot, change);
    ParticipantRef ref = ref(run, slot);
    try {
      PointsResult got = award ? run.scope.points().award(ref, change) : run.scope.points().deduct(ref, change);
      if (expected instanceof Applied a) {
        assertNewAward(run, a.entry(), got, op.toString());
        expectPoints(run, model, a.entry(), got.entry());
        outcomes.accept(applied);
      } else if (expected instanceof Replayed r) {
        assertTrue(got.replayed(), () -> op + ": a retry with the key is a replay");
        assertReplayedAward(run, r.entry(), got, op.toString());
      } else {
        throw new AssertionError(op + ": model predicted " + expected + " but the engine answered " + got);
      }
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      String wanted = expected instanceof Rejected r ? r.code() + (r.field() == null ? "" : " on " + r.field())
          : "a result (" + expected + ")";
      assertEquals(wanted, actual.equals(ErrorCode.INSUFFICIENT_POINTS + " on amount") ? INSUFFICIENT : actual,
          op::toString);
      outcomes.accept(actual.startsWith(ErrorCode.CONFLICT.name()) ? HOST_KEY_CONFLICT
          : actual.equals(NOT_FOUND) ? NOT_FOUND : INSUFFICIENT);
    }
  }

  /**
   * Deletes a participant: its ledger and completions go, its keys are free again, and it writes
   * {@code participant.deleted} with the participant as it was; a second deletion is NOT_FOUND.
   */
  private static void applyDelete(Run run, Model model, DeleteParticipant d, Consumer<String> outcomes) {
    touch(run, d.slot());
    Participant p = run.participants.get(d.slot());
    ParticipantRef ref = ParticipantRef.id(p.id());
    if (model.deleted.contains(d.slot())) {
      String actual;
      try {
        run.scope.participants().delete(ref);
        actual = "deleted again";
      } catch (LoyaltyException e) {
        actual = refusal(e);
      }
      assertEquals(NOT_FOUND, actual, () -> d + ": deleted before");
      outcomes.accept(actual);
      return;
    }
    run.scope.participants().delete(ref);
    run.events.expect(EventType.PARTICIPANT_DELETED, p.campaignId(), p.id(), now(run), ScenarioEvents.fields(
        "participant", new Some(ScenarioEvents.fields("id", p.id(), "campaignId", p.campaignId(), "email", p.email(),
            "pointsBalance", model.ledger.balance(d.slot()),
            "lifetimePoints", model.ledger.lifetimePoints(d.slot())))));
    for (Entry e : model.ledger.entries(d.slot())) {
      if (e.idempotencyKey() != null) {
        model.freedKeys.add(e.idempotencyKey());
      }
    }
    model.ledger.removeParticipant(d.slot());
    model.deleted.add(d.slot());
    for (int quest = 0; quest < model.quests.size(); quest++) {
      for (int task : model.quests.get(quest).done(d.slot()).keySet()) {
        model.deletedCompletions.add(List.of(d.slot(), quest, task));
      }
      model.quests.get(quest).done.remove(d.slot());
      run.completedAt.remove(List.of(d.slot(), quest));
    }
    outcomes.accept(DELETED);
  }

  /** The engine's clock as the engine keeps times: truncated to microseconds. */
  private static Instant now(Run run) {
    return run.clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  /** What a refusal answers: NOT_FOUND whatever it names, else its code and field. */
  private static String refusal(LoyaltyException e) {
    return e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
  }

  private static ParticipantRef ref(Run run, int slot) {
    // An id no participant has: ids are positive, and no generator reaches this one.
    return ParticipantRef.id(slot == NOBODY ? run.unknownId : run.participants.get(slot).id());
  }

  private static long questId(Run run, int slot) {
    return slot == NO_QUEST ? run.unknownId : run.quests.get(slot).id();
  }

  private static void touch(Run run, int slot) {
    if (slot != NOBODY) {
      run.touched.add(slot);
    }
  }

  // ==================================================================== checking

  private static void assertQuest(Run run, Model model, int slot, Quest actual, String what) {
    QuestState expected = model.quests.get(slot);
    Quest created = run.quests.get(slot);
    String who = what + ": quest q" + slot;
    assertEquals(created.id(), actual.id(), () -> who + ": id");
    assertEquals(run.scope.tenantId(), actual.tenantId(), () -> who + ": tenant");
    assertEquals(run.campaignId, actual.campaignId(), () -> who + ": campaign");
    assertEquals(expected.name, actual.name(), () -> who + ": name, stripped");
    assertEquals(expected.description, actual.description(), () -> who + ": description, stripped");
    List<QuestTask> tasks = new ArrayList<>();
    for (int i = 0; i < expected.tasks.size(); i++) {
      tasks.add(new QuestTask(i + 1, expected.tasks.get(i).name(), expected.tasks.get(i).points()));
    }
    assertEquals(tasks, actual.tasks(), () -> who + ": tasks numbered 1..n, names stripped");
    assertEquals(expected.bonus, actual.completionBonus(), () -> who + ": completion bonus");
    assertEquals(expected.active, actual.active(), () -> who + ": active");
    assertEquals(created.createdAt(), actual.createdAt(), () -> who + ": creation time");
  }

  private static void assertProgress(Run run, Model model, int participant, int quest, QuestProgress actual,
      String what) {
    QuestState q = model.quests.get(quest);
    String who = what + ": progress of p" + participant + " in q" + quest;
    assertEquals(run.quests.get(quest).id(), actual.questId(), () -> who + ": questId");
    assertEquals(run.participants.get(participant).id(), actual.participantId(), () -> who + ": participantId");
    assertEquals(new ArrayList<>(q.done(participant).keySet()), actual.completedTasks(),
        () -> who + ": the tasks completed, ascending");
    boolean completed = q.done(participant).size() == q.tasks.size();
    assertEquals(completed, actual.completed(), () -> who + ": completed");
    if (!completed) {
      assertNull(actual.completedAt(), () -> who + ": no completion time before the last task");
      return;
    }
    assertNotNull(actual.completedAt(), () -> who + ": the completion time");
    Instant seen = run.completedAt.putIfAbsent(List.of(participant, quest), actual.completedAt());
    assertEquals(seen == null ? actual.completedAt() : seen, actual.completedAt(), () -> who + ": completion time");
  }

  private static void check(Run run, Model model) {
    run.events.check("the events of the step");
    List<Quest> listed = run.scope.quests().list(run.campaignId);
    assertEquals(model.quests.size(), listed.size(), "quests of the campaign");
    for (int i = 0; i < listed.size(); i++) {
      assertQuest(run, model, i, listed.get(i), "listed in creation order");
    }
    assertEquals(List.of(), run.scope.quests().list(run.otherCampaignId), "quests of the other campaign");
    for (int slot = 0; slot <= OUTSIDER; slot++) {
      ParticipantRef ref = ParticipantRef.id(run.participants.get(slot).id());
      if (model.deleted.contains(slot)) {
        if (run.touched.contains(slot)) {
          checkDeleted(run, model, slot, ref);
        }
        continue;
      }
      Participant p = run.scope.participants().get(ref);
      assertEquals(model.ledger.balance(slot), p.pointsBalance(), "balance of p" + slot);
      assertEquals(model.ledger.lifetimePoints(slot), p.lifetimePoints(), "lifetime points of p" + slot);
      if (run.touched.contains(slot)) {
        checkLedger(run, model, slot, p);
        for (int quest = 0; slot < MEMBERS && quest < model.quests.size(); quest++) {
          assertProgress(run, model, slot, quest,
              run.scope.quests().progress(ParticipantRef.id(p.id()), run.quests.get(quest).id()), "after the step");
        }
      }
    }
  }

  /** A deleted participant is NOT_FOUND, and so is its progress in every quest. */
  private static void checkDeleted(Run run, Model model, int slot, ParticipantRef ref) {
    assertEquals(NOT_FOUND, answer(() -> run.scope.participants().get(ref)), "p" + slot + " is deleted");
    for (int quest = 0; quest < model.quests.size(); quest++) {
      long questId = run.quests.get(quest).id();
      assertEquals(NOT_FOUND, answer(() -> run.scope.quests().progress(ref, questId)),
          "the progress of the deleted p" + slot + " in q" + quest);
    }
  }

  /** {@code "done"} after {@code call} went through, else what it was refused with. */
  private static String answer(Runnable call) {
    try {
      call.run();
      return "done";
    } catch (LoyaltyException e) {
      return refusal(e);
    }
  }

  /** The participant's ledger is the model's, newest first; it sums to the balance and has each quest key once. */
  private static void checkLedger(Run run, Model model, int slot, Participant p) {
    List<LedgerEntry> history = Pages.all(page -> run.scope.points().history(ParticipantRef.id(p.id()), page));
    String who = "ledger of p" + slot;
    long sum = 0;
    Set<String> questKeys = new HashSet<>();
    for (LedgerEntry e : history) {
      sum = Math.addExact(sum, e.signedAmount());
      if (e.type().equals(TASK_TYPE) || e.type().equals(BONUS_TYPE)) {
        // A task's points, and a quest's bonus, at most once per participant.
        assertTrue(questKeys.add(e.idempotencyKey()), () -> who + ": awarded twice under " + e.idempotencyKey());
      }
    }
    assertEquals(p.pointsBalance(), sum, who + ": the balance is the sum of the ledger");
    List<Entry> expected = new ArrayList<>(model.ledger.entries(slot));
    Collections.reverse(expected);
    assertEquals(expected.size(), history.size(), () -> who + ": entries " + expected + " but was " + history);
    for (int i = 0; i < history.size(); i++) {
      Entry e = expected.get(i);
      assertEquals(run.entryIds.get(e.sequence()), history.get(i).id(), who + ": entry " + i + " id");
      assertEntry(run, e, history.get(i), who + ": entry " + i);
    }
  }

  // ==================================================================== state

  /**
   * One run's system under test: a fresh tenant of the engine with the quests' campaign and its four participants,
   * another campaign with one, the quests created so far by slot, the engine's clock and the tenant's change feed.
   * Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final SettableClock clock;
    private final ScenarioEvents events;
    private final long campaignId;
    private final long otherCampaignId;
    private final long unknownId;
    private final List<Participant> participants = new ArrayList<>();
    private final List<Quest> quests = new ArrayList<>();
    private final Set<Integer> touched = new HashSet<>();
    /** The engine's entry id of each model entry, by the model's sequence. */
    private final Map<Long, Long> entryIds = new HashMap<>();
    private final Set<Long> seenEntryIds = new HashSet<>();
    /** The time of the completion that completed the quest, of each (participant, quest) that completed one. */
    private final Map<List<Integer>, Instant> completedAt = new HashMap<>();

    Run(LoyaltyEngine engine, SettableClock clock, Instant origin) {
      this.clock = clock;
      clock.set(origin);
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Quest model run")).id());
      this.events = new ScenarioEvents(engine, scope);
      long brand = scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id();
      Campaign campaign = scope.campaigns().create(NewCampaign.running(brand, "Model campaign"));
      Campaign other = scope.campaigns().create(NewCampaign.running(brand, "Other campaign"));
      this.campaignId = campaign.id();
      this.otherCampaignId = other.id();
      for (int i = 0; i < MEMBERS; i++) {
        participants.add(scope.participants().create(campaignId, NewParticipant.withEmail("p" + i + "@m.example")));
      }
      participants.add(scope.participants().create(otherCampaignId, NewParticipant.withEmail("out@m.example")));
      for (Participant p : participants) {
        events.expect(EventType.PARTICIPANT_CREATED, p.campaignId(), p.id(), now(this), ScenarioEvents.fields(
            "participant", new Some(ScenarioEvents.fields("id", p.id(), "campaignId", p.campaignId(),
                "email", p.email(), "pointsBalance", 0L, "lifetimePoints", 0L))));
      }
      // An id nothing has: ids are positive and time-ordered, far below this one.
      this.unknownId = Long.MAX_VALUE - 7;
    }

    @Override
    public String toString() {
      return "QuestScenario.Run[tenant=" + scope.tenantId() + "]";
    }
  }

  /**
   * What quests must do: the quests as created and changed since, each participant's completions of each, the
   * points ledger of every participant, and who has been deleted. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final List<QuestState> quests = new ArrayList<>();
    private LedgerModel ledger = new LedgerModel(MAX_POINTS);
    /** The deleted participants' slots. */
    private final Set<Integer> deleted = new HashSet<>();
    /** The (participant, quest, task) completions that went with their participant. */
    private final Set<List<Integer>> deletedCompletions = new HashSet<>();
    /** The ledger keys that deleted participants' entries held. */
    private final Set<String> freedKeys = new HashSet<>();

    Model() {
      for (int slot = 0; slot <= OUTSIDER; slot++) {
        ledger.addParticipant(slot);
      }
    }

    @Override
    public String toString() {
      return "QuestScenario.Model[quests=" + quests + ", " + ledger + ", deleted=" + deleted + "]";
    }
  }

  /** A quest of the model: its fields and, per participant slot, its first completion of each task. */
  private static final class QuestState {
    private final List<NewQuestTask> tasks = new ArrayList<>();
    private final long bonus;
    private final Map<Integer, Map<Integer, Completion>> done = new HashMap<>();
    private String name;
    private String description;
    private boolean active = true;

    QuestState(Create c) {
      this.name = c.name().strip();
      this.description = c.description() == null ? null : c.description().strip();
      for (NewQuestTask task : c.tasks()) {
        tasks.add(new NewQuestTask(task.name().strip(), task.points()));
      }
      this.bonus = c.completionBonus();
    }

    /** The participant's completions, by task number ascending. */
    Map<Integer, Completion> done(int participant) {
      return done.computeIfAbsent(participant, p -> new TreeMap<>());
    }

    @Override
    public String toString() {
      return "\"" + name + "\"" + (active ? "" : " (inactive)") + " " + tasks + " bonus " + bonus + " done " + done;
    }
  }

  /** A first completion: its task's entry (null for 0 points), whether it completed the quest, its bonus entry. */
  private record Completion(Entry task, boolean completesQuest, Entry bonus) {
  }

  // ==================================================================== operations

  /** An operation of the scenario, naming participants and quests by slot. Immutable and thread-safe. */
  public sealed interface Op permits Create, Update, SetActive, Complete, Progress, Award, Deduct, TakeKey,
      DeleteParticipant, Tick {
  }

  /**
   * Creates a quest in the quests' campaign (or, with {@code unknownCampaign}, in one that does not exist). Immutable
   * and thread-safe.
   *
   * @param name its name
   * @param description its description, or null
   * @param tasks its tasks
   * @param completionBonus its bonus
   * @param unknownCampaign whether it names a campaign that does not exist
   */
  public record Create(String name, String description, List<NewQuestTask> tasks, long completionBonus,
      boolean unknownCampaign) implements Op {
    /** Copies the list. */
    public Create {
      tasks = List.copyOf(tasks);
    }

    @Override
    public String toString() {
      String shownName = name.length() > 40 ? name.substring(0, 40) + "... (" + name.length() + ")" : name;
      String shownTasks = tasks.size() > 5 ? tasks.size() + " tasks" : tasks.toString();
      return "create \"" + shownName + "\"" + (description == null ? "" : " \"" + description + "\"") + " "
          + shownTasks + " bonus " + completionBonus + (unknownCampaign ? " in an unknown campaign" : "");
    }
  }

  /**
   * Replaces the name and description of the quest in {@code quest}. Immutable and thread-safe.
   *
   * @param quest the quest's slot, or {@value #NO_QUEST}
   * @param name the new name
   * @param description the new description, or null
   */
  public record Update(int quest, String name, String description) implements Op {
    @Override
    public String toString() {
      return "update q" + quest + ": \"" + (name.length() > 40 ? name.length() + " characters" : name) + "\", "
          + (description == null ? "no description"
              : "\"" + (description.length() > 40 ? description.length() + " characters" : description) + "\"");
    }
  }

  /**
   * Activates or deactivates the quest in {@code quest}. Immutable and thread-safe.
   *
   * @param quest the quest's slot, or {@value #NO_QUEST}
   * @param active whether it is to be active
   */
  public record SetActive(int quest, boolean active) implements Op {
    @Override
    public String toString() {
      return (active ? "activate q" : "deactivate q") + quest;
    }
  }

  /**
   * The participant in {@code participant} completes task {@code task} of the quest in {@code quest}. Immutable and
   * thread-safe.
   *
   * @param participant the participant's slot: 0..3 of the quests' campaign, 4 of the other, or {@value #NOBODY}
   * @param quest the quest's slot, or {@value #NO_QUEST}
   * @param task the task number, valid or not
   */
  public record Complete(int participant, int quest, int task) implements Op {
    @Override
    public String toString() {
      return "p" + participant + " completes task " + task + " of q" + quest;
    }
  }

  /**
   * Reads the progress of the participant in {@code participant} in the quest in {@code quest}. Immutable and
   * thread-safe.
   *
   * @param participant the participant's slot
   * @param quest the quest's slot, or {@value #NO_QUEST}
   */
  public record Progress(int participant, int quest) implements Op {
    @Override
    public String toString() {
      return "progress of p" + participant + " in q" + quest;
    }
  }

  /**
   * Awards points to the participant in {@code slot}, without a key. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..4
   * @param amount the points
   */
  public record Award(int slot, long amount) implements Op {
    @Override
    public String toString() {
      return "award " + amount + " to p" + slot;
    }
  }

  /**
   * Deducts points from the participant in {@code slot}, without a key. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..4
   * @param amount the points
   */
  public record Deduct(int slot, long amount) implements Op {
    @Override
    public String toString() {
      return "deduct " + amount + " from p" + slot;
    }
  }

  /**
   * A host's award to the participant in {@code to} under the ledger key of task {@code task} (0: the bonus) of the
   * participant in {@code owner} in the quest in {@code quest}. Immutable and thread-safe.
   *
   * @param owner the slot of the participant whose key it takes, 0..3
   * @param quest the quest's slot
   * @param task the task number, or 0 for the completion bonus
   * @param to the slot of the participant awarded, 0..3
   * @param amount the points
   */
  public record TakeKey(int owner, int quest, int task, int to, long amount) implements Op {
    @Override
    public String toString() {
      return "host awards " + amount + " to p" + to + " under the key of " + (task == 0 ? "the bonus" : "task " + task)
          + " of p" + owner + " in q" + quest;
    }
  }

  /**
   * Deletes the participant in {@code slot}, with its ledger and quest completions. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..3
   */
  public record DeleteParticipant(int slot) implements Op {
    @Override
    public String toString() {
      return "delete p" + slot;
    }
  }

  /**
   * Moves the engine's clock forward. Immutable and thread-safe.
   *
   * @param nanos by how many nanoseconds, 1 to ten minutes' worth
   */
  public record Tick(long nanos) implements Op {
    @Override
    public String toString() {
      return "clock +" + Duration.ofNanos(nanos);
    }
  }
}
