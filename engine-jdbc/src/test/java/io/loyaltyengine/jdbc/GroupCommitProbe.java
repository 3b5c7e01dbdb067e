package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.core.spi.BalanceAdjustment;
import io.loyaltyengine.core.spi.CampaignPort;
import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.points.LedgerEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A storage wrapped for the group-commit tests, below the engine (which puts its leaderboard watcher on top): it
 * records what each transaction did (how many nested units returned or threw, whether it committed), can hold the
 * next transaction at its start until released (so that callers queue behind it and form a batch of a known
 * size and order, with no timing assumed), and can make chosen writes fail (an event of a participant, a ledger
 * entry with a key, a whole shared transaction once).
 *
 * <p>Thread-safe.
 */
final class GroupCommitProbe implements Storage {
  private final Storage delegate;
  private final boolean hideParallelCommits;
  private final ConcurrentLinkedQueue<Tx> finished = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Tx> firstSharedCommit = new CompletableFuture<>();
  private final AtomicInteger hostTransactions = new AtomicInteger();
  private final AtomicReference<Gate> nextGate = new AtomicReference<>();
  private volatile Predicate<EventRecord> poisonedEvents = e -> false;
  private volatile Predicate<LedgerEntry> poisonedEntries = e -> false;
  private volatile LongPredicate hiddenCampaigns = id -> false;
  private volatile Supplier<RuntimeException> entryFailure = () -> new IllegalStateException("unset");
  private final AtomicReference<Supplier<RuntimeException>> failNextSharedAtEnd = new AtomicReference<>();
  private final AtomicReference<Supplier<RuntimeException>> failNextSharedDebit = new AtomicReference<>();
  private final AtomicReference<Supplier<RuntimeException>> failAfterNextSharedCommit = new AtomicReference<>();
  private volatile Supplier<RuntimeException> beginFailure;
  private final AtomicInteger failedBegins = new AtomicInteger();

  GroupCommitProbe(Storage delegate) {
    this(delegate, false);
  }

  /**
   * @param hideParallelCommits whether to hide {@link StorageCapability#PARALLEL_COMMITS} from the engine, which
   *     then runs one batch at a time with every kind of call, as on a store without it
   */
  GroupCommitProbe(Storage delegate, boolean hideParallelCommits) {
    this.delegate = delegate;
    this.hideParallelCommits = hideParallelCommits;
  }

  /**
   * What one transaction did: how many nested units returned and threw, and how many ledger entries were appended
   * outside any nested unit (a batch of single calls run together, or a bulk chunk, appends several; a call alone
   * one).
   */
  record Tx(int nestedReturned, int nestedThrew, int together, boolean committed) {
    /** Whether it held more than one unit of work: a shared transaction of group commit (or a bulk chunk). */
    boolean shared() {
      return units() > 1;
    }

    /**
     * The units of work it held: its nested units, or the entries it appended together (a unit that appended no
     * entry, such as a replay, is not seen there).
     */
    int units() {
      return nested() + together;
    }

    /** The units of work it ran behind savepoints. */
    int nested() {
      return nestedReturned + nestedThrew;
    }
  }

  /** The transactions that ended so far, in the order they ended. */
  List<Tx> transactions() {
    return List.copyOf(finished);
  }

  /** Completes when the first shared transaction commits. */
  CompletableFuture<Tx> firstSharedCommit() {
    return firstSharedCommit;
  }

  /** How many units of work joined a host's transaction. */
  int hostTransactions() {
    return hostTransactions.get();
  }

  /** Forgets the transactions recorded so far. */
  void clear() {
    finished.clear();
  }

  /** Every event appended that matches {@code poisoned} fails (a plain storage failure), from now on. */
  void poisonEvents(Predicate<EventRecord> poisoned) {
    this.poisonedEvents = poisoned;
  }

  /** Every ledger entry appended that matches {@code poisoned} fails with {@code failure}, from now on. */
  void poisonEntries(Predicate<LedgerEntry> poisoned, Supplier<RuntimeException> failure) {
    this.entryFailure = failure;
    this.poisonedEntries = poisoned;
  }

  /**
   * Every campaign whose id matches {@code hidden} reads as missing ({@code CampaignPort.find} finds nothing), from
   * now on: what a unit of work learns only after it worked out its balance change (an award reads its campaign's
   * zone then, the first time per engine).
   */
  void hideCampaigns(LongPredicate hidden) {
    this.hiddenCampaigns = hidden;
  }

  /**
   * The next transaction holding more than one unit of work ({@link Tx#shared}) fails with {@code failure} at its end
   * (rolled back).
   */
  void failNextSharedTransaction(Supplier<RuntimeException> failure) {
    failNextSharedAtEnd.set(failure);
  }

  /**
   * The next transaction holding more than one unit of work commits, then fails with {@code failure}: a commit whose
   * answer was lost.
   */
  void failAfterNextSharedCommit(Supplier<RuntimeException> failure) {
    failAfterNextSharedCommit.set(failure);
  }

  /** The next ledger debit inside a nested unit of a shared transaction fails with {@code failure}. */
  void failNextDebitInASharedTransaction(Supplier<RuntimeException> failure) {
    failNextSharedDebit.set(failure);
  }

  /**
   * Every transaction from now on fails with {@code failure} before its work runs, as when the database cannot be
   * reached (no connection); null to stop. A supplier answering null lets that transaction begin. A transaction held
   * by a {@link Gate} now is past that point.
   */
  void failBegins(Supplier<RuntimeException> failure) {
    this.beginFailure = failure;
  }

  /** How many transactions {@link #failBegins} failed. */
  int failedBegins() {
    return failedBegins.get();
  }

  /** Holds the next transaction at its start until {@link Gate#release}. */
  Gate holdNextTransaction() {
    Gate gate = new Gate();
    assertTrue(nextGate.compareAndSet(null, gate), "a gate is armed already");
    return gate;
  }

  /**
   * Runs {@code plug} on {@code pool} holding its transaction at its start, then queues each of {@code callers}
   * behind it in turn ({@link #submitQueued}): once the gate is released, the plug runs alone and the callers form the
   * next batch, in that order. Each future gives its call's result or what it threw ({@link Answers#answer}).
   */
  QueuedBatch queueBehindAPlug(ExecutorService pool, Callable<?> plug, List<Callable<?>> callers) throws Exception {
    Gate gate = holdNextTransaction();
    Future<Object> held = pool.submit(Answers.answer(plug));
    gate.awaitHeld();
    List<Future<Object>> queued = new ArrayList<>();
    for (Callable<?> caller : callers) {
      queued.add(submitQueued(pool, Answers.answer(caller)));
    }
    return new QueuedBatch(gate, held, List.copyOf(queued));
  }

  /** A plug holding its transaction at the gate, and the calls queued behind it, which form the next batch. */
  record QueuedBatch(Gate gate, Future<Object> plug, List<Future<Object>> queued) {
  }

  @Override
  public Set<StorageCapability> capabilities() {
    Set<StorageCapability> capabilities = delegate.capabilities();
    if (!hideParallelCommits || !capabilities.contains(StorageCapability.PARALLEL_COMMITS)) {
      return capabilities;
    }
    EnumSet<StorageCapability> shown = EnumSet.copyOf(capabilities);
    shown.remove(StorageCapability.PARALLEL_COMMITS);
    return shown;
  }

  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    Supplier<RuntimeException> cannotBegin = beginFailure;
    RuntimeException beginFailed = cannotBegin == null ? null : cannotBegin.get();
    if (beginFailed != null) {
      failedBegins.incrementAndGet();
      throw beginFailed;
    }
    Gate gate = nextGate.getAndSet(null);
    if (gate != null) {
      gate.hold();
    }
    Counting[] seen = new Counting[1];
    T result;
    try {
      result = delegate.inTransaction(tx -> {
        Counting counting = new Counting(tx);
        seen[0] = counting;
        T r = work.run(counting);
        if (counting.snapshot(true).shared()) {
          Supplier<RuntimeException> failure = failNextSharedAtEnd.getAndSet(null);
          if (failure != null) {
            throw failure.get();
          }
        }
        return r;
      });
      record(seen[0], true);
    } catch (RuntimeException | Error e) {
      record(seen[0], false);
      throw e;
    }
    if (seen[0] != null && seen[0].snapshot(true).shared()) {
      Supplier<RuntimeException> failure = failAfterNextSharedCommit.getAndSet(null);
      if (failure != null) {
        throw failure.get();
      }
    }
    return result;
  }

  private void record(Counting counting, boolean committed) {
    Tx tx = counting == null ? new Tx(0, 0, 0, committed) : counting.snapshot(committed);
    finished.add(tx);
    if (tx.shared() && committed) {
      firstSharedCommit.complete(tx);
    }
  }

  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    hostTransactions.incrementAndGet();
    return delegate.inHostTransaction(host, work);
  }

  @Override
  public void close() {
    delegate.close();
  }

  /** A transaction held at its start until released. */
  static final class Gate {
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Thread holder;

    private void hold() {
      holder = Thread.currentThread();
      held.countDown();
      try {
        if (!released.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the gate was never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** Waits until a transaction is held; returns the thread holding it. */
    Thread awaitHeld() throws InterruptedException {
      assertTrue(held.await(60, TimeUnit.SECONDS), "no transaction reached the gate");
      return holder;
    }

    /** Lets the held transaction go on. */
    void release() {
      released.countDown();
    }
  }

  /**
   * Waits until {@code caller} is parked inside the engine's group commit: it has queued its unit of work behind
   * the batch the gate holds (or, if it queued before that batch was taken, is part of it), and waits for its
   * outcome. Neither changes while the gate holds the batch, so seeing it parked once is enough.
   */
  static void awaitQueued(Thread caller) {
    awaitQueued(caller, () -> false);
  }

  /**
   * Submits {@code call} to {@code pool} and returns once it has queued behind the held batch
   * ({@link #awaitQueued(Thread)}): callers submitted one after another this way form the next batch in that order.
   */
  static <T> Future<T> submitQueued(ExecutorService pool, Callable<T> call) throws Exception {
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    Future<T> future = pool.submit(() -> {
      thread.complete(Thread.currentThread());
      return call.call();
    });
    awaitQueued(thread.get(60, TimeUnit.SECONDS));
    return future;
  }

  /**
   * As {@link #awaitQueued(Thread)}, but also returns once {@code finished} holds: on a store that runs two batches
   * at a time, the caller's calls may all be served by the batch the gate does not hold.
   */
  static void awaitQueued(Thread caller, BooleanSupplier finished) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !finished.getAsBoolean()) {
      Object blocker = LockSupport.getBlocker(caller);
      if (blocker != null && blocker.getClass().getSimpleName().equals("GroupCommit")) {
        return;
      }
      if (caller.getState() == Thread.State.TERMINATED) {
        fail("the caller ended instead of queueing behind the held batch");
      }
      Thread.onSpinWait();
      LockSupport.parkNanos(100_000);
    }
    if (finished.getAsBoolean()) {
      return;
    }
    fail("the caller never queued in the group commit: " + caller.getState() + " "
        + List.of(caller.getStackTrace()));
  }

  /** A transaction that counts its nested units and entries, and makes the chosen writes fail. */
  private final class Counting extends ForwardingTransaction {
    int returned;
    int threw;
    int together;
    private int depth;

    Counting(Transaction tx) {
      super(tx);
    }

    /** What it did so far. */
    Tx snapshot(boolean committed) {
      return new Tx(returned, threw, together, committed);
    }

    @Override
    public <T> T nested(TransactionWork<T> work) {
      depth++;
      try {
        T result = super.nested(work);
        if (depth == 1) {
          returned++;
        }
        return result;
      } catch (RuntimeException | Error e) {
        if (depth == 1) {
          threw++;
        }
        throw e;
      } finally {
        depth--;
      }
    }

    @Override
    public EventPort events() {
      EventPort port = delegate().events();
      return new PoisonedEvents(port);
    }

    @Override
    public CampaignPort campaigns() {
      CampaignPort port = delegate().campaigns();
      return new CampaignPort() {
        @Override
        public void insert(Campaign campaign) {
          port.insert(campaign);
        }

        @Override
        public Optional<Campaign> find(long tenantId, long campaignId) {
          return hiddenCampaigns.test(campaignId) ? Optional.empty() : port.find(tenantId, campaignId);
        }

        @Override
        public List<Campaign> listByBrand(long tenantId, long brandId) {
          return port.listByBrand(tenantId, brandId);
        }

        @Override
        public Optional<Campaign> update(long tenantId, long campaignId, CampaignUpdate update) {
          return hiddenCampaigns.test(campaignId) ? Optional.empty() : port.update(tenantId, campaignId, update);
        }

        @Override
        public void lock(long tenantId, long campaignId) {
          port.lock(tenantId, campaignId);
        }

        @Override
        public boolean updateStatus(long tenantId, long campaignId, CampaignStatus expected, CampaignStatus next) {
          return port.updateStatus(tenantId, campaignId, expected, next);
        }
      };
    }

    @Override
    public LedgerPort ledger() {
      LedgerPort port = delegate().ledger();
      boolean inNested = depth > 0;
      return new LedgerPort() {
        @Override
        public Optional<LockedParticipant> credit(long tenantId, long participantId, long amount) {
          return port.credit(tenantId, participantId, amount);
        }

        @Override
        public Optional<LockedParticipant> debit(long tenantId, long participantId, long amount) {
          if (inNested) {
            Supplier<RuntimeException> failure = failNextSharedDebit.getAndSet(null);
            if (failure != null) {
              throw failure.get();
            }
          }
          return port.debit(tenantId, participantId, amount);
        }

        @Override
        public void adjustAll(List<BalanceAdjustment> adjustments) {
          port.adjustAll(adjustments);
        }

        @Override
        public void append(LedgerEntry entry) {
          if (poisonedEntries.test(entry)) {
            throw entryFailure.get();
          }
          port.append(entry);
          if (!inNested) {
            together++;
          }
        }

        @Override
        public Optional<LedgerEntry> findByIdempotencyKey(long tenantId, String idempotencyKey) {
          return port.findByIdempotencyKey(tenantId, idempotencyKey);
        }

        @Override
        public List<LedgerEntry> history(long tenantId, long participantId, Long beforeId, int limit) {
          return port.history(tenantId, participantId, beforeId, limit);
        }

        @Override
        public void deleteAll(long tenantId, long participantId) {
          port.deleteAll(tenantId, participantId);
        }
      };
    }
  }

  /** The event port, failing the appends of poisoned events. */
  private final class PoisonedEvents implements EventPort {
    private final EventPort port;

    PoisonedEvents(EventPort port) {
      this.port = port;
    }

    @Override
    public long nextSequence(long tenantId, long participantId) {
      return port.nextSequence(tenantId, participantId);
    }

    @Override
    public long nextSequenceInCampaign(long tenantId, long participantId, long campaignId) {
      return port.nextSequenceInCampaign(tenantId, participantId, campaignId);
    }

    @Override
    public void append(EventRecord event) {
      if (poisonedEvents.test(event)) {
        throw new io.loyaltyengine.core.spi.StorageException("poisoned event (a test's injected failure)", null);
      }
      port.append(event);
    }

    @Override
    public List<Long> tenantsWithUnpositionedEvents(long afterTenantId, int limit) {
      return port.tenantsWithUnpositionedEvents(afterTenantId, limit);
    }

    @Override
    public long lockFeed(long tenantId) {
      return port.lockFeed(tenantId);
    }

    @Override
    public List<EventRecord> unpositioned(long tenantId, int limit) {
      return port.unpositioned(tenantId, limit);
    }

    @Override
    public void position(long tenantId, long eventId, long position, Instant positionedAt) {
      port.position(tenantId, eventId, position, positionedAt);
    }

    @Override
    public void advanceFeed(long tenantId, long lastPosition) {
      port.advanceFeed(tenantId, lastPosition);
    }

    @Override
    public long lastPosition(long tenantId) {
      return port.lastPosition(tenantId);
    }

    @Override
    public List<EventRecord> feed(long tenantId, long afterPosition, Set<EventType> types, Long campaignId,
        int limit) {
      return port.feed(tenantId, afterPosition, types, campaignId, limit);
    }

    @Override
    public Optional<EventRecord> find(long tenantId, long eventId) {
      return port.find(tenantId, eventId);
    }

    @Override
    public PruneStep prune(Instant before, PruneCursor after, int limit) {
      return port.prune(before, after, limit);
    }
  }
}
