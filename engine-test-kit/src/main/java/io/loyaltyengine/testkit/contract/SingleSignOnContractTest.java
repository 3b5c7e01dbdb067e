package io.loyaltyengine.testkit.contract;

import static io.loyaltyengine.testkit.contract.Checks.allParticipants;
import static io.loyaltyengine.testkit.contract.Checks.assertAllRejected;
import static io.loyaltyengine.testkit.contract.Checks.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.contract.Checks.Bad;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The contract suite of customer mappings and single sign-on: what every storage backend must do for them, checked
 * through the engine's public API (the unique rules are the store's, so each backend must hold them, also under
 * concurrency). A backend runs it with an empty subclass that supplies a fresh database per test, as for
 * {@link StorageContractTest}.
 *
 * <p>Engines are built with a {@link SettableClock} that stands still unless a test moves it, and dispatch events only
 * when a test asks. Concurrent tests race two engines on one database when the backend can share it
 * ({@link StorageCapability#SHARED_DATABASE}), else threads of one engine; their threads start together behind a
 * latch. No test sleeps or measures time.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class SingleSignOnContractTest extends EngineContractSupport {
  /** Where the clock of every test starts: a whole second, so that the skew's edges are exact. */
  protected static final Instant START = Instant.parse("2025-03-01T10:15:30Z");

  private static final EventSettings MANUAL_DISPATCH = EventSettings.builder().manualDispatch().build();

  protected SingleSignOnContractTest() {
    super(START);
  }

  private LoyaltyEngine newEngine() {
    return newEngine(SsoSettings.DEFAULTS);
  }

  private LoyaltyEngine newEngine(SsoSettings sso) {
    return engine(builder -> builder.events(MANUAL_DISPATCH).singleSignOn(sso));
  }

  private List<LoyaltyEngine> enginesForConcurrency() {
    LoyaltyEngine first = newEngine();
    return fixture().capabilities().contains(StorageCapability.SHARED_DATABASE)
        ? List.of(first, newEngine()) : List.of(first);
  }

  private record World(TenantScope scope, Brand brand, Campaign campaign) {
    long tenantId() {
      return scope.tenantId();
    }
  }

  private static World world(LoyaltyEngine engine) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("SSO tenant")).id());
    Brand brand = scope.brands().create(new NewBrand("SSO shop", "https://sso.example.com"));
    Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "SSO campaign"));
    return new World(scope, brand, campaign);
  }

  private static Participant enrol(World w, String email) {
    return w.scope.participants().create(w.campaign.id(), NewParticipant.withEmail(email));
  }

  private long now() {
    return clock().instant().getEpochSecond();
  }

  // ==================================================================== customer mappings

  @Test
  void aMappingIsMadeOnceAndFoundByCustomerIdAndByParticipant() {
    World w = world(newEngine());
    Participant ann = enrol(w, "ann@example.com");
    long campaign = w.campaign.id();

    CustomerMapping mapped = w.scope.customerMappings().map(campaign, "Cust-1", ParticipantRef.id(ann.id()));
    assertEquals(new CustomerMapping(campaign, "Cust-1", ann.id(), START), mapped);
    clock().advance(Duration.ofMinutes(1));
    assertEquals(mapped, w.scope.customerMappings().map(campaign, "Cust-1", ParticipantRef.email(campaign,
        "ANN@example.com")), "mapping the same pair again returns the first mapping");
    assertEquals(Optional.of(mapped), w.scope.customerMappings().find(campaign, "Cust-1"));
    assertEquals(Optional.of(mapped), w.scope.customerMappings().findByParticipant(ParticipantRef.id(ann.id())));
    assertEquals(Optional.empty(), w.scope.customerMappings().find(campaign, "cust-1"), "compared case-sensitively");
    assertEquals(Optional.empty(), w.scope.customerMappings().find(campaign, "Cust-1 "), "compared exactly");
    String longest = "é".repeat(255);
    Participant bob = enrol(w, "bob@example.com");
    assertEquals(longest, w.scope.customerMappings().map(campaign, longest, ParticipantRef.id(bob.id()))
        .customerId(), "255 characters are allowed");
    assertTrue(mapped.toString().contains("<hidden>") && !mapped.toString().contains("Cust-1"), mapped.toString());
  }

  @Test
  void aCustomerIdMapsToOneParticipantAndAParticipantToOneCustomerId() {
    World w = world(newEngine());
    Participant ann = enrol(w, "ann@example.com");
    Participant bob = enrol(w, "bob@example.com");
    long campaign = w.campaign.id();
    CustomerMapping mapped = w.scope.customerMappings().map(campaign, "c-1", ParticipantRef.id(ann.id()));

    assertRejected(ErrorCode.CONFLICT, "customerId", "the customer id to another participant",
        () -> w.scope.customerMappings().map(campaign, "c-1", ParticipantRef.id(bob.id())));
    assertRejected(ErrorCode.CONFLICT, "participant", "the participant to another customer id",
        () -> w.scope.customerMappings().map(campaign, "c-2", ParticipantRef.id(ann.id())));
    assertEquals(Optional.of(mapped), w.scope.customerMappings().find(campaign, "c-1"));
    assertEquals(Optional.empty(), w.scope.customerMappings().find(campaign, "c-2"));
    assertEquals(Optional.empty(), w.scope.customerMappings().findByParticipant(ParticipantRef.id(bob.id())));

    Campaign other = w.scope.campaigns().create(NewCampaign.running(w.brand.id(), "Other campaign"));
    Participant inOther = w.scope.participants().create(other.id(), NewParticipant.withEmail("ann@example.com"));
    assertEquals(inOther.id(), w.scope.customerMappings().map(other.id(), "c-1", ParticipantRef.id(inOther.id()))
        .participantId(), "the same customer id maps once per campaign");
  }

  @Test
  void badMappingRequestsAreRejectedOnTheirFieldAndChangeNothing() {
    World w = world(newEngine());
    Participant ann = enrol(w, "ann@example.com");
    Campaign other = w.scope.campaigns().create(NewCampaign.running(w.brand.id(), "Other campaign"));
    Participant elsewhere = w.scope.participants().create(other.id(), NewParticipant.withEmail("eve@example.com"));
    long campaign = w.campaign.id();
    ParticipantRef annRef = ParticipantRef.id(ann.id());
    var mappings = w.scope.customerMappings();

    assertAllRejected(ErrorCode.VALIDATION_ERROR, List.of(
        new Bad("null customer id", "customerId", () -> mappings.map(campaign, null, annRef)),
        new Bad("empty customer id", "customerId", () -> mappings.map(campaign, "", annRef)),
        new Bad("blank customer id", "customerId", () -> mappings.map(campaign, " \u00a0 ", annRef)),
        new Bad("control character", "customerId", () -> mappings.map(campaign, "c\n1", annRef)),
        new Bad("unpaired surrogate", "customerId", () -> mappings.map(campaign, "c\ud800", annRef)),
        new Bad("256 characters", "customerId", () -> mappings.map(campaign, "x".repeat(256), annRef)),
        new Bad("null participant", "participant", () -> mappings.map(campaign, "c-1", null)),
        new Bad("an email of another campaign", "participant",
            () -> mappings.map(campaign, "c-1", ParticipantRef.email(other.id(), "eve@example.com"))),
        new Bad("find with a bad customer id", "customerId", () -> mappings.find(campaign, "")),
        new Bad("unmap with a bad customer id", "customerId", () -> mappings.unmap(campaign, null))),
        () -> mappings.findByParticipant(annRef));
    assertAllRejected(ErrorCode.NOT_FOUND, List.of(
        new Bad("unknown campaign", null, () -> mappings.map(campaign + 1_000_003L, "c-1", annRef)),
        new Bad("unknown participant", null,
            () -> mappings.map(campaign, "c-1", ParticipantRef.id(ann.id() + 1_000_003L))),
        new Bad("unknown email", null,
            () -> mappings.map(campaign, "c-1", ParticipantRef.email(campaign, "nobody@example.com"))),
        new Bad("a participant of another campaign", null,
            () -> mappings.map(campaign, "c-1", ParticipantRef.id(elsewhere.id()))),
        new Bad("find in an unknown campaign", null, () -> mappings.find(campaign + 1_000_003L, "c-1")),
        new Bad("unmap in an unknown campaign", null, () -> mappings.unmap(campaign + 1_000_003L, "c-1")),
        new Bad("find by an unknown participant", null,
            () -> mappings.findByParticipant(ParticipantRef.id(ann.id() + 1_000_003L)))),
        () -> mappings.findByParticipant(annRef));
    assertEquals(Optional.empty(), mappings.findByParticipant(annRef));
  }

  @Test
  void mappingsAreConfinedToTheirTenant() {
    LoyaltyEngine engine = newEngine();
    World a = world(engine);
    World b = world(engine);
    Participant inA = enrol(a, "ann@example.com");
    Participant inB = enrol(b, "ann@example.com");
    CustomerMapping mappedA = a.scope.customerMappings().map(a.campaign.id(), "c-1", ParticipantRef.id(inA.id()));
    CustomerMapping mappedB = b.scope.customerMappings().map(b.campaign.id(), "c-1", ParticipantRef.id(inB.id()));

    assertEquals(Optional.of(mappedA), a.scope.customerMappings().find(a.campaign.id(), "c-1"));
    assertEquals(Optional.of(mappedB), b.scope.customerMappings().find(b.campaign.id(), "c-1"));
    assertRejected(ErrorCode.NOT_FOUND, null, "another tenant's campaign",
        () -> b.scope.customerMappings().find(a.campaign.id(), "c-1"));
    assertRejected(ErrorCode.NOT_FOUND, null, "another tenant's participant",
        () -> b.scope.customerMappings().findByParticipant(ParticipantRef.id(inA.id())));
    assertRejected(ErrorCode.NOT_FOUND, null, "mapping another tenant's participant",
        () -> b.scope.customerMappings().map(b.campaign.id(), "c-2", ParticipantRef.id(inA.id())));
    b.scope.customerMappings().unmap(b.campaign.id(), "c-1");
    assertEquals(Optional.of(mappedA), a.scope.customerMappings().find(a.campaign.id(), "c-1"),
        "unmapping in one tenant leaves the other's");
  }

  @Test
  void deletingAParticipantRemovesItsMappingAndUnmapIsIdempotent() {
    World w = world(newEngine());
    Participant ann = enrol(w, "ann@example.com");
    Participant bob = enrol(w, "bob@example.com");
    long campaign = w.campaign.id();
    w.scope.customerMappings().map(campaign, "c-ann", ParticipantRef.id(ann.id()));
    CustomerMapping bobs = w.scope.customerMappings().map(campaign, "c-bob", ParticipantRef.id(bob.id()));

    w.scope.participants().delete(ParticipantRef.id(ann.id()));
    assertEquals(Optional.empty(), w.scope.customerMappings().find(campaign, "c-ann"));
    assertEquals(Optional.of(bobs), w.scope.customerMappings().find(campaign, "c-bob"), "only the deleted one's");
    Participant again = enrol(w, "ann@example.com");
    assertEquals(again.id(), w.scope.customerMappings().map(campaign, "c-ann", ParticipantRef.id(again.id()))
        .participantId(), "the customer id is free again");

    w.scope.customerMappings().unmap(campaign, "c-bob");
    w.scope.customerMappings().unmap(campaign, "c-bob");
    assertEquals(Optional.empty(), w.scope.customerMappings().find(campaign, "c-bob"));
    assertEquals(bob, w.scope.participants().get(ParticipantRef.id(bob.id())), "unmapping keeps the participant");
    w.scope.customerMappings().map(campaign, "c-bob-2", ParticipantRef.id(bob.id()));
  }

  @Test
  void concurrentMapsOfOneCustomerIdMakeOneMapping() throws Exception {
    List<LoyaltyEngine> all = enginesForConcurrency();
    World w = world(all.get(0));
    int threads = 8 * all.size();
    List<Participant> participants = new ArrayList<>();
    for (int i = 0; i < threads / 2; i++) {
      participants.add(enrol(w, "p" + i + "@example.com"));
    }
    ConcurrentLinkedQueue<CustomerMapping> made = new ConcurrentLinkedQueue<>();
    AtomicInteger conflicts = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

    Checks.runConcurrently(threads, worker -> {
      TenantScope scope = all.get(worker % all.size()).forTenant(w.tenantId());
      // Two threads name each participant: a pair may both succeed (the same mapping), or conflict.
      Participant p = participants.get(worker / 2);
      try {
        made.add(scope.customerMappings().map(w.campaign.id(), "shared", ParticipantRef.id(p.id())));
      } catch (LoyaltyException e) {
        if (e.code() == ErrorCode.CONFLICT && "customerId".equals(e.field().orElse(null))) {
          conflicts.incrementAndGet();
        } else {
          unexpected.add(e);
        }
      } catch (RuntimeException | Error e) {
        unexpected.add(e);
      }
    });

    assertTrue(unexpected.isEmpty(), "only CONFLICT on customerId may fail a mapping: " + unexpected);
    CustomerMapping stored = w.scope.customerMappings().find(w.campaign.id(), "shared").orElseThrow();
    assertEquals(Set.of(stored), Set.copyOf(made), "every success returned the one mapping");
    assertTrue(made.size() <= 2, "at most the two threads naming the winner succeed: " + made.size());
    assertEquals(threads - made.size(), conflicts.get());
    long mapped = participants.stream().filter(p -> w.scope.customerMappings()
        .findByParticipant(ParticipantRef.id(p.id())).isPresent()).count();
    assertEquals(1, mapped, "one participant is mapped");
  }

  // ==================================================================== single sign-on

  @Test
  void recognitionIsForbiddenUntilTheTenantHasASecret() {
    World w = world(newEngine());
    LoyaltyException e = assertRejected(ErrorCode.FORBIDDEN, null, "no secret yet",
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login("guessed", w.campaign.id(), "c-1",
            "ann@example.com", now())));
    assertEquals("single sign-on is not enabled for the tenant", e.getMessage());
    assertRejected(ErrorCode.VALIDATION_ERROR, "login", "a null login",
        () -> w.scope.singleSignOn().recognize(null));
    LoyaltyEngine engine = engines().get(0);
    long unknown = w.tenantId() + 1_000_003L;
    assertRejected(ErrorCode.NOT_FOUND, null, "rotating for an unknown tenant",
        () -> engine.forTenant(unknown).singleSignOn().rotateSecret());
    LoyaltyException none = assertRejected(ErrorCode.FORBIDDEN, null, "a login to a tenant that does not exist",
        () -> engine.forTenant(unknown).singleSignOn().recognize(SsoSignatures.login("guessed", w.campaign.id(),
            "c-1", "ann@example.com", now())));
    assertEquals("single sign-on is not enabled for the tenant", none.getMessage(), "as for a tenant without one");
  }

  @Test
  void aNewCustomerWithAnEmailIsEnrolledMappedAndRecognisedAgain() {
    LoyaltyEngine engine = newEngine();
    World w = world(engine);
    SsoSecret secret = w.scope.singleSignOn().rotateSecret();
    assertEquals(43, secret.secret().length(), "base64url of 32 bytes, unpadded");
    assertTrue(secret.secret().matches("[A-Za-z0-9_-]{43}"), "base64url");
    assertEquals(START, secret.createdAt());
    assertEquals(null, secret.previousValidUntil());
    assertFalse(secret.toString().contains(secret.secret()), secret.toString());

    SsoLogin login = SsoSignatures.login(secret.secret(), w.campaign.id(), "c-42", "New.Customer@Example.com", now());
    assertFalse(login.toString().contains("c-42") || login.toString().contains("Customer")
        || login.toString().contains(login.signature()), login.toString());
    SsoRecognition first = w.scope.singleSignOn().recognize(login);
    assertTrue(first.created());
    assertTrue(first.newlyMapped());
    assertEquals("New.Customer@Example.com", first.participant().email());
    assertEquals(first.participant(), w.scope.participants().get(ParticipantRef.id(first.participant().id())));
    assertEquals(Optional.of(new CustomerMapping(w.campaign.id(), "c-42", first.participant().id(), START)),
        w.scope.customerMappings().find(w.campaign.id(), "c-42"));

    clock().advance(Duration.ofSeconds(30));
    SsoRecognition again = w.scope.singleSignOn().recognize(login);
    assertEquals(new SsoRecognition(first.participant(), false, false), again, "a replay only recognises again");
    SsoLogin otherEmail = SsoSignatures.login(secret.secret(), w.campaign.id(), "c-42", "changed@example.com", now());
    assertEquals(first.participant(), w.scope.singleSignOn().recognize(otherEmail).participant(),
        "the mapping decides, not the email");
    SsoLogin noEmail = SsoSignatures.login(secret.secret(), w.campaign.id(), "c-42", null, now());
    assertEquals(first.participant(), w.scope.singleSignOn().recognize(noEmail).participant());

    engine.events().dispatch();
    List<LoyaltyEvent> events = w.scope.changeFeed().read(0, EventFilter.all(), 100).events();
    assertEquals(List.of(EventType.PARTICIPANT_CREATED), events.stream().map(LoyaltyEvent::type).toList(),
        "an enrolment by recognition emits PARTICIPANT_CREATED, as Participants.create does; nothing else");
    assertEquals(first.participant().id(), events.get(0).participantId());
  }

  @Test
  void aKnownEmailIsMappedAndAnUnknownCustomerWithoutEmailIsNotFound() {
    World w = world(newEngine());
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    Participant ann = enrol(w, "ann@example.com");
    long campaign = w.campaign.id();

    SsoRecognition mapped = w.scope.singleSignOn().recognize(
        SsoSignatures.login(secret, campaign, "c-ann", "ANN@example.com", now()));
    assertEquals(new SsoRecognition(ann, false, true), mapped);
    assertEquals(ann.id(), w.scope.customerMappings().find(campaign, "c-ann").orElseThrow().participantId());

    assertRejected(ErrorCode.CONFLICT, "participant", "the email's participant is another customer's",
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, "c-other", "ann@example.com",
            now())));
    assertRejected(ErrorCode.NOT_FOUND, null, "no mapping and no email",
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, "c-new", null, now())));
    assertRejected(ErrorCode.NOT_FOUND, null, "no mapping and an empty email",
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, "c-new", "", now())));
    assertRejected(ErrorCode.NOT_FOUND, null, "an unknown campaign",
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign + 1_000_003L, "c-ann",
            "ann@example.com", now())));
    assertEquals(List.of(ann), allParticipants(w.scope, campaign), "refused logins enrol nobody");
    assertEquals(Optional.empty(), w.scope.customerMappings().find(campaign, "c-other"));
  }

  @Test
  void theTimestampMayBeUpToTheSkewFromTheClockEitherWay() {
    Duration skew = Duration.ofSeconds(90);
    World w = world(newEngine(SsoSettings.builder().maxClockSkew(skew).build()));
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    Participant ann = enrol(w, "ann@example.com");
    w.scope.customerMappings().map(w.campaign.id(), "c-ann", ParticipantRef.id(ann.id()));
    long t = now();

    for (long at : new long[] {t - 90, t - 89, t, t + 89, t + 90}) {
      assertEquals(ann, w.scope.singleSignOn().recognize(SsoSignatures.login(secret, w.campaign.id(), "c-ann", null,
          at)).participant(), "timestamp now" + (at - t >= 0 ? "+" : "") + (at - t) + "s is within the skew");
    }
    for (long at : new long[] {t - 91, t + 91, t - 100_000, t + 100_000, 0, Long.MIN_VALUE, Long.MAX_VALUE}) {
      assertRejected(ErrorCode.UNAUTHENTICATED, "timestamp", "timestamp " + at + " (now " + t + ")",
          () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, w.campaign.id(), "c-ann", null, at)));
    }
    // A clock between whole seconds counts its second: a fraction never tips a login over the edge.
    clock().set(START.plusMillis(999));
    w.scope.singleSignOn().recognize(SsoSignatures.login(secret, w.campaign.id(), "c-ann", null, t - 90));
    w.scope.singleSignOn().recognize(SsoSignatures.login(secret, w.campaign.id(), "c-ann", null, t + 90));
  }

  @Test
  void thePreviousSecretWorksUntilTheGraceEndsAndNotAfter() {
    Duration grace = Duration.ofMinutes(10);
    World w = world(newEngine(SsoSettings.builder().rotationGrace(grace).build()));
    Participant ann = enrol(w, "ann@example.com");
    w.scope.customerMappings().map(w.campaign.id(), "c-ann", ParticipantRef.id(ann.id()));
    String first = w.scope.singleSignOn().rotateSecret().secret();
    clock().advance(Duration.ofHours(1));
    SsoSecret second = w.scope.singleSignOn().rotateSecret();
    assertNotEquals(first, second.secret());
    Instant rotated = clock().instant();
    assertEquals(rotated.plus(grace), second.previousValidUntil());

    clock().set(rotated.plus(grace).minusSeconds(1));
    assertEquals(ann, recognise(w, first).participant(), "the old secret works until the grace ends");
    assertEquals(ann, recognise(w, second.secret()).participant());
    clock().set(rotated.plus(grace));
    assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "the old secret when the grace ends",
        () -> recognise(w, first));
    assertEquals(ann, recognise(w, second.secret()).participant(), "the new secret goes on working");

    SsoSecret third = w.scope.singleSignOn().rotateSecret();
    assertEquals(ann, recognise(w, second.secret()).participant(), "the one before works in the new grace");
    assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "the oldest secret after a second rotation",
        () -> recognise(w, first));
    SsoSecret fourth = w.scope.singleSignOn().rotateSecret();
    assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "rotating within the grace drops the oldest",
        () -> recognise(w, second.secret()));
    assertEquals(ann, recognise(w, third.secret()).participant());
    assertEquals(ann, recognise(w, fourth.secret()).participant());
  }

  @Test
  void aGraceWithAFractionOfAMicrosecondLastsAtLeastItsLengthOnEveryStore() {
    // In bounds (0..7 days); the stores keep microseconds, so the grace's end must reach them as a whole one.
    Duration grace = Duration.ofMinutes(10).plusNanos(500);
    World w = world(newEngine(SsoSettings.builder().rotationGrace(grace).build()));
    Participant ann = enrol(w, "ann@example.com");
    w.scope.customerMappings().map(w.campaign.id(), "c-ann", ParticipantRef.id(ann.id()));
    String first = w.scope.singleSignOn().rotateSecret().secret();
    SsoSecret second = w.scope.singleSignOn().rotateSecret();
    Instant rotated = clock().instant();

    clock().set(rotated.plus(Duration.ofMinutes(10)));
    assertEquals(ann, recognise(w, first).participant(), "500 ns of the grace are left");
    clock().set(rotated.plus(Duration.ofMinutes(10)).plus(1, ChronoUnit.MICROS));
    assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "the old secret once the grace has ended",
        () -> recognise(w, first));
    assertEquals(clock().instant(), second.previousValidUntil(),
        "the grace ends at the first whole microsecond at or after its length, a time the stores keep");
  }

  @Test
  void withoutGraceTheOldSecretStopsAtOnceAndRotationsOnTwoEnginesAgree() {
    World w = world(newEngine(SsoSettings.builder().rotationGrace(Duration.ZERO).build()));
    Participant ann = enrol(w, "ann@example.com");
    w.scope.customerMappings().map(w.campaign.id(), "c-ann", ParticipantRef.id(ann.id()));
    String first = w.scope.singleSignOn().rotateSecret().secret();
    SsoSecret second = w.scope.singleSignOn().rotateSecret();

    assertEquals(null, second.previousValidUntil());
    assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "the old secret without grace",
        () -> recognise(w, first));
    assertEquals(ann, recognise(w, second.secret()).participant());
    if (fixture().capabilities().contains(StorageCapability.SHARED_DATABASE)) {
      TenantScope onOther = newEngine().forTenant(w.tenantId());
      assertEquals(ann, onOther.singleSignOn().recognize(SsoSignatures.login(second.secret(), w.campaign.id(),
          "c-ann", null, now())).participant(), "the secret is the database's, not the engine's");
    }
  }

  @Test
  void disablingRefusesEveryLoginAsBeforeAnySecretAndALaterRotationStartsAfresh() {
    LoyaltyEngine engine = newEngine(SsoSettings.builder().rotationGrace(Duration.ofMinutes(10)).build());
    World w = world(engine);
    Participant ann = enrol(w, "ann@example.com");
    w.scope.customerMappings().map(w.campaign.id(), "c-ann", ParticipantRef.id(ann.id()));
    String first = w.scope.singleSignOn().rotateSecret().secret();
    String second = w.scope.singleSignOn().rotateSecret().secret();
    assertEquals(ann, recognise(w, first).participant(), "the previous secret, in its grace");
    assertEquals(ann, recognise(w, second).participant());

    w.scope.singleSignOn().disable();

    for (String secret : List.of(first, second, "guessed")) {
      LoyaltyException e = assertRejected(ErrorCode.FORBIDDEN, null, "a login once disabled",
          () -> recognise(w, secret));
      assertEquals("single sign-on is not enabled for the tenant", e.getMessage());
    }
    w.scope.singleSignOn().disable(); // idempotent
    if (fixture().capabilities().contains(StorageCapability.SHARED_DATABASE)) {
      TenantScope onOther = newEngine().forTenant(w.tenantId());
      assertRejected(ErrorCode.FORBIDDEN, null, "on another instance at once",
          () -> onOther.singleSignOn().recognize(SsoSignatures.login(second, w.campaign.id(), "c-ann", null, now())));
    }
    assertEquals(Optional.of(ann.id()), w.scope.customerMappings().find(w.campaign.id(), "c-ann")
        .map(CustomerMapping::participantId), "the mappings stay");

    clock().advance(Duration.ofMinutes(1));
    SsoSecret fresh = w.scope.singleSignOn().rotateSecret();
    assertEquals(null, fresh.previousValidUntil(), "no previous secret after a disable");
    assertEquals(new SsoRecognition(ann, false, false), recognise(w, fresh.secret()));
    for (String old : List.of(first, second)) {
      assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "a secret from before the disable",
          () -> recognise(w, old));
    }
    long unknown = w.tenantId() + 1_000_003L;
    assertRejected(ErrorCode.NOT_FOUND, null, "disabling for an unknown tenant",
        () -> engine.forTenant(unknown).singleSignOn().disable());
  }

  @Test
  void everyTamperedFieldFailsTheSignature() {
    World w = world(newEngine());
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    Participant ann = enrol(w, "ann@example.com");
    w.scope.customerMappings().map(w.campaign.id(), "c-ann", ParticipantRef.id(ann.id()));
    long seed = System.nanoTime();
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    SsoLogin good = SsoSignatures.login(secret, w.campaign.id(), "c-ann", "ann@example.com", now());
    assertEquals(ann, w.scope.singleSignOn().recognize(good).participant());
    List<String> failures = new ArrayList<>();

    for (int round = 0; round < 40; round++) {
      List<SsoLogin> tampered = List.of(
          new SsoLogin(good.campaignId() + 1 + random.nextInt(3), good.customerId(), good.email(), good.timestamp(),
              good.signature()),
          new SsoLogin(good.campaignId(), flip(random, good.customerId()), good.email(), good.timestamp(),
              good.signature()),
          new SsoLogin(good.campaignId(), good.customerId(), flip(random, good.email()), good.timestamp(),
              good.signature()),
          new SsoLogin(good.campaignId(), good.customerId(), null, good.timestamp(), good.signature()),
          new SsoLogin(good.campaignId(), good.customerId(), good.email(), good.timestamp() + 1 + random.nextInt(60),
              good.signature()),
          new SsoLogin(good.campaignId(), good.customerId(), good.email(), good.timestamp() - 1 - random.nextInt(60),
              good.signature()),
          new SsoLogin(good.campaignId(), good.customerId(), good.email(), good.timestamp(),
              flip(random, good.signature())),
          SsoSignatures.login(flip(random, secret), good.campaignId(), good.customerId(), good.email(),
              good.timestamp()));
      for (SsoLogin login : tampered) {
        try {
          w.scope.singleSignOn().recognize(login);
          failures.add("accepted " + describe(login));
        } catch (LoyaltyException e) {
          if (e.code() != ErrorCode.UNAUTHENTICATED || !"signature".equals(e.field().orElse(null))) {
            failures.add(describe(login) + ": " + e);
          }
        } catch (RuntimeException | Error e) {
          failures.add(describe(login) + ": " + e + " escaped");
        }
      }
    }
    if (!failures.isEmpty()) {
      fail("seed " + seed + ": tampered logins not refused as UNAUTHENTICATED on signature:\n  "
          + String.join("\n  ", failures));
    }
    assertEquals(List.of(ann), allParticipants(w.scope, w.campaign.id()));
  }

  /** {@code value} with one character replaced by another (never the same one). */
  private static String flip(RandomGenerator random, String value) {
    char[] chars = value.toCharArray();
    int i = random.nextInt(chars.length);
    char replacement;
    do {
      replacement = (char) (random.nextBoolean() ? 'a' + random.nextInt(26) : '0' + random.nextInt(10));
    } while (replacement == chars[i]);
    chars[i] = replacement;
    return new String(chars);
  }

  private static String describe(SsoLogin l) {
    return "[campaign " + l.campaignId() + ", customer " + l.customerId() + ", email " + l.email() + ", timestamp "
        + l.timestamp() + ", signature " + l.signature() + "]";
  }

  @Test
  void malformedSignaturesAreUnauthenticatedAndNothingElse() {
    World w = world(newEngine());
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    long campaign = w.campaign.id();
    long t = now();
    String valid = SsoSignatures.sign(secret, campaign, "c-1", "ann@example.com", t);
    List<String> malformed = new ArrayList<>(List.of("", " ", "zz", "0", valid.substring(1), valid + "0",
        valid.substring(0, 63) + "g", " " + valid.substring(1), valid.replace(valid.charAt(5), 'é'),
        "\u0000".repeat(64), "0x" + valid.substring(2), "v1," + valid, "€".repeat(64), "\ud800".repeat(64),
        "0".repeat(64), "f".repeat(64), "-" + valid.substring(1), valid + "\n", "x".repeat(100_000)));
    malformed.add(null);
    for (String signature : malformed) {
      assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "signature " + Checks.show(signature),
          () -> w.scope.singleSignOn().recognize(new SsoLogin(campaign, "c-1", "ann@example.com", t, signature)));
    }
    for (SsoLogin nulls : List.of(new SsoLogin(campaign, null, null, t, valid),
        new SsoLogin(campaign, null, "ann@example.com", t, valid), new SsoLogin(0, null, null, 0, null))) {
      assertRejected(ErrorCode.UNAUTHENTICATED, "signature", "null fields", () -> w.scope.singleSignOn()
          .recognize(nulls));
    }
    SsoRecognition upper = w.scope.singleSignOn().recognize(new SsoLogin(campaign, "c-1", "ann@example.com", t,
        valid.toUpperCase(java.util.Locale.ROOT)));
    assertTrue(upper.created(), "upper-case hex is the same signature");
  }

  @Test
  void fieldsAreValidatedOnlyAfterTheSignature() {
    World w = world(newEngine());
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    long campaign = w.campaign.id();
    long t = now();
    record Case(String field, long campaignId, String customerId, String email) {
    }
    List<Case> cases = List.of(
        new Case("customerId", campaign, null, "ann@example.com"),
        new Case("customerId", campaign, "", "ann@example.com"),
        new Case("customerId", campaign, "   ", "ann@example.com"),
        new Case("customerId", campaign, "c\n1", "ann@example.com"),
        new Case("customerId", campaign, "c\u0007", null),
        new Case("customerId", campaign, "x".repeat(256), "ann@example.com"),
        new Case("email", campaign, "c-1", "not an email"),
        new Case("email", campaign, "c-1", "ann@example.com\n"),
        new Case("email", campaign, "c-1", " "),
        new Case("email", campaign, "c-1", "a".repeat(300) + "@example.com"),
        new Case("campaignId", 0, "c-1", "ann@example.com"),
        new Case("campaignId", -campaign, "c-1", "ann@example.com"));
    List<Bad> signed = new ArrayList<>();
    List<Bad> unsigned = new ArrayList<>();
    for (Case c : cases) {
      String what = c.field + " " + Checks.show(c.field.equals("email") ? c.email : c.customerId);
      signed.add(new Bad("signed " + what, c.field, () -> w.scope.singleSignOn().recognize(
          SsoSignatures.login(secret, c.campaignId, c.customerId, c.email, t))));
      unsigned.add(new Bad("unsigned " + what, "signature", () -> w.scope.singleSignOn().recognize(
          new SsoLogin(c.campaignId, c.customerId, c.email, t, "0".repeat(64)))));
    }
    assertAllRejected(ErrorCode.VALIDATION_ERROR, signed, () -> allParticipants(w.scope, campaign));
    assertAllRejected(ErrorCode.UNAUTHENTICATED, unsigned, () -> allParticipants(w.scope, campaign));
  }

  @Test
  void noMessageContainsTheSecretTheSignatureTheCustomerIdOrTheEmail() {
    World w = world(newEngine());
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    long campaign = w.campaign.id();
    long t = now();
    String customer = "customer-7731";
    String email = "private.person@example.com";
    enrol(w, "taken@example.com");
    w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, "owner", "taken@example.com", t));
    List<Executable> calls = List.of(
        () -> w.scope.singleSignOn().recognize(new SsoLogin(campaign, customer, email, t, "a".repeat(64))),
        () -> w.scope.singleSignOn().recognize(new SsoLogin(campaign, customer, email, t, secret)),
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, customer, email, t - 10_000)),
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, customer + "\n", email, t)),
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, customer, email + "\n", t)),
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, customer, null, t)),
        () -> w.scope.singleSignOn().recognize(SsoSignatures.login(secret, campaign, customer, "taken@example.com",
            t)),
        () -> w.scope.customerMappings().map(campaign, "owner", ParticipantRef.email(campaign, email)),
        () -> w.scope.customerMappings().map(campaign, customer + "\u0000", ParticipantRef.id(1)));
    List<String> secrets = List.of(secret, SsoSignatures.sign(secret, campaign, customer, email, t), customer,
        email, "taken@example.com");
    for (Executable call : calls) {
      try {
        call.execute();
        fail("the call was expected to fail");
      } catch (LoyaltyException e) {
        for (Throwable link = e; link != null; link = link.getCause()) {
          String text = link + " " + (e.toResponseBody());
          for (String s : secrets) {
            assertFalse(text.contains(s), "a message repeats a secret or personal data: " + text);
          }
        }
      } catch (Throwable t2) {
        fail("only LoyaltyException may escape: " + t2);
      }
    }
  }

  @Test
  void concurrentFirstRecognitionsOfACustomerMakeOneParticipantAndOneMapping() throws Exception {
    List<LoyaltyEngine> all = enginesForConcurrency();
    World w = world(all.get(0));
    String secret = w.scope.singleSignOn().rotateSecret().secret();
    long t = now();
    int threads = 8 * all.size();
    ConcurrentLinkedQueue<SsoRecognition> results = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    for (String customer : List.of("same-email", "two-emails")) {
      results.clear();
      Checks.runConcurrently(threads, worker -> {
        TenantScope scope = all.get(worker % all.size()).forTenant(w.tenantId());
        // The second round's threads give one of two emails: the customer is still one participant.
        String email = customer.equals("same-email") ? "first@example.com"
            : (worker % 2 == 0 ? "second@example.com" : "third@example.com");
        try {
          results.add(scope.singleSignOn().recognize(SsoSignatures.login(secret, w.campaign.id(), customer, email,
              t)));
        } catch (RuntimeException | Error e) {
          failures.add(e);
        }
      });

      assertTrue(failures.isEmpty(), customer + ": every concurrent first login succeeds: " + failures);
      CustomerMapping mapping = w.scope.customerMappings().find(w.campaign.id(), customer).orElseThrow();
      assertEquals(threads, results.size());
      assertEquals(Set.of(mapping.participantId()), Set.copyOf(results.stream().map(r -> r.participant().id())
          .toList()), customer + ": every call returns the one participant");
      assertEquals(1, results.stream().filter(SsoRecognition::created).count(), customer + ": one call enrolled");
    }
    assertEquals(2, allParticipants(w.scope, w.campaign.id()).size(), "one participant per customer, no more");
  }

  private SsoRecognition recognise(World w, String secret) {
    return w.scope.singleSignOn().recognize(SsoSignatures.login(secret, w.campaign.id(), "c-ann", null, now()));
  }
}
