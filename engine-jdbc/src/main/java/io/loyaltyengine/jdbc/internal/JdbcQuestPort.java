package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.QuestCompletionRecord;
import io.loyaltyengine.core.spi.QuestPort;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestTask;
import io.loyaltyengine.quests.QuestUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Quests (table {@code quest}), their tasks ({@code quest_task}) and participants' completions
 * ({@code quest_completion}, at most one per participant and task: the primary key, inserted if absent).
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcQuestPort extends JdbcPort implements QuestPort {
  /** A quest's row without its tasks, which are read by a second query. */
  private static final RowMapper<Quest> QUEST = (rs, ctx) -> new Quest(rs.getLong("quest_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getString("name"), rs.getString("description"),
      List.of(), rs.getLong("completion_bonus"), rs.getBoolean("active"), Rows.instant(rs, "created_at"));

  private record TaskRow(long questId, QuestTask task) {
  }

  private static final RowMapper<TaskRow> TASK = (rs, ctx) -> new TaskRow(rs.getLong("quest_id"),
      new QuestTask(rs.getInt("task_number"), rs.getString("name"), rs.getLong("points")));

  private static final RowMapper<QuestCompletionRecord> COMPLETION = (rs, ctx) -> new QuestCompletionRecord(
      rs.getLong("tenant_id"), rs.getLong("quest_id"), rs.getLong("participant_id"), rs.getInt("task_number"),
      rs.getBoolean("completes_quest"), Rows.instant(rs, "completed_at"));

  JdbcQuestPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(Quest q) {
    Objects.requireNonNull(q, "quest");
    run("quest insert", () -> handle.createUpdate(Sql.QUEST_INSERT)
        .bind("tenantId", q.tenantId())
        .bind("questId", q.id())
        .bind("campaignId", q.campaignId())
        .bind("name", q.name())
        .bind("description", q.description())
        .bind("completionBonus", q.completionBonus())
        .bind("active", q.active())
        .bind("createdAt", Rows.timestamp(q.createdAt()))
        .execute());
    if (q.tasks().isEmpty()) {
      return;
    }
    run("quest task insert", () -> {
      PreparedBatch batch = handle.prepareBatch(Sql.QUEST_TASK_INSERT);
      for (QuestTask t : q.tasks()) {
        batch.bind("tenantId", q.tenantId())
            .bind("questId", q.id())
            .bind("taskNumber", t.number())
            .bind("name", t.name())
            .bind("points", t.points())
            .add();
      }
      return batch.execute();
    });
  }

  @Override
  public Optional<Quest> find(long tenantId, long questId) {
    Optional<Quest> quest = run("quest find", () -> handle.createQuery(Sql.QUEST_FIND)
        .bind("tenantId", tenantId)
        .bind("questId", questId)
        .map(QUEST)
        .findOne());
    return quest.map(q -> withTasks(q, tasks(tenantId, questId)));
  }

  @Override
  public Optional<Quest> update(long tenantId, long questId, QuestUpdate update) {
    Objects.requireNonNull(update, "update");
    Optional<Quest> quest = run("quest update", () -> handle.createQuery(sql.questUpdate())
        .bind("tenantId", tenantId)
        .bind("questId", questId)
        .bind("name", update.name())
        .bind("description", update.description())
        .map(QUEST)
        .findOne());
    // Its tasks, in their own table, are never changed: read after the update, as find reads them.
    return quest.map(q -> withTasks(q, tasks(tenantId, questId)));
  }

  private List<QuestTask> tasks(long tenantId, long questId) {
    return run("quest tasks", () -> handle.createQuery(Sql.QUEST_TASKS)
        .bind("tenantId", tenantId)
        .bind("questId", questId)
        .map(TASK)
        .list()).stream().map(TaskRow::task).toList();
  }

  @Override
  public List<Quest> list(long tenantId, long campaignId) {
    List<Quest> quests = run("quest list", () -> handle.createQuery(Sql.QUEST_LIST)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(QUEST)
        .list());
    if (quests.isEmpty()) {
      return quests;
    }
    Map<Long, List<QuestTask>> tasks = new HashMap<>();
    for (TaskRow row : run("quest list tasks", () -> handle.createQuery(Sql.QUEST_LIST_TASKS)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(TASK)
        .list())) {
      tasks.computeIfAbsent(row.questId(), id -> new ArrayList<>()).add(row.task());
    }
    List<Quest> withTasks = new ArrayList<>(quests.size());
    for (Quest q : quests) {
      withTasks.add(withTasks(q, tasks.getOrDefault(q.id(), List.of())));
    }
    return withTasks;
  }

  private static Quest withTasks(Quest q, List<QuestTask> tasks) {
    return new Quest(q.id(), q.tenantId(), q.campaignId(), q.name(), q.description(), tasks, q.completionBonus(),
        q.active(), q.createdAt());
  }

  @Override
  public boolean setActive(long tenantId, long questId, boolean active) {
    int rows = run("quest set active", () -> handle.createUpdate(Sql.QUEST_SET_ACTIVE)
        .bind("tenantId", tenantId)
        .bind("questId", questId)
        .bind("active", active)
        .execute());
    return rows > 0;
  }

  @Override
  public boolean insertCompletionIfAbsent(QuestCompletionRecord c) {
    Objects.requireNonNull(c, "completion");
    int rows = runInsertIfAbsent("quest completion insert", () -> handle.createUpdate(
            sql.questCompletionInsertIfAbsent())
        .bind("tenantId", c.tenantId())
        .bind("questId", c.questId())
        .bind("participantId", c.participantId())
        .bind("taskNumber", c.taskNumber())
        .bind("completesQuest", c.completesQuest())
        .bind("completedAt", Rows.timestamp(c.completedAt()))
        .execute());
    return rows > 0;
  }

  @Override
  public List<QuestCompletionRecord> completions(long tenantId, long questId, long participantId) {
    return run("quest completions", () -> handle.createQuery(Sql.QUEST_COMPLETIONS)
        .bind("tenantId", tenantId)
        .bind("questId", questId)
        .bind("participantId", participantId)
        .map(COMPLETION)
        .list());
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    run("quest completion delete", () -> handle.createUpdate(Sql.QUEST_COMPLETION_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }
}
