package io.loyaltyengine.benchmarks;

import java.sql.SQLException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One benchmark thread's part of a storage benchmark: which participant it touches next (threads walk all
 * participants round robin, each from its own starting point, so they rarely touch the same one at the same time),
 * and in a baseline trial its own baseline connection.
 *
 * <p>Not thread-safe: JMH gives each thread its own.
 */
@State(Scope.Thread)
public class Worker {
  /** This thread's baseline; null in an engine trial. */
  public RawBaseline baseline;

  private long next;
  private int participants;

  /** Picks the starting participant, and opens the baseline in a baseline trial. */
  @Setup(Level.Trial)
  public void open(StoreState state, ThreadParams thread) throws SQLException {
    participants = state.participants;
    next = (long) thread.getThreadIndex() * participants / thread.getThreadCount();
    if (state.engine == null) {
      baseline = state.newBaseline();
    }
  }

  /** The next participant's index, from 0 to the number of participants less one. */
  public int nextParticipant() {
    return (int) (next++ % participants);
  }

  /** Closes this thread's baseline connection. */
  @TearDown(Level.Trial)
  public void close() {
    if (baseline != null) {
      baseline.close();
    }
  }
}
