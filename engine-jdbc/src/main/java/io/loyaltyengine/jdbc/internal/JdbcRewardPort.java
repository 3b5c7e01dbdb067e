package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.RewardPort;
import io.loyaltyengine.jdbc.SqlDialect;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.RewardProgram;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;

/**
 * Campaign rewards (table {@code campaign_reward}) and reward programs ({@code reward_program}).
 *
 * <p>{@link #saveProgram} is an upsert on the program's key ({@code ON CONFLICT DO UPDATE} on PostgreSQL, a
 * {@code MERGE ... KEY} on H2). Two first saves of one campaign's program racing on H2 can still meet the primary key
 * (H2 rolls back only the failed statement); the loser then runs the upsert again, which now updates.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcRewardPort extends JdbcPort implements RewardPort {
  JdbcRewardPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(CampaignReward r) {
    Objects.requireNonNull(r, "reward");
    run("campaign reward insert", () -> handle.createUpdate(Sql.CAMPAIGN_REWARD_INSERT)
        .bind("tenantId", r.tenantId())
        .bind("campaignRewardId", r.id())
        .bind("campaignId", r.campaignId())
        .bind("name", r.name())
        .bind("type", name(r.type()))
        .bind("audience", name(r.audience()))
        .bind("conversionsRequired", r.conversionsRequired())
        .bind("rewardLimit", r.limit())
        .bind("points", r.points())
        .bind("message", r.message())
        .bind("cashAmountMinor", r.cashAmountMinor())
        .bind("currency", r.currency())
        .bind("handler", r.handler())
        .bind("createdAt", Rows.timestamp(r.createdAt()))
        .execute());
  }

  @Override
  public Optional<CampaignReward> find(long tenantId, long campaignRewardId) {
    return run("campaign reward find", () -> handle.createQuery(Sql.CAMPAIGN_REWARD_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignRewardId", campaignRewardId)
        .map(Rows.CAMPAIGN_REWARD)
        .findOne());
  }

  @Override
  public List<CampaignReward> list(long tenantId, long campaignId) {
    return run("campaign reward list", () -> handle.createQuery(Sql.CAMPAIGN_REWARD_LIST)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(Rows.CAMPAIGN_REWARD)
        .list());
  }

  @Override
  public void saveProgram(long tenantId, RewardProgram program) {
    Objects.requireNonNull(program, "program");
    try {
      upsertProgram(tenantId, program);
    } catch (JdbiException e) {
      if (sql.dialect() != SqlDialect.H2 || !SqlErrors.isUniqueViolation(e)) {
        throw SqlErrors.translate("reward program save", e);
      }
      // A concurrent first save inserted the row after this MERGE looked: it exists now, so this one updates it.
      run("reward program save", () -> upsertProgram(tenantId, program));
    }
  }

  private int upsertProgram(long tenantId, RewardProgram program) {
    return handle.createUpdate(sql.rewardProgramSave())
        .bind("tenantId", tenantId)
        .bind("campaignId", program.campaignId())
        .bind("automation", name(program.automation()))
        .bind("threshold", program.couponLowStockThreshold())
        .execute();
  }

  @Override
  public Optional<RewardProgram> findProgram(long tenantId, long campaignId) {
    return run("reward program find", () -> handle.createQuery(Sql.REWARD_PROGRAM_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(Rows.REWARD_PROGRAM)
        .findOne());
  }

  /** An enum's name, or null (which a NOT NULL column then refuses, as the database would). */
  static String name(Enum<?> value) {
    return value == null ? null : value.name();
  }
}
