package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Pruning keeps up with the events: a round prunes in transactions of a thousand, up to twenty, and when events
 * past their retention are left, the next round prunes again instead of a minute later. (It pruned a thousand events a
 * minute, about 17 a second, however many more an engine wrote.) Retention counts from when an event was positioned:
 * one positioned late stays in the change feed for the retention all the same.
 */
class EventPruningTest {
  @Test
  void aRoundPrunesInChunksAndTheNextRoundGoesOnWhileExpiredEventsAreLeft() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    try (LoyaltyEngine engine = engine(clock)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      int awards = 25_000;
      int positioned = awardAndPosition(engine, scope, ref, awards);
      assertTrue(positioned > awards, "every event positioned: " + positioned);

      clock.advance(Duration.ofHours(2));
      assertEquals(20_000, engine.events().dispatch().pruned(), "twenty chunks of a thousand in a round");
      assertEquals(positioned - 20_000, engine.events().dispatch().pruned(), "the rest in the next round at once");
      FeedPage rest = scope.changeFeed().read(0, EventFilter.all(), 10);
      assertEquals(List.of(), rest.events());
      assertEquals(positioned, rest.nextPosition(), "a cursor behind pruned positions moves past them");
    }
  }

  /**
   * An event committed while no dispatcher ran for longer than the retention (manual dispatch not called, every
   * instance down) was pruned by its occurrence time in the very round that positioned it: a change-feed reader
   * polling all along never saw it.
   */
  @Test
  void anEventPositionedLateStaysInTheFeedForTheRetentionFromThen() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    try (LoyaltyEngine engine = engine(clock)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      engine.events().dispatch();
      long cursor = scope.changeFeed().read(0, EventFilter.all(), 100).nextPosition();
      scope.points().award(ref, PointsChange.of(1, "purchase"));

      clock.advance(Duration.ofHours(2));
      assertEquals(1, engine.events().dispatch().positioned(), "the award, positioned two hours after it occurred");
      EventFilter awards = EventFilter.types(EventType.POINTS_AWARDED);
      assertEquals(1, scope.changeFeed().read(cursor, awards, 100).events().size(), "and readable");
      clock.advance(Duration.ofMinutes(59));
      engine.events().dispatch();
      assertEquals(1, scope.changeFeed().read(cursor, awards, 100).events().size(), "for the retention");
      clock.advance(Duration.ofMinutes(2));
      assertTrue(engine.events().dispatch().pruned() > 0);
      assertEquals(List.of(), scope.changeFeed().read(cursor, awards, 100).events(), "then pruned");
    }
  }

  /**
   * The prune's cutoff reaches the store in whole microseconds, as every instant does (the storage SPI's contract):
   * a retention with a fraction of a microsecond (in bounds) made the in-memory store prune an event one microsecond
   * earlier than H2 and PostgreSQL, which truncate the cutoff they are given.
   */
  @Test
  void aRetentionWithNanosecondsPrunesOnTheInMemoryStoreAsOnTheSqlStores() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    Duration retention = Duration.ofHours(1).plusNanos(500);
    try (LoyaltyEngine engine = engine(clock, retention)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      engine.events().dispatch();
      long cursor = scope.changeFeed().read(0, EventFilter.all(), 100).nextPosition();
      scope.points().award(ref, PointsChange.of(1, "purchase"));
      assertEquals(1, engine.events().dispatch().positioned(), "the award, positioned at the start");

      // now - retention = start + 0.5 us: the SQL stores prune before start + 0 us, so the award stays there.
      clock.advance(Duration.ofHours(1).plusNanos(1_000));
      assertEquals(0, engine.events().dispatch().pruned(), "nothing positioned before the cutoff's microsecond");
      EventFilter awards = EventFilter.types(EventType.POINTS_AWARDED);
      assertEquals(1, scope.changeFeed().read(cursor, awards, 100).events().size(), "the award stays");
    }
  }

  /**
   * After the clock stepped back (a host's clock corrected by NTP), pruning waited until the clock passed the last
   * prune again, a day here, while the events written since passed their retention and stayed in the feed.
   */
  @Test
  void aClockSteppedBackDoesNotPausePruningUntilItPassesTheLastPrune() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-02T00:00:00Z"));
    try (LoyaltyEngine engine = engine(clock)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      engine.events().dispatch();
      long cursor = scope.changeFeed().read(0, EventFilter.all(), 100).nextPosition();

      clock.set(Instant.parse("2025-05-01T00:00:00Z"));
      scope.points().award(ref, PointsChange.of(1, "purchase"));
      assertEquals(1, engine.events().dispatch().positioned(), "the award, positioned after the step back");
      clock.advance(Duration.ofHours(2));
      assertEquals(1, engine.events().dispatch().pruned(), "past its retention, pruned");
      assertEquals(List.of(), scope.changeFeed().read(cursor, EventFilter.types(EventType.POINTS_AWARDED), 100)
          .events());
    }
  }

  /**
   * A round goes on from the last event the round before examined: every transaction of pruning walked again past
   * the events held by undelivered deliveries (an endpoint down for days) before the free ones. After the walk has
   * caught up, each minute's round goes on from where it stopped, and an hour after it began a walk starts again
   * from the first event.
   */
  @Test
  void eachRoundGoesOnFromTheLastEventExaminedAndAWalkStartsAgainAfterAnHour() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    List<PruneCall> calls = new ArrayList<>();
    try (LoyaltyEngine engine = recordingEngine(clock, calls)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      awardAndPosition(engine, scope, ref, 22_500);
      clock.advance(Duration.ofHours(2));
      calls.clear();
      engine.events().dispatch();
      assertEquals(20, calls.size(), "twenty transactions in the first round");
      assertNull(calls.get(0).after(), "the walk begins at the first event");
      for (int i = 1; i < calls.size(); i++) {
        assertEquals(calls.get(i - 1).step().last(), calls.get(i).after(), "each goes on from the one before");
      }
      PruneCursor stopped = calls.get(19).step().last();
      calls.clear();
      engine.events().dispatch();
      assertEquals(stopped, calls.get(0).after(), "the next round goes on where the first stopped");
      PruneCursor caughtUp = calls.get(calls.size() - 1).step().last();
      assertTrue(calls.get(calls.size() - 1).step().examined() < 1_000, "caught up");

      calls.clear();
      clock.advance(Duration.ofMinutes(2));
      scope.points().award(ref, PointsChange.of(1, "purchase"));
      engine.events().dispatch();
      assertEquals(caughtUp, calls.get(0).after(), "a minute later, on from the last event examined");
      calls.clear();
      clock.advance(Duration.ofMinutes(59));
      engine.events().dispatch();
      assertNull(calls.get(0).after(), "an hour after the walk began, from the first event again");
    }
  }

  /**
   * An event held by a parked delivery is kept past its retention; once its replay is delivered, it is pruned by the
   * next walk from the first event, within the hour (the minute's rounds go on after the events already examined).
   */
  @Test
  void anEventReleasedAfterTheWalkPassedItIsPrunedWithinTheHour() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().retention(Duration.ofHours(1)).listenerMaxAttempts(1)
            .build())
        .build()) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      AtomicBoolean failing = new AtomicBoolean(true);
      engine.events().subscribe("crm", EventFilter.types(EventType.POINTS_AWARDED), event -> {
        if (failing.get()) {
          throw new IllegalStateException("down");
        }
      });
      scope.points().award(ref, PointsChange.of(1, "held"));
      assertEquals(1, engine.events().dispatch().parked(), "the award's delivery parked at its only attempt");
      failing.set(false);
      EventFilter awards = EventFilter.types(EventType.POINTS_AWARDED);
      String held = scope.changeFeed().read(0, awards, 10).events().get(0).id();

      clock.advance(Duration.ofHours(2));
      assertTrue(engine.events().dispatch().pruned() > 0, "the events before it and after it pruned");
      assertEquals(List.of(held), scope.changeFeed().read(0, awards, 10).events().stream()
          .map(LoyaltyEvent::id).toList(), "the held award kept past its retention");
      assertTrue(engine.events().replay("crm", scope.tenantId(), held));
      assertEquals(1, engine.events().dispatch().delivered(), "its replay delivered");
      clock.advance(Duration.ofMinutes(2));
      engine.events().dispatch();
      assertEquals(1, scope.changeFeed().read(0, awards, 10).events().size(),
          "the minute's round went on after it");
      clock.advance(Duration.ofMinutes(59));
      engine.events().dispatch();
      assertEquals(List.of(), scope.changeFeed().read(0, awards, 10).events(), "the next walk pruned it");
    }
  }

  /**
   * A walk that has not caught up an hour after it began goes on where it stopped: starting again from the first
   * event then would walk past the held events once more before reaching those it has not examined yet.
   */
  @Test
  void aWalkNotCaughtUpAnHourAfterItBeganGoesOnWhereItStopped() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    List<PruneCall> calls = new ArrayList<>();
    try (LoyaltyEngine engine = recordingEngine(clock, calls)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      awardAndPosition(engine, scope, ref, 21_000);
      clock.advance(Duration.ofHours(2));
      calls.clear();
      engine.events().dispatch();
      assertEquals(20, calls.size(), "twenty transactions, not caught up");
      PruneCursor stopped = calls.get(19).step().last();

      calls.clear();
      clock.advance(Duration.ofMinutes(61));
      engine.events().dispatch();
      assertEquals(stopped, calls.get(0).after(), "an hour after the walk began, on from where it stopped");
    }
  }

  /**
   * Once caught up, a minute's round that finds no event after the walk's last keeps the walk where it is: the next
   * minute's goes on from the same event, not from the first (which would walk past every held event each minute).
   */
  @Test
  void aRoundThatExaminesNothingKeepsTheWalkWhereItIs() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    List<PruneCall> calls = new ArrayList<>();
    try (LoyaltyEngine engine = recordingEngine(clock, calls)) {
      TenantScope scope = tenant(engine);
      participant(scope);
      engine.events().dispatch();
      clock.advance(Duration.ofHours(2));
      calls.clear();
      assertTrue(engine.events().dispatch().pruned() > 0, "the participant's events pruned");
      PruneCursor caughtUp = calls.get(calls.size() - 1).step().last();
      assertTrue(caughtUp != null, "the walk examined them");

      for (int minute = 0; minute < 3; minute++) {
        calls.clear();
        clock.advance(Duration.ofMinutes(2));
        engine.events().dispatch();
        assertEquals(new PruneCall(caughtUp, new PruneStep(0, 0, null)), calls.get(0),
            "round " + minute + " went on from the last event examined and found none");
      }
    }
  }

  /**
   * A clock stepped back behind the walk's start starts a walk from the first event: the events positioned after the
   * step back lie behind the walk's last event, and going on after it would never reach them.
   */
  @Test
  void aClockSteppedBackBehindTheWalkStartsAgainFromTheFirstEvent() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-02T00:00:00Z"));
    try (LoyaltyEngine engine = engine(clock)) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      engine.events().dispatch();
      long cursor = scope.changeFeed().read(0, EventFilter.all(), 100).nextPosition();
      clock.advance(Duration.ofHours(2));
      assertTrue(engine.events().dispatch().pruned() > 0, "the walk passed the participant's events");

      clock.set(Instant.parse("2025-05-01T00:00:00Z"));
      scope.points().award(ref, PointsChange.of(1, "purchase"));
      assertEquals(1, engine.events().dispatch().positioned(), "the award, positioned behind the walk");
      clock.advance(Duration.ofHours(2));
      assertEquals(1, engine.events().dispatch().pruned(), "past its retention, pruned");
      assertEquals(List.of(), scope.changeFeed().read(cursor, EventFilter.all(), 100).events());
    }
  }

  /**
   * A round goes on while its transactions examine full chunks, however few of the events they delete: a chunk of
   * events held by parked deliveries is walked past in the same round, and the free events behind it are pruned.
   */
  @Test
  void aRoundWalksPastAChunkOfHeldEventsToTheFreeOnesBehindIt() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().retention(Duration.ofHours(1)).listenerMaxAttempts(1)
            .build())
        .build()) {
      TenantScope scope = tenant(engine);
      ParticipantRef ref = participant(scope);
      engine.events().subscribe("crm", EventFilter.types(EventType.POINTS_AWARDED), event -> {
        throw new IllegalStateException("down");
      });
      List<PointsOperation> bulk = new ArrayList<>();
      for (int i = 0; i < 1_500; i++) {
        bulk.add(PointsOperation.award(ref, PointsChange.of(2, "purchase")));
      }
      scope.points().applyAll(bulk);
      bulk.clear();
      for (int i = 0; i < 1_500; i++) {
        bulk.add(PointsOperation.deduct(ref, PointsChange.of(1, "redeemed")));
      }
      scope.points().applyAll(bulk);
      int positioned = 0;
      int parked = 0;
      for (DispatchReport r = engine.events().dispatch(); !r.isIdle(); r = engine.events().dispatch()) {
        positioned += r.positioned();
        parked += r.parked();
      }
      assertEquals(1_500, parked, "every award's delivery parked");

      clock.advance(Duration.ofHours(2));
      assertEquals(positioned - 1_500, engine.events().dispatch().pruned(), "every event but the held awards");
    }
  }

  /**
   * Awards {@code awards} points, one an award, in bulk calls of at most 10,000, and dispatches until every event is
   * positioned.
   *
   * @return how many events were positioned
   */
  private static int awardAndPosition(LoyaltyEngine engine, TenantScope scope, ParticipantRef ref, int awards) {
    for (int from = 0; from < awards; from += 10_000) {
      List<PointsOperation> bulk = new ArrayList<>();
      for (int i = from; i < Math.min(awards, from + 10_000); i++) {
        bulk.add(PointsOperation.award(ref, PointsChange.of(1, "purchase")));
      }
      scope.points().applyAll(bulk);
    }
    int positioned = 0;
    for (DispatchReport r = engine.events().dispatch(); r.positioned() > 0; r = engine.events().dispatch()) {
      positioned += r.positioned();
    }
    return positioned;
  }

  /** An engine on a new in-memory store recording its prune calls, dispatching by hand, keeping events an hour. */
  private static LoyaltyEngine recordingEngine(SettableClock clock, List<PruneCall> calls) {
    return LoyaltyEngine.builder()
        .storage(new PruneRecording(InMemoryStorage.newDatabase().openStorage(), calls))
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().retention(Duration.ofHours(1)).build())
        .build();
  }

  /** A prune call and its answer. */
  private record PruneCall(PruneCursor after, PruneStep step) {
  }

  /** A storage that records every prune call made through it. */
  private record PruneRecording(Storage delegate, List<PruneCall> calls) implements Storage {
    @Override
    public Set<StorageCapability> capabilities() {
      return delegate.capabilities();
    }

    @Override
    public <T> T inTransaction(TransactionWork<T> work) {
      return delegate.inTransaction(tx -> work.run(recording(tx)));
    }

    @Override
    public <T> T inReadTransaction(TransactionWork<T> work) {
      return delegate.inReadTransaction(tx -> work.run(recording(tx)));
    }

    @Override
    public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
      return delegate.inHostTransaction(host, tx -> work.run(recording(tx)));
    }

    @Override
    public void close() {
      delegate.close();
    }

    private Transaction recording(Transaction tx) {
      EventPort port = tx.events();
      EventPort recorded = (EventPort) Proxy.newProxyInstance(EventPort.class.getClassLoader(),
          new Class<?>[] {EventPort.class}, (proxy, method, args) -> {
            try {
              Object result = method.invoke(port, args);
              if (method.getName().equals("prune")) {
                synchronized (calls) {
                  calls.add(new PruneCall((PruneCursor) args[1], (PruneStep) result));
                }
              }
              return result;
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      return new ForwardingTransaction(tx) {
        @Override
        public EventPort events() {
          return recorded;
        }
      };
    }
  }

  /** An engine on a new in-memory store, dispatching by hand, keeping events for an hour. */
  private static LoyaltyEngine engine(SettableClock clock) {
    return engine(clock, Duration.ofHours(1));
  }

  /** An engine on a new in-memory store, dispatching by hand, keeping events for {@code retention}. */
  private static LoyaltyEngine engine(SettableClock clock, Duration retention) {
    return LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().retention(retention).build())
        .build();
  }

  /** A new tenant of the engine. */
  private static TenantScope tenant(LoyaltyEngine engine) {
    return engine.forTenant(engine.tenants().create(NewTenant.business("Prune")).id());
  }

  /** A participant of a new campaign of the tenant. */
  private static ParticipantRef participant(TenantScope scope) {
    long campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Prune", "prune.example.com")).id(), "Prune")).id();
    return ParticipantRef.id(scope.participants().create(campaign, NewParticipant.withEmail("p@example.com")).id());
  }
}
