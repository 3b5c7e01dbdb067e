package io.loyaltyengine.core.leaderboard;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.PointsIncrement;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.rewards.ActionCounts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's storage, seen through the leaderboard index: every unit of work the engine runs in a transaction of
 * its own is watched for the writes that move a board (a new participant, an action counter of all rewards, awarded
 * points, a deletion), and once the transaction has committed those writes are applied to the indexes already built
 * ({@link LeaderboardIndexes#applyCommitted}). A unit of work that fails or rolls back applies nothing, and each
 * retry starts with nothing noted; one whose commit's outcome is unknown applies nothing either, but has the next
 * reads of the campaigns it wrote to catch up with storage first ({@link LeaderboardIndexes#outcomeUnknown}).
 * Units of work inside a host's transaction pass through unwatched: the engine cannot tell whether or when the host
 * commits, so the index learns of them by catching up, like writes of other engine instances.
 *
 * <p>A unit of work that creates a participant holds a ticket of the indexes ({@link LeaderboardIndexes#hold}) from
 * the end of its work, before its commit, until its writes are applied: the participant may be deleted, and its
 * removal applied, before then, and the ticket makes the indexes keep a tombstone that refuses the late creation.
 *
 * <p>Watching every feature's unit of work here, rather than in each service, means a write made deep inside another
 * feature (an action counted by a referral, points given by a reward's approval) reaches the index as surely as a
 * direct call.
 *
 * <p>Thread-safe when the storage it wraps is: each unit of work notes its writes in its own list.
 */
public final class IndexedStorage implements Storage {
  private final Storage storage;
  private final LeaderboardIndexes indexes;

  /** Wraps {@code storage}, applying its committed board writes to {@code indexes}. */
  public IndexedStorage(Storage storage, LeaderboardIndexes indexes) {
    this.storage = storage;
    this.indexes = indexes;
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return storage.capabilities();
  }

  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    List<BoardWrite> writes = new ArrayList<>();
    long[] ticket = {0};
    try {
      T result;
      try {
        result = storage.inTransaction(tx -> {
          T done = work.run(new Watched(tx, writes));
          if (ticket[0] == 0 && createsParticipant(writes)) {
            ticket[0] = indexes.hold(); // before the commit: see the class description
          }
          return done;
        });
      } catch (CommitOutcomeUnknownException e) {
        if (!writes.isEmpty()) {
          // They may have committed: the next reads of their campaigns' boards catch up with storage first.
          indexes.outcomeUnknown(writes);
        }
        throw e;
      }
      if (!writes.isEmpty()) {
        indexes.applyCommitted(writes);
      }
      return result;
    } finally {
      if (ticket[0] != 0) {
        indexes.release(ticket[0]);
      }
    }
  }

  private static boolean createsParticipant(List<BoardWrite> writes) {
    for (BoardWrite write : writes) {
      if (write instanceof Created) {
        return true;
      }
    }
    return false;
  }

  /**
   * Passes a unit of work that only reads straight to the wrapped storage's {@link Storage#inReadTransaction} (one
   * snapshot; on H2 outside the turn writes take): it writes nothing the indexes would have to apply.
   */
  @Override
  public <T> T inReadTransaction(TransactionWork<T> work) {
    return storage.inReadTransaction(work);
  }

  @Override
  public void checkJoinable(HostTransaction host) {
    storage.checkJoinable(host);
  }

  @Override
  public Object hostTransactionIdentity(HostTransaction host) {
    return storage.hostTransactionIdentity(host);
  }

  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    return storage.inHostTransaction(host, work);
  }

  @Override
  public void close() {
    storage.close();
  }

  @Override
  public String toString() {
    return storage.toString();
  }

  /** A write that moves a board, noted inside a unit of work and applied after it committed. */
  sealed interface BoardWrite {
    /** The tenant. */
    long tenantId();

    /** The campaign. */
    long campaignId();
  }

  /** A participant was created. */
  record Created(long tenantId, long campaignId, long participantId, Instant createdAt) implements BoardWrite {
  }

  /** An action counter of all rewards has the value {@code count} now. */
  record Counted(long tenantId, long campaignId, long participantId, int month, long count) implements BoardWrite {
  }

  /** Points were added to a participant's points counter of {@code month} (its new value is not known here). */
  record PointsAdded(long tenantId, long campaignId, long participantId, int month) implements BoardWrite {
  }

  /** A participant left its campaign's boards. */
  record Removed(long tenantId, long campaignId, long participantId) implements BoardWrite {
  }

  /** The ports of one transaction, three of them watched. Used by one unit of work on its thread. */
  private static final class Watched extends ForwardingTransaction {
    private final List<BoardWrite> writes;

    Watched(Transaction tx, List<BoardWrite> writes) {
      super(tx);
      this.writes = writes;
    }

    @Override
    public ParticipantPort participants() {
      return new WatchedParticipants(delegate().participants(), writes);
    }

    @Override
    public ActionPort actions() {
      return new WatchedActions(delegate().actions(), writes);
    }

    @Override
    public LeaderboardPort leaderboards() {
      return new WatchedBoards(delegate().leaderboards(), writes);
    }

    /** Notes the counter additions and hands the rows to the store's own (possibly one-statement) write. */
    @Override
    public void appendPointsRows(PointsRows rows) {
      delegate().appendPointsRows(rows);
      notePoints(writes, rows.increments());
    }

    /** Hands both rows to the store's own (possibly one-statement) write: neither changes a board. */
    @Override
    public void appendAction(ActionRecord action, EventRecord event) {
      delegate().appendAction(action, event);
    }

    /** Forgets the writes noted inside {@code work} if it rolls back to its savepoint: they never commit. */
    @Override
    public <T> T nested(TransactionWork<T> work) {
      int mark = writes.size();
      try {
        return super.nested(work);
      } catch (RuntimeException | Error failure) {
        writes.subList(mark, writes.size()).clear();
        throw failure;
      }
    }
  }

  private static void notePoints(List<BoardWrite> writes, List<PointsIncrement> increments) {
    for (PointsIncrement i : increments) {
      writes.add(new PointsAdded(i.tenantId(), i.campaignId(), i.participantId(), i.month()));
    }
  }

  private record WatchedParticipants(ParticipantPort port, List<BoardWrite> writes) implements ParticipantPort {
    @Override
    public void insert(Participant participant) {
      port.insert(participant);
      writes.add(new Created(participant.tenantId(), participant.campaignId(), participant.id(),
          participant.createdAt()));
    }

    @Override
    public Optional<Participant> find(long tenantId, long participantId) {
      return port.find(tenantId, participantId);
    }

    @Override
    public List<Participant> findAll(long tenantId, Collection<Long> participantIds) {
      return port.findAll(tenantId, participantIds);
    }

    @Override
    public List<LockedParticipant> lockAll(long tenantId, Collection<Long> participantIds) {
      return port.lockAll(tenantId, participantIds);
    }

    @Override
    public Optional<Participant> findByEmail(long tenantId, long campaignId, String sanitizedEmail) {
      return port.findByEmail(tenantId, campaignId, sanitizedEmail);
    }

    @Override
    public List<Participant> findAllByEmail(long tenantId, long campaignId, Collection<String> sanitizedEmails) {
      return port.findAllByEmail(tenantId, campaignId, sanitizedEmails);
    }

    @Override
    public Optional<Participant> lock(long tenantId, long participantId) {
      return port.lock(tenantId, participantId);
    }

    @Override
    public LockAttempt tryLock(long tenantId, long participantId) {
      return port.tryLock(tenantId, participantId);
    }

    @Override
    public void updateProfile(Participant participant) {
      port.updateProfile(participant);
    }

    @Override
    public boolean delete(long tenantId, long participantId) {
      return port.delete(tenantId, participantId);
    }

    @Override
    public List<Participant> list(long tenantId, long campaignId, String search, String tier, Long afterId,
        int limit) {
      return port.list(tenantId, campaignId, search, tier, afterId, limit);
    }

    @Override
    public List<Participant> page(long tenantId, long campaignId, String search, String tier, long offset,
        int limit) {
      return port.page(tenantId, campaignId, search, tier, offset, limit);
    }

    @Override
    public long count(long tenantId, long campaignId, String search, String tier) {
      return port.count(tenantId, campaignId, search, tier);
    }

    @Override
    public long countInCampaigns(long tenantId, Collection<Long> campaignIds) {
      return port.countInCampaigns(tenantId, campaignIds);
    }

    @Override
    public boolean setRisk(long tenantId, long participantId, RiskLevel level, String reason) {
      return port.setRisk(tenantId, participantId, level, reason);
    }
  }

  private record WatchedActions(ActionPort port, List<BoardWrite> writes) implements ActionPort {
    @Override
    public void insert(ActionRecord action) {
      port.insert(action);
    }

    @Override
    public Optional<ActionRecord> findByIdempotencyKey(long tenantId, String idempotencyKey) {
      return port.findByIdempotencyKey(tenantId, idempotencyKey);
    }

    @Override
    public long increment(long tenantId, long campaignId, long participantId, long campaignRewardId, int month,
        Instant at) {
      long count = port.increment(tenantId, campaignId, participantId, campaignRewardId, month, at);
      if (campaignRewardId == 0) {
        writes.add(new Counted(tenantId, campaignId, participantId, month, count));
      }
      return count;
    }

    @Override
    public ActionIncrements incrementForAction(long tenantId, long campaignId, long participantId,
        long campaignRewardId, int month, int previousMonth, Instant at) {
      ActionIncrements counts = port.incrementForAction(tenantId, campaignId, participantId, campaignRewardId, month,
          previousMonth, at);
      writes.add(new Counted(tenantId, campaignId, participantId, 0, counts.allTime()));
      writes.add(new Counted(tenantId, campaignId, participantId, month, counts.allMonth()));
      return counts;
    }

    @Override
    public long count(long tenantId, long participantId, long campaignRewardId, int month) {
      return port.count(tenantId, participantId, campaignRewardId, month);
    }

    @Override
    public ActionCounts counts(long tenantId, long participantId, long campaignRewardId,
        int month, int previousMonth) {
      return port.counts(tenantId, participantId, campaignRewardId, month, previousMonth);
    }

    @Override
    public long campaignActions(long tenantId, long campaignId) {
      return port.campaignActions(tenantId, campaignId);
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      port.deleteAll(tenantId, participantId);
    }
  }

  private record WatchedBoards(LeaderboardPort port, List<BoardWrite> writes) implements LeaderboardPort {
    @Override
    public void addPoints(long tenantId, long campaignId, long participantId, int month, long points, Instant at) {
      port.addPoints(tenantId, campaignId, participantId, month, points, at);
      writes.add(new PointsAdded(tenantId, campaignId, participantId, month));
    }

    @Override
    public void addPointsAll(List<PointsIncrement> increments) {
      port.addPointsAll(increments);
      notePoints(writes, increments);
    }

    @Override
    public void scan(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
        ScoreSink sink) {
      port.scan(tenantId, campaignId, metric, month, createdBefore, sink);
    }

    @Override
    public List<BoardScore> page(long tenantId, long campaignId, BoardMetric metric, int month,
        Instant createdBefore, Long afterScore, Long afterId, int limit) {
      return port.page(tenantId, campaignId, metric, month, createdBefore, afterScore, afterId, limit);
    }

    @Override
    public long countAbove(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
        long score) {
      return port.countAbove(tenantId, campaignId, metric, month, createdBefore, score);
    }

    @Override
    public Optional<BoardScore> score(long tenantId, long participantId, BoardMetric metric, int month) {
      return port.score(tenantId, participantId, metric, month);
    }

    @Override
    public List<BoardScore> scores(long tenantId, Collection<Long> participantIds, BoardMetric metric, int month) {
      return port.scores(tenantId, participantIds, metric, month);
    }

    @Override
    public List<ScoreChange> changedSince(long tenantId, long campaignId, List<Integer> months, Instant since,
        int limit) {
      return port.changedSince(tenantId, campaignId, months, since, limit);
    }

    @Override
    public List<BoardScore> createdSince(long tenantId, long campaignId, Instant since, int limit) {
      return port.createdSince(tenantId, campaignId, since, limit);
    }

    @Override
    public void recordRemoval(long tenantId, long campaignId, long participantId, Instant at) {
      port.recordRemoval(tenantId, campaignId, participantId, at);
      writes.add(new Removed(tenantId, campaignId, participantId));
    }

    @Override
    public List<Long> removedSince(long tenantId, long campaignId, Instant since, int limit) {
      return port.removedSince(tenantId, campaignId, since, limit);
    }

    @Override
    public boolean insertWinners(long tenantId, MonthWinners winners) {
      return port.insertWinners(tenantId, winners);
    }

    @Override
    public Optional<MonthWinners> findWinners(long tenantId, long campaignId, BoardMetric metric, int month) {
      return port.findWinners(tenantId, campaignId, metric, month);
    }
  }
}
