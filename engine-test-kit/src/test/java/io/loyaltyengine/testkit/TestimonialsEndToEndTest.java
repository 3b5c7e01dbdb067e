package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.Rejections.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testimonials.Testimonials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Testimonials end to end, through the public engine API on {@link InMemoryStorage} with a {@link SettableClock}:
 * submission and its validation, one testimonial per participant with replays, every moderation move and refusal, the
 * lists a page and a moderation queue read, deletion with the participant, tenant isolation, and that personal text
 * never shows in {@code toString} or an error message, and the events of submissions and moves. Races run on H2 and
 * PostgreSQL ({@code TestimonialRace*}), the port's contract on every store.
 */
class TestimonialsEndToEndTest {
  private static final Instant START = Instant.parse("2025-06-01T08:00:00Z");

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private TenantScope scope;
  private Testimonials testimonials;
  private Campaign campaign;
  private Participant ada;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).clock(clock)
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(engine);
    scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    testimonials = scope.testimonials();
    Brand brand = scope.brands().create(new NewBrand("Shop", "https://shop.example.com"));
    campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Advocates"));
    ada = enrol("ada@example.com");
  }

  @AfterEach
  void tearDown() {
    engines.forEach(LoyaltyEngine::close);
  }

  @Test
  void aSubmissionWaitsForModerationAndARepeatOfItIsAReplay() {
    Testimonial submitted = testimonials.submit(ParticipantRef.email(campaign.id(), "ADA@example.com"),
        NewTestimonial.of("  Quick delivery, lovely mugs  ").withRating(5));
    assertEquals(new Testimonial(submitted.id(), scope.tenantId(), campaign.id(), ada.id(),
        "Quick delivery, lovely mugs", 5, TestimonialStatus.PENDING, START, null), submitted);
    assertEquals(submitted, testimonials.get(submitted.id()));
    assertEquals(Optional.of(submitted), testimonials.of(ParticipantRef.id(ada.id())));

    clock.advance(Duration.ofMinutes(5));
    assertEquals(submitted, testimonials.submit(ParticipantRef.id(ada.id()),
        NewTestimonial.of("Quick delivery, lovely mugs").withRating(5)), "the same text and rating: a replay");
    assertCode(ErrorCode.CONFLICT, "participant", () -> testimonials.submit(ParticipantRef.id(ada.id()),
        NewTestimonial.of("Quick delivery, lovely mugs").withRating(4)));
    assertCode(ErrorCode.CONFLICT, "participant", () -> testimonials.submit(ParticipantRef.id(ada.id()),
        NewTestimonial.of("Something else").withRating(5)));
    assertCode(ErrorCode.CONFLICT, "participant", () -> testimonials.submit(ParticipantRef.id(ada.id()),
        NewTestimonial.of("Quick delivery, lovely mugs")));
    assertEquals(List.of(submitted), all(null));
  }

  @Test
  void aSubmissionIsValidatedAndARefusedOneChangesNothing() {
    ParticipantRef ref = ParticipantRef.id(ada.id());
    assertCode(ErrorCode.VALIDATION_ERROR, "testimonial", () -> testimonials.submit(ref, null));
    assertCode(ErrorCode.VALIDATION_ERROR, "text", () -> testimonials.submit(ref, NewTestimonial.of(null)));
    assertCode(ErrorCode.VALIDATION_ERROR, "text", () -> testimonials.submit(ref, NewTestimonial.of(" \u00a0 ")));
    assertCode(ErrorCode.VALIDATION_ERROR, "text", () -> testimonials.submit(ref, NewTestimonial.of("a\u0007b")));
    assertCode(ErrorCode.VALIDATION_ERROR, "text", () -> testimonials.submit(ref,
        NewTestimonial.of("x".repeat(5_001))));
    assertCode(ErrorCode.VALIDATION_ERROR, "rating", () -> testimonials.submit(ref,
        NewTestimonial.of("ok").withRating(0)));
    assertCode(ErrorCode.VALIDATION_ERROR, "rating", () -> testimonials.submit(ref,
        NewTestimonial.of("ok").withRating(6)));
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> testimonials.submit(null, NewTestimonial.of("ok")));
    assertCode(ErrorCode.NOT_FOUND, null, () -> testimonials.submit(ParticipantRef.id(987_654_321L),
        NewTestimonial.of("ok")));
    assertEquals(List.of(), all(null), "nothing refused was kept");
    assertEquals(5_000, testimonials.submit(ref, NewTestimonial.of("😀".repeat(5_000)).withRating(1)).text()
        .codePointCount(0, 10_000), "5,000 characters, counted in code points");
  }

  @Test
  void moderationApprovesRejectsAndTakesDownButNeverBringsBackARejection() {
    Testimonial a = testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of("A"));
    Testimonial b = testimonials.submit(ParticipantRef.id(enrol("bob@example.com").id()), NewTestimonial.of("B"));
    clock.advance(Duration.ofHours(1));
    Instant approvedAt = clock.instant();
    Testimonial approved = testimonials.approve(a.id());
    assertEquals(TestimonialStatus.APPROVED, approved.status());
    assertEquals(approvedAt, approved.moderatedAt());
    clock.advance(Duration.ofHours(1));
    assertEquals(approved, testimonials.approve(a.id()), "approving again changes nothing");

    Testimonial takenDown = testimonials.reject(a.id());
    assertEquals(TestimonialStatus.REJECTED, takenDown.status());
    assertEquals(clock.instant(), takenDown.moderatedAt());
    assertCode(ErrorCode.INVALID_TRANSITION, "status", () -> testimonials.approve(a.id()));
    clock.advance(Duration.ofHours(1));
    assertEquals(takenDown, testimonials.reject(a.id()), "rejecting again changes nothing");

    assertEquals(TestimonialStatus.REJECTED, testimonials.reject(b.id()).status(), "rejected while pending");
    assertCode(ErrorCode.INVALID_TRANSITION, "status", () -> testimonials.approve(b.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> testimonials.approve(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, null, () -> testimonials.reject(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, null, () -> testimonials.get(987_654_321L));

    for (TestimonialStatus from : TestimonialStatus.values()) {
      assertFalse(from.canMoveTo(from), from + " to itself is not a move");
      assertFalse(from.canMoveTo(TestimonialStatus.PENDING), "nothing goes back to PENDING");
    }
    assertTrue(TestimonialStatus.APPROVED.canMoveTo(TestimonialStatus.REJECTED));
  }

  @Test
  void aStoredSubmissionAndEachMoveWriteTheirEventAndRepeatsRefusalsAndNoOpsWriteNone() {
    Testimonial a = testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of("Lovely mugs").withRating(4));
    testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of("Lovely mugs").withRating(4));
    assertCode(ErrorCode.CONFLICT, "participant", () -> testimonials.submit(ParticipantRef.id(ada.id()),
        NewTestimonial.of("Other")));
    Participant bob = enrol("bob@example.com");
    Testimonial b = testimonials.submit(ParticipantRef.id(bob.id()), NewTestimonial.of("Slow"));
    clock.advance(Duration.ofHours(1));
    testimonials.approve(a.id());
    testimonials.approve(a.id());
    clock.advance(Duration.ofHours(1));
    Testimonial takenDown = testimonials.reject(a.id());
    testimonials.reject(a.id());
    assertCode(ErrorCode.INVALID_TRANSITION, "status", () -> testimonials.approve(a.id()));
    testimonials.reject(b.id());
    assertCode(ErrorCode.INVALID_TRANSITION, "status", () -> testimonials.approve(b.id()));

    List<LoyaltyEvent> events = FeedReads.events(engines.get(0), scope, EventFilter.types(
        EventType.TESTIMONIAL_SUBMITTED, EventType.TESTIMONIAL_APPROVED, EventType.TESTIMONIAL_REJECTED));
    List<LoyaltyEvent> ofAda = FeedReads.ofParticipant(events, ada.id());
    assertEquals(List.of(EventType.TESTIMONIAL_SUBMITTED, EventType.TESTIMONIAL_APPROVED,
        EventType.TESTIMONIAL_REJECTED), FeedReads.types(ofAda), "one per change, none for a repeat or refusal");
    assertEquals(List.of(EventType.TESTIMONIAL_SUBMITTED, EventType.TESTIMONIAL_REJECTED),
        FeedReads.types(FeedReads.ofParticipant(events, bob.id())));
    assertTrue(events.stream().allMatch(e -> e.campaignId() == campaign.id()));

    Map<String, Object> submitted = FeedReads.payload(ofAda.get(0));
    assertEquals(Set.of("testimonial"), submitted.keySet());
    assertEquals(Long.toString(a.id()), JsonValues.at(submitted, "testimonial", "id"));
    assertEquals(Long.toString(campaign.id()), JsonValues.at(submitted, "testimonial", "campaignId"));
    assertEquals(Long.toString(ada.id()), JsonValues.at(submitted, "testimonial", "participantId"));
    assertEquals("Lovely mugs", JsonValues.at(submitted, "testimonial", "text"));
    assertEquals(4L, JsonValues.at(submitted, "testimonial", "rating"));
    assertEquals("PENDING", JsonValues.at(submitted, "testimonial", "status"));
    assertEquals(START.toString(), JsonValues.at(submitted, "testimonial", "createdAt"));
    assertNull(JsonValues.at(submitted, "testimonial", "moderatedAt"));
    assertEquals(START.plus(Duration.ofHours(1)).toString(),
        JsonValues.at(FeedReads.payload(ofAda.get(1)), "testimonial", "moderatedAt"));
    assertEquals("APPROVED", JsonValues.at(FeedReads.payload(ofAda.get(1)), "testimonial", "status"));
    Map<String, Object> rejected = FeedReads.payload(ofAda.get(2));
    assertEquals("REJECTED", JsonValues.at(rejected, "testimonial", "status"));
    assertEquals(takenDown.moderatedAt().toString(), JsonValues.at(rejected, "testimonial", "moderatedAt"));
    assertNull(JsonValues.at(FeedReads.payload(FeedReads.ofParticipant(events, bob.id()).get(0)),
        "testimonial", "rating"), "no rating: null");
  }

  @Test
  void listsPageThroughACampaignInSubmissionOrderByStatus() {
    List<Testimonial> submitted = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      submitted.add(testimonials.submit(ParticipantRef.id(enrol("p" + i + "@example.com").id()),
          NewTestimonial.of("T" + i)));
    }
    testimonials.approve(submitted.get(2).id());
    testimonials.approve(submitted.get(5).id());
    testimonials.reject(submitted.get(6).id());

    CursorPage<Testimonial> first = testimonials.list(campaign.id(), null, Keyset.first(3));
    assertEquals(List.of("T0", "T1", "T2"), texts(first));
    assertTrue(first.hasMore());
    CursorPage<Testimonial> second = testimonials.list(campaign.id(), null, Keyset.after(first.nextId(), 3));
    assertEquals(List.of("T3", "T4", "T5"), texts(second));
    CursorPage<Testimonial> third = testimonials.list(campaign.id(), null, Keyset.after(second.nextId(), 3));
    assertEquals(List.of("T6"), texts(third));
    assertFalse(third.hasMore());
    assertEquals(List.of("T2", "T5"), texts(testimonials.list(campaign.id(), TestimonialStatus.APPROVED,
        Keyset.first(10))));
    assertEquals(List.of("T0", "T1", "T3", "T4"), texts(testimonials.list(campaign.id(), TestimonialStatus.PENDING,
        Keyset.first(10))));
    assertCode(ErrorCode.NOT_FOUND, null, () -> testimonials.list(987_654_321L, null, Keyset.first(10)));
    assertCode(ErrorCode.VALIDATION_ERROR, "page", () -> testimonials.list(campaign.id(), null, null));
  }

  @Test
  void aDeletedParticipantTakesItsTestimonialAndAnotherTenantSeesNone() {
    Testimonial mine = testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of("Mine"));
    LoyaltyEngine engine = engines.get(0);
    TenantScope other = engine.forTenant(engine.tenants().create(NewTenant.business("Other")).id());
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.testimonials().get(mine.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.testimonials().approve(mine.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.testimonials().reject(mine.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.testimonials().of(ParticipantRef.id(ada.id())));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.testimonials().list(campaign.id(), null, Keyset.first(5)));
    assertEquals(TestimonialStatus.PENDING, testimonials.get(mine.id()).status(), "untouched by the other tenant");

    scope.participants().delete(ParticipantRef.id(ada.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> testimonials.get(mine.id()));
    assertEquals(List.of(), all(null));
  }

  @Test
  void theTextStaysOutOfToStringAndErrorMessages() {
    String secret = "call me on +44 20 7946 0000";
    Testimonial t = testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of(secret).withRating(2));
    assertFalse(t.toString().contains("7946"), t.toString());
    assertFalse(NewTestimonial.of(secret).toString().contains("7946"));
    LoyaltyException conflict = assertThrows(LoyaltyException.class,
        () -> testimonials.submit(ParticipantRef.id(ada.id()), NewTestimonial.of(secret + "!")));
    assertFalse(conflict.getMessage().contains("7946"), conflict.getMessage());
    assertNull(testimonials.get(t.id()).moderatedAt());
  }

  private Participant enrol(String email) {
    return scope.participants().create(campaign.id(), NewParticipant.withEmail(email));
  }

  private List<Testimonial> all(TestimonialStatus status) {
    return testimonials.list(campaign.id(), status, Keyset.first(100)).items();
  }

  private static List<String> texts(CursorPage<Testimonial> page) {
    return page.items().stream().map(Testimonial::text).toList();
  }
}
