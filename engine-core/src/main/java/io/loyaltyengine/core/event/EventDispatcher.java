package io.loyaltyengine.core.event;

import io.loyaltyengine.core.internal.HostCode;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.core.webhook.WebhookAttempt;
import io.loyaltyengine.core.webhook.WebhookDeliverer;
import io.loyaltyengine.core.webhook.WebhookRetrySchedule;
import io.loyaltyengine.core.webhook.WebhookService;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.LoyaltyEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Delivers committed events to listeners and webhook endpoints, at least once, in order per participant.
 *
 * <h2>A round</h2>
 * <ol>
 *   <li><b>Position and fan out.</b> For each tenant with unpositioned events, one unit of work takes the tenant's
 *       feed lock, gives the committed events the next feed positions, and creates one PENDING delivery per
 *       subscriber that wants the event: this instance's listeners and the tenant's enabled webhook endpoints. The
 *       feed lock serializes this per tenant across instances, so positions only grow (they follow commit order
 *       roughly: events are positioned in id order, and ids are taken before the commit). A change of the tenant's
 *       endpoints runs this step first ({@link #positionCommitted}).
 *   <li><b>Park overdue webhook deliveries</b> (at most once a minute, a batch of
 *       {@link EventSettings#batchSize()} per round while there are more): those still PENDING
 *       {@link WebhookRetrySchedule#WINDOW} after they were due, unleased, of any tenant, whose endpoint failed all
 *       that time (one of its deliveries parked after its last attempt since, none delivered since), in one
 *       conditional update, with the reason {@code not delivered within the retry window}. While an endpoint gives no
 *       answer only its probe is attempted, so the rest of its backlog would never use up its attempts and would stay
 *       pending for as long as the endpoint stays down; parked, the host sees it and can replay it, and it no longer
 *       holds back its participants' later deliveries. Age alone parks nothing: not after this dispatcher stood still
 *       for longer than the window, nor a participant's deliveries held back behind one its endpoint refused to the
 *       end while it took other events. Counted in the report's {@code parked}.
 *   <li><b>Claim.</b> One unit of work claims due deliveries for this instance's listeners and for webhooks,
 *       leasing them to this instance (the storage skips rows other instances hold), but for the endpoints this
 *       instance has paused (below). A delivery is not claimable while an earlier event of the same participant is
 *       pending for the same subscriber: that keeps order across instances and across retries; nor while a later one
 *       is leased (the earlier one parked, then replayed): the subscriber never has two of a participant's events at
 *       once. Subscribers take
 *       turns in a batch (each one's oldest delivery before any one's second, see
 *       {@link io.loyaltyengine.core.spi.DeliveryPort}), so that one with a backlog, such as an endpoint that does
 *       not answer, does not keep the others out of the batches.
 *   <li><b>Deliver.</b> Outside any transaction, each claimed delivery is handed to its listener or POSTed to its
 *       endpoint. Its outcome is recorded in a unit of work of its own: delivered; rescheduled with backoff; or
 *       parked after the last attempt. Updates after a failure are compare-and-set on the lease, so an instance
 *       whose lease ran out (a long pause, a crash) cannot overwrite the new holder. The batch is split by
 *       subscriber: each endpoint's deliveries go one after another, in claim order, as one task on the
 *       dispatcher's pool of {@link io.loyaltyengine.webhooks.WebhookSettings#deliveryThreads} threads (daemon,
 *       named {@code loyalty-webhook-delivery-<n>}, made when needed and shut down by {@link #close()}), different
 *       endpoints at once; the listeners' deliveries go one after another on the round's own thread meanwhile (a
 *       listener is never called from two threads at once). The round waits for every task before it reports, so
 *       its counts are exact; a task the pool refuses (closed) or cannot start a thread for runs on the round's
 *       thread. A round whose thread is interrupted cancels its tasks (interrupting their threads, whose calls are
 *       then cancelled: {@link io.loyaltyengine.core.webhook.WebhookAttempt.Result#CANCELLED}) and leaves the
 *       deliveries it did not make, uncounted, to run out their lease. An endpoint that gives no HTTP answer to an
 *       attempt (a timeout, a refused connection, a failed TLS handshake, a host that does not resolve), or answers
 *       asking to slow down ({@link io.loyaltyengine.core.webhook.WebhookAttempt#asksToSlowDown()}: 429, 502, 503,
 *       504, a {@code Retry-After}), gets no other attempt in the round: its other claimed
 *       deliveries are left, neither attempted nor counted, and are claimed again when their lease runs out. This
 *       instance then makes no attempt to that endpoint until the failed delivery's next attempt time (its retry
 *       delay, at most five minutes; five minutes after its last attempt, which parked it): its claims skip the
 *       endpoint meanwhile, so its deliveries stay unleased, take no place in a batch, and are claimed in the first
 *       round after the pause. The claim skips 1,000 paused endpoints at most
 *       ({@link io.loyaltyengine.core.spi.DeliveryPort#MAX_SKIPPED_SUBSCRIBERS}), those whose pause ends first; the
 *       deliveries claimed for another paused endpoint are left as after no answer. The first attempt after the
 *       pause is the probe (the failed delivery, if due by then: it is the endpoint's oldest), and an HTTP answer
 *       ends the pause, unless it asks to slow down again. So an endpoint that does not answer delays no other
 *       endpoint's deliveries of its round,
 *       another tenant's above all, and costs the rounds one request timeout per pause rather than one per round (a
 *       round waits for its slowest call). The memory is this instance's: another instance claims the endpoint's
 *       deliveries, makes its own first attempt, and pauses on its own.
 *   <li><b>Prune</b> (at most once a minute): dispatched events older than the retention period.
 * </ol>
 * A process that dies between a successful delivery and its record leaves the delivery leased; when the lease runs
 * out another instance delivers it again. Hence at least once, and consumers deduplicate on the event id.
 *
 * <h2>Time</h2>
 * Every due time, lease and retention cut-off comes from the engine's {@link Clock}, so tests drive retries by
 * moving a settable clock and calling {@link #runOnce()}.
 *
 * <h2>Concurrency</h2>
 * Thread-safe. Rounds of one instance never overlap (a lock, held until every task of the round has stopped
 * running); the background thread and host threads calling {@code Events.dispatch()} take turns, and a call on the
 * round's own thread (a listener's) returns an empty report rather than run a round inside the round, whose endpoint
 * tasks would run beside the outer round's: so one endpoint never has two tasks at once. Within a round, webhook
 * deliveries run on the delivery pool, one task per endpoint, and listeners on the round's thread; per-participant
 * order needs no more than that, since a claimed batch holds at most one delivery per subscriber and participant (see
 * {@link io.loyaltyengine.core.spi.DeliveryPort}). An interrupt of the round's thread cancels the round's tasks (see
 * {@link #runOnce()}).
 * The pool's threads record the endpoints that did not answer in a concurrent map, at most one entry per endpoint
 * and 10,000 in all, which the round's thread reads and prunes between rounds' tasks.
 */
public final class EventDispatcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(EventDispatcher.class.getName());
  private static final String WEBHOOK_PREFIX = "webhook:";
  private static final Duration LISTENER_FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration LISTENER_MAX_RETRY = Duration.ofMinutes(5);
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
  private static final Duration OVERDUE_EVERY = Duration.ofMinutes(1);
  /** The report of a call that ran no round (nested in a round, or interrupted before it began). */
  private static final DispatchReport NOTHING = new DispatchReport(0, 0, 0, 0, 0);
  /** The reason an overdue webhook delivery is parked with: no URL, secret or payload data. */
  static final String OVERDUE_ERROR = "not delivered within the retry window";
  /** Events examined per transaction of pruning. */
  static final int PRUNE_CHUNK = 1_000;
  /** Transactions of pruning per round at most. */
  static final int PRUNE_CHUNKS_PER_ROUND = 20;
  /** How often pruning walks again from the first event (see {@link #prune()}). */
  static final Duration PRUNE_REWALK_EVERY = Duration.ofHours(1);
  private static final int TENANTS_PER_PAGE = 100;
  /**
   * The longest an endpoint whose attempt got no HTTP answer goes without another attempt from this instance: the
   * failed delivery's retry delay up to this, so that an endpoint that answers again is back within minutes even when
   * that delivery is next due hours later (the schedule's later steps), and this after its last attempt.
   */
  static final Duration UNANSWERED_MAX_PAUSE = Duration.ofMinutes(5);
  /** Endpoints remembered as not answering at most (more only by the pool's threads adding at the same time). */
  static final int UNANSWERED_MAX_ENDPOINTS = 10_000;

  private final Transactions transactions;
  private final Clock clock;
  private final EventSettings settings;
  private final Listeners listeners;
  private final WebhookDeliverer webhooks;
  private final String owner = "engine-" + UUID.randomUUID();
  private final ReentrantLock roundLock = new ReentrantLock();
  /** Posts each endpoint's share of a round; its threads are made when needed and end when idle. */
  private final ThreadPoolExecutor deliveryPool;
  /** Makes the background thread and the delivery threads. */
  private final ThreadFactory threadFactory;
  /**
   * Endpoints (by subscriber) whose last attempt from this instance got no HTTP answer, or an answer asking to slow
   * down ({@link io.loyaltyengine.core.webhook.WebhookAttempt#asksToSlowDown()}), each with the time until
   * which they get no other: the failed delivery's next attempt time, at most {@link #UNANSWERED_MAX_PAUSE} ahead.
   * Written by the pool's threads, read and pruned by the round's thread, which has the round's claim skip them; an
   * entry goes when its endpoint answers, when its time passes, and when it lies more than that pause ahead (a clock
   * stepped back).
   */
  private final Map<String, Instant> unanswered = new ConcurrentHashMap<>();
  private volatile ScheduledExecutorService executor;
  private volatile Thread worker;
  private Instant lastPrune;
  /** The last event pruning examined; null: the walk starts from the first event. Guarded by the round lock. */
  private PruneCursor walkCursor;
  /** When pruning's walk from the first event began; null: never. Guarded by the round lock. */
  private Instant walkStarted;
  /** Whether the walk has examined every event positioned before its last cutoff. Guarded by the round lock. */
  private boolean walkCaughtUp;
  /** When overdue webhook deliveries were last parked; null: at the next round. Guarded by the round lock. */
  private Instant lastOverdue;

  /**
   * Creates a dispatcher; call {@link #start()} for background dispatch.
   *
   * @param transactions the engine's own transactions
   * @param clock the time source
   * @param settings dispatch settings
   * @param listeners this instance's listeners
   * @param webhooks the webhook caller
   * @param deliveryThreads endpoints posted to at once ({@link io.loyaltyengine.webhooks.WebhookSettings}, 1..64)
   */
  public EventDispatcher(Transactions transactions, Clock clock, EventSettings settings, Listeners listeners,
      WebhookDeliverer webhooks, int deliveryThreads) {
    this(transactions, clock, settings, listeners, webhooks, deliveryThreads, Thread::new);
  }

  /**
   * As {@link #EventDispatcher(Transactions, Clock, EventSettings, Listeners, WebhookDeliverer, int)}, its threads
   * made by {@code threadFactory} (then named and made daemons): for tests, whose factory may refuse, as a JVM out of
   * threads does.
   *
   * @param transactions the engine's own transactions
   * @param clock the time source
   * @param settings dispatch settings
   * @param listeners this instance's listeners
   * @param webhooks the webhook caller
   * @param deliveryThreads endpoints posted to at once ({@link io.loyaltyengine.webhooks.WebhookSettings}, 1..64)
   * @param threadFactory makes the background thread and the delivery threads
   */
  public EventDispatcher(Transactions transactions, Clock clock, EventSettings settings, Listeners listeners,
      WebhookDeliverer webhooks, int deliveryThreads, ThreadFactory threadFactory) {
    this.threadFactory = threadFactory;
    this.transactions = transactions;
    this.clock = clock;
    this.settings = settings;
    this.listeners = listeners;
    this.webhooks = webhooks;
    AtomicInteger threads = new AtomicInteger();
    this.deliveryPool = new ThreadPoolExecutor(deliveryThreads, deliveryThreads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = threadFactory.newThread(r);
          t.setName("loyalty-webhook-delivery-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    // An engine that posts no webhook keeps no thread of it: idle threads end after 30 s.
    deliveryPool.allowCoreThreadTimeOut(true);
  }

  /**
   * Starts the background thread, if the settings ask for one. If the thread cannot be made, throws that failure
   * and leaves nothing started.
   */
  public synchronized void start() {
    if (!settings.backgroundDispatch() || executor != null) {
      return;
    }
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = threadFactory.newThread(r);
      t.setName("loyalty-event-dispatcher");
      t.setDaemon(true);
      worker = t;
      return t;
    });
    // On close, the round in progress finishes; rounds not yet started are dropped.
    ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor = ex;
    try {
      ex.execute(this::backgroundRound);
    } catch (RuntimeException | Error e) {
      // No thread could be made (a JVM out of threads): the round stays queued, and a pool shut down with a task
      // queued and no thread never terminates, so close() would wait out the lease for it. Nothing was started.
      executor = null;
      ex.shutdownNow();
      throw e;
    }
  }

  private void backgroundRound() {
    long pause = settings.pollInterval().toMillis();
    try {
      if (!runOnce().isIdle()) {
        pause = 0;
      }
    } catch (RuntimeException | Error e) {
      // An Error too (an OutOfMemoryError a listener met, say): thrown out of this task, it ended the dispatcher for
      // good, the executor keeping it in a future nobody reads, and no event was delivered again until a restart.
      if (executor == null) {
        // Closed during the round (close() drops the executor; a listener may close the engine): the closed
        // engine's refusal of the round's last writes is no failure to report, and the delivery is made again once
        // its lease runs out.
        return;
      }
      // The storage may be down for a while: log without data and try again after the pause.
      LOG.log(System.Logger.Level.WARNING, "event dispatch round failed: " + e.getClass().getName());
    }
    ScheduledExecutorService ex = executor;
    if (ex != null && !ex.isShutdown()) {
      ex.schedule(this::backgroundRound, pause, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Runs one round now on the calling thread, waiting for a round in progress on another thread to finish first, so
   * that rounds never overlap (nor, with them, two tasks for one endpoint).
   *
   * <p>Called on the thread of a round in progress (a listener calling {@code Events.dispatch()}), it returns at once
   * with an empty report: a nested round would post to endpoints whose calls of the round in progress still run on the
   * pool. The round in progress goes on, and the next round delivers what the listener committed.
   *
   * <p>A call on an interrupted thread, or interrupted while it waits for another thread's round, returns at once with
   * an empty report. Interrupted during its round, the round starts no other delivery (positioning, a unit of work in
   * progress, ends first), cancels its endpoints' calls in progress (their threads are interrupted: the lookup is
   * abandoned, the request cancelled) and those not started yet, waits for the cancelled tasks to end (promptly: a
   * write of an outcome already known ends first), records nothing for the deliveries it did not make, and does not
   * prune. Those stay leased, their attempts not counted and their endpoints not paused, and are claimed again when
   * the lease runs out. The report counts what the round recorded. The interrupt status is kept in every case.
   *
   * @return what the round did
   */
  public DispatchReport runOnce() {
    if (roundLock.isHeldByCurrentThread()) {
      return NOTHING;
    }
    try {
      roundLock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NOTHING;
    }
    try {
      int positioned = positionAndFanOut();
      if (Thread.currentThread().isInterrupted()) {
        // Claimed now, the deliveries would not be made and would wait out their lease.
        return new DispatchReport(positioned, 0, 0, 0, 0);
      }
      // Before the claim: a delivery past its window is never attempted, and a participant's later deliveries that
      // the parked ones held back are claimable in this round.
      int overdue = parkOverdueWebhooks();
      Instant now = now();
      Instant leaseUntil = micros(now.plus(settings.lease()));
      forgetPassedPauses(now);
      // The endpoints this instance has paused are left unclaimed: leased, their deliveries would be left unattempted
      // and wait out the lease after the pause ends, and take the places of other subscribers' in the batch.
      Set<String> skipped = skippedInClaim(unanswered, DeliveryPort.MAX_SKIPPED_SUBSCRIBERS);
      List<ClaimedDelivery> claimed = transactions.run(tx -> tx.deliveries().claim(listeners.names(), true, skipped,
          now, owner, leaseUntil, settings.batchSize()));
      // One lease covers the batch, whose deliveries to one subscriber run one after another: a delivery starts
      // only while half the lease is left, so that a call shorter than that ends before another instance may claim
      // it again.
      Instant lastStart = leaseUntil.minus(settings.lease().dividedBy(2));
      Tally tally = deliverAll(claimed, lastStart);
      // An interrupted round ends as soon as it can; the next round prunes.
      int pruned = Thread.currentThread().isInterrupted() ? 0 : prune();
      return new DispatchReport(positioned, tally.delivered, tally.retried, tally.parked + overdue, pruned);
    } finally {
      roundLock.unlock();
    }
  }

  /**
   * Delivers a round's batch: each endpoint's deliveries as one task of the pool, the listeners' on this thread, and
   * waits for all of them to end (also when one fails, so that no task of this round outlives it), then rethrows the
   * first failure, if any. Once this thread is interrupted, it starts no other delivery and cancels the tasks.
   */
  private Tally deliverAll(List<ClaimedDelivery> claimed, Instant lastStart) {
    Map<String, List<ClaimedDelivery>> perEndpoint = new LinkedHashMap<>();
    List<ClaimedDelivery> forListeners = new ArrayList<>();
    for (ClaimedDelivery c : claimed) {
      String subscriber = c.delivery().subscriber();
      if (subscriber.startsWith(WEBHOOK_PREFIX)) {
        perEndpoint.computeIfAbsent(subscriber, k -> new ArrayList<>()).add(c);
      } else {
        forListeners.add(c);
      }
    }
    Tally total = new Tally();
    AtomicBoolean cancelled = new AtomicBoolean();
    List<EndpointTask> tasks = new ArrayList<>(perEndpoint.size());
    Throwable failure = null;
    try {
      Instant now = now();
      for (Map.Entry<String, List<ClaimedDelivery>> entry : perEndpoint.entrySet()) {
        if (Thread.currentThread().isInterrupted()) {
          // Cancelled below: the rest would be cancelled before they start.
          break;
        }
        Instant pausedUntil = unanswered.get(entry.getKey());
        if (pausedUntil != null && now.isBefore(pausedUntil)) {
          // Its last attempt got no answer and that delivery is not due again yet, and the claim did not skip it
          // (more paused endpoints than a claim skips): its share is left as the rest of a round's share is after no
          // answer (leased, not attempted, not counted), and the round does not wait for another timeout. The failed
          // delivery, once due, is the next attempt: the probe.
          continue;
        }
        EndpointTask task = new EndpointTask(entry.getValue(), lastStart, cancelled);
        tasks.add(task);
        try {
          deliveryPool.execute(task);
        } catch (RejectedExecutionException | OutOfMemoryError e) {
          // Closed meanwhile (a host's round under manual dispatch), or no thread could be started (a JVM at its
          // thread limit): on this thread, as before the pool. Left unrun, the wait below would never end, holding
          // the round lock every later round waits for. A task runs once: were it queued after all, a pool thread
          // would find it started and leave it.
          task.run();
        }
      }
      total.add(deliverInOrder(forListeners, lastStart, () -> Thread.currentThread().isInterrupted()));
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    // Interrupted during the listeners' deliveries (a listener may be the host's way to stop), or before.
    boolean interrupted = Thread.interrupted();
    if (interrupted) {
      cancel(tasks, cancelled);
    }
    for (EndpointTask task : tasks) {
      while (true) {
        try {
          // Each task ends within about half the lease and one call, at once when cancelled: wait for it, so the
          // counts stay exact and no task of this round runs beside the next round's.
          task.ended.await();
          break;
        } catch (InterruptedException e) {
          if (!interrupted) {
            interrupted = true;
            cancel(tasks, cancelled);
          }
        }
      }
      Throwable cause = task.failure;
      if (cause == null) {
        total.add(task.tally);
      } else if (failure == null) {
        failure = cause;
      } else if (failure != cause) {
        failure.addSuppressed(cause);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    if (failure != null) {
      throw new IllegalStateException("event delivery failed", failure);
    }
    return total;
  }

  /** Stops the round's endpoint tasks: those not started never run, those running are interrupted. */
  private static void cancel(List<EndpointTask> tasks, AtomicBoolean cancelled) {
    // First, so that a task that starts now, or is between two deliveries, sees it.
    cancelled.set(true);
    for (EndpointTask task : tasks) {
      task.cancel();
    }
  }

  /**
   * One endpoint's share of a round, run once, on a thread of the pool or on the round's thread. Unlike a
   * {@code FutureTask}, whose {@code get} returns as soon as it is cancelled, {@link #ended} opens only when the task
   * has stopped running, so the round never ends while one of its calls still runs. Thread-safe: {@link #cancel}
   * comes from the round's thread while the task runs on another.
   */
  private final class EndpointTask implements Runnable {
    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int ENDED = 2;

    private final List<ClaimedDelivery> share;
    private final Instant lastStart;
    private final AtomicBoolean cancelled;
    private final AtomicInteger state = new AtomicInteger(NEW);
    /** Opens once the task ran, or will never run; {@link #tally} and {@link #failure} are then final. */
    final CountDownLatch ended = new CountDownLatch(1);
    /** The thread running the task, to interrupt; guarded by this. */
    private Thread runner;
    Tally tally = new Tally();
    Throwable failure;

    EndpointTask(List<ClaimedDelivery> share, Instant lastStart, AtomicBoolean cancelled) {
      this.share = share;
      this.lastStart = lastStart;
      this.cancelled = cancelled;
    }

    @Override
    public void run() {
      if (!state.compareAndSet(NEW, RUNNING)) {
        return;
      }
      Thread self = Thread.currentThread();
      synchronized (this) {
        runner = self;
      }
      try {
        tally = deliverInOrder(share, lastStart, cancelled::get);
      } catch (Throwable e) {
        failure = e;
      } finally {
        synchronized (this) {
          // No interrupt reaches this thread after this: it may run another round's task next.
          runner = null;
        }
        state.set(ENDED);
        ended.countDown();
      }
    }

    /** Never runs if not started; interrupts its thread if running (not the caller's own: it is not waiting then). */
    void cancel() {
      if (state.compareAndSet(NEW, ENDED)) {
        ended.countDown();
        return;
      }
      synchronized (this) {
        if (runner != null && runner != Thread.currentThread()) {
          runner.interrupt();
        }
      }
    }
  }

  /**
   * Delivers {@code deliveries} one after another in claim order, each started only until {@code lastStart} and
   * while {@code stopped} is false; the rest are left to run out their lease. Once a webhook attempt gets no HTTP
   * answer, or is deferred or cancelled, the rest are left too: the share of one endpoint is one task.
   */
  private Tally deliverInOrder(List<ClaimedDelivery> deliveries, Instant lastStart, BooleanSupplier stopped) {
    Tally tally = new Tally();
    for (ClaimedDelivery c : deliveries) {
      if (stopped.getAsBoolean() || now().isAfter(lastStart)) {
        break;
      }
      DeliveryRecord d = c.delivery();
      LoyaltyEvent event = c.event().toEvent();
      if (d.subscriber().startsWith(WEBHOOK_PREFIX)) {
        Attempted attempted = deliverToWebhook(d, event);
        tally.count(attempted.outcome());
        if (attempted.restLeft()) {
          // Not attempted in this round, nor counted: another call would most likely wait its timeout too.
          break;
        }
      } else {
        tally.count(deliverToListener(d, event));
      }
    }
    return tally;
  }

  /** Counts of one round, or of one part of it; confined to one thread, then added up after it ended. */
  private static final class Tally {
    private int delivered;
    private int retried;
    private int parked;

    void count(Outcome outcome) {
      switch (outcome) {
        case DELIVERED -> delivered++;
        case RETRIED -> retried++;
        case PARKED -> parked++;
        case LEFT -> { }
      }
    }

    void add(Tally other) {
      delivered += other.delivered;
      retried += other.retried;
      parked += other.parked;
    }
  }

  private int positionAndFanOut() {
    int positioned = 0;
    long after = 0;
    while (true) {
      long from = after;
      List<Long> tenants = transactions.run(tx -> tx.events().tenantsWithUnpositionedEvents(from, TENANTS_PER_PAGE));
      for (long tenantId : tenants) {
        positioned += positionTenant(tenantId);
      }
      if (tenants.size() < TENANTS_PER_PAGE) {
        return positioned;
      }
      after = tenants.get(tenants.size() - 1);
    }
  }

  private int positionTenant(long tenantId) {
    return transactions.run(tx -> {
      long last = tx.events().lockFeed(tenantId);
      List<EventRecord> events = tx.events().unpositioned(tenantId, settings.batchSize());
      if (events.isEmpty()) {
        return 0;
      }
      List<WebhookEndpointRecord> endpoints = tx.webhookEndpoints().listEnabled(tenantId);
      Instant now = now();
      long first = last + 1;
      List<Long> eventIds = new ArrayList<>(events.size());
      List<DeliveryRecord> deliveries = new ArrayList<>();
      // The batch's positions and deliveries are written together, in as many statements for many events as for few.
      for (EventRecord e : inSequencePerParticipant(events)) {
        long position = ++last;
        eventIds.add(e.eventId());
        for (Listeners.Registration r : listeners.all()) {
          if (r.filter().matches(e.type(), e.campaignId())) {
            deliveries.add(pending(e, position, r.name(), now));
          }
        }
        for (WebhookEndpointRecord w : endpoints) {
          if ((w.types().isEmpty() || w.types().contains(e.type()))
              && (w.campaignId() == null || w.campaignId().equals(e.campaignId()))) {
            deliveries.add(pending(e, position, WebhookService.subscriber(w.endpointId()), now));
          }
        }
      }
      tx.events().positionAll(tenantId, eventIds, first, now);
      tx.deliveries().createAll(deliveries);
      tx.events().advanceFeed(tenantId, last);
      return events.size();
    });
  }

  /**
   * Positions and fans out the tenant's committed events not yet positioned, now, in units of work of the engine's
   * own, as a round would. The endpoints enabled when an event is positioned are those that get it, so a change of
   * the tenant's webhook endpoints (one created, enabled or disabled, also in a host's transaction) calls this first:
   * an event committed before the change then goes to the endpoints as they were, not as they are at the next round
   * (an endpoint disabled meanwhile would lose it, with no delivery to park or replay). An event committed while the
   * change runs may go either way.
   *
   * @param tenantId the tenant
   */
  public void positionCommitted(long tenantId) {
    // A read first, of this tenant's rows only (a tenant's operation never reads across tenants, so that on a
    // database distributed by tenant it stays on the tenant's shard): with nothing to position, which is usual, no
    // feed row is created and no feed lock taken, which every dispatcher of the tenant waits for.
    boolean pending = !transactions.run(tx -> tx.events().unpositioned(tenantId, 1)).isEmpty();
    if (pending) {
      while (positionTenant(tenantId) == settings.batchSize()) {
        // A full batch: there may be more.
      }
    }
  }

  private static DeliveryRecord pending(EventRecord e, long position, String subscriber, Instant now) {
    return new DeliveryRecord(e.tenantId(), e.eventId(), subscriber, e.participantId(), e.sequence(), position,
        DeliveryStatus.PENDING, 0, now, null, null, null, now);
  }

  /**
   * {@code events} (in event id order) with each participant's events moved into sequence order within the places
   * they hold. Ids come from each instance's own clock, so across instances a participant's later event can have the
   * smaller id; its sequence, taken under the participant's row lock, is the commit order, which the feed follows
   * within a batch.
   */
  static List<EventRecord> inSequencePerParticipant(List<EventRecord> events) {
    Map<Long, List<Integer>> places = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      Long participant = events.get(i).participantId();
      if (participant != null) {
        places.computeIfAbsent(participant, k -> new ArrayList<>()).add(i);
      }
    }
    List<EventRecord> ordered = new ArrayList<>(events);
    for (List<Integer> held : places.values()) {
      if (held.size() < 2) {
        continue;
      }
      List<EventRecord> own = new ArrayList<>(held.size());
      for (int i : held) {
        own.add(events.get(i));
      }
      own.sort(Comparator.comparingLong(EventRecord::sequence));
      for (int k = 0; k < held.size(); k++) {
        ordered.set(held.get(k), own.get(k));
      }
    }
    return ordered;
  }

  private enum Outcome { DELIVERED, RETRIED, PARKED, LEFT }

  /**
   * A webhook delivery's outcome, and whether the rest of its endpoint's share is left: its attempt got no HTTP answer
   * (a timeout, a network failure, a host that did not resolve) or one asking to slow down, none could be made (no
   * lookup thread free), or it
   * was cancelled (the round's thread was interrupted).
   */
  private record Attempted(Outcome outcome, boolean restLeft) {
    static Attempted of(Outcome outcome) {
      return new Attempted(outcome, false);
    }
  }

  private Outcome deliverToListener(DeliveryRecord d, LoyaltyEvent event) {
    Listeners.Registration listener = listeners.get(d.subscriber());
    if (listener == null) {
      // Unsubscribed since the claim: leave it; the lease runs out and an instance that has it delivers it.
      return Outcome.LEFT;
    }
    try {
      listener.listener().onEvent(event);
    } catch (Throwable e) {
      // The listener's failure, a stack overflow included (rethrown, it failed every round at this delivery, which
      // was never counted, retried nor parked); the JVM's own errors end the round.
      HostCode.rethrowIfFatal(e);
      // Only the exception's type: its message may carry the payload's personal data.
      Outcome outcome = failed(d, "listener threw " + e.getClass().getName(), listenerDelay(d.attempts() + 1),
          d.attempts() + 1 >= settings.listenerMaxAttempts(), now());
      if (e instanceof InterruptedException) {
        // Interrupted while it waited (the host stopping the round), the listener threw, which cleared the status:
        // set again (after the outcome is written), the round starts no other delivery and the caller keeps it.
        Thread.currentThread().interrupt();
      }
      return outcome;
    }
    markDelivered(d);
    return Outcome.DELIVERED;
  }

  private Attempted deliverToWebhook(DeliveryRecord d, LoyaltyEvent event) {
    long endpointId = Long.parseLong(d.subscriber().substring(WEBHOOK_PREFIX.length()));
    Optional<WebhookEndpointRecord> found = transactions.run(tx -> tx.webhookEndpoints().find(d.tenantId(),
        endpointId));
    if (found.isEmpty()) {
      // Deleted after this delivery was fanned out: its deliveries go with it rather than linger parked.
      transactions.run(tx -> {
        tx.deliveries().deleteAll(d.tenantId(), d.subscriber());
        return null;
      });
      return Attempted.of(Outcome.LEFT);
    }
    if (!found.get().enabled()) {
      return Attempted.of(park(d, d.attempts(), "endpoint disabled"));
    }
    WebhookAttempt attempt = webhooks.deliver(found.get(), event);
    int attempts = d.attempts() + 1;
    Instant now = now();
    if (attempt.status() != 0) {
      // It answered: another attempt gets an answer too.
      unanswered.remove(d.subscriber());
    }
    return switch (attempt.result()) {
      case SUCCESS -> {
        markDelivered(d);
        yield Attempted.of(Outcome.DELIVERED);
      }
      case GONE -> {
        disable(found.get(), "410 Gone");
        yield Attempted.of(park(d, attempts, "410 Gone: endpoint disabled"));
      }
      case REFUSED -> Attempted.of(park(d, attempts, attempt.error()));
      case RETRY -> {
        Optional<Duration> delay = WebhookRetrySchedule.delayAfter(attempts, attempt.retryAfter(),
            ThreadLocalRandom.current());
        // No answer, or an answer asking to slow down (429, 502, 503, 504, a Retry-After): the endpoint's other
        // deliveries would most likely fare no better, and the receiver asked for no more requests meanwhile.
        boolean hold = attempt.status() == 0 || attempt.asksToSlowDown();
        if (hold) {
          // Before the outcome is written: the pause must end no later than the due time written, or the delivery,
          // claimed as soon as it is due, would find its endpoint still paused and wait out a lease.
          Duration pause = delay.filter(p -> p.compareTo(UNANSWERED_MAX_PAUSE) < 0).orElse(UNANSWERED_MAX_PAUSE);
          pause(d.subscriber(), micros(now.plus(pause)), now);
        }
        yield new Attempted(failed(d, attempt.error(), delay.orElse(Duration.ZERO), delay.isEmpty(), now), hold);
      }
      // No thread was free to look up the host (other hosts' lookups hang): no attempt, nothing learnt of the
      // endpoint, so neither counted nor paused; left, as the rest of its share, until the lease runs out.
      case DEFERRED -> new Attempted(Outcome.LEFT, true);
      // The round was interrupted and cancelled the call: nothing learnt of the endpoint either. Left, not counted
      // nor paused, until the lease runs out.
      case CANCELLED -> new Attempted(Outcome.LEFT, true);
    };
  }

  /**
   * Disables an endpoint, re-reading it under its row lock so a concurrent rotation's secrets are kept. The events
   * committed before are fanned out first ({@link #positionCommitted}): those for the endpoint are parked when they
   * come due, and can be replayed once it is enabled again.
   */
  private void disable(WebhookEndpointRecord endpoint, String reason) {
    positionCommitted(endpoint.tenantId());
    Instant now = now();
    transactions.run(tx -> tx.webhookEndpoints().lock(endpoint.tenantId(), endpoint.endpointId())
        .map(w -> tx.webhookEndpoints().update(new WebhookEndpointRecord(w.tenantId(), w.endpointId(), w.url(),
            w.types(), w.campaignId(), false, reason, w.secret(), w.previousSecret(), w.previousSecretUntil(),
            w.createdAt(), now)))
        .orElse(false));
  }

  /**
   * Remembers that {@code subscriber}'s endpoint did not answer: no attempt to it from this instance before
   * {@code until}. With {@link #UNANSWERED_MAX_ENDPOINTS} remembered already, passed ones are dropped first; still
   * full, it is not remembered, and gets one attempt per round as without this memory.
   */
  private void pause(String subscriber, Instant until, Instant now) {
    if (unanswered.size() >= UNANSWERED_MAX_ENDPOINTS && !unanswered.containsKey(subscriber)) {
      forgetPassedPauses(now);
      if (unanswered.size() >= UNANSWERED_MAX_ENDPOINTS) {
        return;
      }
    }
    unanswered.put(subscriber, until);
  }

  /**
   * The paused endpoints (by subscriber) a claim skips: all of them, up to {@code max}; beyond it, the {@code max}
   * whose pause ends first, ties by name. Their deliveries, were they leased now, would wait longest after the pause
   * for the lease to run out; the others' are claimed and left leased (as every paused endpoint's were before the
   * claim skipped any), and come back once the lease runs out.
   *
   * @param paused each paused endpoint's subscriber with the end of its pause, all ahead of now
   * @param max the most to skip
   * @return the subscribers to skip
   */
  static Set<String> skippedInClaim(Map<String, Instant> paused, int max) {
    List<Map.Entry<String, Instant>> all = new ArrayList<>(paused.entrySet());
    if (all.size() > max) {
      all.sort(Map.Entry.<String, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
      all = all.subList(0, max);
    }
    Set<String> skipped = new HashSet<>(all.size() * 2);
    for (Map.Entry<String, Instant> e : all) {
      skipped.add(e.getKey());
    }
    return skipped;
  }

  /**
   * Drops the endpoints whose pause has passed (their next attempt is the probe) and those paused for longer than
   * {@link #UNANSWERED_MAX_PAUSE} from {@code now} (a clock stepped back).
   */
  private void forgetPassedPauses(Instant now) {
    Instant latest = now.plus(UNANSWERED_MAX_PAUSE);
    unanswered.values().removeIf(until -> !now.isBefore(until) || until.isAfter(latest));
  }

  private Outcome failed(DeliveryRecord d, String error, Duration delay, boolean last, Instant now) {
    int attempts = d.attempts() + 1;
    if (last) {
      return park(d, attempts, error);
    }
    boolean changed = transactions.run(tx -> tx.deliveries().reschedule(d.tenantId(), d.eventId(), d.subscriber(),
        owner, attempts, micros(now.plus(delay)), error, now));
    return changed ? Outcome.RETRIED : Outcome.LEFT;
  }

  private Outcome park(DeliveryRecord d, int attempts, String error) {
    Instant now = now();
    boolean changed = transactions.run(tx -> tx.deliveries().park(d.tenantId(), d.eventId(), d.subscriber(), owner,
        attempts, error, now));
    return changed ? Outcome.PARKED : Outcome.LEFT;
  }

  private void markDelivered(DeliveryRecord d) {
    Instant now = now();
    transactions.run(tx -> {
      tx.deliveries().delivered(d.tenantId(), d.eventId(), d.subscriber(), now);
      return null;
    });
  }

  /**
   * Exponential backoff from 1 s, doubling, with up to 20% jitter, never more than 5 min: below the cap the jitter
   * adds, at the cap it takes away, so that retries that all reached the cap still spread out.
   */
  static Duration listenerDelay(int attemptsMade) {
    long base = LISTENER_FIRST_RETRY.toMillis() << Math.min(attemptsMade - 1, 20);
    long max = LISTENER_MAX_RETRY.toMillis();
    double r = ThreadLocalRandom.current().nextDouble();
    long delay = base >= max ? max - (long) (max * 0.2 * r) : Math.min(max, base + (long) (base * 0.2 * r));
    return Duration.ofMillis(delay);
  }

  /**
   * Parks the webhook deliveries still PENDING {@link WebhookRetrySchedule#WINDOW} after they were due, at most once
   * a minute, {@link EventSettings#batchSize()} of them in one conditional update (any tenant's, those due first
   * first, none leased by a live round); when that fills the batch, the next round parks again rather than a minute
   * later. Only with the evidence that the endpoint failed all that time, which the store checks
   * ({@link io.loyaltyengine.core.spi.DeliveryPort#parkOverdueWebhooks}: one of the endpoint's deliveries parked and
   * none delivered since the overdue one was due): after this dispatcher stood still for longer than the window
   * nothing was attempted, so nothing is parked and the deliveries are attempted; a participant's deliveries held
   * back behind one the endpoint refused to the end are sent once it is parked, if the endpoint took any other event
   * meanwhile. Due, not created: a delivery's due time is when it was created (due at once), retried or replayed, so a
   * probe moving through the schedule is never overdue and a replayed delivery gets a whole window again; the
   * schema keeps no creation time of a delivery anyway. Webhooks only: a listener's deliveries are each attempted
   * when due (no pause), so they use up their attempts, and those of a listener no instance has wait for it to
   * return, as {@code Events.unsubscribe} promises. A clock stepped back behind the last run parks at once.
   */
  private int parkOverdueWebhooks() {
    Instant now = now();
    if (!due(lastOverdue, now, OVERDUE_EVERY)) {
      return 0;
    }
    lastOverdue = now;
    Instant dueBefore = micros(now.minus(WebhookRetrySchedule.WINDOW));
    int batch = settings.batchSize();
    int parked = transactions.run(tx -> tx.deliveries().parkOverdueWebhooks(dueBefore, OVERDUE_ERROR, now, batch));
    if (parked == batch) {
      lastOverdue = null;
    }
    return parked;
  }

  /**
   * Prunes at most once a minute, in transactions examining {@link #PRUNE_CHUNK} events, at most
   * {@link #PRUNE_CHUNKS_PER_ROUND} of them per round; when that leaves some, the next round prunes again rather than
   * a minute later, so that pruning keeps up with any rate of events. Each round goes on from the last event the one
   * before examined, so that events held by undelivered deliveries (an endpoint down for days) are walked past once,
   * not by every transaction; a walk from the first event starts again {@link #PRUNE_REWALK_EVERY} after the last one
   * began, once that one has caught up, for the events released since (their parked deliveries replayed and
   * delivered) and any positioned behind the walk (by an instance whose clock is behind). A clock that stepped back
   * behind the last prune prunes at once, rather than waiting until it passes that prune again, and from the first
   * event when it stepped back behind the walk's start: the events positioned from then on would lie behind the walk.
   */
  private int prune() {
    Instant now = now();
    if (!due(lastPrune, now, PRUNE_EVERY)) {
      return 0;
    }
    lastPrune = now;
    if (walkStarted == null || now.isBefore(walkStarted)
        || (walkCaughtUp && !now.isBefore(walkStarted.plus(PRUNE_REWALK_EVERY)))) {
      walkStarted = now;
      walkCursor = null;
    }
    // Down to the microsecond: an event positioned at the cutoff's microsecond stays, on every store.
    Instant cutoff = micros(now.minus(settings.retention()));
    int pruned = 0;
    for (int chunk = 0; chunk < PRUNE_CHUNKS_PER_ROUND; chunk++) {
      PruneCursor after = walkCursor;
      PruneStep step = transactions.run(tx -> tx.events().prune(cutoff, after, PRUNE_CHUNK));
      pruned += step.deleted();
      if (step.last() != null) {
        walkCursor = step.last();
      }
      walkCaughtUp = step.examined() < PRUNE_CHUNK;
      if (walkCaughtUp) {
        return pruned;
      }
    }
    lastPrune = null;
    return pruned;
  }

  /**
   * Whether a step last run at {@code last} (null: never, or asked to run again at once) is due at {@code now}, run
   * at most once {@code every}: also when the clock stepped back behind {@code last}, rather than waiting until it
   * passes {@code last} again.
   */
  private static boolean due(Instant last, Instant now, Duration every) {
    return last == null || now.isBefore(last) || !now.isBefore(last.plus(every));
  }

  private Instant now() {
    return micros(clock.instant());
  }

  /**
   * {@code instant} truncated to microseconds, as every instant that reaches a port must be (the storage SPI): a
   * setting or a delay with a fraction of a microsecond would otherwise make the in-memory store, which keeps
   * nanoseconds, compare differently from the SQL stores, which truncate.
   */
  private static Instant micros(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MICROS);
  }

  /** Names of the listeners this instance delivers to. */
  Set<String> listenerNames() {
    return listeners.names();
  }

  /**
   * Stops the background thread, waiting for the delivery in progress (at most twice the lease); called by that
   * thread (a listener closing the engine), does not wait for itself. Then closes the webhook deliverer, whose HTTP
   * client would otherwise keep its threads as long as this dispatcher is reachable (under manual dispatch too), and
   * shuts down the delivery pool (a round still running, a host's under manual dispatch, finishes its tasks, and
   * makes those it has not handed over yet on its own thread). Idempotent.
   */
  @Override
  public synchronized void close() {
    ScheduledExecutorService ex = executor;
    executor = null;
    try {
      if (ex == null) {
        return;
      }
      ex.shutdown();
      if (Thread.currentThread() == worker) {
        // The round in progress is this call's caller: it ends when the listener returns, and schedules no other.
        return;
      }
      try {
        ex.awaitTermination(settings.lease().toMillis(), TimeUnit.MILLISECONDS);
        // Termination of the pool can be reported while its thread is still on its way out.
        Thread t = worker;
        if (t != null) {
          t.join(settings.lease().toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      // After the delivery in progress, if the wait saw it end; the closed engine records no later one anyway.
      try {
        webhooks.close();
      } finally {
        deliveryPool.shutdown();
      }
    }
  }
}
