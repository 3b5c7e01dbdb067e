package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host that interrupts the thread it called {@code Events.dispatch()} on stops the round's webhook calls, not only
 * its own wait: the calls in progress on the delivery pool are cancelled and those not yet started never start, the
 * round returns what it recorded with the thread's interrupt status kept, and nothing is recorded against the
 * cancelled deliveries (no attempt counted, no error, the endpoint not paused): they are delivered once their lease
 * runs out. Through the public API (and the storage SPI, to read a delivery's attempts), an engine on
 * {@link InMemoryStorage} with manual dispatch, a {@link SettableClock}, and a {@link WebhookReceiver} on 127.0.0.1
 * whose endpoints hold their request until the receiver closes.
 *
 * <p>The request timeout is two minutes: a round that waited for its calls, rather than cancelling them, would not end
 * within the 30 s this test waits for it (a bound on a hang; nothing here measures speed).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class InterruptedDispatchTest {
  private static final String FIRST = "/first";
  private static final String SECOND = "/second";
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final Map<Long, Campaign> campaigns = new HashMap<>();
  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private final InMemoryStorage.Database database = InMemoryStorage.newDatabase();
  private WebhookReceiver server;

  @BeforeEach
  void setUp() throws IOException {
    server = WebhookReceiver.start();
  }

  @AfterEach
  void tearDown() {
    try {
      engines.forEach(LoyaltyEngine::close);
    } finally {
      server.close();
    }
  }

  /**
   * One delivery thread, two endpoints: one endpoint's call is in progress (its receiver holds the request), the
   * other's task waits for the thread. The host interrupts the thread in {@code dispatch()}: the call is cancelled,
   * the waiting task never runs, and the round returns at once, counting neither.
   */
  @Test
  void anInterruptedDispatchCancelsItsWebhookCallsAndRecordsNothingAgainstThem() throws Exception {
    LoyaltyEngine engine = engine(1);
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    server.always(FIRST, server.blockUntil(arrived, never));
    server.always(SECOND, server.blockUntil(arrived, never));
    TenantScope first = tenant(engine, "First shop", FIRST);
    TenantScope second = tenant(engine, "Second shop", SECOND);
    enrol(first, "ada@first.example.com");
    enrol(second, "bob@second.example.com");

    AtomicReference<DispatchReport> report = new AtomicReference<>();
    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread caller = new Thread(() -> {
      report.set(engine.events().dispatch());
      interruptKept.set(Thread.currentThread().isInterrupted());
    }, "host-dispatch");
    caller.setDaemon(true);
    caller.start();
    assertTrue(arrived.await(30, TimeUnit.SECONDS), "one endpoint's request arrived");
    caller.interrupt();
    caller.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(caller.isAlive(), "dispatch() still waits for the webhook call it should have cancelled");

    assertEquals(new DispatchReport(2, 0, 0, 0, 0), report.get(), "positioned both, recorded no delivery");
    assertTrue(interruptKept.get(), "dispatch() returned with the thread's interrupt status kept");
    assertEquals(1, server.requests().size(), "the task waiting for the delivery thread was never started");

    // Nothing held against the endpoints: a new event for each, at the same time, is delivered at once (a paused
    // endpoint's would wait), while the cancelled deliveries stay leased.
    server.always(FIRST, WebhookReceiver.status(200));
    server.always(SECOND, WebhookReceiver.status(200));
    enrol(first, "cyd@first.example.com");
    enrol(second, "dee@second.example.com");
    DispatchReport fresh = engine.events().dispatch();
    assertEquals(2, fresh.delivered(), "neither endpoint was paused: " + fresh);
    assertEquals(0, fresh.retried(), fresh.toString());

    // Once their lease runs out, the cancelled deliveries are due again with no attempt counted and no error.
    clock.advance(LEASE.plusSeconds(1));
    Instant now = clock.instant();
    List<ClaimedDelivery> due = database.openStorage().inTransaction(tx -> tx.deliveries()
        .claim(Set.of(), true, Set.of(), now, "inspector", now.plusSeconds(1), 10));
    assertEquals(2, due.size(), "both cancelled deliveries are claimable again: " + due);
    for (ClaimedDelivery c : due) {
      assertEquals(0, c.delivery().attempts(), "no attempt counted: " + c.delivery());
      assertNull(c.delivery().lastError(), "no error recorded: " + c.delivery());
    }
    clock.advance(Duration.ofSeconds(2));
    DispatchReport later = engine.events().dispatch();
    assertEquals(2, later.delivered(), "delivered once their lease ran out: " + later);
    assertEquals(5, server.requests().size(), "the cancelled request, two fresh, and the two again");
  }

  /**
   * A thread whose interrupt status is set when it calls {@code dispatch()} gets an empty report at once, the
   * interrupt kept: the round is not started, so no delivery is claimed (a claimed delivery it then did not make would
   * wait out its lease). The next call delivers at once.
   */
  @Test
  void aDispatchCalledOnAnInterruptedThreadStartsNoRoundAndKeepsTheInterrupt() {
    LoyaltyEngine engine = engine(4);
    TenantScope shop = tenant(engine, "Shop", FIRST);
    enrol(shop, "ada@example.com");

    Thread.currentThread().interrupt();
    DispatchReport interrupted;
    boolean kept;
    try {
      interrupted = engine.events().dispatch();
    } finally {
      kept = Thread.interrupted();
    }
    assertTrue(kept, "the interrupt status is kept");
    assertEquals(new DispatchReport(0, 0, 0, 0, 0), interrupted, "no round");
    assertEquals(0, server.requests().size());

    DispatchReport next = engine.events().dispatch();
    assertEquals(new DispatchReport(1, 1, 0, 0, 0), next, "not leased by the interrupted call");
    assertEquals(1, server.requests(FIRST).size());
  }

  private LoyaltyEngine engine(int deliveryThreads) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(database.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(LEASE).build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofMinutes(2)).withDeliveryThreads(deliveryThreads))
        .build();
    engines.add(engine);
    return engine;
  }

  /** A tenant with a running campaign and one endpoint at {@code path} for new participants. */
  private TenantScope tenant(LoyaltyEngine engine, String name, String path) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business(name)).id());
    campaigns.put(scope.tenantId(), scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand(name, "https://shop.example.com")).id(), "Points")));
    scope.webhooks().create(new NewWebhookEndpoint(server.url(path),
        EventFilter.types(EventType.PARTICIPANT_CREATED)));
    return scope;
  }

  private void enrol(TenantScope scope, String email) {
    scope.participants().create(campaigns.get(scope.tenantId()).id(), NewParticipant.withEmail(email));
  }
}
