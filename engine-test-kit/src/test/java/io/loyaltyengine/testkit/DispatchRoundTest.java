package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A dispatch round ends, and its {@link DispatchReport} counts exactly what the round recorded, which
 * {@link DispatchReport#isIdle()} and the background thread's pacing rely on: an attempt whose outcome another
 * instance overtook is not counted; a round whose thread is interrupted cancels its endpoints' calls and counts
 * none of them; and a round whose webhook delivery pool cannot start a thread (a JVM at its thread limit throws
 * {@code OutOfMemoryError: unable to create native thread} from {@code execute}; the pool's thread factory is
 * replaced by reflection) makes the delivery on its own thread rather than wait for ever, holding the round lock
 * every later round waits for. Through the public API,
 * engines on {@link InMemoryStorage} with manual dispatch, a {@link SettableClock} and a {@link WebhookReceiver} on
 * 127.0.0.1.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DispatchRoundTest {
  private static final String HOOK = "/hook";
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private WebhookReceiver server;
  private ExecutorService host;

  @BeforeEach
  void setUp() throws IOException {
    server = WebhookReceiver.start();
    host = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "host-dispatch");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterEach
  void tearDown() {
    try {
      host.shutdownNow();
      engines.forEach(LoyaltyEngine::close);
    } finally {
      server.close();
    }
  }

  @Test
  void anAttemptWhoseDeliveryAnotherInstanceTookOverAndDeliveredIsNotCounted() throws Exception {
    InMemoryStorage.Database database = InMemoryStorage.newDatabase();
    LoyaltyEngine first = engine(database, Duration.ofSeconds(20), null);
    LoyaltyEngine second = engine(database, Duration.ofSeconds(20), null);
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.next(HOOK, (request, exchange) -> {
      arrived.countDown();
      release.await(60, TimeUnit.SECONDS);
      exchange.sendResponseHeaders(500, -1);
    });
    server.always(HOOK, WebhookReceiver.status(200));
    enrolWithEndpoint(first);

    // The first instance's call outlasts its lease: the second claims the delivery and delivers it meanwhile.
    Future<DispatchReport> slow = host.submit(() -> first.events().dispatch());
    assertTrue(arrived.await(30, TimeUnit.SECONDS), "the first instance's request reached the endpoint");
    clock.advance(LEASE.plusSeconds(1));
    assertEquals(1, second.events().dispatch().delivered(), "the second instance delivered it");
    release.countDown();

    // The late 500 changes nothing (its reschedule finds the delivery delivered) and is not counted.
    DispatchReport report = slow.get(60, TimeUnit.SECONDS);
    assertEquals(0, report.retried(), "nothing was rescheduled: " + report);
    assertEquals(0, report.delivered(), report.toString());
    assertEquals(0, report.parked(), report.toString());
    assertEquals(2, server.requests(HOOK).size());
  }

  /**
   * The round's own thread is interrupted (by a listener here, as by a host that interrupts its thread in
   * {@code dispatch()}) while an endpoint's call is in progress on the delivery pool. The round cancels that call
   * rather than waiting out its request timeout, counts what it recorded (the listener's delivery) and not the
   * cancelled attempt, and returns with the interrupt status set. The cancelled delivery stays leased, its attempt
   * not counted, and is delivered once the lease runs out. Until the round cancelled its calls, it waited for the
   * request to time out and counted the attempt as retried, pausing the endpoint.
   */
  @Test
  void aRoundInterruptedWhileItWaitsForAnEndpointCancelsTheCallCountsItNotAndKeepsTheInterrupt() {
    CountDownLatch arrived = new CountDownLatch(1);
    // Called on the round's thread once the endpoint's task is on the pool: when the endpoint has the request (which
    // it holds until the receiver closes), the round's thread is interrupted, before it waits for that task.
    EventListener interrupter = event -> {
      try {
        arrived.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      Thread.currentThread().interrupt();
    };
    // A request timeout (2 min) far beyond the bound below: only the cancel ends the call in time.
    LoyaltyEngine engine = engine(InMemoryStorage.newDatabase(), Duration.ofMinutes(2), interrupter);
    server.always(HOOK, server.blockUntil(arrived, new CountDownLatch(1)));
    enrolWithEndpoint(engine);

    Future<Object[]> round = host.submit(() -> new Object[] {engine.events().dispatch(), Thread.interrupted()});
    Object[] result;
    try {
      result = round.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      fail("the interrupted round still waits for the endpoint's call; stack: " + stackOf("host-dispatch"));
      return;
    }
    DispatchReport report = (DispatchReport) result[0];
    assertEquals(1, report.delivered(), "the listener's delivery: " + report);
    assertEquals(0, report.retried(), "the cancelled attempt is not counted: " + report);
    assertTrue((Boolean) result[1], "the round set the thread's interrupt status again");
    assertEquals(1, server.requests(HOOK).size());

    server.always(HOOK, WebhookReceiver.status(200));
    assertEquals(0, engine.events().dispatch().delivered(), "still leased to the interrupted round");
    clock.advance(LEASE.plusSeconds(1));
    DispatchReport later = engine.events().dispatch();
    assertEquals(1, later.delivered(), "delivered once the lease ran out: " + later);
    assertEquals(2, server.requests(HOOK).size());
  }

  private LoyaltyEngine engine(InMemoryStorage.Database database, Duration requestTimeout, EventListener listener) {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder()
        .storage(database.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(LEASE).build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
            .withTimeouts(Duration.ofSeconds(2), requestTimeout));
    if (listener != null) {
      builder.listener("interrupter", EventFilter.types(EventType.PARTICIPANT_CREATED), listener);
    }
    LoyaltyEngine engine = builder.build();
    engines.add(engine);
    return engine;
  }

  /** A tenant with an endpoint at {@link #HOOK} for new participants, and one participant. */
  private void enrolWithEndpoint(LoyaltyEngine engine) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    Campaign campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Shop", "https://shop.example.com")).id(), "Points"));
    scope.webhooks().create(new NewWebhookEndpoint(server.url(HOOK),
        EventFilter.types(EventType.PARTICIPANT_CREATED)));
    scope.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com"));
  }

  @Test
  void aRoundWhosePoolCannotStartAThreadEndsAndStillMakesTheDelivery() throws Exception {
    LoyaltyEngine engine = engine(InMemoryStorage.newDatabase(), Duration.ofSeconds(10), null);
    server.always(HOOK, WebhookReceiver.status(200));
    enrolWithEndpoint(engine);

    deliveryPool(engine).setThreadFactory(r -> {
      throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource"
          + " limits reached (thrown by the test)");
    });
    Future<DispatchReport> round = host.submit(() -> engine.events().dispatch());
    DispatchReport report;
    try {
      // A bound on a hang, far above a round of one local call: the round itself measures nothing.
      report = round.get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("the round waits for ever for the endpoint's task, which the pool never ran; stack: "
          + stackOf("host-dispatch"));
      return;
    }
    assertEquals(1, report.delivered(), "the endpoint's delivery was made on the round's thread: " + report);
    assertEquals(1, server.requests(HOOK).size());
  }

  private static ThreadPoolExecutor deliveryPool(LoyaltyEngine engine) throws ReflectiveOperationException {
    Field dispatcherField = engine.getClass().getDeclaredField("dispatcher");
    dispatcherField.setAccessible(true);
    Object dispatcher = dispatcherField.get(engine);
    Field poolField = dispatcher.getClass().getDeclaredField("deliveryPool");
    poolField.setAccessible(true);
    return (ThreadPoolExecutor) poolField.get(dispatcher);
  }

  private static String stackOf(String threadName) {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, frames) -> {
      if (t.getName().equals(threadName)) {
        for (int i = 0; i < Math.min(frames.length, 8); i++) {
          b.append("\n  at ").append(frames[i]);
        }
      }
    });
    return b.toString();
  }
}
