package io.loyaltyengine.testkit.contract;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.BalanceAdjustment;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deliberately broken stores over the in-memory one, each with one classic bug in its ledger or its event
 * deliveries, for testing that the contract suite and the model runner catch them.
 *
 * <p>Thread-safe, as the in-memory store is.
 */
final class BrokenStorage implements Storage {

  /** The bug a broken store has. */
  enum Bug {
    /** A debit that finds the balance too small reports success anyway (the check is skipped). */
    DEBIT_IGNORES_BALANCE,
    /** Every 17th entry appended for a participant is silently dropped. */
    DROPS_EVERY_17TH_ENTRY,
    /**
     * Each storage keeps the pages of a participant's ledger it read, and forgets them only when it appends to that
     * ledger itself: an engine reads its own writes, a second engine on the database stale pages.
     */
    STALE_HISTORY_ACROSS_STORAGES,
    /**
     * A failed delivery that should wait for its retry is recorded as delivered: the event is lost to that
     * subscriber (at least once broken), and the participant's later events go on at once.
     */
    FAILED_DELIVERY_RECORDED_AS_DELIVERED
  }

  private final Storage delegate;
  private final Bug bug;
  private final Map<Long, Integer> appends;
  /** This storage's pages read, by participant, then by the page's {@code beforeId} and limit. */
  private final Map<Long, Map<List<Object>, List<LedgerEntry>>> pages = new ConcurrentHashMap<>();

  private BrokenStorage(Storage delegate, Bug bug, Map<Long, Integer> appends) {
    this.delegate = delegate;
    this.bug = bug;
    this.appends = appends;
  }

  /** A fixture whose storages all have {@code bug} and share one count of appends per participant. */
  static StoreFixture fixture(Bug bug) {
    InMemoryStoreFixture healthy = new InMemoryStoreFixture();
    Map<Long, Integer> appends = new ConcurrentHashMap<>();
    return new StoreFixture() {
      @Override
      public Storage openStorage() {
        return new BrokenStorage(healthy.openStorage(), bug, appends);
      }

      @Override
      public Set<StorageCapability> capabilities() {
        return healthy.capabilities();
      }

      @Override
      public void close() {
        healthy.close();
      }
    };
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    return delegate.inTransaction(tx -> work.run(new Broken(tx)));
  }

  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    return delegate.inHostTransaction(host, tx -> work.run(new Broken(tx)));
  }

  @Override
  public void close() {
    delegate.close();
  }

  private final class Broken extends ForwardingTransaction implements LedgerPort {
    private final Transaction tx;

    Broken(Transaction tx) {
      super(tx);
      this.tx = tx;
    }

    @Override
    public LedgerPort ledger() {
      return this;
    }

    @Override
    public DeliveryPort deliveries() {
      DeliveryPort healthy = tx.deliveries();
      return bug == Bug.FAILED_DELIVERY_RECORDED_AS_DELIVERED ? new LosingDeliveries(healthy) : healthy;
    }

    @Override
    public Optional<LockedParticipant> credit(long tenantId, long participantId, long amount) {
      return tx.ledger().credit(tenantId, participantId, amount);
    }

    @Override
    public Optional<LockedParticipant> debit(long tenantId, long participantId, long amount) {
      Optional<LockedParticipant> debited = tx.ledger().debit(tenantId, participantId, amount);
      if (debited.isPresent() || bug != Bug.DEBIT_IGNORES_BALANCE) {
        return debited;
      }
      // The bug: report the subtraction as done although the conditional update refused it.
      return tx.participants().find(tenantId, participantId).map((Participant p) -> {
        long sequence = tx.events().nextSequence(tenantId, participantId);
        return new LockedParticipant(p, sequence).withTotals(p.pointsBalance() - amount, p.lifetimePoints(), sequence);
      });
    }

    @Override
    public void adjustAll(List<BalanceAdjustment> adjustments) {
      tx.ledger().adjustAll(adjustments);
    }

    @Override
    public void append(LedgerEntry entry) {
      if (bug == Bug.DROPS_EVERY_17TH_ENTRY && appends.merge(entry.participantId(), 1, Integer::sum) % 17 == 0) {
        return;
      }
      if (bug == Bug.STALE_HISTORY_ACROSS_STORAGES) {
        pages.remove(entry.participantId());
      }
      tx.ledger().append(entry);
    }

    @Override
    public Optional<LedgerEntry> findByIdempotencyKey(long tenantId, String idempotencyKey) {
      return tx.ledger().findByIdempotencyKey(tenantId, idempotencyKey);
    }

    @Override
    public List<LedgerEntry> history(long tenantId, long participantId, Long beforeId, int limit) {
      if (bug != Bug.STALE_HISTORY_ACROSS_STORAGES) {
        return tx.ledger().history(tenantId, participantId, beforeId, limit);
      }
      return pages.computeIfAbsent(participantId, id -> new ConcurrentHashMap<>()).computeIfAbsent(
          java.util.Arrays.asList(beforeId, limit), page -> tx.ledger().history(tenantId, participantId, beforeId,
              limit));
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      tx.ledger().deleteAll(tenantId, participantId);
    }
  }

  /** Deliveries whose reschedule records the delivery as done instead. */
  private static final class LosingDeliveries implements DeliveryPort {
    private final DeliveryPort healthy;

    LosingDeliveries(DeliveryPort healthy) {
      this.healthy = healthy;
    }

    @Override
    public void create(DeliveryRecord delivery) {
      healthy.create(delivery);
    }

    @Override
    public List<ClaimedDelivery> claim(Set<String> listeners, boolean webhooks, Set<String> skipped, Instant now,
        String owner, Instant leaseUntil, int limit) {
      return healthy.claim(listeners, webhooks, skipped, now, owner, leaseUntil, limit);
    }

    @Override
    public void delivered(long tenantId, long eventId, String subscriber, Instant now) {
      healthy.delivered(tenantId, eventId, subscriber, now);
    }

    @Override
    public boolean reschedule(long tenantId, long eventId, String subscriber, String owner, int attempts,
        Instant nextAttemptAt, String lastError, Instant now) {
      // The bug: the failure is answered as rescheduled, but recorded as a success.
      healthy.delivered(tenantId, eventId, subscriber, now);
      return true;
    }

    @Override
    public boolean park(long tenantId, long eventId, String subscriber, String owner, int attempts, String lastError,
        Instant now) {
      return healthy.park(tenantId, eventId, subscriber, owner, attempts, lastError, now);
    }

    @Override
    public int parkOverdueWebhooks(Instant dueBefore, String lastError, Instant now, int limit) {
      return healthy.parkOverdueWebhooks(dueBefore, lastError, now, limit);
    }

    @Override
    public List<ClaimedDelivery> parked(String subscriber, Long tenantId, Long afterEventId, int limit) {
      return healthy.parked(subscriber, tenantId, afterEventId, limit);
    }

    @Override
    public List<ClaimedDelivery> listForSubscriber(long tenantId, String subscriber, DeliveryStatus status,
        Long beforeEventId, int limit) {
      return healthy.listForSubscriber(tenantId, subscriber, status, beforeEventId, limit);
    }

    @Override
    public boolean replay(long tenantId, long eventId, String subscriber, Instant now) {
      return healthy.replay(tenantId, eventId, subscriber, now);
    }

    @Override
    public void deleteAll(long tenantId, String subscriber) {
      healthy.deleteAll(tenantId, subscriber);
    }
  }
}
