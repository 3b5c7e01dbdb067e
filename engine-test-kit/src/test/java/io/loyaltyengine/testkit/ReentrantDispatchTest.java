package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One engine instance never has two calls to one webhook endpoint in progress at once: not when a listener, called on
 * a round's thread while the round's endpoint tasks run on the delivery pool, calls {@code Events.dispatch()} (the
 * nested call returns at once with an empty report; the round in progress goes on, and the next round delivers what
 * the listener committed), nor when two host threads call it at once (their rounds take turns). Through the public
 * API, an engine on {@link InMemoryStorage} with manual dispatch, a {@link SettableClock}, and a
 * {@link WebhookReceiver} on 127.0.0.1 that counts the requests it holds at once and holds the endpoint's first
 * request until the test lets it go.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ReentrantDispatchTest {
  private static final String HOOK = "/hook";

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostAtOnce = new AtomicInteger();
  private final CountDownLatch firstArrived = new CountDownLatch(1);
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private WebhookReceiver server;
  private LoyaltyEngine engine;
  private TenantScope shop;
  private Campaign campaign;

  @BeforeEach
  void setUp() throws IOException {
    server = WebhookReceiver.start();
    AtomicBoolean first = new AtomicBoolean(true);
    server.always(HOOK, (request, exchange) -> {
      mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (first.getAndSet(false)) {
          firstArrived.countDown();
          releaseFirst.await(30, TimeUnit.SECONDS);
        }
      } finally {
        // Before the answer: once the engine has it, it may send the endpoint's next request.
        inFlight.decrementAndGet();
      }
      exchange.sendResponseHeaders(200, -1);
    });
    engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(Duration.ofSeconds(60)).build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20)))
        .build();
    engines.add(engine);
    shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Shop", "https://shop.example.com")).id(), "Points"));
    shop.webhooks().create(new NewWebhookEndpoint(server.url(HOOK),
        EventFilter.types(EventType.PARTICIPANT_CREATED)));
  }

  @AfterEach
  void tearDown() {
    try {
      releaseFirst.countDown();
      engines.forEach(LoyaltyEngine::close);
    } finally {
      server.close();
    }
  }

  /**
   * While the round's call to the endpoint is in progress, a listener enrols another participant (an event for the
   * endpoint) and calls {@code dispatch()}. Run as a round of its own, that call claimed the new delivery and posted it
   * to the endpoint on another delivery thread, beside the call in progress.
   */
  @Test
  void aListenerThatCallsDispatchGetsAnEmptyReportAndTheEndpointNeverGetsTwoRequestsAtOnce() {
    AtomicReference<DispatchReport> nested = new AtomicReference<>();
    AtomicBoolean firstEvent = new AtomicBoolean(true);
    engine.events().subscribe("flusher", EventFilter.types(EventType.PARTICIPANT_CREATED), event -> {
      if (!firstEvent.getAndSet(false)) {
        return;
      }
      try {
        // Once the round's task has the endpoint's request in progress on the delivery pool.
        assertTrue(firstArrived.await(30, TimeUnit.SECONDS), "the endpoint's first request arrived");
        shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com"));
        nested.set(engine.events().dispatch());
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        releaseFirst.countDown();
      }
    });
    shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com"));

    DispatchReport outer = engine.events().dispatch();
    assertEquals(1, mostAtOnce.get(), "requests to the endpoint in progress at once");
    assertEquals(new DispatchReport(0, 0, 0, 0, 0), nested.get(), "the nested call did nothing");
    assertEquals(2, outer.delivered(), "the round went on: the endpoint's and the listener's: " + outer);
    FeedReads.dispatchUntilIdle(engine);
    assertEquals(1, mostAtOnce.get(), "requests to the endpoint in progress at once");
    List<WebhookReceiver.Request> requests = server.requests(HOOK);
    assertEquals(2, requests.size(), "each participant's event once, by the next round: " + requests);
    assertEquals(2, requests.stream().map(WebhookReceiver.Request::webhookId).collect(Collectors.toSet()).size());
    assertFalse(firstEvent.get(), "the listener was called");
  }

  /**
   * Two host threads call {@code dispatch()} at once: the second's round, which has a new delivery for the same
   * endpoint, waits for the first's, whose call to the endpoint is in progress, to end.
   */
  @Test
  void twoHostThreadsDispatchingAtOnceNeverPostToOneEndpointTwiceAtOnce() throws Exception {
    shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com"));
    List<DispatchReport> reports = new CopyOnWriteArrayList<>();
    Thread a = host("host-a", reports);
    a.start();
    assertTrue(firstArrived.await(30, TimeUnit.SECONDS), "the first round's request arrived");

    // A new event for the endpoint, which the first round, past its claim, does not have.
    shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com"));
    Thread b = host("host-b", reports);
    b.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Set.of(Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.TERMINATED)
        .contains(b.getState()) && System.nanoTime() < deadline) {
      // Until the second round waits (for the first's to end), or ended.
      Thread.onSpinWait();
    }
    releaseFirst.countDown();
    a.join(TimeUnit.SECONDS.toMillis(30));
    b.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(a.isAlive() || b.isAlive(), "both rounds ended");

    assertEquals(2, reports.stream().mapToInt(DispatchReport::delivered).sum(), reports.toString());
    assertEquals(1, mostAtOnce.get(), "requests to the endpoint in progress at once");
    assertEquals(2, server.requests(HOOK).size());
  }

  private Thread host(String name, List<DispatchReport> reports) {
    Thread t = new Thread(() -> reports.add(engine.events().dispatch()), name);
    t.setDaemon(true);
    return t;
  }
}
