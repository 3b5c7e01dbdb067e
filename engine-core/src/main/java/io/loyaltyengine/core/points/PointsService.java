package io.loyaltyengine.core.points;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.rewards.Goals;
import io.loyaltyengine.core.spi.BalanceChange;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.Points;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The points ledger of one tenant.
 *
 * <h2>The path of an award</h2>
 * The change is validated (pure, {@link PointsRules}) before any unit of work. Inside one transaction: the
 * participant is resolved; if the change carries an idempotency key, an entry with that key is looked up and, when
 * found, replayed (same request) or refused (CONFLICT); otherwise the balance is changed by one conditional update
 * in the store, which takes the participant's row lock and refuses an overflow or an overdraft, and the entry is
 * appended with the balance that update returned. Two concurrent first attempts with one key both pass the lookup;
 * the second one's append violates the unique key, its transaction rolls back (balance included), and a fresh
 * transaction replays the winner's entry. An award also adds to the participant's points counters of the POINTS
 * leaderboards (all time and the current month of the campaign's zone) in the same unit of work.
 *
 * <p>Thread-safe when its context is.
 */
public final class PointsService implements Points {
  private final ScopeContext context;

  /** Creates the service. */
  public PointsService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public PointsResult award(ParticipantRef participant, PointsChange change) {
    return apply(participant, LedgerEntryKind.AWARD, change);
  }

  @Override
  public PointsResult deduct(ParticipantRef participant, PointsChange change) {
    return apply(participant, LedgerEntryKind.DEDUCT, change);
  }

  @Override
  public CursorPage<LedgerEntry> history(ParticipantRef participant, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return CursorPage.fromRows(tx.ledger().history(tenantId, id, page.afterId(), page.limit() + 1), page.limit(),
          LedgerEntry::id);
    });
  }

  private PointsResult apply(ParticipantRef participant, LedgerEntryKind kind, PointsChange request) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    PointsChange change = PointsRules.validate(request, context.limits());
    long tenantId = context.tenantId();
    try {
      return context.transactions().runRaw(tx -> applyIn(tx, resolver.resolve(tx, tenantId), kind, change));
    } catch (UniqueViolationException e) {
      if (e.key() != UniqueKey.LEDGER_IDEMPOTENCY_KEY) {
        throw new LoyaltyException(ErrorCode.CONFLICT, null, "the change conflicts with another", e);
      }
      // A concurrent request with the same key committed first: answer as a retry would.
      return context.transactions().run(tx -> {
        Participant p = resolver.resolve(tx, tenantId);
        return replay(tx, p.id(), kind, change).orElseThrow(() -> new LoyaltyException(ErrorCode.CONFLICT,
            "idempotencyKey", "the idempotency key was used by another request", e));
      });
    }
  }

  /**
   * Awards or deducts inside a unit of work that is already open, for the features that move points as part of a
   * larger change (a POINTS reward's approval, a catalog redemption): replays a retry with the same idempotency key,
   * else changes the balance conditionally, appends the entry and writes its event. The change must be validated
   * ({@link PointsRules#validate}). A concurrent first use of the same key makes the unit of work fail with a
   * {@link UniqueViolationException} ({@link UniqueKey#LEDGER_IDEMPOTENCY_KEY}).
   *
   * @throws LoyaltyException NOT_FOUND, INSUFFICIENT_POINTS, VALIDATION_ERROR on overflow, CONFLICT on a reused key
   */
  public PointsResult applyIn(Transaction tx, Participant participant, LedgerEntryKind kind, PointsChange change) {
    Optional<PointsResult> replay = replay(tx, participant.id(), kind, change);
    return replay.isPresent() ? replay.get() : write(tx, participant, kind, change);
  }

  private Optional<PointsResult> replay(Transaction tx, long participantId, LedgerEntryKind kind,
      PointsChange change) {
    if (change.idempotencyKey() == null) {
      return Optional.empty();
    }
    return tx.ledger().findByIdempotencyKey(context.tenantId(), change.idempotencyKey()).map(entry -> {
      if (!PointsRules.isSameRequest(entry, participantId, kind, change)) {
        throw LoyaltyException.conflict("idempotencyKey",
            "the idempotency key was used by a request with other parameters");
      }
      return new PointsResult(entry, entry.balanceAfter(), true);
    });
  }

  private PointsResult write(Transaction tx, Participant p, LedgerEntryKind kind, PointsChange change) {
    long tenantId = context.tenantId();
    Optional<BalanceChange> changed = kind == LedgerEntryKind.AWARD
        ? tx.ledger().credit(tenantId, p.id(), change.amount())
        : tx.ledger().debit(tenantId, p.id(), change.amount());
    if (changed.isEmpty()) {
      // The conditional update matched no row: find out why, for the caller.
      Participant now = tx.participants().find(tenantId, p.id())
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
      if (kind == LedgerEntryKind.DEDUCT) {
        throw new LoyaltyException(ErrorCode.INSUFFICIENT_POINTS, "amount",
            "the participant's balance is smaller than the amount");
      }
      if (!PointsRules.canCredit(now.pointsBalance(), now.lifetimePoints(), change.amount())) {
        throw LoyaltyException.validation("amount", "the award would overflow the participant's points");
      }
      throw new LoyaltyException(ErrorCode.CONFLICT, null, "the participant changed concurrently; retry");
    }
    BalanceChange after = changed.get();
    // The id is taken after the row lock, so one participant's entries are numbered in the order they apply.
    LedgerEntry entry = new LedgerEntry(context.ids().nextId(), tenantId, after.campaignId(), p.id(), kind,
        change.amount(), change.type(), change.description(), change.idempotencyKey(), after.balance(),
        context.now());
    tx.ledger().append(entry);
    if (kind == LedgerEntryKind.AWARD) {
      countForLeaderboards(tx, after.campaignId(), p.id(), change.amount(), entry.createdAt());
    }
    Outbox.emit(context, tx, kind == LedgerEntryKind.AWARD ? EventType.POINTS_AWARDED : EventType.POINTS_DEDUCTED,
        after.campaignId(), p.id(), EventJson.points(entry, p, after.balance(), after.lifetimePoints()));
    return new PointsResult(entry, after.balance(), false);
  }

  /**
   * Adds an award to the participant's points counters of the POINTS boards, all time and the current month of the
   * campaign's zone, in the award's unit of work (deductions never lower them).
   */
  private void countForLeaderboards(Transaction tx, long campaignId, long participantId, long amount, Instant at) {
    long tenantId = context.tenantId();
    ZoneId zone = context.campaignZones().of(tx, tenantId, campaignId);
    tx.leaderboards().addPoints(tenantId, campaignId, participantId, 0, amount, at);
    tx.leaderboards().addPoints(tenantId, campaignId, participantId, Goals.month(at, zone), amount, at);
  }
}
