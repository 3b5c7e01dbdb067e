package io.loyaltyengine.examples.replay;

import io.loyaltyengine.IdGenerator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids for a replay, taken from the wall clock rather than the engine's clock.
 *
 * <p>The engine's default generator reads the engine's clock, and during a replay that clock shows 2010: ids made
 * at a time before the generator's epoch all start from zero, so a second run (or a run resumed after a crash)
 * would hand out the same ids again and collide with the first run's rows. This generator keeps the default
 * layout (milliseconds since 2024-01-01 in the high bits, a random node number, a counter) on the real time, so ids
 * stay unique across runs and keep growing in creation order.
 *
 * <p>Thread-safe: lock-free.
 */
final class WallClockIds implements IdGenerator {
  private static final long EPOCH_MILLIS = 1_704_067_200_000L;
  private static final int SEQUENCE_BITS = 12;
  private static final int NODE_BITS = 10;

  private final long node = ThreadLocalRandom.current().nextInt(1 << NODE_BITS);
  private final AtomicLong logicalTime = new AtomicLong();

  @Override
  public long nextId() {
    long now = Math.max(0, System.currentTimeMillis() - EPOCH_MILLIS) << SEQUENCE_BITS;
    long t = logicalTime.updateAndGet(last -> Math.max(last + 1, now));
    long millis = t >>> SEQUENCE_BITS;
    long sequence = t & ((1L << SEQUENCE_BITS) - 1);
    return (millis << (NODE_BITS + SEQUENCE_BITS)) | (node << SEQUENCE_BITS) | sequence;
  }

  @Override
  public String toString() {
    return "WallClockIds[node=" + node + "]";
  }
}
