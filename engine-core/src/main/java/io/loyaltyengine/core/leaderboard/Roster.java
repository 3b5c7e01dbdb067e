package io.loyaltyengine.core.leaderboard;

import java.util.concurrent.locks.StampedLock;
import java.util.function.LongPredicate;

/**
 * The members of one campaign (participant ids and creation times in epoch micros), shared by all its boards
 * ({@link BoardIndex}): a board stores only its scored members and finds the others, with score 0, here.
 *
 * <p>Two counted B+trees of primitive pairs: (id, created) gives lookups and the id order that zero-score rows are
 * listed in; (created, id) counts the members created before a board's cutoff in O(log N). Ids and creation times
 * usually arrive in increasing order, which leaves full leaves: about 16 + 16 bytes per member (measured in
 * {@code BoardIndexMemoryTest}).
 *
 * <p>A roster may refuse participants known to be deleted ({@link #Roster(LongPredicate)}): the index is fed from
 * views of storage that can be older than a deletion it has already applied (a unit of work's writes applied after
 * a later one's, a scan's snapshot), and a participant that left must not come back from one of them.
 *
 * <p>Thread-safe: readers share a read lock and do not block each other; writers are serialized.
 */
public final class Roster {
  private final StampedLock lock = new StampedLock();
  private final PairTree byId = new PairTree();
  private final PairTree byCreation = new PairTree();
  private final LongPredicate removed;

  /** An empty roster. */
  public Roster() {
    this(participantId -> false);
  }

  /**
   * An empty roster that refuses to add the participants {@code removed} accepts. It is asked under the roster's
   * write lock, so a participant marked removed before {@link #remove} is called for it is either refused or removed
   * by that call, never left in.
   */
  Roster(LongPredicate removed) {
    this.removed = removed;
  }

  /**
   * Adds a member. Idempotent: a member already present keeps its first creation time. Nothing happens for a
   * participant the roster refuses (see {@link #Roster(LongPredicate)}).
   *
   * @param participantId the participant
   * @param createdAtMicros when it was created, in epoch microseconds
   */
  public void add(long participantId, long createdAtMicros) {
    long stamp = lock.writeLock();
    try {
      if (removed.test(participantId)) {
        return;
      }
      PairTree.Cursor at = byId.ceiling(participantId, Long.MIN_VALUE);
      if (!at.valid() || at.a() != participantId) {
        byId.insert(participantId, createdAtMicros);
        byCreation.insert(createdAtMicros, participantId);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Removes a member; nothing happens if it is not one. Boards keep its score until {@link BoardIndex#forget}.
   *
   * @param participantId the participant
   */
  public void remove(long participantId) {
    long stamp = lock.writeLock();
    try {
      PairTree.Cursor at = byId.ceiling(participantId, Long.MIN_VALUE);
      if (at.valid() && at.a() == participantId) {
        long created = at.b();
        byId.remove(participantId, created);
        byCreation.remove(created, participantId);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Whether the participant is a member.
   *
   * @param participantId the participant
   * @return true if it is a member
   */
  public boolean contains(long participantId) {
    long stamp = lock.readLock();
    try {
      PairTree.Cursor at = byId.ceiling(participantId, Long.MIN_VALUE);
      return at.valid() && at.a() == participantId;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * The member's creation time.
   *
   * @param participantId the participant
   * @return its creation time in epoch micros, or {@code Long.MIN_VALUE} if it is not a member
   */
  public long createdAtMicros(long participantId) {
    long stamp = lock.readLock();
    try {
      return find(participantId);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * The number of members.
   *
   * @return the number of members
   */
  public int size() {
    long stamp = lock.readLock();
    try {
      return byId.size();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Whether the participant is a member created before cutoff ({@code Long.MAX_VALUE}: any member). */
  boolean isMemberBefore(long participantId, long cutoff) {
    long stamp = lock.readLock();
    try {
      PairTree.Cursor at = byId.ceiling(participantId, Long.MIN_VALUE);
      return at.valid() && at.a() == participantId && before(at.b(), cutoff);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** The number of members created before cutoff ({@code Long.MAX_VALUE}: all). */
  long countBefore(long cutoff) {
    long stamp = lock.readLock();
    try {
      return cutoff == Long.MAX_VALUE ? byId.size() : byCreation.countLess(cutoff, Long.MIN_VALUE);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * Up to limit members created before cutoff, in id order, after {@code afterId} (all if {@code fromStart}), that
   * {@code skip} rejects (a board skips its scored members). Costs O(log N) plus one step per member passed over.
   */
  int idsAfter(boolean fromStart, long afterId, long cutoff, LongPredicate skip, long[] out, int limit) {
    long stamp = lock.readLock();
    try {
      PairTree.Cursor at = fromStart ? byId.first() : byId.ceiling(afterId, Long.MIN_VALUE);
      if (!fromStart && at.valid() && at.a() == afterId) {
        at.next();
      }
      int count = 0;
      while (count < limit && at.valid()) {
        long id = at.a();
        if (before(at.b(), cutoff) && !skip.test(id)) {
          out[count++] = id;
        }
        at.next();
      }
      return count;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Bytes held by the roster's structures (see {@code BoardIndexMemoryTest}). */
  long retainedBytes() {
    long stamp = lock.readLock();
    try {
      return byId.retainedBytes() + byCreation.retainedBytes();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  static boolean before(long created, long cutoff) {
    return cutoff == Long.MAX_VALUE || created < cutoff;
  }

  /** The creation time, or Long.MIN_VALUE; caller holds the lock. */
  private long find(long participantId) {
    PairTree.Cursor at = byId.ceiling(participantId, Long.MIN_VALUE);
    return at.valid() && at.a() == participantId ? at.b() : Long.MIN_VALUE;
  }
}
