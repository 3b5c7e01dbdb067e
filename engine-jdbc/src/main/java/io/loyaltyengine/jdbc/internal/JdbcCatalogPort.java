package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.spi.CatalogPort;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.rewards.RewardType;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Catalog rewards (table {@code catalog_reward}) and redemptions ({@code redemption}).
 *
 * <h2>Stock</h2>
 * {@link #takeStock} is one conditional {@code UPDATE ... SET stock = stock - 1 WHERE active AND (stock IS NULL OR
 * stock > 0)} (NULL, unlimited, stays NULL): the database checks and decrements under the row lock, so concurrent
 * redemptions from any number of threads or instances queue on it and take exactly the units there are; a
 * {@code CHECK (stock >= 0)} backs it. It returns the row it wrote, whose cost the redemption charges: the cost under
 * the lock, not the one a read before it saw. The lock is held until commit, also for unlimited rewards.
 * {@link #adjustStock} is one conditional update too ({@code SET stock = stock + :delta WHERE stock IS NOT NULL AND
 * stock + :delta} within bounds), returning the row it wrote: never a read of the stock followed by a write, which
 * would lose the units redemptions take in between.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcCatalogPort extends JdbcPort implements CatalogPort {
  JdbcCatalogPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(CatalogReward r) {
    Objects.requireNonNull(r, "reward");
    run("catalog reward insert", () -> handle.createUpdate(Sql.CATALOG_INSERT)
        .bind("tenantId", r.tenantId())
        .bind("catalogRewardId", r.id())
        .bind("campaignId", r.campaignId())
        .bind("name", r.name())
        .bind("description", r.description())
        .bind("pointsCost", r.pointsCost())
        .bind("type", JdbcRewardPort.name(r.type()))
        .bind("stock", r.stock())
        .bind("active", r.active())
        .bind("createdAt", Rows.timestamp(r.createdAt()))
        .execute());
  }

  @Override
  public Optional<CatalogReward> find(long tenantId, long catalogRewardId) {
    return run("catalog reward find", () -> handle.createQuery(Sql.CATALOG_FIND)
        .bind("tenantId", tenantId)
        .bind("catalogRewardId", catalogRewardId)
        .map(Rows.CATALOG_REWARD)
        .findOne());
  }

  @Override
  public List<CatalogReward> list(long tenantId, long campaignId, Boolean active, RewardType type) {
    String statement = Sql.CATALOG_LIST + (active == null ? "" : Sql.CATALOG_AND_ACTIVE)
        + (type == null ? "" : Sql.CATALOG_AND_TYPE) + Sql.CATALOG_ORDER;
    return run("catalog reward list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId);
      if (active != null) {
        query.bind("active", active.booleanValue());
      }
      if (type != null) {
        query.bind("type", type.name());
      }
      return query.map(Rows.CATALOG_REWARD).list();
    });
  }

  @Override
  public boolean setActive(long tenantId, long catalogRewardId, boolean active) {
    int rows = run("catalog reward set active", () -> handle.createUpdate(Sql.CATALOG_SET_ACTIVE)
        .bind("tenantId", tenantId)
        .bind("catalogRewardId", catalogRewardId)
        .bind("active", active)
        .execute());
    return rows > 0;
  }

  @Override
  public Optional<CatalogReward> adjustStock(long tenantId, long catalogRewardId, long delta, long maxStock) {
    return run("catalog reward adjust stock", () -> handle.createQuery(sql.catalogAdjustStock())
        .bind("tenantId", tenantId)
        .bind("catalogRewardId", catalogRewardId)
        .bind("delta", delta)
        .bind("maxStock", maxStock)
        .map(Rows.CATALOG_REWARD)
        .findOne());
  }

  @Override
  public Optional<CatalogReward> update(long tenantId, long catalogRewardId, CatalogRewardUpdate update) {
    Objects.requireNonNull(update, "update");
    return run("catalog reward update", () -> handle.createQuery(sql.catalogUpdate())
        .bind("tenantId", tenantId)
        .bind("catalogRewardId", catalogRewardId)
        .bind("name", update.name())
        .bind("description", update.description())
        .bind("pointsCost", update.pointsCost())
        .map(Rows.CATALOG_REWARD)
        .findOne());
  }

  @Override
  public Optional<CatalogReward> takeStock(long tenantId, long catalogRewardId) {
    return run("catalog reward take stock", () -> handle.createQuery(sql.catalogTakeStock())
        .bind("tenantId", tenantId)
        .bind("catalogRewardId", catalogRewardId)
        .map(Rows.CATALOG_REWARD)
        .findOne());
  }

  @Override
  public void insertRedemption(Redemption r) {
    Objects.requireNonNull(r, "redemption");
    run("redemption insert", UniqueKey.REDEMPTION_IDEMPOTENCY_KEY, () -> handle.createUpdate(Sql.REDEMPTION_INSERT)
        .bind("tenantId", r.tenantId())
        .bind("redemptionId", r.id())
        .bind("catalogRewardId", r.catalogRewardId())
        .bind("participantId", r.participantId())
        .bind("pointsSpent", r.pointsSpent())
        .bind("ledgerEntryId", r.ledgerEntryId())
        .bind("balance", r.balance())
        .bind("idempotencyKey", r.idempotencyKey())
        .bind("redeemedAt", Rows.timestamp(r.redeemedAt()))
        .execute());
  }

  @Override
  public Optional<Redemption> findRedemptionByKey(long tenantId, String idempotencyKey) {
    return run("redemption find by idempotency key", () -> handle.createQuery(Sql.REDEMPTION_FIND_BY_KEY)
        .bind("tenantId", tenantId)
        .bind("idempotencyKey", idempotencyKey)
        .map(Rows.REDEMPTION)
        .findOne());
  }

  @Override
  public List<Redemption> listRedemptionsOfReward(long tenantId, long catalogRewardId, Long afterId, int limit) {
    return run("redemption list of a catalog reward", () -> handle.createQuery(Sql.REDEMPTIONS_OF_REWARD)
        .bind("tenantId", tenantId)
        .bind("catalogRewardId", catalogRewardId)
        .bind("afterId", afterId == null ? Long.MIN_VALUE : afterId)
        .bind("limit", checkLimit(limit))
        .map(Rows.REDEMPTION)
        .list());
  }

  @Override
  public List<Redemption> listRedemptionsOfParticipant(long tenantId, long participantId, Long beforeId,
      int limit) {
    String statement = Sql.REDEMPTIONS_OF_PARTICIPANT + (beforeId == null ? "" : Sql.REDEMPTIONS_BEFORE)
        + Sql.REDEMPTIONS_NEWEST_LIMIT;
    return run("redemption list of a participant", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("limit", checkLimit(limit));
      if (beforeId != null) {
        query.bind("beforeId", beforeId.longValue());
      }
      return query.map(Rows.REDEMPTION).list();
    });
  }
}
