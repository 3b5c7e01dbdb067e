package io.loyaltyengine.core.internal;

import io.loyaltyengine.IdGenerator;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default id generator: 41 bits of milliseconds since 2024-01-01 (about 69 years), 10 bits of node number,
 * 12 bits of sequence. Ids of one generator strictly increase; ids of generators with distinct node numbers never
 * collide.
 *
 * <h2>Design</h2>
 * The state is one 53-bit "logical time" {@code (millis << 12) | sequence} in an {@link AtomicLong}. Each id takes
 * {@code max(last + 1, now << 12)}, so more than 4,096 ids in one millisecond borrow from the next millisecond
 * instead of wrapping into the node bits, and a clock that steps back never repeats an id. The node number is
 * spliced in between the millisecond and the sequence.
 *
 * <p>Thread-safe: lock-free.
 */
public final class TimeOrderedIdGenerator implements IdGenerator {
  /** 2024-01-01T00:00:00Z. */
  private static final long EPOCH_MILLIS = 1_704_067_200_000L;
  private static final int SEQUENCE_BITS = 12;
  private static final int NODE_BITS = 10;

  private final Clock clock;
  private final long node;
  private final AtomicLong logicalTime = new AtomicLong();

  /**
   * Creates a generator.
   *
   * @param clock the time source
   * @param nodeId the node number, 0..1023
   */
  public TimeOrderedIdGenerator(Clock clock, int nodeId) {
    if (nodeId < 0 || nodeId >= (1 << NODE_BITS)) {
      throw new IllegalArgumentException("nodeId must be between 0 and 1023 but was " + nodeId);
    }
    this.clock = clock;
    this.node = nodeId;
  }

  @Override
  public long nextId() {
    long now = Math.max(0, clock.millis() - EPOCH_MILLIS) << SEQUENCE_BITS;
    long t = logicalTime.updateAndGet(last -> Math.max(last + 1, now));
    long millis = t >>> SEQUENCE_BITS;
    long sequence = t & ((1L << SEQUENCE_BITS) - 1);
    // A zero id is never returned: the first millisecond's sequence starts at 0 only if the node is not 0.
    long id = (millis << (NODE_BITS + SEQUENCE_BITS)) | (node << SEQUENCE_BITS) | sequence;
    return id == 0 ? nextId() : id;
  }

  @Override
  public String toString() {
    return "TimeOrderedIdGenerator[node=" + node + "]";
  }
}
