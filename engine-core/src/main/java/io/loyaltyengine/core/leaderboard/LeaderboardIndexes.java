package io.loyaltyengine.core.leaderboard;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.rewards.Goals;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongPredicate;

/**
 * The leaderboard indexes of one engine: per campaign a {@link Roster} of its participants and, per board (metric
 * and month, 0 for all time), a {@link BoardIndex} over that roster.
 *
 * <h2>Building</h2>
 * A campaign's index is made on first use: one scan of its all-time action counters fills the roster (every
 * participant and its creation time) and the all-time ACTIONS board. Every other board is made on its first read
 * by a scan of its own ({@link LeaderboardPort#scan}), raising only scores above 0. A board is registered before
 * its scan starts, so this engine's writes that commit during the scan are applied to it too; raising keeps the
 * larger score, so the order does not matter. Those raises are also kept and applied again when the scan ends: a
 * board ignores a participant its roster does not hold yet, as during the campaign's first scan any participant the
 * scan has not reached, and where transactions run at once (PostgreSQL) the scan's snapshot may predate the write.
 * A removal does not commute with the scan: the scan reads a snapshot that may predate the deletion and hand the
 * participant over after it left the index (see "Removals" below). A first build that fails drops the campaign's
 * index, so that the next read builds on an empty roster, not one holding what the failed scan handed over.
 *
 * <h2>Months</h2>
 * The board of month {@code m} counts members created before {@code m} ended in the campaign's zone. While
 * {@code m} is the current month that is everyone; when the month ends the same board serves as last month's, and
 * the new month's board is a new, empty {@link BoardIndex} (made in O(1)): nothing is rewritten at the boundary.
 * Boards of months before last month are dropped on the next catch-up.
 *
 * <h2>This engine's writes</h2>
 * {@link IndexedStorage} hands over the board writes of each committed unit of work ({@link #applyCommitted}): new
 * participants join the roster, action counters raise ACTIONS boards to the value the store returned, deletions leave
 * every board. An award's new points counter is not returned by the store, so the participant is marked and its
 * counters are read (all the marked counters of a board in one read) before the next read of the campaign's boards;
 * INDEX reads therefore see this engine's own writes at once. An action of a participant the roster does not hold yet
 * (created by another instance, or in a host's transaction, since the last catch-up) is marked too, since its raise
 * finds no member: the read of the marks adds the participant to the roster, so that the score lands even when a
 * catch-up or another board's scan brings the member in from a view older than the write. Writes of units of work that
 * joined a host's transaction are left to the catch-up below, because the engine does not see the host commit. Those of
 * a unit of work whose commit's outcome is unknown (it may have committed) are not applied either: the next read of
 * each campaign concerned catches up first, whatever the refresh interval ({@link #outcomeUnknown}).
 *
 * <h2>Removals</h2>
 * Units of work apply their writes after they commit, on their own threads, in no set order: an enrolment that
 * committed before the participant's deletion may apply its writes after the deletion applied its removal. A board scan
 * and a catch-up, likewise, read storage as it was when they read it, and may hand over a participant deleted since.
 * Raising is harmless (a board ignores a participant the roster does not hold), but adding to the roster would bring
 * the participant back, with its score, until the index is rebuilt. So the work that may do so holds a <em>ticket</em>
 * ({@link #hold}) from before its view of storage is fixed until it has applied what it read: an enrolling unit of work
 * from before its commit until its writes are applied, a scan, a catch-up and the read of marked writes from before
 * their transaction until they end. A removal applied while a ticket is held leaves a <em>tombstone</em> of the
 * participant (ids are never reused), which the campaign's roster consults under its lock when it adds a member (for
 * this engine's creations, scans, catch-ups and marks alike; a campaign index built later too), so the participant is
 * refused however the two interleave. A tombstone is dropped as soon as every ticket issued before it has been
 * released: work whose ticket came later fixed its view after the deletion committed, so it cannot see the participant
 * (and a unit of work cannot enrol a participant that was deleted before it committed). The rule uses no clock, so it
 * holds for any delay, a clock that stands still included. Memory: a tombstone lives only while work that took its
 * ticket before the removal is still running (an enrolment between its commit and its index update, a scan, a catch-up,
 * a read of marks); a removal applied while no ticket is held leaves none. Adding a member costs a map's emptiness
 * check when there are no tombstones and one hash lookup when there are; raising a score costs nothing more (a
 * participant the roster refused is not on any board).
 *
 * <h2>Catching up: the staleness bound</h2>
 * Catching up is lazy: a read of a campaign's boards first reads what changed in storage since the last catch-up
 * when that was at least {@link LeaderboardSettings#refreshInterval()} ago (by the engine's clock): participants
 * created, counters changed and participants removed at or after {@code lastCatchUp - margin}, where the margin is
 * {@link LeaderboardSettings#catchUpMargin()} (30 s by default). An idle engine reads nothing. Counter changes only
 * raise and a raise keeps the larger value, so reading a change twice is harmless, and the overlap makes up for
 * writes whose recorded time precedes their commit.
 *
 * <p>The bound: an INDEX read reflects every write committed before {@code refreshInterval} ahead of the read,
 * provided the writing transaction committed within the margin of the time it recorded with its write (its duration,
 * a host's transaction joined by the engine included, plus the clock difference between the writing and the reading
 * instance: every counter, participant and removal records the writing engine's clock, never the database's). A
 * write whose transaction ran longer than that may be missed until the index is rebuilt: after eviction, when a
 * catch-up cannot page through what changed (see {@link #CATCH_UP_LIMIT}), and at the latest at the first read
 * {@link LeaderboardSettings#rebuildInterval()} (an hour by default) after the index was built, which builds a
 * successor from storage and puts it in the index's place (the campaign's other reads go on with the old index
 * meanwhile, which forwards this engine's committed writes to the successor). So an INDEX read also reflects every
 * write that committed at least the rebuild interval before it, whatever its duration or its instance's clock
 * (measured by the reading engine's clock, going forward: a clock set back delays the rebuild by as much, rather
 * than rebuilding on every small step back). A host whose transactions run longer, or whose instances' clocks are
 * further apart, widens the margin; each catch-up then reads the changes of the whole margin again, and
 * {@link #CATCH_UP_LIMIT} removals within it make every catch-up a rebuild. A month's winners wait the same margin
 * after its end ({@link LeaderboardService#winners}).
 *
 * <h2>Memory</h2>
 * The indexes together hold at most {@link LeaderboardSettings#maxIndexedEntries()} board rows (the members of all
 * boards); past it the least recently read campaigns are dropped whole and rebuilt on next use. A campaign's roster
 * and each of its boards also count {@value #FIXED_ROWS} rows, for what they hold empty (their trees' first
 * leaves, a board's score map: about as much as that many members), so that campaigns with few participants or none,
 * which a host with many tenants reads by the thousand, are dropped like the others rather than kept for good. The
 * campaign being read is never dropped, so a single campaign larger than the bound stays indexed. The rows a
 * campaign gains after its build count too: members that a catch-up, the read of marks or this engine's creations
 * add are noted (one row per board of their campaign, at most), and once the noted rows may pass the bound the rows
 * are counted again and the least recently read campaigns other than the one that grew are dropped, by the read
 * that caught up or read the marks, or the unit of work that created them. A read costs two volatile reads more
 * while nothing was noted.
 *
 * <p>Thread-safe: campaigns are held in a concurrent map; a campaign's builds and catch-ups run under its own lock,
 * the reading of its marked awards under another (a read waits for marks another thread is reading); rosters and
 * boards are thread-safe.
 */
public final class LeaderboardIndexes {
  /**
   * The most rows one read of a catch-up asks for. New members and changed counters are read page after page; as
   * many removals as this in one catch-up, or a full page of new members or changes sharing one microsecond, make it
   * rebuild the campaign's index instead.
   */
  public static final int CATCH_UP_LIMIT = 10_000;

  /**
   * The rows a campaign's roster, and each of its boards, count toward the bound beyond their members: what they hold
   * empty (half a tree leaf's pairs), about as much as that many members (see "Memory" in the class description).
   */
  static final int FIXED_ROWS = PairTree.LEAF_CAP / 2;

  private final Transactions transactions;
  private final Clock clock;
  private final LeaderboardSettings settings;
  private final long refreshMillis;
  private final long rebuildMillis;
  /** How far before the last catch-up the next one starts reading: {@link LeaderboardSettings#catchUpMargin()}. */
  private final Duration margin;
  private final ConcurrentHashMap<Key, CampaignIndex> campaigns = new ConcurrentHashMap<>();
  /** The last ticket issued (see "Removals" in the class description); tickets start at 1. */
  private final AtomicLong lastTicket = new AtomicLong();
  /** The tickets held. */
  private final ConcurrentSkipListSet<Long> held = new ConcurrentSkipListSet<>();
  /**
   * The participants removed while tickets were held, each with the last ticket issued when it was removed; written
   * (and pruned) under their own monitor, read without it.
   */
  private final ConcurrentHashMap<Tombstone, Long> tombstones = new ConcurrentHashMap<>();
  /**
   * At least the rows the boards gained since {@link #evictBeyondBound} last counted them (see "Memory" in the class
   * description): a member that joins a built campaign's roster counts once per board of the campaign. Reset before
   * a count and added to after a member joined, so that {@link #counted} plus this never falls below the rows held.
   */
  private final AtomicLong grown = new AtomicLong();
  /** Held while {@link #evictBeyondBound} counts the rows and drops campaigns, so that two counts do not interleave. */
  private final Object counting = new Object();
  /** The rows {@link #evictBeyondBound} counted last, after what it dropped. */
  private volatile long counted;

  /**
   * Creates the engine's indexes.
   *
   * @param transactions units of work of the engine's own, on the storage as it is (not watched), to build and
   *     catch up
   * @param clock the engine's clock
   * @param settings refresh interval, memory bound and catch-up margin
   */
  public LeaderboardIndexes(Transactions transactions, Clock clock, LeaderboardSettings settings) {
    this.transactions = transactions;
    this.clock = clock;
    this.settings = settings;
    this.refreshMillis = settings.refreshInterval().toMillis();
    this.rebuildMillis = settings.rebuildInterval().toMillis();
    this.margin = settings.catchUpMargin();
  }

  /**
   * The catch-up margin ({@link LeaderboardSettings#catchUpMargin()}): how far before the last catch-up the next one
   * starts reading, and how long after a month's end its winners are first recorded.
   */
  Duration margin() {
    return margin;
  }

  /**
   * A campaign's index, built if needed, caught up if due, with this engine's awarded points applied. Every read at
   * INDEX consistency comes here first.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the campaign is not the tenant's; STORAGE_UNAVAILABLE
   * @throws IllegalStateException once the engine is closing: an index answers from memory, and is refused as a
   *     read of storage is
   */
  CampaignIndex campaign(long tenantId, long campaignId) {
    transactions.ensureOpen();
    Key key = new Key(tenantId, campaignId);
    for (int attempt = 0; ; attempt++) {
      CampaignIndex index = campaigns.get(key);
      if (index == null) {
        Campaign campaign = transactions.runRead(tx -> CampaignService.require(tx, tenantId, campaignId));
        index = campaigns.computeIfAbsent(key, k -> newIndex(tenantId, campaignId, campaign.timeZone()));
      }
      index.touch();
      // One clock read serves the rebuild's and the catch-up's checks; a build or rebuild takes long, so read again.
      long nowMillis = clock.millis();
      if (!index.built) {
        if (!build(index)) {
          continue; // another thread's build of it failed, and dropped it: start from a new one
        }
        nowMillis = clock.millis();
      } else if (rebuildDue(index, nowMillis)) {
        // Storage has what a catch-up may have missed (a write committed later than the margin after its time).
        // This read rebuilds; the others go on reading the index it replaces.
        index = rebuild(key, index);
        nowMillis = clock.millis();
      }
      if (catchUp(index, nowMillis) || attempt > 0) {
        evictIfPastBound(index); // the members a catch-up added
        resolveMarked(index);
        evictIfPastBound(index); // the members the marks added
        return index;
      }
      // Too much changed since the last catch-up: start again from storage.
      campaigns.remove(key, index);
    }
  }

  /** The key of the current month in the campaign's zone, by the engine's clock. */
  int currentMonth(CampaignIndex index) {
    return index.currentMonth(clock.millis());
  }

  /** The campaign index of the tenant whose roster holds the participant, if this engine indexes it. */
  Optional<CampaignIndex> findByMember(long tenantId, long participantId) {
    for (CampaignIndex index : campaigns.values()) {
      if (index.tenantId == tenantId && index.built && index.roster.contains(participantId)) {
        return Optional.of(index);
      }
    }
    return Optional.empty();
  }

  /** The board of {@code metric} and {@code month} (0: all time) of a campaign's index, built on first use. */
  BoardIndex board(CampaignIndex index, BoardMetric metric, int month) {
    BoardKey key = new BoardKey(metric, month);
    Board board = index.boards.get(key);
    if (board != null && board.ready) {
      return board.index;
    }
    index.lock.lock();
    try {
      board = index.boards.get(key);
      if (board != null && board.ready) {
        return board.index;
      }
      board = fill(index, key);
    } finally {
      index.lock.unlock();
    }
    evictBeyondBound(index);
    return board.index;
  }

  /**
   * Takes a ticket, for work that may add participants to rosters from a view of storage fixed after this call, or
   * from a unit of work that commits after it (see "Removals" in the class description). The caller releases it
   * once it has applied what it read or wrote, also when it fails.
   *
   * @return the ticket, to {@link #release}
   */
  long hold() {
    long ticket = lastTicket.incrementAndGet();
    held.add(ticket);
    return ticket;
  }

  /** Releases a ticket of {@link #hold}, dropping the tombstones only it, or older tickets, still needed. */
  void release(long ticket) {
    held.remove(ticket);
    if (!tombstones.isEmpty()) {
      synchronized (tombstones) {
        pruneTombstones();
      }
    }
  }

  /** Applies the board writes of a unit of work of this engine that committed (see the class description). */
  void applyCommitted(List<IndexedStorage.BoardWrite> writes) {
    for (IndexedStorage.BoardWrite write : writes) {
      CampaignIndex index = campaigns.get(new Key(write.tenantId(), write.campaignId()));
      if (index == null) {
        if (write instanceof IndexedStorage.Removed r) {
          // An index built from now on must refuse the participant too, if older writes are still on their way.
          remember(r.tenantId(), r.campaignId(), r.participantId());
        }
        continue;
      }
      // An index being rebuilt forwards the write to its successor (see rebuild).
      for (CampaignIndex target = index; target != null; target = target.successor) {
        try {
          apply(target, write);
        } catch (RuntimeException e) {
          // The unit of work has committed and must not fail now: drop the index, rebuilt from storage on next use.
          // The one in the map, also when the write failed on its successor: a rebuild replaces only the index it
          // started from, so that successor, which misses the write, is then never installed.
          campaigns.remove(new Key(index.tenantId, index.campaignId), index);
        }
      }
      if (write instanceof IndexedStorage.Created) {
        joined(index, 1);
        evictIfPastBound(index);
      }
    }
  }

  /**
   * Takes note of the board writes of a unit of work of this engine whose commit's outcome is unknown (it may have
   * committed): not applied, since they may not have, but the next read of each campaign concerned catches up with
   * storage first, whatever the refresh interval, so that INDEX reads go on showing this engine's own writes at once
   * (a host's retry with the same idempotency key is answered from the entry that committed, and writes nothing).
   */
  void outcomeUnknown(List<IndexedStorage.BoardWrite> writes) {
    for (IndexedStorage.BoardWrite write : writes) {
      for (CampaignIndex target = campaigns.get(new Key(write.tenantId(), write.campaignId())); target != null;
          target = target.successor) {
        target.catchUpNow = true;
      }
    }
  }

  private void apply(CampaignIndex index, IndexedStorage.BoardWrite write) {
    if (write instanceof IndexedStorage.Created c) {
      index.roster.add(c.participantId(), Months.micros(c.createdAt()));
    } else if (write instanceof IndexedStorage.Counted c) {
      Board board = index.boards.get(new BoardKey(BoardMetric.ACTIONS, c.month()));
      if (board != null) {
        // Asked before the raise: a member never leaves but by a removal, so a raise after "member" lands.
        if (!index.roster.contains(c.participantId())) {
          index.marked.add(new Marked(c.participantId(), BoardMetric.ACTIONS, c.month()));
        }
        board.raise(c.participantId(), c.count());
      }
    } else if (write instanceof IndexedStorage.PointsAdded p) {
      if (index.boards.containsKey(new BoardKey(BoardMetric.POINTS, p.month()))) {
        index.marked.add(new Marked(p.participantId(), BoardMetric.POINTS, p.month()));
      }
    } else if (write instanceof IndexedStorage.Removed r) {
      remove(index, r.participantId());
    }
  }

  private void remove(CampaignIndex index, long participantId) {
    // Remembered before it leaves the roster: an add the roster takes after this removal finds the tombstone (the
    // roster asks under its lock), and one it took before is undone by the removal below.
    remember(index.tenantId, index.campaignId, participantId);
    // Out of the roster first: a raise that lands after that is ignored by a board where the participant has no
    // score, and one that lands before forget is dropped by it. The other order would let a raise between the two
    // leave a score on a board for a participant no longer in the roster.
    index.roster.remove(participantId);
    for (Board board : index.boards.values()) {
      board.index.forget(participantId);
    }
  }

  /**
   * Leaves a tombstone of a participant removed from a campaign's boards, if a ticket is held: work holding it may
   * still hand the participant over from an older view of storage. Work that takes its ticket after this sees the
   * deletion, which has committed, so without a ticket held nothing is kept.
   */
  private void remember(long tenantId, long campaignId, long participantId) {
    if (held.isEmpty()) {
      return;
    }
    synchronized (tombstones) {
      // Under the monitor, so that a release pruning at the same time cannot drop it on a stale view of the tickets.
      tombstones.put(new Tombstone(tenantId, campaignId, participantId), lastTicket.get());
      pruneTombstones();
    }
  }

  /** Whether a participant has a tombstone: one map lookup, none while there are no tombstones. */
  boolean isRemoved(long tenantId, long campaignId, long participantId) {
    return !tombstones.isEmpty() && tombstones.containsKey(new Tombstone(tenantId, campaignId, participantId));
  }

  /**
   * Drops the tombstones no held ticket needs: those whose last ticket issued is older than every ticket held. A
   * ticket still held that was issued before the tombstone (at most its value) belongs to work that may hand the
   * participant over. Under the tombstones' monitor.
   */
  private void pruneTombstones() {
    Long oldest = held.ceiling(Long.MIN_VALUE);
    tombstones.values().removeIf(lastIssued -> oldest == null || lastIssued < oldest);
  }

  /**
   * Whether this read rebuilds the index: the rebuild interval has passed since it was built (by the engine's clock,
   * going forward), and no other read rebuilds it.
   */
  private boolean rebuildDue(CampaignIndex index, long nowMillis) {
    return nowMillis - index.builtAtMillis >= rebuildMillis && index.rebuilding.compareAndSet(false, true);
  }

  /** An empty index of a campaign, whose roster refuses the participants with tombstones. */
  private CampaignIndex newIndex(long tenantId, long campaignId, ZoneId zone) {
    return new CampaignIndex(tenantId, campaignId, zone, participantId -> isRemoved(tenantId, campaignId,
        participantId));
  }

  /**
   * Builds a successor of a campaign's index from storage, with the boards the index has, and puts it in the index's
   * place. Until then the index serves reads and forwards this engine's committed writes to the successor, so that
   * the successor misses none of them (one applied before the successor's board was registered is in its scan).
   *
   * @return the successor
   * @throws RuntimeException what the build threw (STORAGE_UNAVAILABLE, say); the index is left in place, to be
   *     rebuilt by a later read
   */
  private CampaignIndex rebuild(Key key, CampaignIndex index) {
    CampaignIndex successor = newIndex(index.tenantId, index.campaignId, index.zone);
    index.successor = successor;
    try {
      build(successor);
      successor.lock.lock();
      try {
        for (BoardKey board : index.boards.keySet()) {
          if (!successor.boards.containsKey(board)) {
            fill(successor, board);
          }
        }
      } finally {
        successor.lock.unlock();
      }
    } catch (RuntimeException | Error e) {
      index.successor = null;
      index.rebuilding.set(false);
      throw e;
    }
    campaigns.replace(key, index, successor);
    evictBeyondBound(successor);
    return successor;
  }

  /**
   * Builds a campaign's index, unless built. A build that fails drops the index: its roster holds what the scan
   * handed over before the failure, members another instance may delete before a later build, whose catch-up would
   * read removals only from that build's time on, so they would stay on the boards until the rebuild.
   *
   * @return false if another thread's build of this index failed (the caller starts from a new index)
   */
  private boolean build(CampaignIndex index) {
    index.lock.lock();
    try {
      if (index.built) {
        return true;
      }
      if (index.abandoned) {
        return false;
      }
      Instant now = now();
      index.builtAtMillis = now.toEpochMilli();
      index.caughtUp(now);
      try {
        fill(index, new BoardKey(BoardMetric.ACTIONS, 0));
      } catch (RuntimeException | Error e) {
        index.abandoned = true;
        campaigns.remove(new Key(index.tenantId, index.campaignId), index);
        throw e;
      }
      index.built = true;
    } finally {
      index.lock.unlock();
    }
    // Not for a rebuild's successor, out of the map until it replaces its predecessor: counting without it, the
    // bound would drop the predecessor (least recently read but for the successor), which the campaign's other reads
    // go on with, and the successor would then never be put in its place. The rebuild checks the bound once it is.
    if (campaigns.get(new Key(index.tenantId, index.campaignId)) == index) {
      evictBeyondBound(index);
    }
    return true;
  }

  /**
   * Makes a board, registers it and fills it from storage; under the campaign's lock. The scan holds a ticket: its
   * snapshot may predate a deletion applied while it runs, and the roster refuses what it hands over of that.
   */
  private Board fill(CampaignIndex index, BoardKey key) {
    Instant end = key.month == 0 ? null : Months.end(key.month, index.zone);
    Board board = new Board(new BoardIndex(index.roster, end == null ? Long.MAX_VALUE : Months.micros(end)));
    index.boards.put(key, board);
    long ticket = hold();
    try {
      transactions.runRead(tx -> {
        tx.leaderboards().scan(index.tenantId, index.campaignId, key.metric, key.month, end,
            (participantId, score, createdAt) -> {
              index.roster.add(participantId, Months.micros(createdAt));
              if (score > 0) {
                board.index.raise(participantId, score);
              }
            });
        return null;
      });
    } catch (RuntimeException e) {
      index.boards.remove(key, board);
      throw e;
    } finally {
      release(ticket);
    }
    board.scanned();
    return board;
  }

  /**
   * Catches a campaign's index up with storage if due; returns false if too much changed to catch up (the caller
   * rebuilds). Skipped while another thread catches the same campaign up.
   *
   * @param nowMillis the engine's clock, read by the caller
   */
  private boolean catchUp(CampaignIndex index, long nowMillis) {
    // The common case, a fresh index, costs two comparisons.
    if (!due(index, nowMillis) || !index.lock.tryLock()) {
      return true;
    }
    try {
      Instant now = now();
      if (!due(index, now.toEpochMilli())) {
        return true;
      }
      // Down to the microsecond, as every instant reaching a port (a margin may hold a fraction of one).
      Instant since = index.lastCatchUp.minus(margin).truncatedTo(ChronoUnit.MICROS);
      int current = Goals.month(now, index.zone);
      int previous = Goals.previousMonth(current);
      index.boards.keySet().removeIf(k -> k.month != 0 && k.month != current && k.month != previous);
      List<Integer> months = new ArrayList<>(new TreeSet<>(index.boards.keySet().stream().map(BoardKey::month)
          .toList()));
      long tenantId = index.tenantId;
      long campaignId = index.campaignId;
      // Cleared before the read, which sees what committed before it; set again if the catch-up fails.
      boolean forced = index.catchUpNow;
      index.catchUpNow = false;
      // Held while it reads and applies: a participant created since and deleted (by this engine) while it runs
      // may be among the new members it read.
      long ticket = hold();
      boolean caughtUp;
      long[] added = {0};
      try {
        caughtUp = transactions.runRead(tx -> {
          LeaderboardPort port = tx.leaderboards();
          // Created first and removed last: a participant deleted meanwhile is read as removed after it was added.
          // Each page is applied as it is read: a row applied twice (a retried transaction, a page boundary) changes
          // nothing, and a catch-up that gives up is followed by a rebuild.
          if (!readSince(since, now, (from, limit) -> port.createdSince(tenantId, campaignId, from, limit),
              BoardScore::createdAt, c -> {
                index.roster.add(c.participantId(), Months.micros(c.createdAt()));
                added[0]++;
              })) {
            return false;
          }
          if (!readSince(since, now, (from, limit) -> port.changedSince(tenantId, campaignId, months, from, limit),
              ScoreChange::changedAt, c -> {
                Board board = index.boards.get(new BoardKey(c.metric(), c.month()));
                if (board != null) {
                  board.index.raise(c.participantId(), c.score());
                }
              })) {
            return false;
          }
          List<Long> removed = port.removedSince(tenantId, campaignId, since, CATCH_UP_LIMIT);
          if (removed.size() >= CATCH_UP_LIMIT) {
            return false;
          }
          for (long participantId : removed) {
            remove(index, participantId);
          }
          return true;
        });
      } catch (RuntimeException | Error e) {
        if (forced) {
          index.catchUpNow = true;
        }
        throw e;
      } finally {
        joined(index, added[0]); // also those of a catch-up that gave up: its index may still be held
        release(ticket);
      }
      if (!caughtUp) {
        return false;
      }
      index.caughtUp(now);
      return true;
    } finally {
      index.lock.unlock();
    }
  }

  /**
   * Applies what {@code read} lists at or after {@code since}, page by page, oldest first: each page after the first
   * starts at the time of the previous page's last row, inclusive, since rows of that time may have been cut off.
   * Stops at a page that is not full, or that reaches {@code until} (the next catch-up reads from before it anyway).
   * Returns false if a full page holds a single time, so that paging cannot go on: the caller rebuilds.
   */
  private static <T> boolean readSince(Instant since, Instant until, BiFunction<Instant, Integer, List<T>> read,
      Function<T, Instant> timeOf, Consumer<T> apply) {
    for (Instant from = since; ; ) {
      List<T> page = read.apply(from, CATCH_UP_LIMIT);
      page.forEach(apply);
      if (page.size() < CATCH_UP_LIMIT) {
        return true;
      }
      Instant last = timeOf.apply(page.get(page.size() - 1));
      if (!last.isAfter(from)) {
        return false;
      }
      if (!last.isBefore(until)) {
        return true;
      }
      from = last;
    }
  }

  /** Whether the index is due to catch up at {@code nowMillis}: the interval has passed, or the clock went back. */
  private boolean due(CampaignIndex index, long nowMillis) {
    long last = index.lastCatchUpMillis;
    return index.catchUpNow || nowMillis < last || nowMillis - last >= refreshMillis;
  }

  /**
   * Reads the counters of this engine's marked writes (awards; actions of participants the roster did not hold) noted
   * since the last read, adds their participants to the roster from the same read, and raises their boards. One
   * thread at a time per campaign: a read that finds no mark left while another thread resolves the marks it took
   * waits for it, since those marks may be of this thread's own writes, which an INDEX read must show. Adding the
   * member here, rather than leaving it to the next catch-up, is what makes the raise land: a catch-up or a board scan
   * that adds it from a view older than the write would bring it in without the score. The read holds a ticket, as a
   * scan does, so that a participant deleted after it is not brought back.
   */
  private void resolveMarked(CampaignIndex index) {
    // The common case, nothing marked and nobody resolving, costs a few volatile reads. A thread resolving takes the
    // lock before it takes the marks, so an empty set with the lock free means every mark was raised.
    // A mark that is in the set when an award adds it again is taken after that add, so its read sees the award.
    if (index.marked.isEmpty() && !index.resolving.isLocked()) {
      return;
    }
    index.resolving.lock();
    try {
      Set<Marked> marked = new HashSet<>();
      for (Iterator<Marked> it = index.marked.iterator(); it.hasNext(); ) {
        marked.add(it.next());
        it.remove();
      }
      if (marked.isEmpty()) {
        return;
      }
      long ticket = hold();
      try {
        Map<Marked, BoardScore> scores;
        try {
          // One read per board marked (all time, this month, perhaps last month), however many writes there were.
          Map<BoardKey, List<Long>> byBoard = new java.util.HashMap<>();
          for (Marked m : marked) {
            byBoard.computeIfAbsent(new BoardKey(m.metric, m.month), k -> new ArrayList<>()).add(m.participantId);
          }
          scores = transactions.runRead(tx -> {
            Map<Marked, BoardScore> read = new java.util.HashMap<>();
            byBoard.forEach((board, participants) -> {
              for (BoardScore s : tx.leaderboards().scores(index.tenantId, participants, board.metric, board.month)) {
                read.put(new Marked(s.participantId(), board.metric, board.month), s);
              }
            });
            return read;
          });
        } catch (RuntimeException e) {
          index.marked.addAll(marked); // read them next time
          throw e;
        }
        long added = 0;
        for (Map.Entry<Marked, BoardScore> e : scores.entrySet()) {
          Marked m = e.getKey();
          if (!index.roster.contains(m.participantId)) {
            index.roster.add(m.participantId, Months.micros(e.getValue().createdAt()));
            added++;
          }
          Board board = index.boards.get(new BoardKey(m.metric, m.month));
          if (board != null) {
            board.raise(m.participantId, e.getValue().score());
          }
        }
        joined(index, added);
      } finally {
        release(ticket);
      }
    } finally {
      index.resolving.unlock();
    }
  }

  /**
   * Notes that {@code members} joined a campaign's roster after it was built (this engine's creations, a catch-up, the
   * read of marks): each adds a row to each of its boards, at most.
   */
  private void joined(CampaignIndex index, long members) {
    if (members > 0) {
      grown.addAndGet(members * index.boards.size());
    }
  }

  /**
   * Drops least recently read campaigns (never {@code using}) if the rows gained since the last count may pass the
   * bound: one volatile read while nothing was noted, so that a campaign alone over the bound is not counted on every
   * read.
   */
  private void evictIfPastBound(CampaignIndex using) {
    long gained = grown.get();
    if (gained > 0 && counted + gained > settings.maxIndexedEntries()) {
      evictBeyondBound(using);
    }
  }

  /** Drops least recently read campaigns (never {@code using}) while the boards hold more rows than the bound. */
  private void evictBeyondBound(CampaignIndex using) {
    synchronized (counting) {
      // Reset before counting: a member that joins meanwhile is in the count, or in grown, or both.
      grown.set(0);
      long total = 0;
      for (CampaignIndex index : campaigns.values()) {
        total += index.weight();
      }
      while (total > settings.maxIndexedEntries()) {
        CampaignIndex oldest = null;
        for (CampaignIndex index : campaigns.values()) {
          if (index != using && (oldest == null || index.lastUsed - oldest.lastUsed < 0)) {
            oldest = index;
          }
        }
        if (oldest == null) {
          break;
        }
        campaigns.remove(new Key(oldest.tenantId, oldest.campaignId), oldest);
        total -= oldest.weight();
      }
      counted = total;
    }
  }

  /** The board rows the indexes hold over every indexed campaign (the bound counts {@link #FIXED_ROWS} more each). */
  long indexedRows() {
    long total = 0;
    for (CampaignIndex index : campaigns.values()) {
      total += index.rows();
    }
    return total;
  }

  /** The campaigns indexed. */
  int indexedCampaigns() {
    return campaigns.size();
  }

  /**
   * Bytes held by the rosters' and boards' own structures over every indexed campaign (see
   * {@code BoardIndexMemoryTest}): what the memory bound is for.
   */
  long retainedBytes() {
    long total = 0;
    for (CampaignIndex index : campaigns.values()) {
      total += index.roster.retainedBytes();
      for (Board board : index.boards.values()) {
        total += board.index.retainedBytes();
      }
    }
    return total;
  }

  /** The marked awards not read yet, summed over every indexed campaign. */
  long pendingMarks() {
    long total = 0;
    for (CampaignIndex index : campaigns.values()) {
      total += index.marked.size();
    }
    return total;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @Override
  public String toString() {
    return "LeaderboardIndexes[campaigns=" + campaigns.size() + ", settings=" + settings + "]";
  }

  private record Key(long tenantId, long campaignId) {
  }

  private record BoardKey(BoardMetric metric, int month) {
  }

  private record Marked(long participantId, BoardMetric metric, int month) {
  }

  /** A participant removed from its campaign's boards while tickets were held. */
  private record Tombstone(long tenantId, long campaignId, long participantId) {
  }

  private record MonthSpan(int key, long startMillis, long endMillis) {
  }

  /**
   * A board and whether its first scan finished. Thread-safe: the raises that arrive during the scan are kept under
   * its monitor.
   */
  private static final class Board {
    final BoardIndex index;
    volatile boolean ready;
    /** The raises of this engine's writes that arrived during the scan (participant, score); null once ready. */
    private List<long[]> duringScan = new ArrayList<>();

    Board(BoardIndex index) {
      this.index = index;
    }

    /**
     * Raises a score for a write of this engine that committed. During the scan it is also kept, and raised again
     * once the scan has handed over its members: a board ignores a participant the roster does not hold yet, and
     * the scan's snapshot may predate the write (stores whose transactions run at once), so the raise would be lost.
     */
    void raise(long participantId, long score) {
      if (!ready) {
        synchronized (this) {
          if (!ready) {
            duringScan.add(new long[] {participantId, score});
          }
        }
      }
      index.raise(participantId, score);
    }

    /** Called once the scan has handed over its members: raises again what arrived meanwhile, then serves reads. */
    synchronized void scanned() {
      for (long[] raise : duringScan) {
        index.raise(raise[0], raise[1]);
      }
      duringScan = null;
      ready = true;
    }
  }

  /**
   * One campaign's roster and boards. Thread-safe: its maps and sets are concurrent, its builds and catch-ups run
   * under {@link #lock}, the resolution of its marked awards under {@link #resolving}.
   */
  static final class CampaignIndex {
    final long tenantId;
    final long campaignId;
    final ZoneId zone;
    final Roster roster;
    private final ConcurrentHashMap<BoardKey, Board> boards = new ConcurrentHashMap<>();
    /**
     * The participants and months whose points counters this engine's awards raised since they were last read: a
     * set, so that memory grows with the participants awarded, not with the awards, however seldom the boards are
     * read.
     */
    private final Set<Marked> marked = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    /** Held while the marked awards' scores are read and raised ({@link LeaderboardIndexes#resolveMarked}). */
    private final ReentrantLock resolving = new ReentrantLock();
    private volatile boolean built;
    /** Set, under {@link #lock}, when its build failed: it is out of the map, and no later build reuses its roster. */
    private boolean abandoned;
    /** When {@link #build} began, by the engine's clock: the rebuild interval runs from it. */
    private volatile long builtAtMillis;
    /** Set by the read that rebuilds this index ({@link LeaderboardIndexes#rebuild}); others go on reading it. */
    private final AtomicBoolean rebuilding = new AtomicBoolean();
    /** The index being built to replace this one, which this one forwards this engine's writes to; or null. */
    private volatile CampaignIndex successor;
    private volatile Instant lastCatchUp;
    /**
     * Set when a unit of work of this engine that wrote to its boards failed with its commit's outcome unknown: the
     * next read catches up at once, whatever the refresh interval (see {@link LeaderboardIndexes#outcomeUnknown}).
     */
    private volatile boolean catchUpNow;
    /** {@link #lastCatchUp} in epoch millis, for the freshness check of every read. */
    private volatile long lastCatchUpMillis;
    private volatile long lastUsed = System.nanoTime();
    /** The month the last read fell in, kept until the clock leaves it (months are read on every board read). */
    private volatile MonthSpan month;

    /** An empty index whose roster refuses the participants {@code removed} accepts (their tombstones). */
    CampaignIndex(long tenantId, long campaignId, ZoneId zone, LongPredicate removed) {
      this.tenantId = tenantId;
      this.campaignId = campaignId;
      this.zone = zone;
      this.roster = new Roster(removed);
    }

    /**
     * The key of the month {@code nowMillis} falls in, in the campaign's zone, as {@link Goals#month} says. The span
     * kept is the stretch around now that has one offset and the month's dates: a month is not always one stretch
     * (where the clocks go back across midnight of the 1st, the month before comes again for a while), but within one
     * offset local time only moves forward. Offsets change and months start on whole seconds, so comparing
     * milliseconds decides exactly as comparing the instants would.
     */
    int currentMonth(long nowMillis) {
      MonthSpan span = month;
      if (span == null || nowMillis < span.startMillis || nowMillis >= span.endMillis) {
        Instant now = Instant.ofEpochMilli(nowMillis);
        int key = Goals.month(now, zone);
        ZoneRules rules = zone.getRules();
        ZoneOffset offset = rules.getOffset(now);
        YearMonth calendarMonth = Months.of(key);
        long start = calendarMonth.atDay(1).atStartOfDay().toInstant(offset).toEpochMilli();
        long end = calendarMonth.plusMonths(1).atDay(1).atStartOfDay().toInstant(offset).toEpochMilli();
        // The offset's stretch: from the last change at or before now to the next one after it.
        ZoneOffsetTransition before = rules.previousTransition(Instant.ofEpochMilli(nowMillis + 1));
        ZoneOffsetTransition after = rules.nextTransition(now);
        if (before != null) {
          start = Math.max(start, before.getInstant().toEpochMilli());
        }
        if (after != null) {
          end = Math.min(end, after.getInstant().toEpochMilli());
        }
        span = new MonthSpan(key, start, end);
        month = span;
      }
      return span.key;
    }

    private void caughtUp(Instant at) {
      lastCatchUp = at;
      lastCatchUpMillis = at.toEpochMilli();
    }

    /** Records a read for eviction; the shared field is written at most once a millisecond. */
    private void touch() {
      long now = System.nanoTime();
      if (now - lastUsed > 1_000_000) {
        lastUsed = now;
      }
    }

    /** The members of its boards. */
    private long rows() {
      long rows = 0;
      for (Board board : boards.values()) {
        rows += board.index.members();
      }
      return rows;
    }

    /** What the memory bound counts: its boards' members, and {@link #FIXED_ROWS} for the roster and each board. */
    private long weight() {
      return rows() + (long) FIXED_ROWS * (1 + boards.size());
    }
  }
}
