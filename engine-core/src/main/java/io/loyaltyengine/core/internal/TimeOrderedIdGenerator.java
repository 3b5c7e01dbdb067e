package io.loyaltyengine.core.internal;

import io.loyaltyengine.IdGenerator;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default id generator: 41 bits of milliseconds since 2024-01-01 (about 69 years), 10 bits of node number,
 * 12 bits of sequence. Ids of one generator strictly increase; ids of generators with distinct node numbers never
 * collide.
 *
 * <p>The engine leases its node number from the storage, so that the instances sharing a database hold distinct
 * ones (see {@link NodeLease}), unless the host set one with {@code LoyaltyEngine.Builder.nodeId}. An instance that
 * lost its lease moves to a new number with {@link #switchNode}.
 *
 * <h2>Design</h2>
 * The state is a 53-bit "logical time" {@code (millis << 12) | sequence} and the node number, together in one
 * {@link AtomicLong} as {@code (logicalTime << 10) | node}. Each id takes {@code max(last + 1, now << 12)}, so more
 * than 4,096 ids in one millisecond borrow from the next millisecond instead of wrapping into the node bits, and a
 * clock that steps back never repeats an id. The node number is spliced in between the millisecond and the sequence.
 *
 * <p>Thread-safe: lock-free. An id takes its logical time and its node number in one atomic update, so an id made
 * while the number switches carries the old number with a time before the switch, or the new number with a time
 * after it (a later millisecond): ids stay unique and strictly increasing across the switch. (Read apart, a time taken
 * before a switch to a smaller number could be paired with that number, giving an id smaller than the one before.)
 */
public final class TimeOrderedIdGenerator implements IdGenerator {
  /** 2024-01-01T00:00:00Z. */
  private static final long EPOCH_MILLIS = 1_704_067_200_000L;
  private static final int SEQUENCE_BITS = 12;
  private static final int NODE_BITS = 10;

  private static final long NODE_MASK = (1L << NODE_BITS) - 1;
  /** The first millisecond the 41 bits cannot hold, in 2093: its ids would be negative, and later ones repeat. */
  private static final long MILLIS_BOUND = 1L << 41;

  private final Clock clock;
  /** {@code (logicalTime << NODE_BITS) | node} of the last id: one value, so that both are read and set at once. */
  private final AtomicLong state;

  /**
   * Creates a generator.
   *
   * @param clock the time source
   * @param nodeId the node number, 0..1023
   */
  public TimeOrderedIdGenerator(Clock clock, int nodeId) {
    this.clock = clock;
    this.state = new AtomicLong(checkNode(nodeId));
  }

  /**
   * Creates a generator on a number taken over from another holder at {@code claimedAt}, whose ids all have an
   * earlier millisecond: ids start at that millisecond even if the clock later steps back behind it.
   *
   * @param clock the time source
   * @param nodeId the node number, 0..1023
   * @param claimedAt when the number was claimed
   */
  TimeOrderedIdGenerator(Clock clock, int nodeId, Instant claimedAt) {
    this.clock = clock;
    this.state = new AtomicLong(logicalTime(claimedAt) << NODE_BITS | checkNode(nodeId));
  }

  /** The node number the next id carries. */
  int node() {
    return (int) (state.get() & NODE_MASK);
  }

  /**
   * A time later than the millisecond of every id made so far (which may run ahead of the clock by the milliseconds
   * that bursts of more than 4,096 ids borrowed): once the node number is released, a generator that takes it over
   * must start there.
   */
  Instant afterLastId() {
    return Instant.ofEpochMilli(EPOCH_MILLIS + (state.get() >>> (NODE_BITS + SEQUENCE_BITS)) + 1);
  }

  /**
   * Puts {@code nodeId} in the ids made from now on (the lease on the old number was lost to another instance), and
   * moves them to the next millisecond, so that they are greater than every id made before even when the new number
   * is the smaller, and to at least the millisecond of {@code claimedAt}, so that they are greater than every id of
   * the new number's previous holder (all before that millisecond) even if the clock then steps back.
   *
   * @param nodeId the new node number
   * @param claimedAt when the new number was claimed
   * @throws IllegalArgumentException if {@code nodeId} is outside 0..1023
   */
  void switchNode(int nodeId, Instant claimedAt) {
    long node = checkNode(nodeId);
    long claimed = logicalTime(claimedAt);
    state.updateAndGet(last -> Math.max(
        ((last >>> (NODE_BITS + SEQUENCE_BITS)) + 1) << SEQUENCE_BITS, claimed) << NODE_BITS | node);
  }

  /** The logical time of the first id of {@code instant}'s millisecond. */
  private static long logicalTime(Instant instant) {
    return Math.max(0, instant.toEpochMilli() - EPOCH_MILLIS) << SEQUENCE_BITS;
  }

  private static int checkNode(int nodeId) {
    if (nodeId < 0 || nodeId >= (1 << NODE_BITS)) {
      throw new IllegalArgumentException("nodeId must be between 0 and 1023 but was " + nodeId);
    }
    return nodeId;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException once the clock, or a burst borrowing milliseconds ahead of it, is past the 41 bits
   *     of milliseconds (in 2093), rather than make a negative id or repeat one
   */
  @Override
  public long nextId() {
    long now = Math.max(0, clock.millis() - EPOCH_MILLIS) << SEQUENCE_BITS;
    long s = state.updateAndGet(last -> Math.max((last >>> NODE_BITS) + 1, now) << NODE_BITS | (last & NODE_MASK));
    long t = s >>> NODE_BITS;
    long millis = t >>> SEQUENCE_BITS;
    long sequence = t & ((1L << SEQUENCE_BITS) - 1);
    long node = s & NODE_MASK;
    if (millis >= MILLIS_BOUND) {
      // The state is past the bound for good, so every later call refuses too.
      throw new IllegalStateException("the clock is past the default id generator's range, which ends at "
          + Instant.ofEpochMilli(EPOCH_MILLIS + MILLIS_BOUND) + ": set LoyaltyEngine.Builder.idGenerator");
    }
    // A zero id is never returned: the first millisecond's sequence starts at 0 only if the node is not 0.
    long id = (millis << (NODE_BITS + SEQUENCE_BITS)) | (node << SEQUENCE_BITS) | sequence;
    return id == 0 ? nextId() : id;
  }

  @Override
  public String toString() {
    return "TimeOrderedIdGenerator[node=" + node() + "]";
  }
}
