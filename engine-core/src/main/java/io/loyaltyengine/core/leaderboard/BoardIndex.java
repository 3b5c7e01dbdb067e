package io.loyaltyengine.core.leaderboard;

import io.loyaltyengine.leaderboard.BoardEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.StampedLock;

/**
 * One board (campaign, metric, month) over a {@link Roster}: its members are the roster's members created before
 * {@code createdBeforeMicros} ({@code Long.MAX_VALUE}: all). Board order is score descending, then participant id
 * ascending; a member's rank is 1 + the number of members with a strictly higher score (ties share a rank). A member
 * without a score scores 0.
 *
 * <p>Only scored members (score &gt; 0) are stored here: an id-to-score map and a counted B+tree of
 * (-score, id) pairs, so rank is O(log N) and a page is O(log N + limit). Zero-score members are implicit: they come
 * from the roster, after every scored member, in id order, with rank 1 + {@link #scored()}; so a new board costs
 * nothing to create, whatever the roster's size. Listing zero-score rows steps over the scored members whose ids
 * fall among them (one map lookup each).
 *
 * <p>Memory, measured by {@code BoardIndexMemoryTest} at 1,000,000 members all scored with skewed scores: 43.8 bytes
 * per scored member for the board (map and tree, counted from their arrays) plus 34.9 per member for the shared
 * roster, 78.7 in all; the heap grew by 79.5 bytes per member with GC before and after. A zero-score member costs the
 * board nothing.
 *
 * <p>Speed ({@code BoardIndexBenchmark}, 1,000,000 members, medians of one thread, measured on 2 cores under a load
 * of 6 to 10): a member's row ({@link #entry}) about 0.3 us, the top-100 page about 0.6 us, a raise about 0.7 us.
 * Through the engine's API ({@code LeaderboardBenchmark}) a rank takes about 0.4-0.6 us and a top-100 page about
 * 0.7 us. A lookup in a structure this size mostly waits for memory: the map keeps each key next to its value, and
 * a member's rank counts down a path shared by every member with the same score, which stays in the CPU's caches.
 * On the write path the caches are cold (the action's SQL work came first): the raises of one recorded action (all
 * time and this month) took 15-20 us at 1,000,000 members, 1-3% of the action's CPU time on an H2 file.
 *
 * <p>Thread-safe: readers share a read lock and do not block each other; writers are serialized. A board's read lock
 * is taken before its roster's, never the other way round.
 */
public final class BoardIndex {
  private static final long ABSENT = -1;

  private final Roster roster;
  private final long createdBefore;
  private final StampedLock lock = new StampedLock();
  private final LongLongMap scores = new LongLongMap();
  /** Pairs (-score, id): ascending order is board order. */
  private final PairTree order = new PairTree();

  /**
   * A board over roster, in O(1): nothing is copied.
   *
   * @param roster the campaign's members
   * @param createdBeforeMicros members created at or after this time are not on the board ({@code Long.MAX_VALUE}:
   *     every member is)
   */
  public BoardIndex(Roster roster, long createdBeforeMicros) {
    if (roster == null) {
      throw new IllegalArgumentException("roster is required");
    }
    this.roster = roster;
    this.createdBefore = createdBeforeMicros;
  }

  /**
   * Raises a member's score to {@code max(old, score)}; ignored for a participant that is not on the board.
   *
   * @param participantId the participant
   * @param score the new score, at least 0
   * @throws IllegalArgumentException if score is negative
   */
  public void raise(long participantId, long score) {
    if (score < 0) {
      throw new IllegalArgumentException("score must be at least 0");
    }
    if (score == 0) {
      return;
    }
    long stamp = lock.writeLock();
    try {
      long old = scores.get(participantId, ABSENT);
      if (old == ABSENT) {
        if (!roster.isMemberBefore(participantId, createdBefore)) {
          return;
        }
      } else if (score <= old) {
        return;
      } else {
        order.remove(-old, participantId);
      }
      order.insert(-score, participantId);
      scores.put(participantId, score);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Drops a member's score (it scores 0 again if it is still on the board). Call it after {@link Roster#remove} too.
   *
   * @param participantId the participant
   */
  public void forget(long participantId) {
    long stamp = lock.writeLock();
    try {
      long old = scores.remove(participantId, ABSENT);
      if (old != ABSENT) {
        order.remove(-old, participantId);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * A member's score.
   *
   * @param participantId the participant
   * @return its score (0 without one), or -1 if it is not on the board
   */
  public long score(long participantId) {
    BoardEntry e = entry(participantId);
    return e == null ? -1 : e.score();
  }

  /**
   * A member's row: its score and rank, read under one lock with one lookup of its score (the roster is read only for
   * a member without a score).
   *
   * @param participantId the participant
   * @return its row, or null if it is not on the board
   */
  public BoardEntry entry(long participantId) {
    long stamp = lock.readLock();
    try {
      long s = scores.get(participantId, ABSENT);
      if (s != ABSENT) {
        return new BoardEntry(participantId, s, 1L + order.countLess(-s, Long.MIN_VALUE));
      }
      return roster.isMemberBefore(participantId, createdBefore)
          ? new BoardEntry(participantId, 0, 1L + order.size()) : null;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * A member's rank: 1 + the number of members with a strictly higher score.
   *
   * @param participantId the participant
   * @return its rank, or 0 if it is not on the board
   */
  public long rank(long participantId) {
    BoardEntry e = entry(participantId);
    return e == null ? 0 : e.rank();
  }

  /**
   * The rows after a member in board order (score descending, then id ascending), with their ranks.
   *
   * @param afterId the last member of the previous page, or null to start from the top
   * @param limit the most rows to return, at least 0
   * @return up to limit rows
   * @throws IllegalArgumentException if afterId is not on the board or limit is negative
   */
  public List<BoardEntry> page(Long afterId, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be at least 0");
    }
    long stamp = lock.readLock();
    try {
      List<BoardEntry> rows = new ArrayList<>(Math.min(limit, 128));
      if (limit == 0) {
        if (afterId != null && !onBoard(afterId)) {
          throw new IllegalArgumentException("afterId is not on this board");
        }
        return rows;
      }
      boolean zeroFromStart = true;
      long zeroAfter = 0;
      PairTree.Cursor at;
      if (afterId == null) {
        at = order.first();
      } else {
        long s = scores.get(afterId, ABSENT);
        if (s != ABSENT) {
          at = order.ceiling(-s, afterId);
          if (at.valid() && at.a() == -s && at.b() == afterId) {
            at.next();
          }
        } else if (roster.isMemberBefore(afterId, createdBefore)) {
          at = null;
          zeroFromStart = false;
          zeroAfter = afterId;
        } else {
          throw new IllegalArgumentException("afterId is not on this board");
        }
      }
      if (at != null && at.valid()) {
        scoredRows(at, limit, rows);
      }
      if (rows.size() < limit) {
        zeroRows(zeroFromStart, zeroAfter, limit - rows.size(), rows);
      }
      return rows;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * The number of members on the board, scored or not.
   *
   * @return the number of roster members created before the cutoff
   */
  public long members() {
    return roster.countBefore(createdBefore);
  }

  /**
   * The number of members with a score above 0.
   *
   * @return the number of scored members
   */
  public long scored() {
    long stamp = lock.readLock();
    try {
      return order.size();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Bytes held by this board's own structures, without the roster (see {@code BoardIndexMemoryTest}). */
  long retainedBytes() {
    long stamp = lock.readLock();
    try {
      return scores.retainedBytes() + order.retainedBytes();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  private boolean onBoard(long participantId) {
    return scores.containsKey(participantId) || roster.isMemberBefore(participantId, createdBefore);
  }

  /** Rows from the cursor on: the first rank is counted, later ones follow from the row's position. */
  private void scoredRows(PairTree.Cursor at, int limit, List<BoardEntry> rows) {
    long firstNegScore = at.a();
    long position = order.countLess(at.a(), at.b());
    long rank = 1L + order.countLess(firstNegScore, Long.MIN_VALUE);
    long previous = firstNegScore;
    while (rows.size() < limit && at.valid()) {
      long negScore = at.a();
      if (negScore != previous) {
        rank = position + 1;
        previous = negScore;
      }
      rows.add(new BoardEntry(at.b(), -negScore, rank));
      position++;
      at.next();
    }
  }

  private void zeroRows(boolean fromStart, long afterId, int limit, List<BoardEntry> rows) {
    // In chunks, so a huge limit does not allocate a huge buffer up front.
    long[] ids = new long[Math.min(limit, 256)];
    long rank = 1L + order.size();
    boolean start = fromStart;
    long after = afterId;
    int wanted = limit;
    while (wanted > 0) {
      int count = roster.idsAfter(start, after, createdBefore, scores::containsKey, ids, Math.min(wanted, ids.length));
      for (int i = 0; i < count; i++) {
        rows.add(new BoardEntry(ids[i], 0, rank));
      }
      if (count < Math.min(wanted, ids.length)) {
        return;
      }
      wanted -= count;
      start = false;
      after = ids[count - 1];
    }
  }
}
