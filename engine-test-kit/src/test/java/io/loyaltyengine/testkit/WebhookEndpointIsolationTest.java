package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One webhook endpoint that does not answer must not hold up the others, another tenant's above all, nor keep
 * them out of the claimed batches with a backlog of older due deliveries: through the public API, an engine on
 * {@link InMemoryStorage} with manual dispatch, a {@link SettableClock}, and a {@link WebhookReceiver} on 127.0.0.1
 * with one path per endpoint. The endpoint that does not answer is always the
 * one whose events are older, so that its deliveries come first in claim order.
 *
 * <p>Nothing here sleeps or measures time; a request that gets no answer waits for the engine's request timeout, as
 * it must.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class WebhookEndpointIsolationTest {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30Z");
  private static final String DEAD = "/dead";
  private static final String SLOW = "/slow";
  private static final String LIVE = "/live";

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final Map<Long, Campaign> campaigns = new HashMap<>();
  private SettableClock clock;
  private WebhookReceiver server;

  @BeforeEach
  void setUp() throws IOException {
    clock = SettableClock.at(START);
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

  @Test
  void anEndpointThatDoesNotAnswerCostsOneAttemptPerRoundAndItsOtherDeliveriesWaitUnattempted() throws Exception {
    Duration lease = Duration.ofSeconds(60);
    LoyaltyEngine engine = engine(lease, Duration.ofMillis(500));
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.always(DEAD, server.blockUntil(arrived, release));
    TenantScope busy = tenant(engine, "Busy shop", DEAD);
    TenantScope other = tenant(engine, "Other shop", LIVE);
    for (int i = 0; i < 3; i++) {
      award(busy, "p" + i + "@busy.example.com");
    }
    award(other, "ada@other.example.com");

    DispatchReport round = engine.events().dispatch();
    assertTrue(arrived.await(30, TimeUnit.SECONDS), "the first request reached the endpoint");
    assertEquals(1, round.retried(), "one attempt timed out; the endpoint's other deliveries were not attempted");
    assertEquals(1, round.delivered(), "the other tenant's endpoint got its delivery in the same round");
    assertEquals(0, round.parked());
    assertEquals(1, server.requests(LIVE).size());

    // Not lost, nor did they use up attempts: once the endpoint answers they arrive, each once, none parked.
    release.countDown();
    clock.advance(lease.plusMinutes(1));
    FeedReads.dispatchUntilIdle(engine);
    List<WebhookReceiver.Request> dead = server.requests(DEAD);
    assertEquals(4, dead.size(), "the timed-out attempt, then each delivery once");
    assertEquals(awardIds(engine, busy), dead.stream().skip(1).map(WebhookReceiver.Request::webhookId)
        .collect(Collectors.toSet()));
    long endpoint = busy.webhooks().list().get(0).id();
    assertTrue(busy.webhooks().parked(endpoint, Keyset.first(10)).items().isEmpty());
  }

  @Test
  void afterAnAttemptGetsNoAnswerTheEndpointGetsNoOtherUntilThatDeliveryIsDueAgain() {
    Duration lease = Duration.ofSeconds(60);
    LoyaltyEngine engine = engine(lease, Duration.ofMillis(300));
    server.always(DEAD, server.blockUntil(new CountDownLatch(1), new CountDownLatch(1)));
    TenantScope busy = tenant(engine, "Busy shop", DEAD);
    TenantScope other = tenant(engine, "Other shop", LIVE);
    award(busy, "p0@busy.example.com");
    award(other, "ada@other.example.com");

    DispatchReport first = engine.events().dispatch();
    assertEquals(1, first.retried(), "the dead endpoint's attempt timed out: " + first);
    assertEquals(1, first.delivered(), first.toString());
    assertEquals(1, server.awaitRequests(DEAD, 1).size());

    // A busy tenant: each new event for another participant is a fresh due delivery for the dead endpoint. The
    // clock stands still, short of the failed delivery's retry (5 s, with jitter).
    award(busy, "p1@busy.example.com");
    award(other, "bob@other.example.com");
    DispatchReport second = engine.events().dispatch();
    assertEquals(2, server.requests(LIVE).size(), "the healthy tenant's new event was delivered: " + second);
    assertEquals(1, server.awaitRequests(DEAD, 1).size(), "no request to the dead endpoint before its retry is due");
    assertEquals(1, second.delivered(), second.toString());
    assertEquals(0, second.retried(), "the fresh delivery was neither attempted nor counted: " + second);
    assertEquals(0, second.parked(), second.toString());

    // The endpoint answers again. Past the retry time (5 s at most 10 % more) the failed delivery is the probe; the
    // fresh one, which the paused round did not claim, follows it in the same round rather than after a lease. Each
    // arrives once and nothing is parked.
    server.always(DEAD, WebhookReceiver.status(200));
    clock.advance(Duration.ofSeconds(6));
    DispatchReport probe = engine.events().dispatch();
    assertEquals(2, probe.delivered(), "the probe answered, and the fresh delivery went out after it: " + probe);
    assertTrue(engine.events().dispatch().isIdle(), "nothing left to deliver");
    List<WebhookReceiver.Request> dead = server.requests(DEAD);
    assertEquals(3, dead.size(), "the timed-out attempt, then each delivery once");
    assertEquals(awardIds(engine, busy), dead.stream().skip(1).map(WebhookReceiver.Request::webhookId)
        .collect(Collectors.toSet()));
    assertEquals(dead.get(0).webhookId(), dead.get(1).webhookId(), "the failed delivery was the probe");
    long endpoint = busy.webhooks().list().get(0).id();
    assertTrue(busy.webhooks().parked(endpoint, Keyset.first(10)).items().isEmpty());
    assertEquals(2, server.requests(LIVE).size());
  }

  @Test
  void aProbeThatGetsNoAnswerPausesTheEndpointAgainButNeverForLongerThanFiveMinutes() {
    Duration lease = Duration.ofSeconds(60);
    LoyaltyEngine engine = engine(lease, Duration.ofMillis(300));
    server.always(DEAD, server.blockUntil(new CountDownLatch(1), new CountDownLatch(1)));
    TenantScope busy = tenant(engine, "Busy shop", DEAD);
    award(busy, "p0@busy.example.com");

    // Three attempts of the same delivery, each the probe once its retry is due: 5 s, then 5 min (each at most
    // 10 % more), after which its retry is 30 min away (at least 27 min).
    engine.events().dispatch();
    clock.advance(Duration.ofSeconds(6));
    assertEquals(1, engine.events().dispatch().retried(), "the first probe timed out");
    clock.advance(Duration.ofMinutes(6));
    assertEquals(1, engine.events().dispatch().retried(), "the second probe timed out");
    assertEquals(3, server.awaitRequests(DEAD, 3).size());

    // Paused again: a fresh delivery is not attempted.
    award(busy, "p1@busy.example.com");
    DispatchReport paused = engine.events().dispatch();
    assertEquals(3, server.awaitRequests(DEAD, 3).size(), "no request while the endpoint is paused: " + paused);

    // Five minutes on, long before the failed delivery's retry, the endpoint gets an attempt again: the fresh
    // delivery, its lease run out, is the probe, and the endpoint answers.
    server.always(DEAD, WebhookReceiver.status(200));
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    DispatchReport probe = engine.events().dispatch();
    assertEquals(1, probe.delivered(), "the pause ended after five minutes: " + probe);
    assertEquals(4, server.awaitRequests(DEAD, 4).size());

    clock.advance(Duration.ofMinutes(40));
    FeedReads.dispatchUntilIdle(engine);
    List<WebhookReceiver.Request> dead = server.requests(DEAD);
    assertEquals(5, dead.size(), "three timed-out attempts, then each delivery once");
    assertEquals(awardIds(engine, busy), dead.stream().skip(3).map(WebhookReceiver.Request::webhookId)
        .collect(Collectors.toSet()));
    long endpoint = busy.webhooks().list().get(0).id();
    assertTrue(busy.webhooks().parked(endpoint, Keyset.first(10)).items().isEmpty());
  }

  @Test
  void aSlowEndpointDoesNotHoldUpAnotherTenantsEndpointWhileItWaits() {
    // The slow endpoint answers only once the other endpoint has received its request: made one after the other,
    // its request times out first (30 s) and the round reports a retry.
    LoyaltyEngine engine = engine(Duration.ofMinutes(2), Duration.ofSeconds(30));
    CountDownLatch liveArrived = new CountDownLatch(1);
    server.always(LIVE, (request, exchange) -> {
      liveArrived.countDown();
      exchange.sendResponseHeaders(200, -1);
    });
    server.always(SLOW, (request, exchange) -> {
      liveArrived.await(60, TimeUnit.SECONDS);
      exchange.sendResponseHeaders(200, -1);
    });
    TenantScope slow = tenant(engine, "Slow shop", SLOW);
    TenantScope other = tenant(engine, "Other shop", LIVE);
    award(slow, "ada@slow.example.com");
    award(other, "bob@other.example.com");

    DispatchReport round = engine.events().dispatch();
    assertEquals(2, round.delivered(), "both endpoints answered in the same round: " + round);
    assertEquals(0, round.retried(), round.toString());
    assertEquals(1, server.requests(SLOW).size());
    assertEquals(1, server.requests(LIVE).size());
  }

  @Test
  void anotherTenantsNewerEventIsDeliveredAlthoughADeadEndpointHasABacklogOfSeveralBatches() {
    // Batches of 5; the backlog's events are all older than the other tenant's, so oldest event first they come
    // first.
    int batch = 5;
    LoyaltyEngine engine = engine(Duration.ofMinutes(5), Duration.ofMillis(300), batch);
    server.always(DEAD, server.blockUntil(new CountDownLatch(1), new CountDownLatch(1)));

    // The dead endpoint's backlog: one award per participant, three batches of them, all positioned (disabling the
    // endpoint positions the tenant's committed events first; enabled again, they are due for it at once).
    TenantScope busy = tenant(engine, "Busy shop", DEAD);
    for (int i = 0; i < 3 * batch; i++) {
      award(busy, "p" + i + "@busy.example.com");
    }
    long dead = busy.webhooks().list().get(0).id();
    busy.webhooks().disable(dead);
    busy.webhooks().enable(dead);

    // Another tenant's endpoint that answers, with one newer event.
    TenantScope other = tenant(engine, "Other shop", LIVE);
    award(other, "ada@other.example.com");

    List<DispatchReport> rounds = new ArrayList<>();
    for (int round = 0; round < 2 && server.requests(LIVE).isEmpty(); round++) {
      rounds.add(engine.events().dispatch());
    }
    assertEquals(1, server.requests(LIVE).size(),
        "the other tenant's endpoint got its delivery within two rounds: " + rounds);
    assertTrue(server.requests(DEAD).size() <= rounds.size(), "one attempt per round to the dead endpoint");
  }

  @Test
  void aClockSteppedBackEndsThePauseOfAnEndpointThatDidNotAnswerRatherThanStretchingIt() {
    Duration lease = Duration.ofSeconds(60);
    LoyaltyEngine engine = engine(lease, Duration.ofMillis(300));
    server.always(DEAD, server.blockUntil(new CountDownLatch(1), new CountDownLatch(1)));
    TenantScope busy = tenant(engine, "Busy shop", DEAD);
    award(busy, "p0@busy.example.com");
    assertEquals(1, engine.events().dispatch().retried(), "the first attempt timed out");
    assertEquals(1, server.awaitRequests(DEAD, 1).size());

    // The clock steps back ten minutes (a corrected host clock): the pause, until the failed delivery's retry (5 s
    // after the first attempt), now lies more than five minutes ahead. Kept, it would last ten minutes more.
    clock.set(START.minus(Duration.ofMinutes(10)));
    server.always(DEAD, WebhookReceiver.status(200));
    award(busy, "p1@busy.example.com");
    DispatchReport round = engine.events().dispatch();
    assertEquals(1, round.delivered(), "the fresh delivery was attempted at once: " + round);
    assertEquals(2, server.awaitRequests(DEAD, 2).size());
  }

  private LoyaltyEngine engine(Duration lease, Duration requestTimeout) {
    return engine(lease, requestTimeout, EventSettings.DEFAULTS.batchSize());
  }

  private LoyaltyEngine engine(Duration lease, Duration requestTimeout, int batchSize) {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(lease).batchSize(batchSize).build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
            .withTimeouts(Duration.ofSeconds(2), requestTimeout))
        .build();
    engines.add(e);
    return e;
  }

  /** A tenant with a running campaign and one endpoint at {@code path} for its awards. */
  private TenantScope tenant(LoyaltyEngine engine, String name, String path) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business(name)).id());
    campaigns.put(scope.tenantId(), scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand(name, "https://shop.example.com")).id(), "Points")));
    scope.webhooks().create(new NewWebhookEndpoint(server.url(path), EventFilter.types(EventType.POINTS_AWARDED)));
    return scope;
  }

  /** Enrols a participant (an event the endpoint does not want) and awards it points (one it does). */
  private void award(TenantScope scope, String email) {
    Campaign campaign = campaigns.get(scope.tenantId());
    Participant p = scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
    scope.points().award(ParticipantRef.id(p.id()), PointsChange.of(10, "purchase"));
  }

  private static Set<String> awardIds(LoyaltyEngine engine, TenantScope scope) {
    return FeedReads.events(engine, scope, EventFilter.types(EventType.POINTS_AWARDED)).stream()
        .map(LoyaltyEvent::id).collect(Collectors.toSet());
  }
}
