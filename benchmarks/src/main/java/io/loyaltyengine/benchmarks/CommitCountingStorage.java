package io.loyaltyengine.benchmarks;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;

/**
 * A storage that counts the engine's commits and how many units of work each one carried, to show what group commit
 * does under load: a transaction's batch size is the larger of the units of work it ran behind savepoints
 * ({@link Transaction#nested}) and the ledger entries it appended (one per award or deduction, so single calls run
 * together as a chunk count one each), and at least 1. Costs a wrapper and an {@code int[2]} per transaction.
 *
 * <p>Each committed batch size goes into a histogram of the whole trial, and to the calling thread's sink if it set
 * one ({@link #reportTo}), which a JMH benchmark uses to publish commits per second beside its operations per second.
 *
 * <p>Thread-safe.
 */
public final class CommitCountingStorage implements Storage {
  private static final ThreadLocal<IntConsumer> SINK = new ThreadLocal<>();
  private static final int LARGEST_COUNTED = 256;

  private final Storage delegate;
  /** Commits by batch size; the last slot holds every larger batch. */
  private final AtomicLongArray batches = new AtomicLongArray(LARGEST_COUNTED + 1);

  /** Counts the commits of {@code delegate}, which it will close. */
  public CommitCountingStorage(Storage delegate) {
    this.delegate = delegate;
  }

  /** Sends the size of every batch this thread commits to {@code sink} (null to stop). */
  public static void reportTo(IntConsumer sink) {
    if (sink == null) {
      SINK.remove();
    } else {
      SINK.set(sink);
    }
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    int[] counts = new int[2];
    T result = delegate.inTransaction(tx -> work.run(new Counting(tx, counts)));
    int size = Math.max(1, Math.max(counts[0], counts[1]));
    batches.incrementAndGet(Math.min(size, LARGEST_COUNTED));
    IntConsumer sink = SINK.get();
    if (sink != null) {
      sink.accept(size);
    }
    return result;
  }

  @Override
  public Object hostTransactionIdentity(HostTransaction host) {
    return delegate.hostTransactionIdentity(host);
  }

  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    return delegate.inHostTransaction(host, work);
  }

  /** Commits so far by batch size (sizes with no commit left out). */
  public TreeMap<Integer, Long> histogram() {
    TreeMap<Integer, Long> histogram = new TreeMap<>();
    for (int size = 1; size <= LARGEST_COUNTED; size++) {
      if (batches.get(size) > 0) {
        histogram.put(size, batches.get(size));
      }
    }
    return histogram;
  }

  /** Forgets the counts so far (between warm-up and measurement). */
  public void reset() {
    for (int size = 0; size <= LARGEST_COUNTED; size++) {
      batches.set(size, 0);
    }
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "CommitCountingStorage[" + delegate + "]";
  }

  /**
   * Counts, in one transaction, the units of work run behind savepoints ({@code counts[0]}) and the ledger entries
   * appended ({@code counts[1]}).
   */
  private static final class Counting extends ForwardingTransaction {
    private final int[] counts;

    Counting(Transaction delegate, int[] counts) {
      super(delegate);
      this.counts = counts;
    }

    @Override
    public <T> T nested(TransactionWork<T> work) {
      counts[0]++;
      return super.nested(work);
    }

    /** Watches no port: the store's own write (one statement on PostgreSQL) is kept. */
    @Override
    public void appendPointsRows(PointsRows rows) {
      counts[1] += rows.entries().size();
      delegate().appendPointsRows(rows);
    }

    /** Watches no port: the store's own write of a recorded action (one statement on PostgreSQL) is kept. */
    @Override
    public void appendAction(ActionRecord action, EventRecord event) {
      delegate().appendAction(action, event);
    }
  }
}
