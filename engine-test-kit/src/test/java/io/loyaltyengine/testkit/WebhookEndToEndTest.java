package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.JsonValues.at;
import static io.loyaltyengine.testkit.WebhookReceiver.status;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookRegistration;
import io.loyaltyengine.webhooks.WebhookSettings;
import io.loyaltyengine.webhooks.WebhookVerificationException;
import io.loyaltyengine.webhooks.WebhookVerificationException.Reason;
import io.loyaltyengine.webhooks.WebhookVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Webhooks end to end, through the public engine API: an engine on {@link InMemoryStorage} with manual dispatch and
 * {@link WebhookAddressPolicy#ALLOW_LOOPBACK}, POSTing to the JDK's HTTP server on 127.0.0.1 ({@link
 * WebhookReceiver}), whose answers each test scripts. Retry schedules are driven by moving the
 * {@link SettableClock} and calling {@code events().dispatch()}: no test sleeps or measures time. (The timeout test
 * waits for the engine's 500 ms request timeout to expire, as a timeout must, but asserts nothing about durations.)
 *
 * <p>Each test name states the rule it checks.
 */
class WebhookEndToEndTest {
  private static final Instant START = Instant.parse("2025-03-01T10:15:30Z");
  private static final WebhookSettings LOOPBACK = WebhookSettings.DEFAULTS
      .withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
      .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500));
  /** The retry schedule documented on {@code Webhooks} and {@code WebhookRetrySchedule}. */
  private static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
      Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14),
      Duration.ofHours(20), Duration.ofHours(24));
  private static final String HOOK = "/hook";

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private WebhookReceiver server;
  private InMemoryStorage storage;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private Brand brand;
  private Campaign campaign;

  @BeforeEach
  void setUp() throws IOException {
    clock = SettableClock.at(START);
    server = WebhookReceiver.start();
    storage = new InMemoryStorage();
    engine = newEngine(storage, LOOPBACK);
    scope = newTenant(engine, "Webhook shop");
    brand = scope.brands().create(new NewBrand("Webhook shop", "https://webhooks.example.com"));
    campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Webhook campaign"));
  }

  @AfterEach
  void tearDown() {
    try {
      for (LoyaltyEngine e : engines) {
        e.close();
      }
    } finally {
      server.close();
    }
  }

  // ==================================================================== delivery and signature

  @Test
  void awardEventArrivesAsSignedJsonEnvelopeWhoseWebhookIdIsTheChangeFeedEventId() throws Exception {
    WebhookRegistration hook = scope.webhooks().create(awardsTo(HOOK));
    assertTrue(hook.secret().startsWith("whsec_"), "a Standard Webhooks secret");
    assertFalse(hook.toString().contains(hook.secret()), "toString hides the secret");
    Participant p = enrol("ada@example.com");
    PointsResult award = scope.points().award(ParticipantRef.id(p.id()),
        PointsChange.of(25, "purchase").withIdempotencyKey("order-1"));

    dispatchUntilIdle();

    List<WebhookReceiver.Request> received = server.requests();
    assertEquals(1, received.size(), "one award, one POST");
    WebhookReceiver.Request r = received.get(0);
    assertEquals("POST", r.method());
    assertEquals(HOOK, r.path());
    assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
    assertEquals(Long.toString(START.getEpochSecond()), r.header("webhook-timestamp"),
        "the timestamp is the engine clock's, in Unix seconds");
    String[] signatures = r.header("webhook-signature").split(" ");
    assertEquals(1, signatures.length, "one secret, one signature");
    assertEquals("v1," + sign(hook.secret(), r.webhookId(), r.header("webhook-timestamp"), r.body()),
        signatures[0], "v1, base64 HMAC-SHA256 of id.timestamp.body keyed with the decoded secret");
    assertDoesNotThrow(() -> verifier(hook.secret()).verify(r.webhookId(), r.header("webhook-timestamp"),
        r.header("webhook-signature"), r.body()));

    List<LoyaltyEvent> awards = scope.changeFeed().read(0, EventFilter.types(EventType.POINTS_AWARDED), 100)
        .events();
    assertEquals(1, awards.size());
    LoyaltyEvent event = awards.get(0);
    assertEquals(event.id(), r.webhookId(), "webhook-id is the event id of the change feed");

    Map<String, Object> json = JsonValues.object(r.body());
    assertEquals(event.id(), json.get("id"));
    assertEquals("points.awarded", json.get("type"));
    // Ids as strings: 64-bit and above 2^53, they would lose digits in JavaScript's numbers.
    assertEquals(Long.toString(scope.tenantId()), json.get("tenantId"));
    assertEquals(Long.toString(campaign.id()), json.get("campaignId"));
    assertEquals(Long.toString(p.id()), json.get("participantId"));
    assertEquals(event.sequence(), json.get("sequence"));
    assertEquals(2L, json.get("sequence"), "the enrolment is the participant's first event, the award its second");
    assertEquals(event.position(), json.get("position"));
    assertEquals(2L, json.get("schemaVersion"));
    assertEquals(START, Instant.parse((String) json.get("occurredAt")));
    assertEquals(25L, at(json, "data", "entry", "amount"));
    assertEquals(Long.toString(award.entry().id()), at(json, "data", "entry", "id"));
    assertEquals("order-1", at(json, "data", "entry", "idempotencyKey"));
    assertEquals(25L, at(json, "data", "balance"));
    assertEquals(Long.toString(p.id()), at(json, "data", "participant", "id"));
    assertEquals(Long.toString(campaign.id()), at(json, "data", "participant", "campaignId"));
    assertEquals("ada@example.com", at(json, "data", "participant", "email"));
  }

  @Test
  void nonAsciiDataIsSentAsUtf8AndTheSignatureCoversTheExactBytes() {
    WebhookRegistration hook = scope.webhooks().create(new NewWebhookEndpoint(server.url(HOOK),
        EventFilter.types(EventType.PARTICIPANT_CREATED)));
    Participant p = scope.participants().create(campaign.id(), NewParticipant.withEmail("zoe@example.com")
        .withName("Zoë 🎉", "O'Brien \"Ω\"").withMetadata(Map.of("note", "naïve ☕ \\ / \n", "vip", true)));
    dispatchUntilIdle();

    WebhookReceiver.Request r = last();
    verify(hook.secret(), r);
    Map<String, Object> json = JsonValues.object(r.body());
    assertEquals("participant.created", json.get("type"));
    assertEquals(Long.toString(p.id()), at(json, "data", "participant", "id"));
    assertEquals(Long.toString(campaign.id()), at(json, "data", "participant", "campaignId"));
    assertEquals("Zoë 🎉", at(json, "data", "participant", "firstName"));
    assertEquals("O'Brien \"Ω\"", at(json, "data", "participant", "lastName"));
    assertEquals("naïve ☕ \\ / \n", at(json, "data", "participant", "metadata", "note"));
    assertEquals(Boolean.TRUE, at(json, "data", "participant", "metadata", "vip"));
  }

  // ==================================================================== retries

  @Test
  void unreachableEndpointIsRetriedOnTheSchedule() throws IOException {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    long id = scope.webhooks().create(new NewWebhookEndpoint("http://127.0.0.1:" + closedPort + HOOK,
        EventFilter.types(EventType.POINTS_AWARDED))).endpoint().id();
    award(enrol("nobody-home@example.com"), 1);

    assertEquals(1, engine.events().dispatch().retried(), "a refused connection is retried");
    clock.advance(Duration.ofSeconds(6));
    assertEquals(1, engine.events().dispatch().retried(), "and retried again on the schedule");
    assertTrue(scope.webhooks().get(id).enabled());
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty());
  }

  @Test
  void http500IsRetriedAfterFiveSecondsWithJitterWithTheSameWebhookIdAndNotAfterSuccess() {
    scope.webhooks().create(awardsTo(HOOK));
    server.next(HOOK, status(500));
    award(enrol("retry@example.com"), 10);

    DispatchReport first = engine.events().dispatch();
    assertEquals(1, first.retried(), "the 500 is scheduled again");
    assertEquals(1, server.requests().size());

    clock.advance(Duration.ofSeconds(4));
    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "not before 5 s less 10 % jitter");

    clock.advance(Duration.ofMillis(1_600)); // 5.6 s after the first attempt: past 5 s plus 10 %
    DispatchReport second = engine.events().dispatch();
    assertEquals(1, second.delivered());
    List<WebhookReceiver.Request> received = server.requests();
    assertEquals(2, received.size());
    assertEquals(received.get(0).webhookId(), received.get(1).webhookId(), "webhook-id is stable across attempts");
    assertEquals(received.get(0).bodyText(), received.get(1).bodyText(), "the same event is sent again");
    assertEquals(Long.toString(clock.instant().getEpochSecond()), received.get(1).header("webhook-timestamp"),
        "each attempt is signed at its own time");

    clock.advance(Duration.ofDays(4));
    dispatchUntilIdle();
    assertEquals(2, server.requests().size(), "nothing is sent after the success");
  }

  @Test
  void retryAfterOnA503DelaysTheNextAttemptToTheRequestedTime() {
    scope.webhooks().create(awardsTo(HOOK));
    server.next(HOOK, status(503, "Retry-After", "120"));
    award(enrol("later@example.com"), 10);

    assertEquals(1, engine.events().dispatch().retried());
    assertEquals(1, server.requests().size());

    clock.advance(Duration.ofSeconds(60)); // far past the scheduled 5 s (+10 %), but the receiver asked for 120 s
    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "no attempt at +60 s");

    clock.advance(Duration.ofSeconds(59)); // +119 s: Retry-After is not jittered downwards
    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "no attempt at +119 s");

    clock.advance(Duration.ofSeconds(2)); // +121 s
    assertEquals(1, engine.events().dispatch().delivered());
    List<WebhookReceiver.Request> received = server.requests();
    assertEquals(2, received.size(), "one attempt after +120 s");
    assertEquals(received.get(0).webhookId(), received.get(1).webhookId());
  }

  @Test
  void retryAfterCanLengthenTheWaitUpTo24HoursButNeverShortenIt() {
    scope.webhooks().create(awardsTo(HOOK));
    server.next(HOOK, status(503, "Retry-After", "1"));
    server.next(HOOK, status(503, "Retry-After", "999999"));
    award(enrol("capped@example.com"), 10);

    assertEquals(1, engine.events().dispatch().retried());
    clock.advance(Duration.ofSeconds(4));
    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "Retry-After: 1 does not shorten the scheduled 5 s");
    clock.advance(Duration.ofMillis(1_600));
    assertEquals(1, engine.events().dispatch().retried());
    assertEquals(2, server.requests().size());

    clock.advance(Duration.ofHours(24).minusSeconds(1));
    engine.events().dispatch();
    assertEquals(2, server.requests().size(), "the receiver asked for 11.5 days: it gets 24 hours");
    clock.advance(Duration.ofSeconds(2));
    assertEquals(1, engine.events().dispatch().delivered());
    assertEquals(3, server.requests().size());
  }

  @Test
  void retryAfterAsAnHttpDateIsReadAgainstTheEngineClock() {
    scope.webhooks().create(awardsTo(HOOK));
    String inTenMinutes = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
        .format(clock.instant().plus(Duration.ofMinutes(10)).atZone(ZoneOffset.UTC));
    server.next(HOOK, status(429, "Retry-After", inTenMinutes));
    award(enrol("dated@example.com"), 10);

    assertEquals(1, engine.events().dispatch().retried(), "429 is retried");
    clock.advance(Duration.ofSeconds(599));
    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "not before the date the receiver named");
    clock.advance(Duration.ofSeconds(2));
    assertEquals(1, engine.events().dispatch().delivered());
    assertEquals(2, server.requests().size());
  }

  @Test
  void anEndpointAskingToWaitGetsNoOtherRequestUntilItsRetryAfterHasPassed() {
    scope.webhooks().create(awardsTo(HOOK));
    server.next(HOOK, status(429, "Retry-After", "60"));
    award(enrol("first@example.com"), 1);
    award(enrol("second@example.com"), 2);

    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "the receiver asked for 60 s: the other award is not posted now");

    clock.advance(Duration.ofSeconds(59));
    engine.events().dispatch();
    assertEquals(1, server.requests().size(), "nor before the 60 s have passed");

    clock.advance(Duration.ofSeconds(62)); // past the wait and the left delivery's 60 s lease
    dispatchUntilIdle();
    assertEquals(List.of(1L, 1L, 2L), server.requests(HOOK).stream()
        .map(r -> (Long) at(JsonValues.object(r.body()), "data", "entry", "amount")).sorted().toList(),
        "the refused award once more and the other one");
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 502, 503, 504})
  void anOverloadedEndpointGetsNoOtherRequestOfTheRound(int status) {
    scope.webhooks().create(awardsTo(HOOK));
    server.next(HOOK, status(status));
    award(enrol("first@example.com"), 1);
    award(enrol("second@example.com"), 2);

    engine.events().dispatch();
    assertEquals(1, server.requests().size(), status + " asks the sender to slow down");

    clock.advance(Duration.ofSeconds(61)); // past the first retry (5 s) and the left delivery's 60 s lease
    dispatchUntilIdle();
    assertEquals(3, server.requests().size(), "the refused award once more and the other one");
  }

  @Test
  void requestThatTimesOutIsRetriedLater() throws Exception {
    scope.webhooks().create(awardsTo(HOOK));
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.next(HOOK, server.blockUntil(arrived, release));
    award(enrol("slow@example.com"), 10);
    try {
      DispatchReport first = engine.events().dispatch(); // returns once the 500 ms request timeout has expired
      assertTrue(arrived.await(30, TimeUnit.SECONDS), "the request reached the receiver");
      assertEquals(1, first.retried(), "a timed-out request is scheduled again");
      assertEquals(0, first.delivered());
    } finally {
      release.countDown();
    }

    clock.advance(Duration.ofSeconds(6));
    assertEquals(1, engine.events().dispatch().delivered());
    List<WebhookReceiver.Request> received = server.requests();
    assertEquals(2, received.size());
    assertEquals(received.get(0).webhookId(), received.get(1).webhookId());
    assertTrue(scope.webhooks().parked(scope.webhooks().list().get(0).id(), Keyset.first(10)).items().isEmpty());
  }

  @Test
  void redirectIsNotFollowedAndCountsAsAFailedAttempt() {
    scope.webhooks().create(awardsTo(HOOK));
    server.next(HOOK, status(302, "Location", server.url("/elsewhere")));
    award(enrol("moved@example.com"), 10);

    assertEquals(1, engine.events().dispatch().retried());
    assertEquals(List.of(HOOK), server.requests().stream().map(WebhookReceiver.Request::path).toList(),
        "the Location is not followed");

    clock.advance(Duration.ofSeconds(6));
    assertEquals(1, engine.events().dispatch().delivered(), "retried at the endpoint's own URL");
    assertTrue(server.requests("/elsewhere").isEmpty());
    assertEquals(2, server.requests(HOOK).size());
  }

  @Test
  void deliveryIsParkedWithTenAttemptsAfterEveryScheduledRetryFailsAndReplayDeliversIt() {
    WebhookRegistration hook = scope.webhooks().create(awardsTo(HOOK));
    long id = hook.endpoint().id();
    server.always(HOOK, status(500));
    award(enrol("down@example.com"), 10);

    assertEquals(1, engine.events().dispatch().retried());
    assertEquals(1, server.requests().size());
    DispatchReport last = null;
    for (int i = 0; i < SCHEDULE.size(); i++) {
      Duration step = SCHEDULE.get(i);
      Duration early = scaled(step, 0.9).minusSeconds(1);
      clock.advance(early);
      engine.events().dispatch();
      assertEquals(i + 1, server.requests().size(), "no attempt before " + step + " less 10 %");
      clock.advance(scaled(step, 1.1).plusSeconds(1).minus(early));
      last = engine.events().dispatch();
      assertEquals(i + 2, server.requests().size(), "an attempt within " + step + " plus 10 %");
    }
    assertEquals(1, last.parked(), "the tenth failure parks the delivery");
    assertEquals(0, last.retried());

    CursorPage<ParkedDelivery> parked = scope.webhooks().parked(id, Keyset.first(10));
    assertEquals(1, parked.items().size());
    ParkedDelivery stuck = parked.items().get(0);
    assertEquals(10, stuck.attempts());
    assertEquals("webhook:" + id, stuck.subscriber());
    assertEquals(EventType.POINTS_AWARDED, stuck.event().type());
    assertEquals(server.requests().get(0).webhookId(), stuck.event().id());
    assertTrue(stuck.lastError().contains("500"), stuck.lastError());
    assertEquals(clock.instant(), stuck.parkedAt());
    assertEquals(1, server.requests().stream().map(WebhookReceiver.Request::webhookId).distinct().count(),
        "every attempt carries the same webhook-id");

    clock.advance(Duration.ofDays(3));
    dispatchUntilIdle();
    assertEquals(10, server.requests().size(), "a parked delivery is not attempted again by itself");

    assertTrue(scope.webhooks().replay(id, stuck.event().id()));
    DispatchReport replayed = engine.events().dispatch();
    assertEquals(11, server.requests().size(), "a replay is due at once");
    assertEquals(1, replayed.retried(), "a replay starts from the first attempt: a failure is retried, not parked");
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty());

    server.always(HOOK, status(204));
    clock.advance(Duration.ofSeconds(6));
    assertEquals(1, engine.events().dispatch().delivered(), "the replay's first retry, after 5 s");
    assertEquals(12, server.requests().size());
    assertEquals(stuck.event().id(), server.requests().get(11).webhookId());
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty());
    assertFalse(scope.webhooks().replay(id, stuck.event().id()), "nothing parked any more");
    assertFalse(scope.webhooks().replay(id, "evt_9" + stuck.event().id().substring(4)), "an unknown event");
    for (String bad : new String[] {"evt_x1", "evt_0", "evt_", "42", "", "evt_-1", "evt_99999999999999999999"}) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> scope.webhooks().replay(id, bad), bad);
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), bad);
      assertEquals("eventId", e.field().orElse(null), bad);
    }
  }

  // ==================================================================== 410 Gone, disable, enable

  @Test
  void http410DisablesTheEndpointParksTheDeliveryAndReplayAfterEnableDeliversIt() {
    WebhookRegistration hook = scope.webhooks().create(awardsTo(HOOK));
    long id = hook.endpoint().id();
    server.next(HOOK, status(410));
    Participant p = enrol("gone@example.com");
    award(p, 1);

    DispatchReport report = engine.events().dispatch();
    assertEquals(1, report.parked());
    assertEquals(1, server.requests().size());
    String goneEventId = server.requests().get(0).webhookId();

    WebhookEndpoint endpoint = scope.webhooks().get(id);
    assertFalse(endpoint.enabled());
    assertEquals("410 Gone", endpoint.disabledReason());
    assertEquals("410 Gone", scope.webhooks().disable(id).disabledReason(),
        "disabling an endpoint that is disabled keeps the reason it has");
    CursorPage<ParkedDelivery> parked = scope.webhooks().parked(id, Keyset.first(10));
    assertEquals(1, parked.items().size());
    assertEquals(goneEventId, parked.items().get(0).event().id());
    assertEquals(1, parked.items().get(0).attempts());
    assertTrue(parked.items().get(0).lastError().contains("410"), parked.items().get(0).lastError());

    award(p, 2);
    dispatchUntilIdle();
    clock.advance(Duration.ofDays(2));
    dispatchUntilIdle();
    assertEquals(1, server.requests().size(), "nothing is POSTed to a disabled endpoint");

    WebhookEndpoint enabled = scope.webhooks().enable(id);
    assertTrue(enabled.enabled());
    assertNull(enabled.disabledReason());
    assertTrue(scope.webhooks().replay(id, goneEventId));
    award(p, 3);
    dispatchUntilIdle();
    List<WebhookReceiver.Request> received = server.requests();
    assertEquals(goneEventId, received.get(1).webhookId(), "the replayed event is delivered");
    assertEquals(List.of(1L, 1L, 3L), received.stream().map(r -> (Long) at(JsonValues.object(r.body()),
        "data", "entry", "amount")).toList(), "the replay, then the award made after enabling");
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty());
  }

  @Test
  void disablingAnEndpointWithPendingRetriesParksThemInsteadOfPostingThemAndListsThemInPages() {
    WebhookRegistration hook = scope.webhooks().create(awardsTo(HOOK));
    long id = hook.endpoint().id();
    server.always(HOOK, status(500));
    for (int i = 0; i < 3; i++) {
      award(enrol("paused" + i + "@example.com"), 5);
    }
    assertEquals(3, engine.events().dispatch().retried());
    assertEquals(3, server.requests().size());

    WebhookEndpoint disabled = scope.webhooks().disable(id);
    assertFalse(disabled.enabled());
    assertEquals("disabled by the host", disabled.disabledReason());
    assertEquals("disabled by the host", scope.webhooks().disable(id).disabledReason(), "disabling again");
    clock.advance(Duration.ofMinutes(1));
    dispatchUntilIdle();
    assertEquals(3, server.requests().size(), "the retries are not POSTed to a disabled endpoint");

    CursorPage<ParkedDelivery> first = scope.webhooks().parked(id, Keyset.first(2));
    assertEquals(2, first.items().size());
    assertTrue(first.hasMore());
    assertEquals("evt_" + first.nextId(), first.items().get(1).event().id(),
        "the cursor is the number of the page's last event id");
    CursorPage<ParkedDelivery> second = scope.webhooks().parked(id, Keyset.after(first.nextId(), 2));
    assertEquals(1, second.items().size());
    assertFalse(second.hasMore());
    List<String> parkedIds = new ArrayList<>();
    first.items().forEach(d -> parkedIds.add(d.event().id()));
    second.items().forEach(d -> parkedIds.add(d.event().id()));
    assertEquals(server.requests().stream().map(WebhookReceiver.Request::webhookId).sorted(
        (a, b) -> Long.compare(Long.parseLong(a.substring(4)), Long.parseLong(b.substring(4)))).toList(),
        parkedIds, "every pending delivery is parked, listed by event id");
    assertTrue(first.items().stream().allMatch(d -> d.attempts() == 1), "parking is not an attempt");

    server.always(HOOK, status(200));
    scope.webhooks().enable(id);
    for (String eventId : parkedIds) {
      assertTrue(scope.webhooks().replay(id, eventId));
    }
    dispatchUntilIdle();
    assertEquals(6, server.requests().size());
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty());
  }

  @Test
  void eventsCommittedWhileAnEndpointIsDisabledAreNeitherSentNorQueuedForIt() {
    // Webhooks.disable: events committed while it is disabled are not sent to it (no backlog accumulates).
    long id = scope.webhooks().create(awardsTo(HOOK)).endpoint().id();
    scope.webhooks().disable(id);
    Participant p = enrol("while-disabled@example.com");
    award(p, 4);
    dispatchUntilIdle();
    assertTrue(server.requests().isEmpty(), "nothing is POSTed to a disabled endpoint");
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty(), "nor parked for it");
    String missed = scope.changeFeed().read(0, EventFilter.types(EventType.POINTS_AWARDED), 10).events().get(0).id();
    assertFalse(scope.webhooks().replay(id, missed), "there is no delivery of it to replay");

    scope.webhooks().enable(id);
    clock.advance(Duration.ofDays(1));
    dispatchUntilIdle();
    assertTrue(server.requests().isEmpty(), "enabling does not send what was committed while disabled");
    award(p, 5);
    dispatchUntilIdle();
    List<WebhookReceiver.Request> received = server.requests();
    assertEquals(1, received.size(), "events committed after enabling are sent");
    assertNotEquals(missed, received.get(0).webhookId());
    assertEquals(5L, at(JsonValues.object(received.get(0).body()), "data", "entry", "amount"));
  }

  /*
   * Which endpoints receive an event is settled by what they were when it committed, not when the dispatcher's next
   * round positions it: a change of an endpoint fans out the events committed before it first.
   */

  @Test
  void anEventCommittedWhileAnEndpointIsDisabledIsNotSentWhenItIsEnabledBeforeTheNextRound() {
    long id = scope.webhooks().create(awardsTo(HOOK)).endpoint().id();
    scope.webhooks().disable(id);
    award(enrol("while-disabled@example.com"), 4);
    scope.webhooks().enable(id);
    dispatchUntilIdle();
    assertTrue(server.requests().isEmpty(), "committed while the endpoint was disabled");
    assertTrue(scope.webhooks().parked(id, Keyset.first(10)).items().isEmpty(), "nor parked for it");
  }

  @Test
  void anEventCommittedWhileAnEndpointIsEnabledIsParkedForItWhenItIsDisabledBeforeTheNextRound() {
    long id = scope.webhooks().create(awardsTo(HOOK)).endpoint().id();
    award(enrol("while-enabled@example.com"), 4);
    scope.webhooks().disable(id);
    dispatchUntilIdle();
    assertTrue(server.requests().isEmpty(), "nothing is POSTed to a disabled endpoint");
    List<ParkedDelivery> parked = scope.webhooks().parked(id, Keyset.first(10)).items();
    assertEquals(1, parked.size(), "the event committed while the endpoint was enabled waits for a replay");

    scope.webhooks().enable(id);
    assertTrue(scope.webhooks().replay(id, parked.get(0).event().id()));
    dispatchUntilIdle();
    assertEquals(List.of(parked.get(0).event().id()), server.requests().stream()
        .map(WebhookReceiver.Request::webhookId).toList());
  }

  @Test
  void aNewEndpointReceivesTheEventsCommittedAfterItOnly() {
    Participant p = enrol("before@example.com");
    award(p, 4);
    scope.webhooks().create(awardsTo(HOOK));
    award(p, 5);
    dispatchUntilIdle();
    assertEquals(List.of(5L), server.requests().stream().map(r -> (Long) at(JsonValues.object(r.body()),
        "data", "entry", "amount")).toList(), "the award committed before the endpoint is not sent to it");
  }

  @Test
  void anEventCommittedWhileADeliveryIsAnsweredWith410IsParkedForTheEndpointItDisables() {
    long id = scope.webhooks().create(awardsTo(HOOK)).endpoint().id();
    Participant later = enrol("later@example.com");
    // The receiver commits a second award before it answers the first with 410 Gone: the dispatcher positioned its
    // round's events before it delivered, so the second is not yet positioned when the endpoint is disabled.
    server.next(HOOK, (request, exchange) -> {
      award(later, 7);
      exchange.sendResponseHeaders(410, -1);
    });
    award(enrol("gone@example.com"), 3);
    assertEquals(1, engine.events().dispatch().parked());
    dispatchUntilIdle();
    assertEquals(1, server.requests().size(), "nothing more is POSTed to the disabled endpoint");
    List<ParkedDelivery> parked = scope.webhooks().parked(id, Keyset.first(10)).items();
    assertEquals(2, parked.size(), "the award committed before the 410 is parked beside the one answered");
    assertEquals("endpoint disabled", parked.get(1).lastError());

    scope.webhooks().enable(id);
    assertTrue(scope.webhooks().replay(id, parked.get(1).event().id()));
    dispatchUntilIdle();
    assertEquals(7L, at(JsonValues.object(last().body()), "data", "entry", "amount"));
  }

  // ==================================================================== secrets

  @Test
  void duringARotationBothSecretsSignAndAfterFinishRotationOnlyTheNewOne() {
    WebhookRegistration original = scope.webhooks().create(awardsTo(HOOK));
    long id = original.endpoint().id();
    String oldSecret = original.secret();
    Participant p = enrol("rotate@example.com");

    award(p, 1);
    dispatchUntilIdle();
    WebhookReceiver.Request before = last();
    assertEquals(1, before.header("webhook-signature").split(" ").length);
    verify(oldSecret, before);

    WebhookRegistration rotated = scope.webhooks().rotateSecret(id);
    String newSecret = rotated.secret();
    assertNotEquals(oldSecret, newSecret);
    assertTrue(newSecret.startsWith("whsec_"));
    assertTrue(rotated.endpoint().rotating());
    assertTrue(scope.webhooks().get(id).rotating());

    award(p, 2);
    dispatchUntilIdle();
    WebhookReceiver.Request during = last();
    String[] signatures = during.header("webhook-signature").split(" ");
    assertEquals(2, signatures.length, "one signature per secret: " + signatures.length);
    assertTrue(Arrays.stream(signatures).allMatch(s -> s.startsWith("v1,")));
    verify(oldSecret, during);
    verify(newSecret, during);
    String ts = during.header("webhook-timestamp");
    assertTrue(Arrays.asList(signatures).contains("v1," + sign(oldSecret, during.webhookId(), ts, during.body())));
    assertTrue(Arrays.asList(signatures).contains("v1," + sign(newSecret, during.webhookId(), ts, during.body())));

    WebhookEndpoint finished = scope.webhooks().finishRotation(id);
    assertFalse(finished.rotating());
    award(p, 3);
    dispatchUntilIdle();
    WebhookReceiver.Request after = last();
    assertEquals(1, after.header("webhook-signature").split(" ").length);
    verify(newSecret, after);
    assertRejected(Reason.NO_MATCHING_SIGNATURE, oldSecret, after);
  }

  @Test
  void previousSecretStopsSigningTwentyFourHoursAfterARotation() {
    WebhookRegistration original = scope.webhooks().create(awardsTo(HOOK));
    long id = original.endpoint().id();
    String newSecret = scope.webhooks().rotateSecret(id).secret();
    Participant p = enrol("overlap@example.com");

    clock.advance(Duration.ofHours(24).minusSeconds(1));
    award(p, 1);
    dispatchUntilIdle();
    assertEquals(2, last().header("webhook-signature").split(" ").length, "still rotating just before 24 h");
    verify(original.secret(), last());

    clock.advance(Duration.ofSeconds(2));
    assertFalse(scope.webhooks().get(id).rotating());
    award(p, 2);
    dispatchUntilIdle();
    assertEquals(1, last().header("webhook-signature").split(" ").length);
    verify(newSecret, last());
    assertRejected(Reason.NO_MATCHING_SIGNATURE, original.secret(), last());
  }

  @Test
  void rotatingAgainDuringARotationDropsTheOldestSecret() {
    WebhookRegistration original = scope.webhooks().create(awardsTo(HOOK));
    long id = original.endpoint().id();
    String middle = scope.webhooks().rotateSecret(id).secret();
    String newest = scope.webhooks().rotateSecret(id).secret();
    assertEquals(3, List.of(original.secret(), middle, newest).stream().distinct().count());
    award(enrol("twice@example.com"), 1);
    dispatchUntilIdle();

    WebhookReceiver.Request r = last();
    assertEquals(2, r.header("webhook-signature").split(" ").length, "the newest and the previous secret sign");
    verify(newest, r);
    verify(middle, r);
    assertRejected(Reason.NO_MATCHING_SIGNATURE, original.secret(), r);
  }

  // ==================================================================== filters, disabled, deleted

  @Test
  void endpointReceivesOnlyItsTypesAndCampaignADisabledOneNothingAndADeletedOneNothingMore() {
    Campaign other = scope.campaigns().create(NewCampaign.running(brand.id(), "Other campaign"));
    WebhookRegistration awardsInA = scope.webhooks().create(
        new NewWebhookEndpoint(server.url("/a"), EventFilter.types(EventType.POINTS_AWARDED).inCampaign(campaign.id())));
    assertEquals(EventFilter.types(EventType.POINTS_AWARDED).inCampaign(campaign.id()),
        awardsInA.endpoint().filter());
    long disabled = scope.webhooks().create(NewWebhookEndpoint.of(server.url("/disabled"))).endpoint().id();
    scope.webhooks().disable(disabled);
    long doomed = scope.webhooks().create(NewWebhookEndpoint.of(server.url("/deleted"))).endpoint().id();
    server.always("/deleted", status(500));

    Participant inA = enrol("in-a@example.com");
    Participant inB = scope.participants().create(other.id(), NewParticipant.withEmail("in-b@example.com"));
    award(inA, 10);
    scope.points().deduct(ParticipantRef.id(inA.id()), PointsChange.of(3, "redeem"));
    award(inB, 20);
    engine.events().dispatch(); // fans out, and makes the first attempts

    int postedToDeleted = server.requests("/deleted").size();
    assertTrue(postedToDeleted > 0, "the endpoint to delete had pending deliveries");
    scope.webhooks().delete(doomed);
    assertEquals(ErrorCode.NOT_FOUND,
        assertThrows(LoyaltyException.class, () -> scope.webhooks().get(doomed)).code());
    assertEquals(List.of(awardsInA.endpoint().id(), disabled),
        scope.webhooks().list().stream().map(WebhookEndpoint::id).toList());

    for (int i = 0; i < 12; i++) {
      clock.advance(Duration.ofHours(12));
      dispatchUntilIdle();
    }
    List<WebhookReceiver.Request> toA = server.requests("/a");
    assertEquals(1, toA.size(), "only the award in campaign A: not the deduction, not campaign B");
    Map<String, Object> json = JsonValues.object(toA.get(0).body());
    assertEquals("points.awarded", json.get("type"));
    assertEquals(Long.toString(campaign.id()), json.get("campaignId"));
    assertEquals(Long.toString(inA.id()), json.get("participantId"));
    assertTrue(server.requests("/disabled").isEmpty(), "a disabled endpoint receives nothing");
    assertEquals(postedToDeleted, server.requests("/deleted").size(),
        "a deleted endpoint's pending deliveries are dropped");
  }

  @Test
  void deletingAnEndpointDropsItsParkedDeliveriesSoTheirEventsArePruned() {
    long id = scope.webhooks().create(awardsTo(HOOK)).endpoint().id();
    server.next(HOOK, status(410));
    award(enrol("pruned@example.com"), 3);
    assertEquals(1, engine.events().dispatch().parked());
    EventFilter awards = EventFilter.types(EventType.POINTS_AWARDED);

    clock.advance(EventSettings.DEFAULTS.retention().plusDays(1));
    engine.events().dispatch();
    assertEquals(1, scope.changeFeed().read(0, awards, 10).events().size(),
        "an event with a parked delivery is kept past the retention period");

    scope.webhooks().delete(id);
    // Pruning's walk has passed the event: the next walk from the first event, an hour after the last began.
    clock.advance(Duration.ofHours(1));
    engine.events().dispatch();
    assertTrue(scope.changeFeed().read(0, awards, 10).events().isEmpty(),
        "with its endpoint's deliveries gone, the event is pruned");
    assertEquals(1, server.requests().size());
  }

  @Test
  void anotherTenantsEndpointIsNotFoundAndReceivesNoneOfThisTenantsEvents() {
    WebhookRegistration mine = scope.webhooks().create(NewWebhookEndpoint.of(server.url(HOOK)));
    long id = mine.endpoint().id();
    TenantScope stranger = newTenant(engine, "Stranger");
    Brand theirBrand = stranger.brands().create(new NewBrand("Stranger shop", "https://stranger.example.com"));
    Campaign theirCampaign = stranger.campaigns().create(NewCampaign.running(theirBrand.id(), "Theirs"));
    List<Executable> calls = List.of(
        () -> stranger.webhooks().get(id),
        () -> stranger.webhooks().enable(id),
        () -> stranger.webhooks().disable(id),
        () -> stranger.webhooks().rotateSecret(id),
        () -> stranger.webhooks().finishRotation(id),
        () -> stranger.webhooks().parked(id, Keyset.first(10)),
        () -> stranger.webhooks().replay(id, "evt_1"),
        () -> stranger.webhooks().delete(id));
    for (Executable call : calls) {
      assertEquals(ErrorCode.NOT_FOUND, assertThrows(LoyaltyException.class, call).code());
    }
    assertTrue(stranger.webhooks().list().isEmpty());

    Participant theirs = stranger.participants().create(theirCampaign.id(), NewParticipant.withEmail("x@example.com"));
    stranger.points().award(ParticipantRef.id(theirs.id()), PointsChange.of(5, "purchase"));
    dispatchUntilIdle();
    assertTrue(server.requests().isEmpty(), "another tenant's events are not sent to this tenant's endpoint");

    WebhookEndpoint unchanged = scope.webhooks().get(id);
    assertTrue(unchanged.enabled());
    assertFalse(unchanged.rotating());
    award(enrol("mine@example.com"), 5);
    dispatchUntilIdle();
    assertEquals(2, server.requests().size(), "this tenant's enrolment and award");
    server.requests().forEach(r -> verify(mine.secret(), r));
    assertTrue(server.requests().stream()
        .allMatch(r -> Long.toString(scope.tenantId()).equals(JsonValues.object(r.body()).get("tenantId"))));
  }

  @Test
  void dispatchingEngineWhosePolicyRefusesTheAddressParksTheDeliveryWithoutARequest() {
    // Registered through an engine that allows loopback; dispatched by one on the same database that does not.
    long id = scope.webhooks().create(awardsTo(HOOK)).endpoint().id();
    LoyaltyEngine strict = newEngine(storage.database().openStorage(), WebhookSettings.DEFAULTS);
    award(enrol("refused@example.com"), 3);

    DispatchReport report = strict.events().dispatch();
    assertEquals(1, report.parked(), "refused by the address policy: parked, not retried");
    assertTrue(server.requests().isEmpty(), "no request is made");
    List<ParkedDelivery> parked = scope.webhooks().parked(id, Keyset.first(10)).items();
    assertEquals(1, parked.size());
    assertTrue(parked.get(0).lastError().contains("policy"), parked.get(0).lastError());
    assertFalse(parked.get(0).lastError().contains("127.0.0.1"), "no URL in lastError");

    assertTrue(scope.webhooks().replay(id, parked.get(0).event().id()));
    assertEquals(1, engine.events().dispatch().delivered(), "the permissive engine delivers the replay");
    assertEquals(1, server.requests().size());
  }

  // ==================================================================== registration rules

  @Test
  void publicOnlyPolicyRefusesLoopbackAndPrivateAddressesOnUrlWithoutRepeatingTheUrl() {
    LoyaltyEngine strict = newEngine(WebhookSettings.DEFAULTS);
    TenantScope tenant = newTenant(strict, "Strict tenant");
    int port = server.port();
    List<String> refused = List.of(
        "http://127.0.0.1:" + port + "/hook",
        "https://127.0.0.1:" + port + "/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://0.0.0.0/hook");
    for (String url : refused) {
      assertUrlRejected(tenant, url);
    }
    assertTrue(tenant.webhooks().list().isEmpty(), "nothing was registered");
  }

  @Test
  void malformedUrlsAreValidationErrorsOnUrlWhoseMessagesNeverContainTheUrl() {
    int port = server.port();
    String token = "?token=s3cr3t-t0ken";
    String longUrl = server.url("/hook" + token + "&pad=" + "a".repeat(2_100));
    List<String> malformed = List.of(
        "",
        "   ",
        "127.0.0.1:" + port + "/hook" + token,
        "//127.0.0.1:" + port + "/hook" + token,
        "localhost/hook" + token,
        "ftp://127.0.0.1:" + port + "/hook" + token,
        "mailto:ops@example.com" + token,
        "http://user:pa55word@127.0.0.1:" + port + "/hook" + token,
        "http://127.0.0.1:" + port + "/hook" + token + "#fragment",
        "http:///hook" + token,
        "http://127.0.0.1:" + port + "/hook with spaces" + token,
        longUrl);
    LoyaltyEngine strict = newEngine(WebhookSettings.DEFAULTS);
    for (TenantScope tenant : List.of(scope, newTenant(strict, "Strict tenant"))) {
      for (String url : malformed) {
        LoyaltyException e = assertUrlRejected(tenant, url);
        assertFalse(e.getMessage().contains("s3cr3t"), "no query in: " + e.getMessage());
        assertFalse(e.getMessage().contains("pa55word"), "no user info in: " + e.getMessage());
      }
      assertTrue(tenant.webhooks().list().isEmpty(), "nothing was registered");
    }

    String prefix = server.url("/hook?pad=");
    String longest = prefix + "a".repeat(2_048 - prefix.length());
    assertEquals(2_048, longest.length());
    assertEquals(longest, scope.webhooks().create(NewWebhookEndpoint.of(longest)).endpoint().url(),
        "2,048 characters are allowed");
    assertUrlRejected(scope, longest + "a");
  }

  @Test
  void anEndpointOfATenantThatDoesNotExistIsNotFoundAndNothingIsStored() {
    TenantScope nobody = engine.forTenant(Long.MAX_VALUE);

    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> nobody.webhooks().create(NewWebhookEndpoint.of(server.url(HOOK))));
    assertEquals(ErrorCode.NOT_FOUND, e.code(), e.toString());
    LoyaltyException listed = assertThrows(LoyaltyException.class, () -> nobody.webhooks().list());
    assertEquals(ErrorCode.NOT_FOUND, listed.code(), "the tenant's list is NOT_FOUND too, not empty");
    assertTrue(storage.inTransaction(tx -> tx.webhookEndpoints().list(Long.MAX_VALUE)).isEmpty(),
        "no endpoint was stored for the missing tenant");
  }

  @Test
  void aTenantHasAtMostTwentyEndpointsSoOneEventIsNeverPostedToMoreUrls() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(scope.webhooks().create(NewWebhookEndpoint.of(server.url("/hook-" + i))).endpoint().id());
    }
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> scope.webhooks().create(NewWebhookEndpoint.of(server.url("/one-too-many"))));
    assertEquals(ErrorCode.CONFLICT, e.code(), e.toString());
    assertEquals("webhooks", e.field().orElse(null));
    assertEquals(20, scope.webhooks().list().size(), "the refused endpoint was not stored");

    award(enrol("many@example.com"), 10);
    dispatchUntilIdle();
    long posts = server.requests().stream().filter(r -> r.bodyText().contains("points.awarded")).count();
    assertEquals(20, posts, "one award, one POST per endpoint");

    scope.webhooks().delete(ids.get(0));
    assertDoesNotThrow(() -> scope.webhooks().create(NewWebhookEndpoint.of(server.url("/in-its-place"))),
        "a deleted endpoint frees its place");
    TenantScope other = newTenant(engine, "Other shop");
    assertDoesNotThrow(() -> other.webhooks().create(NewWebhookEndpoint.of(server.url("/other"))),
        "the bound is per tenant");
  }

  @Test
  void filterNamingAnotherTenantsCampaignIsNotFound() {
    TenantScope stranger = newTenant(engine, "Stranger");
    Brand strangerBrand = stranger.brands().create(new NewBrand("Stranger shop", "https://stranger.example.com"));
    Campaign theirs = stranger.campaigns().create(NewCampaign.running(strangerBrand.id(), "Their campaign"));

    LoyaltyException e = assertThrows(LoyaltyException.class, () -> scope.webhooks().create(
        new NewWebhookEndpoint(server.url(HOOK), EventFilter.types(EventType.POINTS_AWARDED)
            .inCampaign(theirs.id()))));
    assertEquals(ErrorCode.NOT_FOUND, e.code(), e.toString());
    assertTrue(scope.webhooks().list().isEmpty());
    assertEquals(campaign.id(), scope.webhooks().create(new NewWebhookEndpoint(server.url(HOOK),
        EventFilter.all().inCampaign(campaign.id()))).endpoint().filter().campaignId(), "its own campaign is fine");
  }

  // ==================================================================== order

  @Test
  void awardsToOneParticipantArriveInSequenceOrderEvenWhenTheFirstAttemptFails() {
    scope.webhooks().create(awardsTo(HOOK));
    Participant p = enrol("ordered@example.com");
    Participant q = enrol("bystander@example.com");
    AtomicBoolean failedOnce = new AtomicBoolean();
    server.always(HOOK, (request, exchange) -> {
      // The receiver reads the participant from the body: it fails the first attempt of p's first award only.
      Map<String, Object> json = JsonValues.object(request.body());
      boolean fail = Long.toString(p.id()).equals(json.get("participantId")) && failedOnce.compareAndSet(false, true);
      exchange.sendResponseHeaders(fail ? 500 : 200, -1);
    });
    for (int amount = 1; amount <= 3; amount++) {
      award(p, amount);
    }
    award(q, 100);

    dispatchUntilIdle();
    List<Long> amountsSoFar = amountsOf(p);
    assertEquals(List.of(1L), amountsSoFar, "p's later awards wait behind its failed first one");
    assertEquals(List.of(100L), amountsOf(q), "another participant is not held up");

    clock.advance(Duration.ofSeconds(6));
    dispatchUntilIdle();
    assertEquals(List.of(1L, 1L, 2L, 3L), amountsOf(p), "the failed attempt, its retry, then the others in order");
    List<Long> sequences = server.requests(HOOK).stream().map(r -> JsonValues.object(r.body()))
        .filter(j -> Long.toString(p.id()).equals(j.get("participantId"))).skip(1)
        .map(j -> (Long) j.get("sequence")).toList();
    assertEquals(List.of(2L, 3L, 4L), sequences, "delivered in sequence order");
  }

  // ==================================================================== tampering

  @Test
  void verifierRejectsATamperedBodySignatureOrIdAndTimestampsMoreThan300SecondsOff() {
    WebhookRegistration hook = scope.webhooks().create(awardsTo(HOOK));
    award(enrol("tamper@example.com"), 7);
    dispatchUntilIdle();
    WebhookReceiver.Request r = last();
    String id = r.webhookId();
    String ts = r.header("webhook-timestamp");
    String sig = r.header("webhook-signature");
    byte[] body = r.body();
    WebhookVerifier verifier = verifier(hook.secret());
    assertDoesNotThrow(() -> verifier.verify(id, ts, sig, body), "the genuine request");

    String text = new String(body, StandardCharsets.UTF_8);
    assertTrue(text.contains("\"amount\":7"), text);
    byte[] tamperedBody = text.replace("\"amount\":7", "\"amount\":9").getBytes(StandardCharsets.UTF_8);
    assertReason(Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify(id, ts, sig, tamperedBody));
    byte[] extraByte = Arrays.copyOf(body, body.length + 1);
    extraByte[body.length] = ' ';
    assertReason(Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify(id, ts, sig, extraByte));
    assertReason(Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify(id, ts, flipOneCharacter(sig), body));
    String otherSecret = scope.webhooks().create(awardsTo("/other")).secret();
    assertReason(Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify(id, ts,
        "v1," + sign(otherSecret, id, ts, body), body));
    assertReason(Reason.NO_MATCHING_SIGNATURE, () -> verifier.verify(id + "1", ts, sig, body));
    assertReason(Reason.NO_MATCHING_SIGNATURE,
        () -> verifier.verify(id, Long.toString(Long.parseLong(ts) - 1), sig, body));
    assertReason(Reason.MISSING_HEADER, () -> verifier.verify(id, ts, null, body));

    // The genuine request, checked by receivers whose clocks are 300 and 301 seconds away from the engine's.
    Instant sent = Instant.ofEpochSecond(Long.parseLong(ts));
    assertDoesNotThrow(() -> verifierAt(hook.secret(), sent.plusSeconds(300)).verify(id, ts, sig, body));
    assertDoesNotThrow(() -> verifierAt(hook.secret(), sent.minusSeconds(300)).verify(id, ts, sig, body));
    assertReason(Reason.TIMESTAMP_TOO_OLD,
        () -> verifierAt(hook.secret(), sent.plusSeconds(301)).verify(id, ts, sig, body));
    assertReason(Reason.TIMESTAMP_TOO_NEW,
        () -> verifierAt(hook.secret(), sent.minusSeconds(301)).verify(id, ts, sig, body));

    // Correctly signed requests whose timestamps are 300 and 301 seconds old or new, at the receiver's time.
    long now = clock.instant().getEpochSecond();
    for (long offset : new long[] {-300, 300}) {
      String t = Long.toString(now + offset);
      assertDoesNotThrow(() -> verifier.verify(id, t, "v1," + sign(hook.secret(), id, t, body), body),
          "accepted at " + offset + " s");
    }
    String old = Long.toString(now - 301);
    assertReason(Reason.TIMESTAMP_TOO_OLD, () -> verifier.verify(id, old, "v1," + sign(hook.secret(), id, old,
        body), body));
    String future = Long.toString(now + 301);
    assertReason(Reason.TIMESTAMP_TOO_NEW, () -> verifier.verify(id, future, "v1," + sign(hook.secret(), id,
        future, body), body));
  }

  // ==================================================================== helpers

  private LoyaltyEngine newEngine(WebhookSettings webhooks) {
    return newEngine(new InMemoryStorage(), webhooks);
  }

  private LoyaltyEngine newEngine(InMemoryStorage storage, WebhookSettings webhooks) {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(storage)
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .webhooks(webhooks)
        .nodeId(engines.size() + 1) // engines sharing a database need distinct node ids
        .build();
    engines.add(e);
    return e;
  }

  private static TenantScope newTenant(LoyaltyEngine e, String name) {
    return e.forTenant(e.tenants().create(NewTenant.business(name)).id());
  }

  private NewWebhookEndpoint awardsTo(String path) {
    return new NewWebhookEndpoint(server.url(path), EventFilter.types(EventType.POINTS_AWARDED));
  }

  private Participant enrol(String email) {
    return scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
  }

  private PointsResult award(Participant p, long amount) {
    return scope.points().award(ParticipantRef.id(p.id()), PointsChange.of(amount, "purchase"));
  }

  private void dispatchUntilIdle() {
    FeedReads.dispatchUntilIdle(engine);
  }

  private WebhookReceiver.Request last() {
    List<WebhookReceiver.Request> all = server.requests();
    assertFalse(all.isEmpty(), "no request was received");
    return all.get(all.size() - 1);
  }

  /** The award amounts POSTed to {@link #HOOK} for {@code p}, in arrival order. */
  private List<Long> amountsOf(Participant p) {
    return server.requests(HOOK).stream().map(r -> JsonValues.object(r.body()))
        .filter(j -> Long.toString(p.id()).equals(j.get("participantId")))
        .map(j -> (Long) at(j, "data", "entry", "amount")).toList();
  }

  private WebhookVerifier verifier(String secret) {
    return WebhookVerifier.of(secret).withClock(clock);
  }

  private static WebhookVerifier verifierAt(String secret, Instant at) {
    return WebhookVerifier.of(secret).withClock(SettableClock.at(at));
  }

  private void verify(String secret, WebhookReceiver.Request r) {
    assertDoesNotThrow(() -> verifier(secret).verify(r.webhookId(), r.header("webhook-timestamp"),
        r.header("webhook-signature"), r.body()));
  }

  private void assertRejected(Reason reason, String secret, WebhookReceiver.Request r) {
    assertReason(reason, () -> verifier(secret).verify(r.webhookId(), r.header("webhook-timestamp"),
        r.header("webhook-signature"), r.body()));
  }

  private static void assertReason(Reason reason, Executable call) {
    WebhookVerificationException e = assertThrows(WebhookVerificationException.class, call);
    assertEquals(reason, e.reason(), e.toString());
  }

  private static LoyaltyException assertUrlRejected(TenantScope tenant, String url) {
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> tenant.webhooks().create(NewWebhookEndpoint.of(url)), () -> "accepted: " + abbreviate(url));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), abbreviate(url) + ": " + e);
    assertEquals("url", e.field().orElse(null), abbreviate(url) + ": " + e);
    assertTrue(url.isBlank() || !e.getMessage().contains(url.strip()),
        "the message repeats the URL: " + e.getMessage());
    return e;
  }

  private static String abbreviate(String url) {
    return url.length() <= 80 ? "'" + url + "'" : "'" + url.substring(0, 80) + "...' (" + url.length() + " chars)";
  }

  /** Standard Webhooks v1: base64 of HMAC-SHA256 over {@code id.timestamp.body}, keyed with the decoded secret. */
  private static String sign(String secret, String id, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The signature header with one character of the first signature changed (still valid base64). */
  private static String flipOneCharacter(String header) {
    int at = "v1,".length() + 5;
    char c = header.charAt(at);
    return header.substring(0, at) + (c == 'A' ? 'B' : 'A') + header.substring(at + 1);
  }

  private static Duration scaled(Duration d, double factor) {
    return Duration.ofMillis(Math.round(d.toMillis() * factor));
  }
}
