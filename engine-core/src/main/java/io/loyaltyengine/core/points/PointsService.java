package io.loyaltyengine.core.points;

import static io.loyaltyengine.core.internal.LocksParticipants.ownRowsOnly;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.CombinableWork;
import io.loyaltyengine.core.internal.LocksParticipants;
import io.loyaltyengine.core.internal.LocksParticipants.SharedRows;
import io.loyaltyengine.core.internal.NothingToCommit;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.rewards.Goals;
import io.loyaltyengine.core.spi.BalanceAdjustment;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.PointsIncrement;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
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
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The points ledger of one tenant.
 *
 * <h2>The path of an award</h2>
 * The change is validated (pure, {@link PointsRules}) before any unit of work. Inside one transaction: a
 * participant named by email is resolved (one named by id is not read first); if the change carries an idempotency
 * key, an entry with that key is looked up and, when found, replayed (same request) or refused (CONFLICT; a plain
 * and a capped deduction are different requests, told apart by the amount a capped one asked for, which its entry
 * records as {@link LedgerEntry#requestedAmount()}, and a capped one is the same request only with that amount);
 * otherwise the balance is changed by one conditional update in the store ({@link LedgerPort#credit}), which takes
 * the participant's row lock, refuses an overflow or an overdraft, numbers the event that records the change and
 * returns the participant's row; the entry, its event and the additions to the participant's points counters of
 * the POINTS leaderboards (all time and the current month of the campaign's zone) then go to the store in one call
 * ({@link Transaction#appendPointsRows}), which PostgreSQL runs as one statement. So an award by id without a key
 * costs two statements and the commit, with a key three (the lookup first); on PostgreSQL the storage sends the last
 * with the commit. Two concurrent first attempts with one key both pass the lookup; the second one's append (on
 * PostgreSQL, the commit it is sent with) violates the unique key, its transaction rolls back (balance included),
 * and a fresh transaction replays the winner's entry. If the winner left a balance the second one's bound refuses
 * (an overdraft), the second one's update, which waited for the winner's row lock, looks the key up again and
 * replays the winner's entry too. Single calls that group commit puts in one batch run together as a chunk of
 * {@link #applyAll} does ({@code Single}).
 *
 * <p>Thread-safe when its context is.
 */
public final class PointsService implements Points {
  private final ScopeContext context;
  /** Writes every row at once: the single calls' and the features' way. */
  private final Writes direct = new DirectWrites();
  /** What group commit runs this tenant's single calls together by. */
  private final CombineKey combineKey;

  /** Creates the service. */
  public PointsService(ScopeContext context) {
    this.context = context;
    this.combineKey = new CombineKey(context);
  }

  @Override
  public PointsResult award(ParticipantRef participant, PointsChange change) {
    return applyOne(participant, PointsOperation.Kind.AWARD, change);
  }

  @Override
  public PointsResult deduct(ParticipantRef participant, PointsChange change) {
    return applyOne(participant, PointsOperation.Kind.DEDUCT, change);
  }

  @Override
  public CursorPage<LedgerEntry> history(ParticipantRef participant, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot: a deletion committed between the two reads would show the participant without its entries.
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return CursorPage.fromRows(tx.ledger().history(tenantId, id, page.afterId(), page.limit() + 1), page.limit(),
          LedgerEntry::id);
    });
  }

  @Override
  public Optional<LedgerEntry> findByIdempotencyKey(String idempotencyKey) {
    String key = TextRules.notNull("idempotencyKey", idempotencyKey);
    // A redemption's entry holds its prefix before the host's key, which may itself be of the full length.
    String prefix = PointsRules.REDEMPTION_KEY_PREFIX;
    PointsRules.idempotencyKey(key.startsWith(prefix) && key.length() > prefix.length()
        ? key.substring(prefix.length()) : key);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> tx.ledger().findByIdempotencyKey(tenantId, key));
  }

  @Override
  public PointsResult deductUpToBalance(ParticipantRef participant, PointsChange change) {
    return applyOne(participant, PointsOperation.Kind.DEDUCT_UP_TO_BALANCE, change);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Operations are validated first (a malformed one fails on its own, without a unit of work); the rest run in
   * chunks of {@value #BULK_CHUNK}, one transaction each. A chunk runs whole, without savepoints: an operation refused
   * there (an unknown participant, an overdraft, a key reused with other parameters) gets its error and changes
   * nothing. If an operation fails otherwise (a key another transaction took first, a row the store refused), that
   * transaction is rolled back and the chunk runs again with each operation behind a savepoint, so each gets its own
   * result or error. Inside a host's transaction a transient failure (a deadlock) is not run again: the call throws
   * STORAGE_UNAVAILABLE, since H2 rolls back a deadlock victim's whole transaction, or leaves one that failed in a
   * {@code SELECT ... FOR UPDATE} unable to go on.
   */
  @Override
  public List<PointsOutcome> applyAll(List<PointsOperation> given) {
    // An empty batch, or one of malformed operations only, runs no unit of work: refused by a closed engine all the
    // same, as every operation is.
    context.transactions().ensureOpen();
    if (given == null) {
      throw LoyaltyException.validation("operations", "operations must not be null");
    }
    // Read once, into a list indexed in O(1): a LinkedList read by index would cost O(n^2), and a list the caller
    // changes meanwhile would be checked as one list and applied as another.
    List<PointsOperation> operations = new ArrayList<>(given);
    if (operations.size() > MAX_BULK_OPERATIONS) {
      throw LoyaltyException.validation("operations",
          "at most " + MAX_BULK_OPERATIONS + " operations per call, but there were " + operations.size());
    }
    for (PointsOperation operation : operations) {
      if (operation == null) {
        throw LoyaltyException.validation("operations", "operations must not hold null");
      }
    }
    PointsOutcome[] outcomes = new PointsOutcome[operations.size()];
    List<Prepared> chunk = new ArrayList<>(Math.min(BULK_CHUNK, operations.size()));
    for (int i = 0; i < operations.size(); i++) {
      PointsOperation operation = operations.get(i);
      try {
        chunk.add(new Prepared(i, ParticipantService.resolver(operation.participant()), operation.kind(),
            PointsRules.validate(operation.change(), context.limits())));
      } catch (LoyaltyException e) {
        outcomes[i] = PointsOutcome.failed(e);
      }
      if (chunk.size() == BULK_CHUNK) {
        applyChunk(chunk, outcomes);
        chunk.clear();
      }
    }
    if (!chunk.isEmpty()) {
      applyChunk(chunk, outcomes);
    }
    return List.of(outcomes);
  }

  /** Operations per transaction of {@link #applyAll}. */
  static final int BULK_CHUNK = 1_000;

  /** A validated operation and its index in a bulk request (0 for a single call). */
  private record Prepared(int index, ParticipantService.Resolver resolver, PointsOperation.Kind kind,
      PointsChange change) {
  }

  private void applyChunk(List<Prepared> chunk, PointsOutcome[] outcomes) {
    long tenantId = context.tenantId();
    // What the last attempt returned, for a commit whose outcome is unknown (its work ran to its end).
    Object[][] attempted = new Object[1][];
    // Whether the chunk's work began in a transaction (one that could not begin is not run again: see below).
    boolean[] began = new boolean[1];
    LocksParticipants.Named participants = (tx, ids) -> addParticipants(tx, chunk, ids);
    try {
      // Through group commit, like single calls: on H2 a chunk then never holds participants' row locks at the same
      // time as a combined batch taking them in another order (H2 breaks such a deadlock by failing the younger
      // transaction). On PostgreSQL it runs at once, alone.
      Object[] results = context.transactions().runCombinedRaw(ownRowsOnly(tenantId, participants, tx -> {
        began[0] = true;
        try {
          return attempted[0] = applyTogether(tx, chunk);
        } catch (NothingToCommit e) {
          // Its refusals stay known should the shared transaction it ran in end with an unknown outcome.
          attempted[0] = e.result();
          throw e;
        }
      }));
      for (int i = 0; i < results.length; i++) {
        outcomes[chunk.get(i).index()] = results[i] instanceof CombinableWork.Refused refused
            ? PointsOutcome.failed(refused.error())
            : PointsOutcome.succeeded((PointsResult) results[i]);
      }
      return;
    } catch (LoyaltyException e) {
      if (Transactions.commitOutcomeUnknown(e)) {
        // The chunk may have committed: running it again could make every change twice. An operation refused is
        // known to have changed nothing, and keeps its own error.
        for (int i = 0; i < chunk.size(); i++) {
          outcomes[chunk.get(i).index()] = PointsOutcome.failed(
              attempted[0][i] instanceof CombinableWork.Refused refused ? refused.error() : e);
        }
        return;
      }
      if (!began[0]) {
        // The storage failed before the chunk's work ran (the database unreachable). Not run again: it would fail
        // the same way after as long a wait (on a pool, its connection timeout). Nothing was changed.
        throw e;
      }
      if (context.transactions().joinHost() && e.getCause() instanceof TransientStorageException) {
        // A deadlock (or serialization failure, lock timeout) in a host's transaction, which is never run again: H2
        // rolls back its deadlock victim's whole transaction when it failed in an UPDATE, the host's work and earlier
        // chunks with it, and the chunk run again would apply in the fresh transaction the connection is in by then,
        // answering success for changes the host would commit without its own work (a victim that was waiting in a
        // SELECT ... FOR UPDATE can run no further statement). The host rolls back and runs its transaction again.
        throw e;
      }
      // Some operation failed other than by a refusal (a row the store refused) and took the chunk's transaction
      // with it: run the chunk again, each operation behind a savepoint.
    } catch (UniqueViolationException e) {
      // A key another transaction took first: run the chunk again, each operation behind a savepoint, where that
      // operation replays the other's entry.
    }
    Object[] careful = applyBehindSavepoints(tenantId, participants, chunk);
    for (int i = 0; i < careful.length; i++) {
      Prepared p = chunk.get(i);
      if (careful[i] instanceof UniqueViolationException e) {
        try {
          outcomes[p.index()] = PointsOutcome.succeeded(afterKeyTaken(p.resolver(), p.kind(), p.change(), e));
        } catch (LoyaltyException failure) {
          outcomes[p.index()] = PointsOutcome.failed(failure);
        }
      } else {
        outcomes[p.index()] = (PointsOutcome) careful[i];
      }
    }
  }

  /**
   * Applies the operations of a chunk one by one, each behind a savepoint, under their participants' row locks taken
   * first: after the run in one go failed otherwise, or met a key another transaction took.
   *
   * @return each operation's {@link PointsOutcome}, or the {@link UniqueViolationException} of a key another
   *     transaction took (its savepoint undid it), in chunk order; if the commit's outcome is unknown, every operation
   *     not known to have changed nothing has that STORAGE_UNAVAILABLE as its outcome
   */
  private Object[] applyBehindSavepoints(long tenantId, LocksParticipants.Named participants, List<Prepared> chunk) {
    // What the last attempt returned, for a commit whose outcome is unknown (its work ran to its end).
    Object[][] attempted = new Object[1][];
    Object[] results;
    try {
      results = context.transactions().runCombinedRaw(ownRowsOnly(tenantId, participants, tx -> {
        Object[] r = new Object[chunk.size()];
        long[] participantIds = new long[r.length];
        LoyaltyException[] unresolved = lockChunk(tx, chunk, participantIds);
        for (int i = 0; i < r.length; i++) {
          if (unresolved[i] != null) {
            r[i] = PointsOutcome.failed(unresolved[i]);
            continue;
          }
          Prepared p = chunk.get(i);
          long participantId = participantIds[i];
          try {
            r[i] = PointsOutcome.succeeded(
                tx.nested(t -> applyIn(t, participantId, p.kind(), p.change(), direct)));
          } catch (LoyaltyException e) {
            r[i] = PointsOutcome.failed(e);
          } catch (UniqueViolationException e) {
            r[i] = e;
          } catch (TransientStorageException e) {
            // The whole chunk is retried.
            throw e;
          } catch (StorageException e) {
            // The store refused this operation alone (its savepoint undid it): the others go on.
            r[i] = PointsOutcome.failed(new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null,
                "the storage could not complete the operation; nothing was changed", e));
          }
        }
        return attempted[0] = r;
      }));
    } catch (LoyaltyException e) {
      if (!Transactions.commitOutcomeUnknown(e) || attempted[0] == null) {
        throw e;
      }
      // The chunk may have committed: running it again could make every change twice. An operation refused or
      // undone by its savepoint is known to have changed nothing, and keeps its own outcome; one that succeeded, or
      // replayed an entry (perhaps one of this transaction), may have been made. One whose key another transaction
      // took was undone by its savepoint too: the caller answers it as a retry would be.
      results = attempted[0].clone();
      for (int i = 0; i < results.length; i++) {
        if (!(results[i] instanceof PointsOutcome outcome && !outcome.succeeded())
            && !(results[i] instanceof UniqueViolationException)) {
          results[i] = PointsOutcome.failed(e);
        }
      }
    }
    return results;
  }

  /**
   * Applies the operations of a chunk in one go, under their participants' row locks ({@link ChunkWrites}). An
   * operation refused ({@link LoyaltyException}: an unknown participant, an overdraft, a reused key) changes nothing
   * of the chunk and is answered with {@link CombinableWork.Refused}; the others go on.
   *
   * @return each operation's {@link PointsResult} or {@link CombinableWork.Refused}, in chunk order
   * @throws NothingToCommit carrying those results, if no operation changed anything
   * @throws RuntimeException if an operation fails otherwise (the transaction must then be rolled back)
   */
  private Object[] applyTogether(Transaction tx, List<Prepared> chunk) {
    ChunkWrites writes = new ChunkWrites(tx, context.tenantId(), chunk);
    Object[] results = new Object[chunk.size()];
    for (int i = 0; i < results.length; i++) {
      Prepared p = chunk.get(i);
      LoyaltyException unresolved = writes.unresolved(i);
      if (unresolved != null) {
        results[i] = new CombinableWork.Refused(unresolved);
        continue;
      }
      long participantId = writes.participantId(i);
      LockedParticipant before = writes.now(participantId);
      try {
        results[i] = applyIn(tx, participantId, p.kind(), p.change(), writes);
      } catch (LoyaltyException e) {
        if (writes.now(participantId) != before) {
          // Refused after its balance change was worked out (an award whose campaign's zone could not be read;
          // the refusals of the rules come first): not undone here, the chunk runs the careful way.
          throw e;
        }
        results[i] = new CombinableWork.Refused(e);
      }
    }
    if (writes.changedNothing()) {
      // Every operation refused or replayed: roll back rather than pay a durable commit for the locks alone.
      throw new NothingToCommit(results);
    }
    writes.flush(tx);
    return results;
  }

  private PointsResult applyOne(ParticipantRef participant, PointsOperation.Kind kind, PointsChange request) {
    Prepared operation = new Prepared(0, ParticipantService.resolver(participant), kind,
        PointsRules.validate(request, context.limits()));
    try {
      return context.transactions().runCombinedRaw(new Single(operation));
    } catch (UniqueViolationException e) {
      return afterKeyTaken(operation.resolver(), kind, operation.change(), e);
    }
  }

  /**
   * The unit of work of one award or deduction call. Group commit may run it together with the other calls of this
   * tenant in its batch, as {@link #applyAll} runs a chunk: their participants locked by one query, the balances
   * changed by one update, the rows written at once ({@link ChunkWrites}), without a savepoint each.
   */
  private final class Single implements CombinableWork<PointsResult> {
    private final Prepared operation;

    Single(Prepared operation) {
      this.operation = operation;
    }

    @Override
    public PointsResult run(Transaction tx) {
      return applyIn(tx, operation.resolver().resolveId(tx, context.tenantId()), operation.kind(),
          operation.change(), direct);
    }

    @Override
    public Object combineKey() {
      return combineKey;
    }

    @Override
    public long combineOrder() {
      // Within one engine the scope contexts of a tenant are equal: one key per tenant.
      return context.tenantId();
    }

    @Override
    public Object[] runTogether(Transaction tx, List<CombinableWork<?>> units) {
      List<Prepared> chunk = new ArrayList<>(units.size());
      for (CombinableWork<?> unit : units) {
        // Equal keys: every unit is a Single of this tenant, though perhaps of another scope's service.
        chunk.add(((Single) unit).operation);
      }
      return applyTogether(tx, chunk);
    }

    @Override
    public long tenantId() {
      return context.tenantId();
    }

    @Override
    public void participants(Transaction tx, Set<Long> ids) {
      addParticipants(tx, List.of(operation), ids);
    }

    @Override
    public SharedRows sharedRows() {
      return null;
    }
  }

  /**
   * Adds the participants of {@code chunk} to {@code ids}, for {@link LocksParticipants}: those named by email read
   * with {@link ParticipantService#resolveIds} (a query per campaign); an unknown one is left out (the operation's own
   * refusal, when it runs).
   */
  private void addParticipants(Transaction tx, List<Prepared> chunk, Set<Long> ids) {
    LoyaltyException[] unresolved = new LoyaltyException[chunk.size()];
    long[] resolved = new long[chunk.size()];
    ParticipantService.resolveIds(tx, context.tenantId(), resolvers(chunk), resolved, unresolved);
    for (int i = 0; i < resolved.length; i++) {
      if (unresolved[i] == null) {
        ids.add(resolved[i]);
      }
    }
  }

  private static List<ParticipantService.Resolver> resolvers(List<Prepared> chunk) {
    List<ParticipantService.Resolver> resolvers = new ArrayList<>(chunk.size());
    for (Prepared p : chunk) {
      resolvers.add(p.resolver());
    }
    return resolvers;
  }

  /**
   * Resolves the participants of a chunk (those named by email a query per campaign, {@link
   * ParticipantService#resolveIds}) into {@code participantIds} and locks them
   * all, in ascending id order, as the chunk's run in one go locks them: for the chunk's run again behind savepoints.
   * An operation taking its participant's lock as it came held a higher id while it waited for a lower one, and
   * deadlocked with a transaction changing both in ascending id order (a host's, never retried, saw
   * STORAGE_UNAVAILABLE).
   *
   * @return why each operation's participant could not be resolved (an unknown email), by position; null if it was
   */
  private LoyaltyException[] lockChunk(Transaction tx, List<Prepared> chunk, long[] participantIds) {
    long tenantId = context.tenantId();
    LoyaltyException[] unresolved = new LoyaltyException[chunk.size()];
    ParticipantService.resolveIds(tx, tenantId, resolvers(chunk), participantIds, unresolved);
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < unresolved.length; i++) {
      if (unresolved[i] == null) {
        ids.add(participantIds[i]);
      }
    }
    if (!ids.isEmpty()) {
      tx.participants().lockAll(tenantId, ids);
    }
    return unresolved;
  }

  /** The combine key of the single calls of one tenant: equal contexts, equal keys. */
  private record CombineKey(ScopeContext context) {
  }

  /**
   * A concurrent request with the same key committed first: answers as a retry would. The participant is locked
   * before the key is looked up, as the change itself locks it: read unlocked, a deletion committing between the
   * read and the lookup took the participant's entry (the key's, when the winner was the same request) and left a
   * CONFLICT where the request without the race is NOT_FOUND.
   */
  private PointsResult afterKeyTaken(ParticipantService.Resolver resolver, PointsOperation.Kind kind,
      PointsChange change, UniqueViolationException e) {
    if (e.key() != UniqueKey.LEDGER_IDEMPOTENCY_KEY) {
      throw new LoyaltyException(ErrorCode.CONFLICT, null, "the change conflicts with another", e);
    }
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      Participant p = resolver.lock(tx, tenantId);
      return replay(tx, p.id(), kind, change, direct).orElseThrow(() -> new LoyaltyException(ErrorCode.CONFLICT,
          "idempotencyKey", "the idempotency key was used by another request", e));
    });
  }

  /**
   * Applies one operation, its rows going through {@code writes}. The participant may not exist (an id reference
   * is not read first): the balance change, or the lock of a capped deduction, finds that out.
   */
  private PointsResult applyIn(Transaction tx, long participantId, PointsOperation.Kind kind, PointsChange change,
      Writes writes) {
    Optional<PointsResult> replay = replay(tx, participantId, kind, change, writes);
    if (replay.isPresent()) {
      return replay.get();
    }
    if (kind == PointsOperation.Kind.DEDUCT_UP_TO_BALANCE) {
      return deductUpToIn(tx, participantId, change, writes);
    }
    return write(tx, participantId, ledgerKind(kind), change, null, writes);
  }

  /**
   * Deducts what the balance has, up to the amount. The participant's row lock is taken before the balance is
   * read, so the debit that follows sees the same balance and cannot fail for want of points.
   */
  private PointsResult deductUpToIn(Transaction tx, long participantId, PointsChange change, Writes writes) {
    long taken = Math.min(change.amount(), writes.lock(tx, participantId).pointsBalance());
    if (taken == 0) {
      // Taking nothing writes no entry, so no unique key stops a concurrent first request with the same key: the
      // one that held the lock before may have taken the balance with it. Its entry is committed now: replay it.
      Optional<PointsResult> replayed = change.idempotencyKey() == null ? Optional.empty()
          : replay(tx, participantId, PointsOperation.Kind.DEDUCT_UP_TO_BALANCE, change, writes);
      return replayed.orElseGet(() -> new PointsResult(null, 0, false));
    }
    // The entry records what was asked beside what was taken: a retry is matched against the request, not the take.
    return write(tx, participantId, LedgerEntryKind.DEDUCT,
        new PointsChange(taken, change.type(), change.description(), change.idempotencyKey()), change.amount(),
        writes);
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
    return applyIn(tx, participant.id(),
        kind == LedgerEntryKind.AWARD ? PointsOperation.Kind.AWARD : PointsOperation.Kind.DEDUCT, change, direct);
  }

  /**
   * As {@link #applyIn(Transaction, Participant, LedgerEntryKind, PointsChange)}, for a change the engine makes once
   * under a ledger key of its own (a reward's approval, a quest's task, a referral's conversion or reversal), whose
   * own record (a status moved, a completion or conversion inserted) says it was not made before. An entry with the
   * key is then a points change of the host's that took it: replaying it would credit or take nothing, and its other
   * parameters would refuse the change on {@code idempotencyKey}, a field the caller did not give. So both are
   * CONFLICT on {@code field}, the caller's, and the unit of work must roll back. Run the unit of work with
   * {@link #runOwn}, which answers a key taken while it runs the same way.
   *
   * @throws LoyaltyException CONFLICT on {@code field} when the key is taken; otherwise as {@code applyIn}
   */
  public PointsResult applyOwnIn(Transaction tx, Participant participant, LedgerEntryKind kind, PointsChange change,
      String field) {
    PointsResult result;
    try {
      result = applyIn(tx, participant, kind, change);
    } catch (LoyaltyException e) {
      if (e.code() == ErrorCode.CONFLICT && "idempotencyKey".equals(e.field().orElse(null))) {
        throw ownKeyTaken(field, e);
      }
      throw e;
    }
    if (result.replayed()) {
      throw ownKeyTaken(field, null);
    }
    return result;
  }

  /**
   * Runs a unit of work whose only ledger writes are changes of the engine's own through {@link #applyOwnIn}, in a
   * transaction of its own, answering a key taken meanwhile as {@code applyOwnIn} answers one taken before: a host's
   * points change of another participant, which does not queue on the row lock the unit of work holds, can commit the
   * engine's key after the lookup, and the unit of work then meets it only at the key's unique constraint (the
   * storage's {@link UniqueViolationException} on {@link UniqueKey#LEDGER_IDEMPOTENCY_KEY}, which the run makes
   * CONFLICT on {@code idempotencyKey}, a field the caller did not give). That becomes CONFLICT on {@code field};
   * any other failure is thrown as it is.
   */
  public <T> T runOwn(String field, TransactionWork<T> work) {
    try {
      return context.transactions().run(work);
    } catch (LoyaltyException e) {
      if (e.getCause() instanceof UniqueViolationException violation
          && violation.key() == UniqueKey.LEDGER_IDEMPOTENCY_KEY) {
        throw ownKeyTaken(field, violation);
      }
      throw e;
    }
  }

  private static LoyaltyException ownKeyTaken(String field, Throwable cause) {
    return new LoyaltyException(ErrorCode.CONFLICT, field,
        "the change's ledger idempotency key is taken by another points change", cause);
  }

  /**
   * The kind of entry an award or a deduction writes (a capped deduction writes a DEDUCT too, with the amount it
   * asked for as its {@link LedgerEntry#requestedAmount()}).
   */
  private static LedgerEntryKind ledgerKind(PointsOperation.Kind kind) {
    return kind == PointsOperation.Kind.AWARD ? LedgerEntryKind.AWARD : LedgerEntryKind.DEDUCT;
  }

  private Optional<PointsResult> replay(Transaction tx, long participantId, PointsOperation.Kind kind,
      PointsChange change, Writes writes) {
    if (change.idempotencyKey() == null) {
      return Optional.empty();
    }
    return writes.entryWithKey(tx, change.idempotencyKey()).map(entry -> {
      boolean same = kind == PointsOperation.Kind.DEDUCT_UP_TO_BALANCE
          ? PointsRules.isSameCappedRequest(entry, participantId, change)
          : PointsRules.isSameRequest(entry, participantId, ledgerKind(kind), change);
      if (!same) {
        if (entry.participantId() != participantId
            && tx.participants().find(context.tenantId(), participantId).isEmpty()) {
          // An id reference is not read before: a missing participant is reported as such, as it always was.
          throw LoyaltyException.notFound("participant");
        }
        throw LoyaltyException.conflict("idempotencyKey",
            "the idempotency key was used by a request with other parameters");
      }
      return new PointsResult(entry, entry.balanceAfter(), true);
    });
  }

  /**
   * Changes the balance by {@code change} and records it. {@code requested} is the amount a capped deduction asked
   * for (its {@code change} is what it takes), null for an award or a plain deduction.
   */
  private PointsResult write(Transaction tx, long participantId, LedgerEntryKind kind, PointsChange change,
      Long requested, Writes writes) {
    long tenantId = context.tenantId();
    LockedParticipant after;
    try {
      after = writes.change(tx, participantId, kind, change.amount());
    } catch (LoyaltyException refused) {
      if (change.idempotencyKey() == null || refused.code() == ErrorCode.NOT_FOUND) {
        throw refused;
      }
      // The conditional update waited for the participant's row lock: a concurrent first request with this key may
      // have committed meanwhile and left a balance this one's bound refuses. Its entry is visible now (READ
      // COMMITTED): answer as a retry would. (A capped deduction never gets here: it takes what the lock shows.)
      PointsOperation.Kind operation = kind == LedgerEntryKind.AWARD ? PointsOperation.Kind.AWARD
          : PointsOperation.Kind.DEDUCT;
      return replay(tx, participantId, operation, change, writes).orElseThrow(() -> refused);
    }
    Participant p = after.participant();
    // The id is taken after the row lock, so one participant's entries are numbered in the order they apply.
    LedgerEntry entry = new LedgerEntry(context.ids().nextId(), tenantId, p.campaignId(), p.id(), kind,
        change.amount(), change.type(), change.description(), change.idempotencyKey(), p.pointsBalance(),
        context.now(), requested);
    EventType type = kind == LedgerEntryKind.AWARD ? EventType.POINTS_AWARDED : EventType.POINTS_DEDUCTED;
    EventRecord event = Outbox.event(context, type, p.campaignId(), p.id(), after.eventSequence(),
        EventJson.points(entry, p));
    List<PointsIncrement> increments = List.of();
    if (kind == LedgerEntryKind.AWARD) {
      // The POINTS boards' counters, all time and the current month of the campaign's zone (deductions never
      // lower them).
      ZoneId zone = context.campaignZones().of(tx, tenantId, p.campaignId());
      Instant at = entry.createdAt();
      increments = List.of(new PointsIncrement(tenantId, p.campaignId(), p.id(), 0, change.amount(), at),
          new PointsIncrement(tenantId, p.campaignId(), p.id(), Goals.month(at, zone), change.amount(), at));
    }
    writes.record(tx, entry, event, increments);
    return new PointsResult(entry, p.pointsBalance(), false);
  }

  /**
   * Where an operation changes a balance and leaves its rows (the ledger entry, the event, the points counters),
   * and where an earlier entry with the same idempotency key is looked up.
   */
  private interface Writes {
    Optional<LedgerEntry> entryWithKey(Transaction tx, String key);

    /**
     * The participant's row with its lock held.
     *
     * @throws LoyaltyException NOT_FOUND
     */
    Participant lock(Transaction tx, long participantId);

    /**
     * Changes the balance by {@code amount} (an award adds to the lifetime points too) and takes the number of the
     * event that records it.
     *
     * @throws LoyaltyException NOT_FOUND, INSUFFICIENT_POINTS, VALIDATION_ERROR on overflow
     */
    LockedParticipant change(Transaction tx, long participantId, LedgerEntryKind kind, long amount);

    /** Leaves the rows of a change. */
    void record(Transaction tx, LedgerEntry entry, EventRecord event, List<PointsIncrement> increments);
  }

  /**
   * Each change straight into the transaction: one conditional update of the balance (which numbers the event
   * too), and the change's rows in one call, which a store may send as one statement. Stateless.
   */
  private final class DirectWrites implements Writes {
    @Override
    public Optional<LedgerEntry> entryWithKey(Transaction tx, String key) {
      return tx.ledger().findByIdempotencyKey(context.tenantId(), key);
    }

    @Override
    public Participant lock(Transaction tx, long participantId) {
      return tx.participants().lock(context.tenantId(), participantId)
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
    }

    @Override
    public LockedParticipant change(Transaction tx, long participantId, LedgerEntryKind kind, long amount) {
      long tenantId = context.tenantId();
      Optional<LockedParticipant> changed = kind == LedgerEntryKind.AWARD
          ? tx.ledger().credit(tenantId, participantId, amount)
          : tx.ledger().debit(tenantId, participantId, amount);
      if (changed.isPresent()) {
        return changed.get();
      }
      // The conditional update matched no row. If the participant exists, its bound failed at that moment, whatever
      // the balance is now (another commit may have changed it since): that, not the current row, is the answer.
      if (tx.participants().find(tenantId, participantId).isEmpty()) {
        throw LoyaltyException.notFound("participant");
      }
      throw refusal(kind);
    }

    @Override
    public void record(Transaction tx, LedgerEntry entry, EventRecord event, List<PointsIncrement> increments) {
      tx.appendPointsRows(new PointsRows(List.of(entry), List.of(event), increments));
    }
  }

  /**
   * Runs {@code work}, reporting an award's overflow (VALIDATION_ERROR on {@code amount}) on {@code field} instead:
   * for the operations whose points come from something else the host passed (an order value, a reward), where
   * {@code amount} names nothing the host knows. Thrown inside a unit of work, the error rolls it back.
   */
  public static <T> T overflowOn(String field, String message, Supplier<T> work) {
    try {
      return work.get();
    } catch (LoyaltyException e) {
      if (e.code() == ErrorCode.VALIDATION_ERROR && "amount".equals(e.field().orElse(null))) {
        throw LoyaltyException.validation(field, message);
      }
      throw e;
    }
  }

  /** A balance change refused by its bound: a deduction's balance too small, an award's totals overflowing. */
  private static LoyaltyException refusal(LedgerEntryKind kind) {
    return kind == LedgerEntryKind.DEDUCT
        ? new LoyaltyException(ErrorCode.INSUFFICIENT_POINTS, "amount",
            "the participant's balance is smaller than the amount")
        : LoyaltyException.validation("amount", "the award would overflow the participant's points");
  }

  /**
   * A chunk of {@link #applyAll} worked out in memory under its participants' row locks, then written at once.
   * Its participants are locked up front in one query per 500 ids ({@link ParticipantPort#lockAll}, ascending id
   * order; those named by email are resolved first), so two chunks never wait on each other's participants in a
   * cycle. Each operation then changes the locked row as the conditional update would (same bounds, same errors),
   * and numbers its event. At the end of the chunk each
   * participant's row gets one update with the chunk's sums ({@link LedgerPort#adjustAll}) and every entry, event
   * and counter addition goes in one call ({@link Transaction#appendPointsRows}). An operation refused before its
   * change leaves nothing in the chunk (its rows are recorded last); any other failure leaves nothing at all: the
   * chunk's transaction rolls back and the chunk runs again the careful way.
   *
   * <p>Not thread-safe: used by one unit of work.
   */
  private final class ChunkWrites implements Writes {
    private final Map<Long, Held> held = new HashMap<>();
    /** The id of each operation's participant, by its position in the chunk. */
    private final long[] participantIds;
    /** Why an operation's participant could not be resolved (an unknown email), by position; null if it was. */
    private final LoyaltyException[] unresolved;
    private final Map<String, LedgerEntry> entriesByKey = new HashMap<>();
    private final List<LedgerEntry> entries = new ArrayList<>();
    private final List<EventRecord> events = new ArrayList<>();
    /** Points to add to counters (summed per counter by {@link PointsRows}). */
    private final List<PointsIncrement> increments = new ArrayList<>();

    /**
     * Resolves the participants the chunk names by email (a query per campaign named, {@link
     * ParticipantService#resolveIds}; the operation of an unknown one is refused),
     * locks all of the chunk's participants in one query per 500 ids, in ascending id order, and reads its entries
     * with an idempotency key in one query.
     */
    ChunkWrites(Transaction tx, long tenantId, List<Prepared> chunk) {
      participantIds = new long[chunk.size()];
      unresolved = new LoyaltyException[chunk.size()];
      Set<Long> ids = new HashSet<>();
      Set<String> keys = new HashSet<>();
      ParticipantService.resolveIds(tx, tenantId, resolvers(chunk), participantIds, unresolved);
      for (int i = 0; i < participantIds.length; i++) {
        Prepared p = chunk.get(i);
        if (unresolved[i] != null) {
          continue;
        }
        ids.add(participantIds[i]);
        if (p.change().idempotencyKey() != null) {
          keys.add(p.change().idempotencyKey());
        }
      }
      if (!ids.isEmpty()) {
        for (LockedParticipant row : tx.participants().lockAll(tenantId, ids)) {
          held.put(row.id(), new Held(row));
        }
      }
      if (!keys.isEmpty()) {
        for (LedgerEntry found : tx.ledger().findByIdempotencyKeys(tenantId, keys)) {
          entriesByKey.put(found.idempotencyKey(), found);
        }
      }
    }

    /** The id of the participant of the chunk's operation at {@code position}, resolved beforehand. */
    long participantId(int position) {
      return participantIds[position];
    }

    /** Why the participant of the operation at {@code position} could not be resolved; null if it was. */
    LoyaltyException unresolved(int position) {
      return unresolved[position];
    }

    /** The participant's row as the chunk has changed it so far; null if it was not found. */
    LockedParticipant now(long participantId) {
      Held row = held.get(participantId);
      return row == null ? null : row.now;
    }

    /** The participant's row as the chunk has changed it so far; locked up front, or missing. */
    private Held held(long participantId) {
      Held row = held.get(participantId);
      if (row == null) {
        throw LoyaltyException.notFound("participant");
      }
      return row;
    }

    /** The entry with this key: one stored before the chunk, or one this chunk wrote. */
    @Override
    public Optional<LedgerEntry> entryWithKey(Transaction tx, String key) {
      return Optional.ofNullable(entriesByKey.get(key));
    }

    @Override
    public Participant lock(Transaction tx, long participantId) {
      return held(participantId).now.participant();
    }

    @Override
    public LockedParticipant change(Transaction tx, long participantId, LedgerEntryKind kind, long amount) {
      Held row = held(participantId);
      LockedParticipant now = row.now;
      boolean award = kind == LedgerEntryKind.AWARD;
      if (award ? !PointsRules.canCredit(now.balance(), now.lifetimePoints(), amount)
          : !PointsRules.canDebit(now.balance(), amount)) {
        throw refusal(kind);
      }
      row.now = now.withTotals(now.balance() + (award ? amount : -amount),
          now.lifetimePoints() + (award ? amount : 0), now.eventSequence() + 1);
      return row.now;
    }

    @Override
    public void record(Transaction tx, LedgerEntry entry, EventRecord event, List<PointsIncrement> added) {
      entries.add(entry);
      if (entry.idempotencyKey() != null) {
        entriesByKey.put(entry.idempotencyKey(), entry);
      }
      events.add(event);
      increments.addAll(added);
    }

    /** Whether no operation changed anything so far: each change records its entry. */
    boolean changedNothing() {
      return entries.isEmpty();
    }

    /** Writes the chunk's sums and rows inside its transaction. */
    void flush(Transaction tx) {
      List<BalanceAdjustment> adjustments = new ArrayList<>();
      for (Held row : held.values()) {
        if (row.now != row.locked) {
          adjustments.add(new BalanceAdjustment(context.tenantId(), row.locked.id(),
              row.now.balance() - row.locked.balance(), row.now.lifetimePoints() - row.locked.lifetimePoints(),
              row.now.eventSequence() - row.locked.eventSequence()));
        }
      }
      tx.ledger().adjustAll(adjustments);
      tx.appendPointsRows(new PointsRows(entries, events, increments));
    }
  }

  /** A participant's row locked by a chunk, and what the chunk has made of it so far. Not thread-safe. */
  private static final class Held {
    final LockedParticipant locked;
    LockedParticipant now;

    Held(LockedParticipant locked) {
      this.locked = locked;
      this.now = locked;
    }
  }
}
