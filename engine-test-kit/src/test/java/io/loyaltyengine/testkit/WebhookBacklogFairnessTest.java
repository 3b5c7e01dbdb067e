package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A webhook endpoint that does not answer and has a backlog of due deliveries, one per participant and more than a
 * claimed batch holds, must not keep every other subscriber's deliveries out of the batches: through the public API,
 * an engine on {@link InMemoryStorage} with manual dispatch, a {@link SettableClock}, a small batch size, and a
 * {@link WebhookReceiver} on 127.0.0.1. The backlog's events are all older than the other tenant's, so that oldest
 * event first they come first.
 *
 * <p>Nothing here sleeps or measures time; a request that gets no answer waits for the engine's request timeout, as
 * it must.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class WebhookBacklogFairnessTest {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30Z");
  private static final int BATCH = 5;
  private static final String DEAD = "/dead";
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
  void anotherTenantsNewerEventIsDeliveredAlthoughADeadEndpointHasABacklogOfSeveralBatches() {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().batchSize(BATCH).lease(Duration.ofMinutes(5)).build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300)))
        .build();
    engines.add(engine);
    server.always(DEAD, server.blockUntil(new CountDownLatch(1), new CountDownLatch(1)));

    // The dead endpoint's backlog: one award per participant, three batches of them, all positioned (disabling the
    // endpoint positions the tenant's committed events first; enabled again, they are due for it at once).
    TenantScope busy = tenant(engine, "Busy shop", DEAD);
    for (int i = 0; i < 3 * BATCH; i++) {
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
}
