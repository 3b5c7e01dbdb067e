package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.model.ScenarioEvents.Some;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Testimonials of a real engine, driven against a reference model by a {@link ModelRunner}: seeded sequences of
 * submissions (valid, repeated with the same or another text or rating, or breaking a rule of
 * {@link NewTestimonial}), approvals and rejections, reads by id and by participant, keyset-paged lists by campaign
 * and status, participant deletions and moves of the engine's settable clock, by four participants of one campaign,
 * one of another and one that does not exist.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(storage).clock(clock)
 *     .events(EventSettings.builder().manualDispatch().build()).build();
 * TestimonialScenario.runner(engine, clock, outcome -> {}).steps(120).build()
 *     .runSeeds(TestimonialScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine with two
 * campaigns; operations name participants by slot, and a testimonial by its writer's slot (one that never wrote one,
 * or slot {@value #NOBODY}, names a testimonial that does not exist). The engine must dispatch events manually: the
 * scenario runs the dispatch rounds that position its events in the change feed. Like {@link LeaderboardScenario}
 * it sets the clock back to where it stood when the runner was built at the start of every run, so that a
 * shortened sequence sees the same times; within a run the clock moves forward by up to ten minutes at a time, with
 * nanoseconds, so that truncation to microseconds shows.
 *
 * <h2>The rules the model follows ({@link io.loyaltyengine.testimonials.Testimonials}' javadoc)</h2>
 * A submission breaking a rule of {@link NewTestimonial} (text 1..5,000 characters once stripped, without control
 * characters; rating 1..5 or null) is VALIDATION_ERROR naming the field, an unknown or deleted participant NOT_FOUND
 * (the javadoc gives no order, so a call breaking several may be refused for any); a participant's first submission
 * stores a PENDING testimonial, its text stripped; a repeat with the same (stripped) text and rating returns the
 * stored testimonial, whatever its status now, and another text or rating is CONFLICT on {@code participant}.
 * Approval moves PENDING to APPROVED, returns an APPROVED one unchanged, and is INVALID_TRANSITION for a REJECTED
 * one; rejection moves PENDING or APPROVED to REJECTED and returns a REJECTED one unchanged; both are NOT_FOUND for
 * an unknown testimonial or one deleted with its participant. {@code createdAt} is the engine's clock at the
 * submission and {@code moderatedAt} at the last change of status (both truncated to microseconds, as every time the
 * engine keeps); {@code moderatedAt} is null while PENDING and changes only when the status does.
 *
 * <h2>The events the model expects ({@link EventType}'s and {@link io.loyaltyengine.testimonials.Testimonials}'
 * javadoc)</h2>
 * A stored submission writes {@code testimonial.submitted}, a move to APPROVED {@code testimonial.approved}, one to
 * REJECTED (from PENDING, or a take-down) {@code testimonial.rejected}, each about the writer, in its campaign, at the
 * engine's clock, with the payload {@code {"testimonial": {"id", "campaignId", "participantId", "text", "rating",
 * "status", "createdAt", "moderatedAt"}}} (the id a string) as the testimonial stands after the change. A replay, a
 * refusal and a move to the status it has write none. A deletion writes {@code participant.deleted} about the
 * participant as it was; an enrolment {@code participant.created}.
 *
 * <h2>Checked at every step and after every step</h2>
 * Every call's result or error code (and field) is the model's, times included; after every step the change feed
 * holds exactly the events the model expects of the step, in order, with the participant's next sequence numbers and
 * the payloads above; each participant's testimonial read by participant and by id is the model's (NOT_FOUND once
 * deleted), and each campaign's list, all and per status, walked a page of two at a time, is the model's
 * testimonials in submission order, each one every field.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class TestimonialScenario {
  /** The slot of a participant that never exists. */
  public static final int NOBODY = 99;

  /** Slots 0..3 are of the first campaign, slot 4 of the second. */
  private static final int PARTICIPANTS = 5;
  private static final int FIRST_CAMPAIGN = 4;
  private static final int MAX_TEXT = 5_000;
  private static final List<String> TEXTS = List.of("Great shop!", "  Great shop!  ", "Meh.",
      "🎁 Zoë's «favourite»", "Robert'); DROP TABLE testimonial;--");
  private static final List<String> INVALID_TEXTS = List.of("   ", "bell \u0007 rings", "x".repeat(MAX_TEXT + 1));
  private static final long[] DEFAULT_SEEDS = {41L, 42L, 43L};

  /** A first submission, stored. */
  public static final String SUBMITTED = "submitted";
  /** A repeated submission answered with the stored testimonial. */
  public static final String REPLAYED = "replayed";
  /** A repeated submission answered with a testimonial moderated since. */
  public static final String REPLAYED_MODERATED = "replayed after moderation";
  /** A submission with another text or rating than the stored one. */
  public static final String CONFLICT = "CONFLICT on participant";
  /** A submission breaking a rule of {@link NewTestimonial}. */
  public static final String INVALID = "VALIDATION_ERROR";
  /** An unknown or deleted participant, testimonial or campaign. */
  public static final String NOT_FOUND = "NOT_FOUND";
  /** A PENDING testimonial approved. */
  public static final String APPROVED = "approved";
  /** A PENDING testimonial rejected. */
  public static final String REJECTED = "rejected";
  /** An APPROVED testimonial taken down. */
  public static final String TAKEN_DOWN = "taken down";
  /** An approval of an APPROVED testimonial, or a rejection of a REJECTED one. */
  public static final String UNCHANGED = "unchanged";
  /** An approval of a REJECTED testimonial. */
  public static final String INVALID_TRANSITION = "INVALID_TRANSITION on status";
  /** A participant deleted with its testimonial. */
  public static final String DELETED = "deleted";
  /** A list read. */
  public static final String LISTED = "listed";
  /** The longest move of the clock, in nanoseconds: ten minutes. */
  private static final long MAX_TICK_NANOS = Duration.ofMinutes(10).toNanos();

  private TestimonialScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test, dispatching events manually, whose clock is {@code clock}; each run creates
   *     its own tenant in it
   * @param clock the engine's clock: set back to its present instant at the start of every run, then moved forward
   * @param outcomes told the outcome of every call (one of {@link #outcomes()})
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(outcomes, "outcomes");
    Instant origin = clock.instant();
    return ModelRunner.<Run, Model, Op>builder()
        .name("testimonials")
        .system(() -> new Run(engine, clock, origin))
        .model(run -> new Model())
        .operations((random, previous) -> next(random))
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(TestimonialScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(SUBMITTED, REPLAYED, REPLAYED_MODERATED, CONFLICT, INVALID, NOT_FOUND, APPROVED, REJECTED,
        TAKEN_DOWN, UNCHANGED, INVALID_TRANSITION, DELETED, LISTED);
  }

  private static Op next(RandomGenerator random) {
    int roll = random.nextInt(100);
    int slot = random.nextInt(40) == 0 ? NOBODY : random.nextInt(PARTICIPANTS);
    if (roll < 2) {
      return new Delete(random.nextInt(PARTICIPANTS));
    }
    if (roll < 20) {
      return new Moderate(slot, true);
    }
    if (roll < 34) {
      return new Moderate(slot, false);
    }
    if (roll < 42) {
      return new Tick(1 + random.nextLong(MAX_TICK_NANOS));
    }
    if (roll < 50) {
      TestimonialStatus status = Gen.elements(TestimonialStatus.values()).next(random);
      return new ListPage(random.nextInt(12) == 0 ? -1 : random.nextInt(2), random.nextInt(4) == 0 ? null : status);
    }
    String text = random.nextInt(10) == 0 ? Gen.elements(INVALID_TEXTS).next(random) : Gen.elements(TEXTS).next(random);
    int r = random.nextInt(20);
    Integer rating = r < 6 ? null : r == 6 ? Gen.elements(0, 6, -1).next(random)
        : random.nextBoolean() ? 5 : 1 + random.nextInt(5);
    return new Submit(slot, text, rating);
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    if (op instanceof Submit s) {
      submit(run, model, s, outcomes);
    } else if (op instanceof Moderate m) {
      moderate(run, model, m, outcomes);
    } else if (op instanceof ListPage l) {
      if (l.campaign() < 0) {
        String actual = answer(() -> run.scope.testimonials().list(run.unknownId, l.status(), Keyset.first(2)));
        assertEquals(NOT_FOUND, actual, l::toString);
        outcomes.accept(actual);
      } else {
        checkList(run, model, l.campaign(), l.status(), l.toString());
        outcomes.accept(LISTED);
      }
    } else if (op instanceof Delete d) {
      if (model.deleted.contains(d.slot())) {
        return;
      }
      Participant p = run.participants.get(d.slot());
      run.scope.participants().delete(ParticipantRef.id(p.id()));
      // The participant as it was: it has no points here, and testimonials change none of its fields.
      run.events.expect(EventType.PARTICIPANT_DELETED, p.campaignId(), p.id(), now(run),
          ScenarioEvents.fields("participant", participantFields(p)));
      model.deleted.add(d.slot());
      model.order.remove(d.slot());
      outcomes.accept(DELETED);
    } else if (op instanceof Tick t) {
      run.clock.advance(Duration.ofNanos(t.nanos()));
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void submit(Run run, Model model, Submit s, Consumer<String> outcomes) {
    Set<String> refusals = new LinkedHashSet<>();
    String stripped = s.text().strip();
    if (stripped.isEmpty() || stripped.codePointCount(0, stripped.length()) > MAX_TEXT
        || stripped.chars().anyMatch(Character::isISOControl)) {
      refusals.add(ErrorCode.VALIDATION_ERROR + " on text");
    }
    if (s.rating() != null && (s.rating() < 1 || s.rating() > 5)) {
      refusals.add(ErrorCode.VALIDATION_ERROR + " on rating");
    }
    if (s.slot() == NOBODY || model.deleted.contains(s.slot())) {
      refusals.add(NOT_FOUND);
    }
    Stored stored = refusals.isEmpty() ? model.stored[s.slot()] : null;
    if (stored != null && (!stored.text.equals(stripped) || !Objects.equals(stored.rating, s.rating()))) {
      refusals.add(CONFLICT);
    }
    Testimonial got;
    try {
      got = run.scope.testimonials().submit(ref(run, s.slot()), new NewTestimonial(s.text(), s.rating()));
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      assertTrue(refusals.contains(actual), () -> s + ": expected " + (refusals.isEmpty() ? "a testimonial"
          : "one of " + refusals) + " but got " + actual);
      outcomes.accept(actual.startsWith(ErrorCode.VALIDATION_ERROR.name()) ? INVALID : actual);
      return;
    }
    assertTrue(refusals.isEmpty(), () -> s + ": expected one of " + refusals + " but got " + got);
    if (stored != null) {
      assertTestimonial(run, s.slot(), stored, got, s + ": the stored testimonial");
      outcomes.accept(stored.status == TestimonialStatus.PENDING ? REPLAYED : REPLAYED_MODERATED);
      return;
    }
    Stored fresh = new Stored(got.id(), stripped, s.rating(), now(run));
    assertTestimonial(run, s.slot(), fresh, got, s + ": a new testimonial");
    assertTrue(run.ids.add(got.id()), () -> s + ": a new testimonial reuses an id");
    expectEvent(run, EventType.TESTIMONIAL_SUBMITTED, s.slot(), fresh);
    model.stored[s.slot()] = fresh;
    model.order.add(s.slot());
    outcomes.accept(SUBMITTED);
  }

  private static void moderate(Run run, Model model, Moderate m, Consumer<String> outcomes) {
    Stored stored = m.slot() == NOBODY || model.deleted.contains(m.slot()) ? null : model.stored[m.slot()];
    long id = m.slot() == NOBODY || model.stored[m.slot()] == null ? run.unknownId : model.stored[m.slot()].id;
    TestimonialStatus to = m.approve() ? TestimonialStatus.APPROVED : TestimonialStatus.REJECTED;
    String expected;
    if (stored == null) {
      expected = NOT_FOUND;
    } else if (stored.status == to) {
      expected = UNCHANGED;
    } else if (m.approve() && stored.status == TestimonialStatus.REJECTED) {
      expected = INVALID_TRANSITION;
    } else {
      expected = m.approve() ? APPROVED : stored.status == TestimonialStatus.APPROVED ? TAKEN_DOWN : REJECTED;
    }
    Testimonial got;
    try {
      got = m.approve() ? run.scope.testimonials().approve(id) : run.scope.testimonials().reject(id);
    } catch (LoyaltyException e) {
      String actual = refusal(e);
      assertEquals(expected, actual, m::toString);
      outcomes.accept(actual);
      return;
    }
    assertTrue(stored != null && !expected.equals(INVALID_TRANSITION),
        () -> m + ": expected " + expected + " but got " + got);
    if (!expected.equals(UNCHANGED)) {
      stored.status = to;
      stored.moderatedAt = now(run);
      expectEvent(run, m.approve() ? EventType.TESTIMONIAL_APPROVED : EventType.TESTIMONIAL_REJECTED, m.slot(),
          stored);
    }
    assertTestimonial(run, m.slot(), stored, got, m.toString());
    outcomes.accept(expected);
  }

  /** The engine's clock as the engine keeps times: truncated to microseconds. */
  private static Instant now(Run run) {
    return run.clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  /** The event of a submission or a move, about the writer, with the testimonial as it stands now. */
  private static void expectEvent(Run run, EventType type, int slot, Stored t) {
    Participant writer = run.participants.get(slot);
    run.events.expect(type, writer.campaignId(), writer.id(), now(run), ScenarioEvents.fields("testimonial",
        ScenarioEvents.fields("id", Long.toString(t.id), "campaignId", writer.campaignId(), "participantId",
            writer.id(), "text", t.text, "rating", t.rating, "status", t.status.name(), "createdAt",
            ScenarioEvents.time(t.createdAt), "moderatedAt", ScenarioEvents.time(t.moderatedAt))));
  }

  /** The fields of a participant event's participant that the scenario knows. */
  private static Some participantFields(Participant p) {
    return new Some(ScenarioEvents.fields("id", p.id(), "campaignId", p.campaignId(), "email", p.email(),
        "pointsBalance", 0L, "lifetimePoints", 0L));
  }

  /** What a refusal answers: NOT_FOUND whatever it names, else its code and field. */
  private static String refusal(LoyaltyException e) {
    return e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
  }

  /** {@code "done"} after {@code call} went through, else what it was refused with. */
  private static String answer(Runnable call) {
    try {
      call.run();
      return "done";
    } catch (LoyaltyException e) {
      return refusal(e);
    }
  }

  private static ParticipantRef ref(Run run, int slot) {
    return ParticipantRef.id(slot == NOBODY ? run.unknownId : run.participants.get(slot).id());
  }

  private static void assertTestimonial(Run run, int slot, Stored expected, Testimonial actual, String what) {
    assertEquals(expected.id, actual.id(), () -> what + ": id");
    assertEquals(run.scope.tenantId(), actual.tenantId(), () -> what + ": tenant");
    assertEquals(slot < FIRST_CAMPAIGN ? run.campaignIds.get(0) : run.campaignIds.get(1), actual.campaignId(),
        () -> what + ": the writer's campaign");
    assertEquals(run.participants.get(slot).id(), actual.participantId(), () -> what + ": writer");
    assertEquals(expected.text, actual.text(), () -> what + ": text, stripped");
    assertEquals(expected.rating, actual.rating(), () -> what + ": rating");
    assertEquals(expected.status, actual.status(), () -> what + ": status");
    assertEquals(expected.createdAt, actual.createdAt(), () -> what + ": createdAt");
    if (expected.status == TestimonialStatus.PENDING) {
      assertNull(actual.moderatedAt(), () -> what + ": no moderatedAt while PENDING");
    } else {
      assertEquals(expected.moderatedAt, actual.moderatedAt(), () -> what + ": moderatedAt, set when it last moved");
    }
  }

  /** The ids of a campaign's testimonials in {@code status} (null: all), in submission order. */
  private static List<Long> expectedList(Model model, int campaign, TestimonialStatus status) {
    List<Long> ids = new ArrayList<>();
    for (int slot : model.order) {
      Stored s = model.stored[slot];
      if ((slot < FIRST_CAMPAIGN) == (campaign == 0) && (status == null || s.status == status)) {
        ids.add(s.id);
      }
    }
    return ids;
  }

  /**
   * The engine's list, walked a page of two at a time, is the model's: its ids in order, and each testimonial as the
   * model has it, every field (a list that showed a stale status, text or time would pass on its ids alone).
   */
  private static void checkList(Run run, Model model, int campaign, TestimonialStatus status, String what) {
    List<Testimonial> listed =
        Pages.all(page -> run.scope.testimonials().list(run.campaignIds.get(campaign), status, page), 2);
    assertEquals(expectedList(model, campaign, status), listed.stream().map(Testimonial::id).toList(), what);
    for (Testimonial t : listed) {
      int slot = model.order.stream().filter(s -> model.stored[s].id == t.id()).findFirst().orElseThrow();
      assertTestimonial(run, slot, model.stored[slot], t, what + ", p" + slot + "'s");
    }
  }

  private static void check(Run run, Model model) {
    run.events.check("the events of the step");
    for (int slot = 0; slot < PARTICIPANTS; slot++) {
      Stored stored = model.stored[slot];
      String who = "testimonial of p" + slot;
      if (model.deleted.contains(slot)) {
        ParticipantRef ref = ref(run, slot);
        assertEquals(NOT_FOUND, answer(() -> run.scope.testimonials().of(ref)), who + ": its writer is deleted");
        if (stored != null) {
          assertEquals(NOT_FOUND, answer(() -> run.scope.testimonials().get(stored.id)), who + ": deleted with it");
        }
        continue;
      }
      Optional<Testimonial> of = run.scope.testimonials().of(ref(run, slot));
      assertEquals(stored != null, of.isPresent(), who + ": by participant");
      if (stored != null) {
        assertTestimonial(run, slot, stored, of.get(), who + " by participant");
        assertTestimonial(run, slot, stored, run.scope.testimonials().get(stored.id), who + " by id");
      }
    }
    for (int campaign = 0; campaign < 2; campaign++) {
      checkList(run, model, campaign, null, "all of campaign " + campaign);
      for (TestimonialStatus status : TestimonialStatus.values()) {
        checkList(run, model, campaign, status, status + " of campaign " + campaign);
      }
    }
  }

  /**
   * One run's system under test: a fresh tenant of the engine with two campaigns, four participants in the first and
   * one in the second, the engine's clock and the tenant's change feed. Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final SettableClock clock;
    private final ScenarioEvents events;
    private final List<Long> campaignIds = new ArrayList<>();
    private final List<Participant> participants = new ArrayList<>();
    private final Set<Long> ids = new HashSet<>();
    /** An id nothing has: ids are positive and time-ordered, far below this one. */
    private final long unknownId = Long.MAX_VALUE - 7;

    Run(LoyaltyEngine engine, SettableClock clock, Instant origin) {
      this.clock = clock;
      clock.set(origin);
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Testimonial model run")).id());
      this.events = new ScenarioEvents(engine, scope);
      long brand = scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id();
      campaignIds.add(scope.campaigns().create(NewCampaign.running(brand, "Model campaign")).id());
      campaignIds.add(scope.campaigns().create(NewCampaign.running(brand, "Other campaign")).id());
      for (int i = 0; i < PARTICIPANTS; i++) {
        long campaign = campaignIds.get(i < FIRST_CAMPAIGN ? 0 : 1);
        Participant p = scope.participants().create(campaign, NewParticipant.withEmail("p" + i + "@m.example"));
        participants.add(p);
        events.expect(EventType.PARTICIPANT_CREATED, campaign, p.id(), now(this),
            ScenarioEvents.fields("participant", participantFields(p)));
      }
    }

    @Override
    public String toString() {
      return "TestimonialScenario.Run[tenant=" + scope.tenantId() + "]";
    }
  }

  /**
   * What testimonials must do: each participant's stored testimonial, the order they were submitted in, and who has
   * been deleted. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final Stored[] stored = new Stored[PARTICIPANTS];
    private final Set<Integer> order = new LinkedHashSet<>();
    private final Set<Integer> deleted = new HashSet<>();

    Model() {
    }

    @Override
    public String toString() {
      return "TestimonialScenario.Model[order=" + order + ", stored=" + java.util.Arrays.toString(stored)
          + ", deleted=" + deleted + "]";
    }
  }

  /** A stored testimonial as the model knows it. */
  private static final class Stored {
    private final long id;
    private final String text;
    private final Integer rating;
    private final Instant createdAt;
    private TestimonialStatus status = TestimonialStatus.PENDING;
    private Instant moderatedAt;

    Stored(long id, String text, Integer rating, Instant createdAt) {
      this.id = id;
      this.text = text;
      this.rating = rating;
      this.createdAt = createdAt;
    }

    @Override
    public String toString() {
      return status + (rating == null ? "" : " rated " + rating);
    }
  }

  /** An operation of the scenario, naming participants (and their testimonials) by slot. Immutable and thread-safe. */
  public sealed interface Op permits Submit, Moderate, ListPage, Delete, Tick {
  }

  /**
   * The participant in {@code slot} submits a testimonial. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..4, or {@value #NOBODY}
   * @param text the text, valid or not
   * @param rating the rating, valid, invalid or null
   */
  public record Submit(int slot, String text, Integer rating) implements Op {
    @Override
    public String toString() {
      String shown = text.length() > 40 ? text.length() + " characters" : "\"" + text + "\"";
      return "p" + slot + " submits " + shown + (rating == null ? "" : " rated " + rating);
    }
  }

  /**
   * A moderator approves or rejects the testimonial of the participant in {@code slot}. Immutable and thread-safe.
   *
   * @param slot the writer's slot, 0..4, or {@value #NOBODY}
   * @param approve an approval, else a rejection
   */
  public record Moderate(int slot, boolean approve) implements Op {
    @Override
    public String toString() {
      return (approve ? "approve" : "reject") + " the testimonial of p" + slot;
    }
  }

  /**
   * Lists a campaign's testimonials in a status, checked against the model. Immutable and thread-safe.
   *
   * @param campaign 0 or 1, or -1 for one that does not exist
   * @param status the status, or null for all
   */
  public record ListPage(int campaign, TestimonialStatus status) implements Op {
    @Override
    public String toString() {
      return "list " + (status == null ? "all" : status) + " of campaign " + campaign;
    }
  }

  /**
   * Deletes the participant in {@code slot}, and with it its testimonial. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..4
   */
  public record Delete(int slot) implements Op {
    @Override
    public String toString() {
      return "delete p" + slot;
    }
  }

  /**
   * Moves the engine's clock forward. Immutable and thread-safe.
   *
   * @param nanos by how many nanoseconds, 1 to ten minutes' worth
   */
  public record Tick(long nanos) implements Op {
    @Override
    public String toString() {
      return "clock +" + Duration.ofNanos(nanos);
    }
  }
}
