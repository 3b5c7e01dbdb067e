package io.loyaltyengine.core.catalog;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.catalog.Catalog;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.LocksParticipants;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.points.PointsRules;
import io.loyaltyengine.core.points.PointsService;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.RewardType;
import java.util.List;
import java.util.Optional;

/**
 * The catalog of one tenant's campaigns, and redemptions.
 *
 * <h2>The path of a redemption</h2>
 * The participant reference and the idempotency key are validated first (pure). One unit of work then: resolves the
 * participant, under its row lock; reads the catalog reward (NOT_FOUND, also when the participant is not in its
 * campaign, whatever the key names); with a key, looks for an earlier redemption with it and returns it (same
 * participant and catalog reward, {@code replayed = true}) or refuses the request (CONFLICT on
 * {@code idempotencyKey}); refuses an inactive reward (CONFLICT on {@code catalogRewardId}); takes one unit of stock
 * by one conditional update in the store (OUT_OF_STOCK when none is left), which returns the reward as it wrote it;
 * deducts the cost it has there (the cost
 * under the row lock: an {@link #update} committed while the redemption waited for it applies) from the
 * participant's balance by the ledger's conditional update ({@link PointsService#applyIn}: entry type
 * {@value #LEDGER_TYPE}, the catalog reward's name as description, key {@value #LEDGER_KEY_PREFIX}{@code <key>});
 * inserts the redemption, which keeps that cost whatever later updates set; and writes a {@code reward.redeemed}
 * event. Any failure rolls the whole unit of work back, so INSUFFICIENT_POINTS leaves the stock untouched and
 * OUT_OF_STOCK the points.
 *
 * <h2>Stock adjustments and updates</h2>
 * {@link #adjustStock} validates {@code delta} (pure), then makes one conditional update in the store that adds it
 * only if the stock stays within 0..1,000,000,000 and is not unlimited, returning the row it wrote;
 * when it matches no row, a read tells NOT_FOUND, an unlimited stock (CONFLICT on {@code stock}) and, by the sign of
 * {@code delta}, which bound refused it (OUT_OF_STOCK or VALIDATION_ERROR on {@code delta}). {@link #update}
 * validates as {@link #create} does, then replaces the three fields in one update returning the row. Both take only
 * the catalog reward's row lock, which a redemption takes last, so they never deadlock with one.
 *
 * <h2>Concurrency</h2>
 * The participant's row lock comes first (a participant named by id is read under it, in the one statement that reads
 * it), then the stock update takes the catalog reward's: always in that order, the engine's (a participant, then the
 * rows it owns or shares), so concurrent redemptions queue instead of deadlocking, and the last unit of stock goes to
 * exactly one of them. Taken the other way round, a redemption holding the catalog reward and waiting for its
 * participant deadlocked with a host's transaction that held the participant (an award, say) and then redeemed the
 * same catalog reward (the host saw STORAGE_UNAVAILABLE). Two concurrent first uses of one key by one participant
 * queue at its lock, and the second finds the first one's redemption and replays it. By two participants, both find
 * no earlier redemption; the second one's ledger entry or redemption then violates a unique key (or, once the first
 * has committed, its deduction finds the first one's ledger entry), its unit of work rolls back (stock and points
 * included), and a fresh unit of work answers as a retry would: the first one's redemption, which names another
 * participant, so CONFLICT. If the first one took the last unit, the second one's stock update, which waited for it,
 * finds none left: the key is then looked up again (READ COMMITTED sees the first one's redemption now), so it too
 * gets the answer of a retry rather than OUT_OF_STOCK.
 *
 * <p>Thread-safe when its context is.
 */
public final class CatalogService implements Catalog {
  /** The ledger entry type of a redemption's deduction. */
  public static final String LEDGER_TYPE = "redemption";
  /** The prefix of the ledger idempotency key of a redemption with an idempotency key. */
  public static final String LEDGER_KEY_PREFIX = PointsRules.REDEMPTION_KEY_PREFIX;

  private final ScopeContext context;
  private final PointsService points;

  /** Creates the service. */
  public CatalogService(ScopeContext context) {
    this.context = context;
    this.points = new PointsService(context);
  }

  @Override
  public CatalogReward create(NewCatalogReward request) {
    NewCatalogReward valid = CatalogRules.validate(request, context.limits());
    long tenantId = context.tenantId();
    CatalogReward reward = new CatalogReward(context.ids().nextId(), tenantId, valid.campaignId(), valid.name(),
        valid.description(), valid.pointsCost(), valid.type(), valid.stock(), valid.active(), context.now());
    context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, valid.campaignId());
      tx.catalog().insert(reward);
      return null;
    });
    return reward;
  }

  @Override
  public CatalogReward get(long catalogRewardId) {
    return context.transactions().runRead(tx -> tx.catalog().find(context.tenantId(), catalogRewardId))
        .orElseThrow(CatalogService::catalogRewardNotFound);
  }

  @Override
  public List<CatalogReward> list(long campaignId, Boolean active, RewardType type) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return List.copyOf(tx.catalog().list(tenantId, campaignId, active, type));
    });
  }

  @Override
  public CatalogReward setActive(long catalogRewardId, boolean active) {
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      if (!tx.catalog().setActive(tenantId, catalogRewardId, active)) {
        throw catalogRewardNotFound();
      }
      return tx.catalog().find(tenantId, catalogRewardId).orElseThrow(CatalogService::catalogRewardNotFound);
    });
  }

  @Override
  public CatalogReward adjustStock(long catalogRewardId, long delta) {
    long units = CatalogRules.delta(delta);
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      Optional<CatalogReward> adjusted = tx.catalog().adjustStock(tenantId, catalogRewardId, units,
          CatalogRules.MAX_STOCK);
      if (adjusted.isPresent()) {
        return adjusted.get();
      }
      // No row matched. The reason is read after the fact, but it cannot have changed since: a reward is never
      // deleted on its own, and no change makes a stock unlimited or limited. With a limited stock, the sign of
      // delta says which bound refused it, whatever the stock is now.
      CatalogReward reward = tx.catalog().find(tenantId, catalogRewardId)
          .orElseThrow(CatalogService::catalogRewardNotFound);
      if (reward.stock() == null) {
        throw LoyaltyException.conflict("stock", "the catalog reward's stock is unlimited");
      }
      if (units < 0) {
        throw new LoyaltyException(ErrorCode.OUT_OF_STOCK, "delta",
            "the catalog reward has fewer units left than delta removes");
      }
      throw LoyaltyException.validation("delta",
          "the stock would be above " + CatalogRules.MAX_STOCK);
    });
  }

  @Override
  public CatalogReward update(long catalogRewardId, CatalogRewardUpdate update) {
    CatalogRewardUpdate valid = CatalogRules.validate(update, context.limits());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> tx.catalog().update(tenantId, catalogRewardId, valid))
        .orElseThrow(CatalogService::catalogRewardNotFound);
  }

  @Override
  public Redemption redeem(ParticipantRef participant, long catalogRewardId, String idempotencyKey) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    String key = PointsRules.idempotencyKey(idempotencyKey);
    long tenantId = context.tenantId();
    try {
      return context.transactions().runCombinedRaw(LocksParticipants.sharingRows(tenantId,
          LocksParticipants.SharedRows.catalogReward(tenantId, catalogRewardId),
          (tx, ids) -> resolver.addIdIfFound(tx, tenantId, ids),
          tx -> redeemIn(tx, resolver.lock(tx, tenantId), catalogRewardId, key)));
    } catch (KeyTakenMeanwhile e) {
      return answerAsRetry(resolver, catalogRewardId, key, e);
    } catch (UniqueViolationException e) {
      boolean keyTaken = e.key() == UniqueKey.REDEMPTION_IDEMPOTENCY_KEY
          || e.key() == UniqueKey.LEDGER_IDEMPOTENCY_KEY;
      if (key == null || !keyTaken) {
        throw new LoyaltyException(ErrorCode.CONFLICT, null, "the redemption conflicts with another change", e);
      }
      return answerAsRetry(resolver, catalogRewardId, key, e);
    }
  }

  /**
   * A concurrent request with the same key committed first: answers from a fresh unit of work, as a retry would. The
   * participant is locked first, as a redemption locks it: read unlocked, a deletion committing between the read and
   * the key's lookup left CONFLICT (or a replay) where the request without the race is NOT_FOUND.
   */
  private Redemption answerAsRetry(ParticipantService.Resolver resolver, long catalogRewardId, String key,
      RuntimeException cause) {
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      Participant p = resolver.lock(tx, tenantId);
      return replay(tx, p.id(), catalogRewardId, key).orElseThrow(() -> keyUsedElsewhere(cause));
    });
  }

  private Redemption redeemIn(Transaction tx, Participant p, long catalogRewardId, String key) {
    long tenantId = context.tenantId();
    // Read before the key: an unknown reward, or a participant of another campaign, is NOT_FOUND whatever the key
    // names, as without a key. A redemption the key replays has both (a catalog reward is never deleted).
    CatalogReward found = tx.catalog().find(tenantId, catalogRewardId)
        .orElseThrow(CatalogService::catalogRewardNotFound);
    if (p.campaignId() != found.campaignId()) {
      throw LoyaltyException.notFound("participant");
    }
    Optional<Redemption> replay = replay(tx, p.id(), catalogRewardId, key);
    if (replay.isPresent()) {
      return replay.get();
    }
    if (!found.active()) {
      throw inactive();
    }
    Optional<CatalogReward> unitTaken = tx.catalog().takeStock(tenantId, catalogRewardId);
    if (unitTaken.isEmpty()) {
      // The update waited for the reward's row lock: a concurrent first request with this key may have taken the
      // last unit and committed meanwhile. Its redemption is visible now (READ COMMITTED): answer as a retry would.
      Optional<Redemption> taken = replay(tx, p.id(), catalogRewardId, key);
      if (taken.isPresent()) {
        return taken.get();
      }
      // The conditional update also refuses a reward deactivated since it was read: tell the caller which.
      boolean stillActive = tx.catalog().find(tenantId, catalogRewardId).map(CatalogReward::active).orElse(false);
      if (!stillActive) {
        throw inactive();
      }
      throw new LoyaltyException(ErrorCode.OUT_OF_STOCK, "catalogRewardId", "the catalog reward is out of stock");
    }
    // The reward as the stock update left it, under its row lock: its cost and name, not those of the read above,
    // which an update committed while this one waited for the lock may have changed.
    CatalogReward reward = unitTaken.get();
    // Built from values validated when the catalog reward was created; the ledger key is longer than a caller's
    // key may be, which the ledger accepts (the limit guards input, not storage).
    PointsChange change = new PointsChange(reward.pointsCost(), LEDGER_TYPE, reward.name(),
        key == null ? null : LEDGER_KEY_PREFIX + key);
    PointsResult deducted = points.applyIn(tx, p, LedgerEntryKind.DEDUCT, change);
    if (deducted.replayed()) {
      // A ledger entry has the derived key though no redemption had the key when this unit of work looked: a
      // concurrent redemption with the key committed since (READ COMMITTED sees it now), or a points change of the
      // host's took the key. Either way this unit of work must roll back (it took stock); a fresh one tells which.
      throw new KeyTakenMeanwhile();
    }
    Redemption redemption = new Redemption(context.ids().nextId(), tenantId, reward.id(), p.id(),
        reward.pointsCost(), deducted.entry().id(), deducted.balance(), key, context.now(), false);
    tx.catalog().insertRedemption(redemption);
    Outbox.emit(context, tx, EventType.REWARD_REDEEMED, reward.campaignId(), p.id(),
        redeemedPayload(redemption, reward));
    return redemption;
  }

  private Optional<Redemption> replay(Transaction tx, long participantId, long catalogRewardId, String key) {
    if (key == null) {
      return Optional.empty();
    }
    return tx.catalog().findRedemptionByKey(context.tenantId(), key).map(r -> {
      if (r.participantId() != participantId || r.catalogRewardId() != catalogRewardId) {
        throw LoyaltyException.conflict("idempotencyKey",
            "the idempotency key was used by a request with other parameters");
      }
      return new Redemption(r.id(), r.tenantId(), r.catalogRewardId(), r.participantId(), r.pointsSpent(),
          r.ledgerEntryId(), r.balance(), r.idempotencyKey(), r.redeemedAt(), true);
    });
  }

  /**
   * The payload of {@code reward.redeemed}: {@code {"redemption": {"id", "catalogRewardId", "participantId",
   * "pointsSpent", "ledgerEntryId", "balance", "idempotencyKey", "redeemedAt"}, "catalogReward": {"id",
   * "campaignId", "name", "pointsCost", "type"}}}. As in the other events, the id of the entity the event is about
   * (the redemption) is a string, since 64-bit ids do not survive JavaScript numbers; the ids it refers to are
   * numbers.
   */
  static String redeemedPayload(Redemption r, CatalogReward reward) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("redemption");
      g.writeStartObject();
      EventJson.id(g, "id", r.id());
      EventJson.id(g, "catalogRewardId", r.catalogRewardId());
      EventJson.id(g, "participantId", r.participantId());
      g.writeNumberField("pointsSpent", r.pointsSpent());
      EventJson.id(g, "ledgerEntryId", r.ledgerEntryId());
      g.writeNumberField("balance", r.balance());
      g.writeStringField("idempotencyKey", r.idempotencyKey());
      g.writeStringField("redeemedAt", r.redeemedAt().toString());
      g.writeEndObject();
      g.writeFieldName("catalogReward");
      g.writeStartObject();
      EventJson.id(g, "id", reward.id());
      EventJson.id(g, "campaignId", reward.campaignId());
      g.writeStringField("name", reward.name());
      g.writeNumberField("pointsCost", reward.pointsCost());
      g.writeStringField("type", reward.type().name());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  /** Rolls a redemption back whose key was taken after its replay check; never leaves this class. */
  private static final class KeyTakenMeanwhile extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyTakenMeanwhile() {
      super("the idempotency key was taken concurrently", null, false, false);
    }
  }

  @Override
  public CursorPage<Redemption> redemptions(long catalogRewardId, Keyset page) {
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot: the reward's check and its redemptions read together.
    return context.transactions().runRead(tx -> {
      if (tx.catalog().find(tenantId, catalogRewardId).isEmpty()) {
        throw catalogRewardNotFound();
      }
      return CursorPage.fromRows(tx.catalog().listRedemptionsOfReward(tenantId, catalogRewardId, page.afterId(),
          page.limit() + 1), page.limit(), Redemption::id);
    });
  }

  @Override
  public CursorPage<Redemption> redemptions(ParticipantRef participant, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot, as a participant's ledger and earned rewards: the participant and its redemptions together.
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return CursorPage.fromRows(tx.catalog().listRedemptionsOfParticipant(tenantId, id, page.afterId(),
          page.limit() + 1), page.limit(), Redemption::id);
    });
  }

  private static LoyaltyException catalogRewardNotFound() {
    return LoyaltyException.notFound("catalog reward");
  }

  private static LoyaltyException inactive() {
    return LoyaltyException.conflict("catalogRewardId", "the catalog reward is not active");
  }

  private static LoyaltyException keyUsedElsewhere(Throwable cause) {
    return new LoyaltyException(ErrorCode.CONFLICT, "idempotencyKey",
        "the idempotency key was used by another request", cause);
  }
}
