package io.loyaltyengine.core.quests;

import com.fasterxml.jackson.core.JsonGenerator;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.points.PointsService;
import io.loyaltyengine.core.spi.QuestCompletionRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestProgress;
import io.loyaltyengine.quests.QuestTask;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.quests.Quests;
import io.loyaltyengine.quests.TaskCompletion;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Quests over {@link io.loyaltyengine.core.spi.QuestPort}, awarding through {@link PointsService#applyIn}.
 *
 * <h2>The path of a task's completion</h2>
 * The participant reference is validated first (pure). One unit of work then: resolves the participant and takes
 * its row lock (NOT_FOUND), so that one participant's completions run one after the other; reads the quest
 * (NOT_FOUND) and checks that the participant is of its campaign (VALIDATION_ERROR on {@code participant}) and that
 * the task exists (VALIDATION_ERROR on {@code taskNumber}); reads the participant's completions of the quest: if the
 * task is among them, answers with that completion replayed (its ledger entries found by their keys, none for a task
 * or bonus of 0 points, whose keys a host's change may hold), even if the quest is inactive now; otherwise refuses
 * an inactive quest (CONFLICT on {@code questId}), inserts the completion if absent on its unique key, marked as
 * completing the quest when the others were all done, awards the task's points (entry type {@value #TASK_TYPE},
 * key {@value #TASK_KEY_PREFIX}{@code <quest>:<participant>:<task>}) and, when it completes the quest, the completion
 * bonus (type {@value #BONUS_TYPE}, key {@value #BONUS_KEY_PREFIX}{@code <quest>:<participant>}). A task or bonus of
 * 0 points writes no entry. Any failure (an award overflowing the participant's points) rolls the whole unit of work
 * back.
 *
 * <h2>Events</h2>
 * A completion that changed something writes, in its unit of work and in this order: the task's
 * {@code points.awarded} (unless 0 points), {@code quest.task_completed}, and, when it completes the quest, the
 * bonus's {@code points.awarded} (unless 0) and {@code quest.completed}. Since only one completion per participant
 * and quest completes it, {@code quest.completed} is written once. A replay writes none, and so do a quest's
 * creation, update and activation (configuration, as campaigns). A completion names the quest as it read it: one
 * that read it before an update committed carries the old name.
 *
 * <h2>Concurrency</h2>
 * The participant's row lock is taken before anything is read, so a second completion by the same participant waits
 * for the first to commit and then, reading committed rows, sees its completion: the same task is a replay, and of
 * the last two tasks only the one that runs second sees the other done, so only it completes the quest and awards
 * the bonus. The unique key on the completion and the ledger's unique idempotency keys back this: were two awards of
 * one task or one bonus ever to meet, the second would fail (CONFLICT) and change nothing. A host's points change of
 * another participant, which does not queue on this one's row, may take the task's or bonus's key after a completion
 * looked it up: the completion then fails at the key's unique constraint and answers CONFLICT on {@code questId}, as
 * when the key was taken before.
 *
 * <p>Thread-safe when its context is.
 */
public final class QuestService implements Quests {
  /** The ledger entry type of a task's award. */
  public static final String TASK_TYPE = "quest_task";
  /** The ledger entry type of a quest's completion bonus. */
  public static final String BONUS_TYPE = "quest_bonus";
  /** The prefix of the ledger idempotency key of a task's award. */
  public static final String TASK_KEY_PREFIX = "quest:";
  /** The prefix of the ledger idempotency key of a completion bonus. */
  public static final String BONUS_KEY_PREFIX = "quest_bonus:";

  private final ScopeContext context;
  private final PointsService points;

  /** Creates the service. */
  public QuestService(ScopeContext context) {
    this.context = context;
    this.points = new PointsService(context);
  }

  @Override
  public Quest create(NewQuest request) {
    QuestRules.ValidQuest valid = QuestRules.validate(request, context.limits());
    long tenantId = context.tenantId();
    Quest quest = new Quest(context.ids().nextId(), tenantId, valid.campaignId(), valid.name(), valid.description(),
        valid.tasks(), valid.completionBonus(), true, context.now());
    context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, valid.campaignId());
      tx.quests().insert(quest);
      return null;
    });
    return quest;
  }

  @Override
  public Quest get(long questId) {
    return context.transactions().runRead(tx -> find(tx, questId));
  }

  @Override
  public List<Quest> list(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return List.copyOf(tx.quests().list(tenantId, campaignId));
    });
  }

  @Override
  public Quest update(long questId, QuestUpdate update) {
    QuestUpdate valid = QuestRules.validate(update);
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> tx.quests().update(tenantId, questId, valid))
        .orElseThrow(QuestService::questNotFound);
  }

  @Override
  public Quest setActive(long questId, boolean active) {
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      if (!tx.quests().setActive(tenantId, questId, active)) {
        throw questNotFound();
      }
      return find(tx, questId);
    });
  }

  @Override
  public TaskCompletion completeTask(ParticipantRef participant, long questId, int taskNumber) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    // A task's or bonus's key a host took, before or during the completion: CONFLICT on questId.
    return points.runOwn("questId", tx -> {
      // Locked first: one participant's completions queue here, so each reads the others' as committed.
      Participant p = resolver.lock(tx, tenantId);
      Quest quest = questOf(tx, p, questId);
      if (taskNumber < 1 || taskNumber > quest.tasks().size()) {
        throw LoyaltyException.validation("taskNumber",
            "taskNumber must be between 1 and " + quest.tasks().size());
      }
      List<QuestCompletionRecord> done = tx.quests().completions(tenantId, questId, p.id());
      Optional<QuestCompletionRecord> earlier = done.stream().filter(c -> c.taskNumber() == taskNumber).findFirst();
      if (earlier.isPresent()) {
        return replay(tx, quest, earlier.get());
      }
      if (!quest.active()) {
        throw LoyaltyException.conflict("questId", "the quest is not active");
      }
      boolean completes = done.size() + 1 == quest.tasks().size();
      QuestCompletionRecord completion = new QuestCompletionRecord(tenantId, questId, p.id(), taskNumber, completes,
          context.now());
      if (!tx.quests().insertCompletionIfAbsent(completion)) {
        // Not reached while completions queue on the participant's row; answer as a retry would all the same.
        QuestCompletionRecord stored = tx.quests().completions(tenantId, questId, p.id()).stream()
            .filter(c -> c.taskNumber() == taskNumber).findFirst()
            .orElseThrow(() -> LoyaltyException.conflict("taskNumber", "the completion conflicts with another change"));
        return replay(tx, quest, stored);
      }
      QuestTask task = quest.tasks().get(taskNumber - 1);
      PointsResult taskAward = award(tx, p, task.points(), TASK_TYPE, quest.name() + " / " + task.name(),
          QuestRules.taskKey(questId, p.id(), taskNumber));
      Outbox.emit(context, tx, EventType.QUEST_TASK_COMPLETED, quest.campaignId(), p.id(),
          taskCompletedPayload(quest, completion, taskAward));
      PointsResult bonus = null;
      if (completes) {
        bonus = award(tx, p, quest.completionBonus(), BONUS_TYPE, quest.name(), QuestRules.bonusKey(questId, p.id()));
        Outbox.emit(context, tx, EventType.QUEST_COMPLETED, quest.campaignId(), p.id(),
            questCompletedPayload(quest, completion, bonus));
      }
      return new TaskCompletion(questId, p.id(), taskNumber, taskAward, completes, bonus, false);
    });
  }

  @Override
  public QuestProgress progress(ParticipantRef participant, long questId) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      Participant p = resolver.resolve(tx, tenantId);
      Quest quest = questOf(tx, p, questId);
      List<QuestCompletionRecord> done = tx.quests().completions(tenantId, questId, p.id());
      Optional<QuestCompletionRecord> last = done.stream().filter(QuestCompletionRecord::completesQuest).findFirst();
      return new QuestProgress(quest.id(), p.id(), done.stream().map(QuestCompletionRecord::taskNumber).toList(),
          last.isPresent(), last.map(QuestCompletionRecord::completedAt).orElse(null));
    });
  }

  /**
   * The payload of {@code quest.task_completed}: {@code {"questId", "questName", "taskNumber", "taskName",
   * "participantId", "pointsAwarded", "ledgerEntryId", "completesQuest", "completedAt"}}; a task of 0 points awards 0
   * and has no ledger entry (null). Ids are numbers: the event is about the completion, which has none of its own.
   */
  static String taskCompletedPayload(Quest quest, QuestCompletionRecord completion, PointsResult award) {
    QuestTask task = quest.tasks().get(completion.taskNumber() - 1);
    return EventJson.write(g -> {
      g.writeStartObject();
      EventJson.id(g, "questId", quest.id());
      g.writeStringField("questName", quest.name());
      g.writeNumberField("taskNumber", completion.taskNumber());
      g.writeStringField("taskName", task.name());
      EventJson.id(g, "participantId", completion.participantId());
      writeAward(g, "pointsAwarded", award);
      g.writeBooleanField("completesQuest", completion.completesQuest());
      g.writeStringField("completedAt", completion.completedAt().toString());
      g.writeEndObject();
    });
  }

  /**
   * The payload of {@code quest.completed}: {@code {"questId", "questName", "participantId", "lastTaskNumber",
   * "bonusAwarded", "ledgerEntryId", "completedAt"}}; without a bonus it awards 0 and has no ledger entry (null).
   */
  static String questCompletedPayload(Quest quest, QuestCompletionRecord completion, PointsResult bonus) {
    return EventJson.write(g -> {
      g.writeStartObject();
      EventJson.id(g, "questId", quest.id());
      g.writeStringField("questName", quest.name());
      EventJson.id(g, "participantId", completion.participantId());
      g.writeNumberField("lastTaskNumber", completion.taskNumber());
      writeAward(g, "bonusAwarded", bonus);
      g.writeStringField("completedAt", completion.completedAt().toString());
      g.writeEndObject();
    });
  }

  /** The points an award gave under {@code field} and its ledger entry's id; 0 and null for no award. */
  private static void writeAward(JsonGenerator g, String field, PointsResult award) throws IOException {
    if (award == null) {
      g.writeNumberField(field, 0);
      g.writeNullField("ledgerEntryId");
    } else {
      g.writeNumberField(field, award.entry().amount());
      EventJson.id(g, "ledgerEntryId", award.entry().id());
    }
  }

  /** The quest, which must be of the participant's campaign. */
  private Quest questOf(Transaction tx, Participant p, long questId) {
    Quest quest = find(tx, questId);
    if (quest.campaignId() != p.campaignId()) {
      throw LoyaltyException.validation("participant", "the participant is not in the quest's campaign");
    }
    return quest;
  }

  /** Awards {@code amount} (nothing for 0) in the unit of work; null when nothing is awarded. */
  private PointsResult award(Transaction tx, Participant p, long amount, String type, String description,
      String key) {
    if (amount == 0) {
      return null;
    }
    // Built from values validated when the quest was created. No completion had the task when this unit of work
    // looked, so an entry with the key is the host's (CONFLICT, and the completion rolls back).
    return points.applyOwnIn(tx, p, LedgerEntryKind.AWARD, new PointsChange(amount, type, description, key),
        "questId");
  }

  /**
   * What the first completion did, found again: its entries by their keys. A task or bonus of 0 points wrote none
   * (its points never change), so its key, free for a host's change to take, is not looked up: an entry under it
   * would be the host's, not the completion's award.
   */
  private TaskCompletion replay(Transaction tx, Quest quest, QuestCompletionRecord first) {
    PointsResult taskAward = quest.tasks().get(first.taskNumber() - 1).points() == 0 ? null
        : entry(tx, QuestRules.taskKey(quest.id(), first.participantId(), first.taskNumber()));
    PointsResult bonus = first.completesQuest() && quest.completionBonus() != 0
        ? entry(tx, QuestRules.bonusKey(quest.id(), first.participantId()))
        : null;
    return new TaskCompletion(quest.id(), first.participantId(), first.taskNumber(), taskAward,
        first.completesQuest(), bonus, true);
  }

  private PointsResult entry(Transaction tx, String key) {
    return tx.ledger().findByIdempotencyKey(context.tenantId(), key)
        .map(e -> new PointsResult(e, e.balanceAfter(), true))
        .orElse(null);
  }

  private Quest find(Transaction tx, long questId) {
    return tx.quests().find(context.tenantId(), questId).orElseThrow(QuestService::questNotFound);
  }

  private static LoyaltyException questNotFound() {
    return LoyaltyException.notFound("quest");
  }
}
