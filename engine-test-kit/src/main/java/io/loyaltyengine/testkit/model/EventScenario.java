package io.loyaltyengine.testkit.model;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Event delivery of a real engine, driven against a reference model by a {@link ModelRunner}: seeded sequences of
 * awards (some retried with their idempotency key), deductions (some refused for insufficient points), deductions
 * capped at the balance (some taking nothing), bulk requests over several participants, loyalty actions (enrolling
 * unknown emails; every second one unlocks a POINTS reward: four events in one unit of work), enrolments (refused
 * while the slot's participant lives), profile updates and deletions (later changes to a deleted participant
 * refused), interleaved with dispatch rounds (the clock moved between the rounds of one operation) in which the run's
 * three listeners throw on a seeded share of their calls, moves of the settable clock, replays of parked deliveries,
 * and settling: no call fails, rounds and clock moves until nothing is pending.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder().storage(storage).clock(clock).events(EventScenario.SETTINGS).build();
 * EventScenario.runner(engine, clock, EventScenario.SETTINGS, outcome -> {}).steps(100).build()
 *     .runSeeds(EventScenario.defaultSeeds());
 * EventScenario.runner(List.of(engine, engineOnTheSameDatabase), clock, EventScenario.SETTINGS, outcome -> {})...;
 * }</pre>
 *
 * <p>The engines must dispatch manually (the scenario drives every round) and keep dispatched events longer than a
 * run moves the clock (a day is plenty), so that nothing is pruned; a small {@link EventSettings#listenerMaxAttempts()}
 * (as {@link #SETTINGS}' 4) lets deliveries be parked. Each run (and re-run while shortening a failure) first
 * dispatches until idle, so that what an earlier failed run left unpositioned is not fanned out to this run's
 * listeners; then it works in a fresh tenant with two campaigns (slots 0 to 2 in the first, 3 and 4 in the second)
 * and one participant per slot to start with, and subscribes three listeners of its own, removed when it ends: every
 * event; the points events of the first campaign; the participant and reward-approval events of any campaign. Like
 * {@link LeaderboardScenario} it sets the clock back to where it stood when the runner was built. Every
 * {@value #SETTLE_EVERY}th operation settles, so a run of a multiple of that many steps ends settled. Failing calls
 * are chosen from the operation's salt, the listener, the participant's order of enrolment, the event's sequence and
 * the count of calls, so a replayed sequence fails the same calls.
 *
 * <h2>The model</h2>
 * The model numbers each participant's events as they commit (refusals, replays and a capped deduction that takes
 * nothing write none) and follows each (listener, event) delivery: created PENDING and due when a round positions the
 * event; then acknowledged, or failed and due again after the listener backoff (1 s doubling up to 5 min, with at
 * most 20% jitter: the model keeps the window the retry falls in), or parked at the last attempt; a replay makes it
 * PENDING and due at once. A clock move that would end inside a window moves on to its end, so the model always knows
 * which deliveries are due, whatever the jitter.
 *
 * <h2>Checked</h2>
 * <ul>
 *   <li>Each operation's result (balances, replays, refusals with their codes).
 *   <li>The change feed, read on after every round from the cursor of the last read (pages of 3): each event once, in
 *       growing positions, as many as the round reports positioned, of a committed change (none of a refusal); the
 *       fields (tenant, campaign, participant, sequence, time, schema version 1, a unique id) and payload (kind,
 *       amount, requested amount, key, balance after, balance, lifetime points, email, tier) the model expects. An
 *       event is left unpositioned only when the round positioned a whole batch.
 *   <li>Each round's listener calls: exactly the deliveries the model holds due and neither behind an earlier PENDING
 *       delivery of the same participant and listener nor behind an earlier event of the participant not positioned
 *       yet (fewer only when more than a batch are due), each once; so no call for an event the listener's filter
 *       rejects, before its backoff ran out, or again once acknowledged, and a subscriber gets at most one event per
 *       participant per round. The event handed over equals the feed's. The report's delivered, retried and parked
 *       counts match the calls; nothing is pruned.
 *   <li>Per listener and participant, the events acknowledged for the first time are in sequence order, leaving out
 *       those once parked: a parked event lets the participant's later ones go on.
 *   <li>No listener is called outside a round: nothing but the outbox write happens on the write path.
 *   <li>When settled: nothing pending; each listener's parked deliveries (paged) are exactly those the model parked,
 *       oldest first, with the attempts made and the listener's exception type; once replayed (a second replay finds
 *       none) and dispatched, every committed event that passes a listener's filter was acknowledged by it. The whole
 *       feed read again from the start, in pages of the operation's size, is the list read on the way, and a
 *       filtered read (points events of the second campaign) is its projection.
 * </ul>
 *
 * <h2>Several engine instances</h2>
 * Given several engines on one database, the listeners are subscribed on each under the same names (as
 * {@link io.loyaltyengine.events.Events} asks); the changes of step {@code s} go through engine {@code s mod n}, the
 * feed and parked reads through the next one, and the rounds to each engine in turn, so deliveries fanned out and
 * failed on one instance are claimed on another. The same checks hold, but one: with one engine the feed must follow
 * commit order (every event of an earlier operation, and every earlier event of the participant, before it); across
 * instances it need not (docs/ARCHITECTURE.md, Events): the dispatcher positions events in id order, ids of two
 * instances in one millisecond are ordered by node, and a participant's events split across two positioning batches
 * can be positioned out of order. Delivery order does not depend on it, and that is checked as above.
 *
 * <p>Thread-safe: every run builds its own state. Manual dispatch calls the listeners on the thread running the
 * runner, which also calls the outcome consumer.
 */
public final class EventScenario {
  /** Manual dispatch and four attempts before a listener delivery is parked; the rest default. */
  public static final EventSettings SETTINGS = EventSettings.builder().manualDispatch().listenerMaxAttempts(4)
      .build();
  /** Every this many operations, one settles. */
  public static final int SETTLE_EVERY = 25;

  private static final int SLOTS = 5;
  /** Slots below this are in the first campaign, the others in the second. */
  private static final int FIRST_CAMPAIGN_SLOTS = 3;
  private static final int ACTIONS_PER_UNLOCK = 2;
  private static final long REWARD_POINTS = 5;
  private static final int FEED_PAGE = 3;
  private static final int MAX_SETTLE_ROUNDS = 500;
  private static final long[] DEFAULT_SEEDS = {1L, 2L, 3L};
  private static final List<String> TIERS = List.of("gold", "silver", "");
  private static final Set<EventType> POINTS_TYPES = Set.of(EventType.POINTS_AWARDED, EventType.POINTS_DEDUCTED);
  private static final Set<EventType> LIFECYCLE_TYPES = Set.of(EventType.PARTICIPANT_CREATED,
      EventType.PARTICIPANT_UPDATED, EventType.PARTICIPANT_DELETED, EventType.REWARD_APPROVED);

  /** A deduction refused for insufficient points. */
  public static final String REFUSED = "a deduction refused for insufficient points";
  /** A change to a deleted participant refused (NOT_FOUND). */
  public static final String NOT_FOUND = "a change to a deleted participant refused";
  /** An enrolment of a living participant's email refused (CONFLICT). */
  public static final String TAKEN = "an enrolment of a taken email refused";
  /** An award retried with its idempotency key. */
  public static final String REPLAYED = "an award replayed by its key";
  /** A deduction capped at a zero balance. */
  public static final String NOTHING_TAKEN = "a capped deduction that took nothing";
  /** An action that unlocked the POINTS reward: several events of one participant in one unit of work. */
  public static final String UNLOCKED = "an action that unlocked points";
  /** A bulk request that changed two participants or more. */
  public static final String BULK = "a bulk request over several participants";
  /** A participant deleted. */
  public static final String DELETED = "a participant deleted";
  /** A delivery that failed and was acknowledged on a later attempt. */
  public static final String RETRIED = "a failed delivery acknowledged later";
  /** A round that found a retry not yet due. */
  public static final String WAITING = "a retry not yet due";
  /**
   * A due delivery held back behind an earlier PENDING delivery of its participant and listener (or, across
   * instances, behind an earlier event of its participant not positioned yet).
   */
  public static final String BLOCKED = "a due delivery behind its participant's earlier one";
  /** A delivery parked after its last attempt. */
  public static final String PARKED = "a delivery parked";
  /** A participant's later event acknowledged while an earlier one was parked. */
  public static final String PASSED_PARKED = "a later event delivered past a parked one";
  /** A parked delivery replayed and then acknowledged. */
  public static final String REPLAYED_PARKED = "a parked delivery replayed and acknowledged";

  private EventScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test, built with {@code settings} and whose clock is {@code clock}; each run
   *     creates its own tenant in it and subscribes its own listeners
   * @param clock the engine's clock: set back to its present instant at the start of every run, then moved forward
   *     by the scenario
   * @param settings the engine's event settings
   * @param outcomes told the name of every outcome reached (one of {@link #outcomes()})
   * @throws IllegalArgumentException if {@code settings} dispatch in the background or keep events less than a day
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      EventSettings settings, Consumer<String> outcomes) {
    return runner(List.of(Objects.requireNonNull(engine, "engine")), clock, settings, outcomes);
  }

  /**
   * A runner builder preconfigured with this scenario over several engine instances on one database (see the class
   * comment); set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engines the engines under test, on one database, each built with {@code settings} and on {@code clock};
   *     each run creates its own tenant through the first and subscribes its listeners on all of them
   * @param clock the engines' clock: set back to its present instant at the start of every run, then moved forward
   *     by the scenario
   * @param settings the engines' event settings
   * @param outcomes told the name of every outcome reached (one of {@link #outcomes()})
   * @throws IllegalArgumentException if {@code engines} is empty, or {@code settings} dispatch in the background or
   *     keep events less than a day
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(List<LoyaltyEngine> engines, SettableClock clock,
      EventSettings settings, Consumer<String> outcomes) {
    List<LoyaltyEngine> all = List.copyOf(Objects.requireNonNull(engines, "engines"));
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(outcomes, "outcomes");
    if (all.isEmpty()) {
      throw new IllegalArgumentException("engines must not be empty");
    }
    if (settings.backgroundDispatch()) {
      throw new IllegalArgumentException("the scenario drives dispatch: build the engine with manual dispatch");
    }
    if (settings.retention().compareTo(Duration.ofDays(1)) < 0) {
      throw new IllegalArgumentException("events must be kept at least a day, so that a run prunes none");
    }
    Instant origin = clock.instant();
    return ModelRunner.<Run, Model, Op>builder()
        .name(all.size() == 1 ? "events" : "events on " + all.size() + " engines")
        .system(() -> new Run(all, clock, origin))
        .model(run -> run.enrolled(new Model(settings, outcomes)))
        .operations(operations())
        .step(EventScenario::apply)
        .invariant(EventScenario::check);
  }

  /**
   * Three seeds whose 100-step sequences together reach every one of {@link #outcomes()} with {@link #SETTINGS}. A
   * new array each call.
   */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(REFUSED, NOT_FOUND, TAKEN, REPLAYED, NOTHING_TAKEN, UNLOCKED, BULK, DELETED, RETRIED, WAITING,
        BLOCKED, PARKED, PASSED_PARKED, REPLAYED_PARKED);
  }

  /** The operation generator of this scenario: every {@value #SETTLE_EVERY}th operation settles. */
  public static ModelRunner.Operations<Op> operations() {
    return (random, previous) -> {
      if (previous.size() % SETTLE_EVERY == SETTLE_EVERY - 1) {
        return new Settle(1 + random.nextInt(10));
      }
      int dice = random.nextInt(100);
      if (dice < 28) {
        return new Dispatch(1 + random.nextInt(4), List.of(0L, 1_000L, 2_500L, 5_000L).get(random.nextInt(4)),
            List.of(0, 30, 60, 100).get(random.nextInt(4)), random.nextLong());
      } else if (dice < 40) {
        return new Advance(250L * (1 + random.nextInt(40)));
      } else if (dice < 42) {
        return new ReplayParked();
      } else if (dice < 43) {
        return new Settle(1 + random.nextInt(10));
      } else if (dice < 50) {
        return bulk(random);
      }
      int slot = random.nextInt(SLOTS);
      if (dice < 74) {
        return switch (random.nextInt(4)) {
          case 0, 1 -> new Award(slot, 1 + random.nextInt(20), random.nextInt(4) == 0);
          case 2 -> new Deduct(slot, 1 + random.nextInt(30));
          default -> new DeductUpTo(slot, 1 + random.nextInt(30));
        };
      } else if (dice < 84) {
        return new Act(slot);
      } else if (dice < 90) {
        return new Update(slot, TIERS.get(random.nextInt(TIERS.size())));
      } else if (dice < 95) {
        return new Create(slot);
      }
      return new Delete(slot);
    };
  }

  private static Bulk bulk(RandomGenerator random) {
    int size = 2 + random.nextInt(4);
    List<Points> ops = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int slot = random.nextInt(SLOTS);
      long amount = 1 + random.nextInt(25);
      ops.add(switch (random.nextInt(3)) {
        case 0 -> new Award(slot, amount, false);
        case 1 -> new Deduct(slot, amount);
        default -> new DeductUpTo(slot, amount);
      });
    }
    return new Bulk(ops);
  }

  // ==================================================================== operations

  private static void apply(Run run, Model model, Op op) {
    run.step++;
    model.op++;
    model.now = run.now();
    if (op instanceof Points p) {
      applyPoints(run, model, p);
    } else if (op instanceof Bulk b) {
      applyBulk(run, model, b);
    } else if (op instanceof Act a) {
      applyAct(run, model, a);
    } else if (op instanceof Create c) {
      applyCreate(run, model, c);
    } else if (op instanceof Update u) {
      applyUpdate(run, model, u);
    } else if (op instanceof Delete d) {
      applyDelete(run, model, d);
    } else if (op instanceof Dispatch d) {
      for (int i = 0; i < d.rounds(); i++) {
        if (i > 0) {
          advanceTo(run, model, run.now().plusMillis(d.apartMillis()));
        }
        round(run, model, new Plan(d.failPercent(), d.salt() + i));
      }
    } else if (op instanceof Advance a) {
      advanceTo(run, model, model.now.plusMillis(a.millis()));
    } else if (op instanceof ReplayParked) {
      replayParked(run, model);
    } else if (op instanceof Settle s) {
      settle(run, model, s.pageSize());
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void applyPoints(Run run, Model model, Points p) {
    Person person = model.alive(p.slot());
    if (person == null) {
      refuseOnDeleted(run, model, p.slot(), ref -> call(run, ref, p, null));
      return;
    }
    ParticipantRef ref = ParticipantRef.id(person.id);
    String key = p instanceof Award a && a.retried() ? "key-" + run.step : null;
    Object outcome = outcome(() -> call(run, ref, p, key));
    expectOutcome(model, person, p, key, outcome, p);
    if (key != null) {
      long balance = person.balance;
      PointsResult again = call(run, ref, p, key);
      PointsResult first = (PointsResult) outcome;
      expect(again.replayed() && again.balance() == balance && again.entry().id() == first.entry().id(), p,
          "a replay of entry " + first.entry().id() + " with balance " + balance, again);
      model.outcome(REPLAYED);
    }
  }

  private static PointsResult call(Run run, ParticipantRef ref, Points p, String key) {
    PointsChange change = PointsChange.of(p.amount(), "purchase").withIdempotencyKey(key);
    if (p instanceof Award) {
      return run.writer().points().award(ref, change);
    }
    return p instanceof Deduct ? run.writer().points().deduct(ref, change)
        : run.writer().points().deductUpToBalance(ref, change);
  }

  /** Checks one points operation's outcome (a result or the exception) against the model, and applies it there. */
  private static void expectOutcome(Model model, Person person, Points p, String key, Object outcome, Object context) {
    long balance = person.balance;
    boolean refused = p instanceof Deduct && p.amount() > balance;
    long taken = p instanceof DeductUpTo ? Math.min(p.amount(), balance) : p.amount();
    if (refused) {
      expect(outcome instanceof LoyaltyException e && e.code() == ErrorCode.INSUFFICIENT_POINTS, context,
          "INSUFFICIENT_POINTS (balance " + balance + ")", describe(outcome));
      model.outcome(REFUSED);
      return;
    }
    if (taken == 0) {
      expect(outcome instanceof PointsResult r && r.entry() == null && r.balance() == 0, context,
          "nothing taken from a zero balance", describe(outcome));
      model.outcome(NOTHING_TAKEN);
      return;
    }
    boolean award = p instanceof Award;
    person.balance += award ? taken : -taken;
    person.lifetime += award ? taken : 0;
    expect(outcome instanceof PointsResult r && !r.replayed() && r.balance() == person.balance
        && r.entry() != null && r.entry().amount() == taken, context,
        "an entry of " + taken + " and balance " + person.balance, describe(outcome));
    Map<String, String> fields = pointsFields(person, award ? "AWARD" : "DEDUCT", taken);
    fields.put("requestedAmount", p instanceof DeductUpTo ? Long.toString(p.amount()) : "null");
    fields.put("idempotencyKey", key == null ? "null" : quote(key));
    model.commit(person, award ? EventType.POINTS_AWARDED : EventType.POINTS_DEDUCTED, fields);
  }

  private static void applyBulk(Run run, Model model, Bulk bulk) {
    List<Points> sent = new ArrayList<>();
    List<PointsOperation> operations = new ArrayList<>();
    for (Points p : bulk.operations()) {
      Person person = model.bySlot(p.slot());
      if (person == null) {
        continue; // never enrolled: nothing to name
      }
      ParticipantRef ref = ParticipantRef.id(person.id);
      PointsChange change = PointsChange.of(p.amount(), "bulk");
      sent.add(p);
      operations.add(p instanceof Award ? PointsOperation.award(ref, change)
          : p instanceof Deduct ? PointsOperation.deduct(ref, change)
          : PointsOperation.deductUpToBalance(ref, change));
    }
    if (operations.isEmpty()) {
      return;
    }
    List<PointsOutcome> outcomes = run.writer().points().applyAll(operations);
    expect(outcomes.size() == sent.size(), bulk, sent.size() + " outcomes", outcomes.size());
    Set<Long> changed = new HashSet<>();
    for (int i = 0; i < sent.size(); i++) {
      Points p = sent.get(i);
      PointsOutcome o = outcomes.get(i);
      Object outcome = o.succeeded() ? o.result() : o.error();
      Person person = model.bySlot(p.slot());
      String context = bulk + ", operation " + (i + 1);
      if (person.deleted) {
        expect(outcome instanceof LoyaltyException e && e.code() == ErrorCode.NOT_FOUND, context,
            "NOT_FOUND for a deleted participant", describe(outcome));
        model.outcome(NOT_FOUND);
        continue;
      }
      int before = person.events.size();
      expectOutcome(model, person, p, null, outcome, context);
      if (person.events.size() > before) {
        changed.add(person.id);
      }
    }
    if (changed.size() >= 2) {
      model.outcome(BULK);
    }
  }

  private static void applyAct(Run run, Model model, Act act) {
    Person person = model.alive(act.slot());
    String email = person != null ? person.email : model.nextEmail(act.slot());
    long campaign = run.campaignOf(act.slot());
    ActionResult result = run.writer().rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, email),
        run.rewardOf(act.slot())));
    if (person == null) {
      expect(result.participantCreated(), act, "an enrolment", result);
      person = model.enrol(run, act.slot(), result.participantId(), campaign, email);
    }
    expect(result.participantId() == person.id && !result.replayed(), act, "an action of participant " + person.id,
        result);
    person.actions++;
    model.commit(person, EventType.LOYALTY_ACTION_RECORDED, Map.of());
    if (person.actions % ACTIONS_PER_UNLOCK == 0) {
      expect(result.unlocked().size() == 1, act, "one reward unlocked", result.unlocked());
      person.balance += REWARD_POINTS;
      person.lifetime += REWARD_POINTS;
      model.commit(person, EventType.REWARD_REACHED, Map.of());
      model.commit(person, EventType.POINTS_AWARDED, pointsFields(person, "AWARD", REWARD_POINTS));
      model.commit(person, EventType.REWARD_APPROVED, Map.of());
      model.outcome(UNLOCKED);
    } else {
      expect(result.unlocked().isEmpty(), act, "no reward unlocked", result.unlocked());
    }
  }

  private static void applyCreate(Run run, Model model, Create create) {
    Person person = model.alive(create.slot());
    long campaign = run.campaignOf(create.slot());
    if (person != null) {
      Object outcome = outcome(() -> run.writer().participants().create(campaign,
          NewParticipant.withEmail(person.email)));
      expect(outcome instanceof LoyaltyException e && e.code() == ErrorCode.CONFLICT, create,
          "CONFLICT: the email is taken", describe(outcome));
      model.outcome(TAKEN);
      return;
    }
    String email = model.nextEmail(create.slot());
    Participant p = run.writer().participants().create(campaign, NewParticipant.withEmail(email));
    model.enrol(run, create.slot(), p.id(), campaign, email);
  }

  private static void applyUpdate(Run run, Model model, Update update) {
    Person person = model.alive(update.slot());
    if (person == null) {
      refuseOnDeleted(run, model, update.slot(), ref -> run.writer().participants().update(ref,
          ParticipantUpdate.builder().tier(update.tier()).build()));
      return;
    }
    Participant p = run.writer().participants().update(ParticipantRef.id(person.id),
        ParticipantUpdate.builder().tier(update.tier()).build());
    String before = person.tier;
    person.tier = update.tier().isEmpty() ? null : update.tier();
    expect(Objects.equals(p.tier(), person.tier) && p.pointsBalance() == person.balance, update,
        "tier " + person.tier + " and balance " + person.balance, p);
    if (!Objects.equals(before, person.tier)) {
      model.commit(person, EventType.PARTICIPANT_UPDATED, participantFields(person)); // none for the same tier again
    }
  }

  private static void applyDelete(Run run, Model model, Delete delete) {
    Person person = model.alive(delete.slot());
    if (person == null) {
      refuseOnDeleted(run, model, delete.slot(), ref -> run.writer().participants().delete(ref));
      return;
    }
    run.writer().participants().delete(ParticipantRef.id(person.id));
    model.commit(person, EventType.PARTICIPANT_DELETED, participantFields(person));
    person.deleted = true;
    model.outcome(DELETED);
  }

  /** A change to the slot's deleted participant, if it has one: NOT_FOUND, and no event. */
  private static void refuseOnDeleted(Run run, Model model, int slot, Consumer<ParticipantRef> change) {
    Person gone = model.bySlot(slot);
    if (gone == null) {
      return;
    }
    Object outcome = outcome(() -> {
      change.accept(ParticipantRef.id(gone.id));
      return "no error";
    });
    expect(outcome instanceof LoyaltyException e && e.code() == ErrorCode.NOT_FOUND, "a change to deleted "
        + gone, "NOT_FOUND", describe(outcome));
    model.outcome(NOT_FOUND);
  }

  // ==================================================================== dispatch

  /**
   * One dispatch round with {@code plan}'s failures, checked: the feed read on from the cursor, then the listener
   * calls and the report.
   */
  private static void round(Run run, Model model, Plan plan) {
    Instant now = run.now();
    run.plan = plan;
    DispatchReport report;
    try {
      report = run.dispatcher().events().dispatch();
    } finally {
      run.plan = null;
    }
    String context = "dispatch round at " + now + " (" + (plan == null ? "no call fails" : plan) + ")";
    int positioned = readOn(run, model, now, context);
    expect(report.positioned() == positioned, context, positioned + " events positioned (as the feed shows)",
        report);
    if (!model.unpositioned.isEmpty()) {
      expect(positioned == model.settings.batchSize(), context, "every committed event positioned, or a whole "
          + "batch", positioned + " positioned, " + model.unpositioned.size() + " left: " + model.unpositioned);
    }

    Set<Delivery> due = model.dueDeliveries(now);
    List<Attempt> attempts = run.takeAttempts();
    Set<Delivery> attempted = new LinkedHashSet<>();
    int delivered = 0;
    int retried = 0;
    int parked = 0;
    for (Attempt a : attempts) {
      Delivery d = model.delivery(a.listener(), a.event());
      expect(d != null, context, "calls only for this run's events that pass listener " + a.listener()
          + "'s filter", a.event());
      expect(due.contains(d), context, "calls only for due deliveries not behind an earlier pending one of the "
          + "participant", "a call of listener " + a.listener() + " for " + d);
      expect(attempted.add(d), context, "one call per delivery in a round", "a second call for " + d);
      expect(a.event().equals(d.event.seen), context, "the event as the feed has it: " + d.event.seen,
          a.event());
      if (a.failed()) {
        d.attempts++;
        if (d.attempts >= model.settings.listenerMaxAttempts()) {
          model.park(d);
          parked++;
        } else {
          model.reschedule(d, now);
          retried++;
        }
      } else {
        model.acknowledge(d);
        delivered++;
      }
    }
    if (due.size() <= model.settings.batchSize()) {
      Set<Delivery> missing = new LinkedHashSet<>(due);
      missing.removeAll(attempted);
      expect(missing.isEmpty(), context, "a call for every due delivery not behind an earlier pending one",
          "none for " + missing);
    } else {
      expect(attempted.size() == model.settings.batchSize(), context, "a whole batch of calls", attempted.size());
    }
    expect(report.delivered() == delivered && report.retried() == retried && report.parked() == parked
        && report.pruned() == 0, context, delivered + " delivered, " + retried + " retried, " + parked
        + " parked, none pruned", report);
  }

  /** Reads the feed on from the model's cursor; checks and records each event; returns how many it read. */
  private static int readOn(Run run, Model model, Instant now, String context) {
    int read = 0;
    while (true) {
      FeedPage page = run.reader().changeFeed().read(model.cursor, EventFilter.all(), FEED_PAGE);
      if (page.events().isEmpty()) {
        expect(page.nextPosition() == model.cursor, context, "an empty page keeping the cursor " + model.cursor,
            page.nextPosition());
        return read;
      }
      for (LoyaltyEvent e : page.events()) {
        model.positioned(run, e, now, context);
        read++;
      }
      long last = page.events().get(page.events().size() - 1).position();
      expect(page.nextPosition() == last, context, "the next cursor at the page's last event " + last,
          page.nextPosition());
      model.cursor = last;
      if (page.events().size() < FEED_PAGE) {
        return read; // a page that is not full scanned to the end of the feed
      }
    }
  }

  /** Moves the clock to {@code target}, or past the end of any retry window it falls in. */
  private static void advanceTo(Run run, Model model, Instant target) {
    run.clock.set(model.outsideWindows(target));
  }

  private static void replayParked(Run run, Model model) {
    for (Delivery d : List.copyOf(model.parked)) {
      String name = run.names.get(d.listener);
      expect(run.readerEngine().events().replay(name, run.tenantId, d.event.seen.id()), "replaying " + d,
          "a parked delivery found", false);
      model.replayed(d, run.now());
    }
  }

  /**
   * Failures off: rounds, and clock moves when nothing is due, until nothing is pending; then the parked deliveries
   * are checked, replayed and delivered, and everything committed must have reached every listener that wants it.
   */
  private static void settle(Run run, Model model, int pageSize) {
    drain(run, model);
    for (int listener = 0; listener < run.names.size(); listener++) {
      String name = run.names.get(listener);
      List<ParkedDelivery> parked = Pages.all(page -> run.readerEngine().events().parked(name, page), 2);
      List<LoyaltyEvent> expected = new ArrayList<>();
      for (Delivery d : model.parked) {
        if (d.listener == listener) {
          expected.add(d.event.seen);
        }
      }
      expected.sort((a, b) -> Long.compare(eventNumber(a), eventNumber(b)));
      expect(parked.stream().map(ParkedDelivery::event).toList().equals(expected), "parked deliveries of "
          + name, expected + ", oldest first", parked);
      for (ParkedDelivery p : parked) {
        expect(p.subscriber().equals(name) && p.attempts() == model.settings.listenerMaxAttempts()
            && p.lastError() != null && p.lastError().contains(IllegalStateException.class.getName()),
            "parked delivery of " + name, model.settings.listenerMaxAttempts() + " attempts and the listener's "
            + "exception type", p);
      }
    }
    List<Delivery> wasParked = List.copyOf(model.parked);
    replayParked(run, model);
    if (!wasParked.isEmpty()) {
      Delivery first = wasParked.get(0);
      expect(!run.readerEngine().events().replay(run.names.get(first.listener), run.tenantId, first.event.seen.id()),
          "replaying " + first + " again", "no parked delivery found", true);
      drain(run, model);
    }
    for (Event e : model.committed) {
      for (int listener = 0; listener < run.names.size(); listener++) {
        if (wants(listener, e, run)) {
          Delivery d = model.delivery(listener, e);
          expect(d != null && d.state == State.DELIVERED, "settled", "event " + e + " delivered to listener "
              + listener, d);
        }
      }
    }
    List<LoyaltyEvent> all = readAll(run, EventFilter.all(), pageSize);
    expect(all.equals(model.feed), "the feed read again from the start in pages of " + pageSize,
        "the " + model.feed.size() + " events read on the way", all);
    EventFilter points = EventFilter.types(EventType.POINTS_AWARDED, EventType.POINTS_DEDUCTED)
        .inCampaign(run.campaigns[1]);
    List<LoyaltyEvent> filtered = readAll(run, points, pageSize);
    expect(filtered.equals(model.feed.stream().filter(e -> POINTS_TYPES.contains(e.type())
        && e.campaignId() == run.campaigns[1]).toList()), "the feed of " + points, "its projection", filtered);
  }

  /** Failures off: rounds until nothing is pending, moving the clock on when nothing is due. */
  private static void drain(Run run, Model model) {
    for (int i = 0; !model.unpositioned.isEmpty() || model.pendingCount() > 0; i++) {
      expect(i < MAX_SETTLE_ROUNDS, "settling", "nothing pending after " + MAX_SETTLE_ROUNDS + " rounds",
          model.pendingCount() + " pending");
      Instant now = run.now();
      if (model.unpositioned.isEmpty() && model.dueDeliveries(now).isEmpty()) {
        advanceTo(run, model, model.lastDue());
      }
      round(run, model, null);
    }
  }

  private static List<LoyaltyEvent> readAll(Run run, EventFilter filter, int pageSize) {
    List<LoyaltyEvent> all = new ArrayList<>();
    long cursor = 0;
    while (true) {
      FeedPage page = run.reader().changeFeed().read(cursor, filter, pageSize);
      if (page.events().isEmpty()) {
        expect(page.nextPosition() >= cursor, "reading " + filter, "a cursor never moved back from " + cursor,
            page.nextPosition());
        return all;
      }
      all.addAll(page.events());
      expect(page.nextPosition() >= page.events().get(page.events().size() - 1).position(), "reading " + filter,
          "a cursor at or past the page's last event", page);
      cursor = page.nextPosition();
      if (page.events().size() < pageSize) {
        return all;
      }
    }
  }

  private static long eventNumber(LoyaltyEvent e) {
    return Long.parseLong(e.id().substring("evt_".length()));
  }

  /** Whether listener {@code index} of the run wants {@code e}, by the filter the run subscribed it with. */
  static boolean wants(int index, Event e, Run run) {
    return switch (index) {
      case 0 -> true;
      case 1 -> POINTS_TYPES.contains(e.type) && e.person.campaignId == run.campaigns[0];
      default -> LIFECYCLE_TYPES.contains(e.type);
    };
  }

  private static void check(Run run, Model model) {
    List<Attempt> stray = run.takeAttempts();
    expect(stray.isEmpty(), "after step " + run.step, "no listener called outside a dispatch round", stray);
  }

  // ==================================================================== payloads

  private static Map<String, String> pointsFields(Person p, String kind, long amount) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("kind", quote(kind));
    fields.put("amount", Long.toString(amount));
    fields.put("balanceAfter", Long.toString(p.balance));
    fields.put("balance", Long.toString(p.balance));
    fields.put("lifetimePoints", Long.toString(p.lifetime));
    fields.put("email", quote(p.email));
    fields.put("tier", p.tier == null ? "null" : quote(p.tier));
    return fields;
  }

  private static Map<String, String> participantFields(Person p) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("email", quote(p.email));
    fields.put("tier", p.tier == null ? "null" : quote(p.tier));
    fields.put("pointsBalance", Long.toString(p.balance));
    fields.put("lifetimePoints", Long.toString(p.lifetime));
    return fields;
  }

  private static String quote(String s) {
    return '"' + s + '"';
  }

  /**
   * The raw JSON values of every {@code "name":} in {@code json}: a string with its quotes, or the text up to the next
   * comma or closing brace. Enough for the scenario's own values, which hold no quote, comma or brace.
   */
  static List<String> values(String json, String name) {
    List<String> found = new ArrayList<>();
    String key = quote(name) + ":";
    for (int at = json.indexOf(key); at >= 0; at = json.indexOf(key, at + 1)) {
      int start = at + key.length();
      int end;
      if (json.charAt(start) == '"') {
        end = json.indexOf('"', start + 1) + 1;
      } else {
        end = start;
        while (end < json.length() && ",}]".indexOf(json.charAt(end)) < 0) {
          end++;
        }
      }
      found.add(json.substring(start, end));
    }
    return found;
  }

  // ==================================================================== helpers

  private interface Call {
    Object run();
  }

  /** What {@code call} returned, or the LoyaltyException it threw. */
  private static Object outcome(Call call) {
    try {
      return call.run();
    } catch (LoyaltyException e) {
      return e;
    }
  }

  private static String describe(Object outcome) {
    if (outcome instanceof PointsResult r) {
      return r.entry() == null ? "no entry, balance " + r.balance()
          : (r.replayed() ? "replayed " : "") + r.entry().kind() + " " + r.entry().amount() + ", balance "
              + r.balance();
    }
    if (outcome instanceof LoyaltyException e) {
      return "failed with " + e.code();
    }
    return String.valueOf(outcome);
  }

  private static void expect(boolean condition, Object context, String expected, Object actual) {
    if (!condition) {
      throw new AssertionError(context + ": expected " + expected + " but was " + actual);
    }
  }

  /** A 64-bit mix (SplitMix64's finalizer). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  // ==================================================================== the system

  /**
   * Which listener calls of a round fail: a seeded share of them, decided by the listener, the participant's order of
   * enrolment in the run, the event's sequence and the listener's count of calls for that event, so that a replay of
   * the operations fails the same calls. Immutable.
   *
   * @param percent the share of calls that fail, 0..100
   * @param salt the seed of the choice
   */
  record Plan(int percent, long salt) {
    boolean fails(int listener, int ordinal, long sequence, int call) {
      long h = mix(salt ^ mix(listener * 0x9E3779B97F4A7C15L + ordinal) ^ mix(sequence * 31 + call));
      return Math.floorMod(h, 100) < percent;
    }

    @Override
    public String toString() {
      return percent + "% of calls fail";
    }
  }

  /**
   * One call of a listener. Immutable.
   *
   * @param listener the listener's index in the run
   * @param event what it was given
   * @param failed whether it threw
   */
  record Attempt(int listener, LoyaltyEvent event, boolean failed) {
  }

  /** A listener of the run: records each call, and throws where the round's plan says. Thread-safe. */
  private static final class Recorder implements EventListener {
    private final Run run;
    private final int index;
    private final Map<String, Integer> calls = new HashMap<>();

    Recorder(Run run, int index) {
      this.run = run;
      this.index = index;
    }

    @Override
    public synchronized void onEvent(LoyaltyEvent event) {
      int call = calls.merge(event.id(), 1, Integer::sum);
      Plan plan = run.plan;
      Integer ordinal = event.participantId() == null ? null : run.ordinals.get(event.participantId());
      boolean fail = plan != null && plan.fails(index, ordinal == null ? -1 : ordinal, event.sequence(), call);
      run.attempts.add(new Attempt(index, event, fail));
      if (fail) {
        throw new IllegalStateException("scripted failure");
      }
    }
  }

  /**
   * One run's system under test: a fresh tenant of the engine with two running campaigns, a POINTS reward in each
   * (5 points every 2 actions, unlimited, approved at once), and three listeners subscribed under names of the run's
   * own, removed on {@link #close}. Not thread-safe: used by one run (its listeners record under a lock).
   */
  public static final class Run implements AutoCloseable {
    private final List<LoyaltyEngine> engines;
    private final SettableClock clock;
    private final long tenantId;
    private final List<TenantScope> scopes;
    private final long[] campaigns = new long[2];
    private final long[] rewards = new long[2];
    private final List<String> names = new ArrayList<>();
    private final List<Long> initial = new ArrayList<>();
    private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    /** Participant id to its order of enrolment in the run: failures are chosen by it, not by the id. */
    private final Map<Long, Integer> ordinals = Collections.synchronizedMap(new HashMap<>());
    private volatile Plan plan;
    private int step;
    private int rounds;

    Run(List<LoyaltyEngine> engines, SettableClock clock, Instant origin) {
      this.engines = engines;
      this.clock = clock;
      clock.set(origin);
      // What an earlier run that failed left unpositioned is positioned now, before this run's listeners exist.
      for (LoyaltyEngine engine : engines) {
        for (int i = 0; !engine.events().dispatch().isIdle(); i++) {
          if (i == MAX_SETTLE_ROUNDS) {
            throw new IllegalStateException("the engine's dispatch did not settle before the run");
          }
        }
      }
      this.tenantId = engines.get(0).tenants().create(NewTenant.business("Event model run")).id();
      this.scopes = engines.stream().map(engine -> engine.forTenant(tenantId)).toList();
      TenantScope scope = scopes.get(0);
      long brand = scope.brands().create(new NewBrand("Event shop", "https://events.example.com")).id();
      for (int c = 0; c < 2; c++) {
        campaigns[c] = scope.campaigns().create(NewCampaign.running(brand, "Event campaign " + c)).id();
        rewards[c] = scope.rewards().define(campaigns[c],
            NewCampaignReward.points("Every second action", REWARD_POINTS, ACTIONS_PER_UNLOCK).unlimited()).id();
      }
      List<EventFilter> filters = List.of(EventFilter.all(),
          EventFilter.types(EventType.POINTS_AWARDED, EventType.POINTS_DEDUCTED).inCampaign(campaigns[0]),
          new EventFilter(LIFECYCLE_TYPES, null));
      for (int i = 0; i < filters.size(); i++) {
        String name = "events-model-" + tenantId + "-" + i;
        // The same listener under the same name on every instance, as Events asks.
        Recorder recorder = new Recorder(this, i);
        for (LoyaltyEngine engine : engines) {
          engine.events().subscribe(name, filters.get(i), recorder);
        }
        names.add(name);
      }
      for (int slot = 0; slot < SLOTS; slot++) {
        String email = "slot" + slot + "-0@example.com";
        initial.add(scope.participants().create(campaignOf(slot), NewParticipant.withEmail(email)).id());
      }
    }

    /** {@code model} with the participants this run started with, each enrolled by operation 0. */
    Model enrolled(Model model) {
      model.now = now();
      for (int slot = 0; slot < SLOTS; slot++) {
        model.enrol(this, slot, initial.get(slot), campaignOf(slot), model.nextEmail(slot));
      }
      return model;
    }

    Instant now() {
      return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** The tenant in the engine the step's changes go to: step {@code s} to engine {@code s mod n}. */
    TenantScope writer() {
      return scopes.get(step % scopes.size());
    }

    /** The tenant in another engine than the writer's, when there are several: the feed and parked reads. */
    TenantScope reader() {
      return scopes.get((step + 1) % scopes.size());
    }

    /** The engine of {@link #reader()}. */
    LoyaltyEngine readerEngine() {
      return engines.get((step + 1) % engines.size());
    }

    /** The engine of the next round: rounds go to the engines in turn. */
    LoyaltyEngine dispatcher() {
      return engines.get(rounds++ % engines.size());
    }

    long campaignOf(int slot) {
      return campaigns[slot < FIRST_CAMPAIGN_SLOTS ? 0 : 1];
    }

    long rewardOf(int slot) {
      return rewards[slot < FIRST_CAMPAIGN_SLOTS ? 0 : 1];
    }

    List<Attempt> takeAttempts() {
      synchronized (attempts) {
        List<Attempt> taken = List.copyOf(attempts);
        attempts.clear();
        return taken;
      }
    }

    /** The tenant this run works in, through the first engine. */
    public TenantScope scope() {
      return scopes.get(0);
    }

    /** Removes the run's listeners from every engine; their pending deliveries stay, claimed by no one. */
    @Override
    public void close() {
      for (LoyaltyEngine engine : engines) {
        for (String name : names) {
          engine.events().unsubscribe(name);
        }
      }
    }

    @Override
    public String toString() {
      return "EventScenario.Run[tenant=" + tenantId + ", engines=" + engines.size() + ", listeners=" + names + "]";
    }
  }

  // ==================================================================== the model

  /** What the engine must agree with: participants, their events, the feed and every delivery. Not thread-safe. */
  public static final class Model {
    private final EventSettings settings;
    private final Consumer<String> outcomes;
    private final Map<Integer, Person> slots = new HashMap<>();
    private final Map<Integer, Integer> generations = new HashMap<>();
    private final Map<Long, Person> people = new HashMap<>();
    /** Committed events in commit order. */
    private final List<Event> committed = new ArrayList<>();
    private final Set<Event> unpositioned = new LinkedHashSet<>();
    /** The feed as read on after every round, in position order. */
    private final List<LoyaltyEvent> feed = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    /**
     * Deliveries by listener, participant's ordinal, then sequence: sorted, so that a run tells its outcomes in the
     * same order whatever ids the engine gave.
     */
    private final Map<Integer, Map<Integer, TreeMap<Long, Delivery>>> deliveries = new TreeMap<>();
    private final Set<Delivery> parked = new LinkedHashSet<>();
    /** Per listener and participant, the sequence of the last first acknowledgement of a never parked event. */
    private final Map<List<Long>, Long> lastInOrder = new HashMap<>();
    private long cursor;
    private int op;
    private Instant now;

    Model(EventSettings settings, Consumer<String> outcomes) {
      this.settings = settings;
      this.outcomes = outcomes;
    }

    void outcome(String outcome) {
      outcomes.accept(outcome);
    }

    Person alive(int slot) {
      Person p = slots.get(slot);
      return p == null || p.deleted ? null : p;
    }

    Person bySlot(int slot) {
      return slots.get(slot);
    }

    String nextEmail(int slot) {
      return "slot" + slot + "-" + generations.getOrDefault(slot, 0) + "@example.com";
    }

    Person enrol(Run run, int slot, long id, long campaignId, String email) {
      generations.merge(slot, 1, Integer::sum);
      Person p = new Person(people.size(), id, slot, campaignId, email);
      slots.put(slot, p);
      people.put(id, p);
      run.ordinals.put(id, p.ordinal);
      commit(p, EventType.PARTICIPANT_CREATED, participantFields(p));
      return p;
    }

    void commit(Person p, EventType type, Map<String, String> fields) {
      Event e = new Event(p, p.events.size() + 1L, type, op, now, fields);
      p.events.add(e);
      committed.add(e);
      unpositioned.add(e);
    }

    /** Checks an event the feed shows for the first time, records it, and fans it out to the listeners. */
    void positioned(Run run, LoyaltyEvent got, Instant roundTime, String context) {
      Person p = got.participantId() == null ? null : people.get(got.participantId());
      expect(p != null && got.sequence() >= 1 && got.sequence() <= p.events.size(), context,
          "an event of a committed change of this run's participants", got);
      Event e = p.events.get((int) got.sequence() - 1);
      expect(e.seen == null, context, "each event once in the feed", "again " + got);
      expect(feed.isEmpty() || got.position() > feed.get(feed.size() - 1).position(), context,
          "growing positions", got + " after " + (feed.isEmpty() ? null : feed.get(feed.size() - 1)));
      if (run.engines.size() == 1) {
        for (Event earlier : unpositioned) {
          if (earlier == e) {
            break;
          }
          expect(earlier.op == e.op && earlier.person != e.person, context, "positions in commit order: "
              + earlier + " before " + e, got);
        }
      }
      expect(got.type() == e.type && got.tenantId() == run.tenantId
          && Objects.equals(got.campaignId(), p.campaignId) && got.occurredAt().equals(e.occurredAt)
          && got.schemaVersion() == 2 && got.id().startsWith("evt_") && ids.add(got.id()), context,
          "the model's " + e + " with a new id", got);
      for (Map.Entry<String, String> field : e.fields.entrySet()) {
        List<String> found = values(got.payload(), field.getKey());
        expect(found.equals(List.of(field.getValue())), context + ", payload of " + e, field.getKey() + " "
            + field.getValue(), found);
      }
      e.seen = got;
      unpositioned.remove(e);
      feed.add(got);
      for (int listener = 0; listener < run.names.size(); listener++) {
        if (wants(listener, e, run)) {
          Delivery d = new Delivery(e, listener, roundTime);
          deliveries.computeIfAbsent(listener, k -> new TreeMap<>())
              .computeIfAbsent(p.ordinal, k -> new TreeMap<>()).put(e.sequence, d);
        }
      }
    }

    Delivery delivery(int listener, LoyaltyEvent event) {
      Person p = event.participantId() == null ? null : people.get(event.participantId());
      if (p == null) {
        return null;
      }
      TreeMap<Long, Delivery> own = deliveries.getOrDefault(listener, Map.of()).get(p.ordinal);
      return own == null ? null : own.get(event.sequence());
    }

    Delivery delivery(int listener, Event e) {
      TreeMap<Long, Delivery> own = deliveries.getOrDefault(listener, Map.of()).get(e.person.ordinal);
      return own == null ? null : own.get(e.sequence);
    }

    /**
     * Per listener and participant, its first PENDING delivery if due: the others wait behind it. Tells of the
     * retries not yet due and the due deliveries held back.
     */
    Set<Delivery> dueDeliveries(Instant at) {
      Set<Delivery> due = new LinkedHashSet<>();
      for (Map<Integer, TreeMap<Long, Delivery>> byParticipant : deliveries.values()) {
        for (TreeMap<Long, Delivery> own : byParticipant.values()) {
          Delivery first = null;
          for (Delivery d : own.values()) {
            if (d.state != State.PENDING) {
              continue;
            }
            if (first == null) {
              first = d;
              if (!d.isDue(at)) {
                outcome(WAITING);
              } else if (d.event.person.positionedUpTo(d.event.sequence)) {
                due.add(d);
              } else {
                outcome(BLOCKED);
              }
            } else if (d.isDue(at)) {
              outcome(BLOCKED);
            }
          }
        }
      }
      return due;
    }

    int pendingCount() {
      int pending = 0;
      for (Map<Integer, TreeMap<Long, Delivery>> byParticipant : deliveries.values()) {
        for (TreeMap<Long, Delivery> own : byParticipant.values()) {
          for (Delivery d : own.values()) {
            pending += d.state == State.PENDING ? 1 : 0;
          }
        }
      }
      return pending;
    }

    /** The end of the latest retry window: every PENDING delivery is due then. */
    Instant lastDue() {
      Instant last = now;
      for (Map<Integer, TreeMap<Long, Delivery>> byParticipant : deliveries.values()) {
        for (TreeMap<Long, Delivery> own : byParticipant.values()) {
          for (Delivery d : own.values()) {
            if (d.state == State.PENDING && d.dueTo.isAfter(last)) {
              last = d.dueTo;
            }
          }
        }
      }
      return last;
    }

    /** The first instant at or after {@code target} that lies in no PENDING delivery's retry window. */
    Instant outsideWindows(Instant target) {
      Instant at = target;
      for (boolean moved = true; moved; ) {
        moved = false;
        for (Map<Integer, TreeMap<Long, Delivery>> byParticipant : deliveries.values()) {
          for (TreeMap<Long, Delivery> own : byParticipant.values()) {
            for (Delivery d : own.values()) {
              if (d.state == State.PENDING && !at.isBefore(d.dueFrom) && at.isBefore(d.dueTo)) {
                at = d.dueTo;
                moved = true;
              }
            }
          }
        }
      }
      return at;
    }

    void acknowledge(Delivery d) {
      d.state = State.DELIVERED;
      if (d.attempts > 0 || d.everParked) {
        outcome(d.everParked ? REPLAYED_PARKED : RETRIED);
      }
      if (d.everParked) {
        return;
      }
      List<Long> key = List.of((long) d.listener, d.event.person.id);
      Long last = lastInOrder.get(key);
      expect(last == null || last < d.event.sequence, "listener " + d.listener, "first acknowledgements of "
          + d.event.person + "'s events in sequence order", "event " + d.event.sequence + " after " + last);
      lastInOrder.put(key, d.event.sequence);
      TreeMap<Long, Delivery> own = deliveries.get(d.listener).get(d.event.person.ordinal);
      for (Delivery earlier : own.headMap(d.event.sequence).values()) {
        if (earlier.state == State.PARKED) {
          outcome(PASSED_PARKED);
        }
      }
    }

    void reschedule(Delivery d, Instant failedAt) {
      long base = 1_000L << Math.min(d.attempts - 1, 20);
      long max = Duration.ofMinutes(5).toMillis();
      long lo = base >= max ? max - max / 5 : base;
      long hi = base >= max ? max : Math.min(max, base + base / 5);
      d.dueFrom = failedAt.plusMillis(lo);
      d.dueTo = failedAt.plusMillis(hi);
    }

    void park(Delivery d) {
      d.state = State.PARKED;
      d.everParked = true;
      parked.add(d);
      outcome(PARKED);
    }

    void replayed(Delivery d, Instant at) {
      parked.remove(d);
      d.state = State.PENDING;
      d.attempts = 0;
      d.dueFrom = at;
      d.dueTo = at;
    }

    @Override
    public String toString() {
      return "EventScenario.Model[" + people.size() + " participants, " + committed.size() + " events, "
          + feed.size() + " in the feed, " + pendingCount() + " pending, " + parked.size() + " parked]";
    }
  }

  /** A participant of the run, alive or deleted. */
  private static final class Person {
    final int ordinal;
    final long id;
    final int slot;
    final long campaignId;
    final String email;
    final List<Event> events = new ArrayList<>();
    String tier;
    long balance;
    long lifetime;
    int actions;
    boolean deleted;

    Person(int ordinal, long id, int slot, long campaignId, String email) {
      this.ordinal = ordinal;
      this.id = id;
      this.slot = slot;
      this.campaignId = campaignId;
      this.email = email;
    }

    /**
     * Whether every event before the {@code sequence}th is positioned: across instances whose ids disagree with
     * commit order, a later event can be positioned first, and its deliveries wait for the earlier one's to exist.
     */
    boolean positionedUpTo(long sequence) {
      for (int i = 0; i < sequence - 1; i++) {
        if (events.get(i).seen == null) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String toString() {
      return "participant " + id + " (#" + slot + (deleted ? ", deleted" : "") + ")";
    }
  }

  /** An event the model expects: its participant's {@code sequence}th, written by the {@code op}th operation. */
  static final class Event {
    final Person person;
    final long sequence;
    final EventType type;
    final int op;
    final Instant occurredAt;
    final Map<String, String> fields;
    /** As the feed showed it first. */
    LoyaltyEvent seen;

    Event(Person person, long sequence, EventType type, int op, Instant occurredAt, Map<String, String> fields) {
      this.person = person;
      this.sequence = sequence;
      this.type = type;
      this.op = op;
      this.occurredAt = occurredAt;
      this.fields = fields;
    }

    @Override
    public String toString() {
      return type.wireName() + " #" + sequence + " of " + person + " (operation " + op + ")";
    }
  }

  private enum State { PENDING, DELIVERED, PARKED }

  /** One event's delivery to one listener. */
  private static final class Delivery {
    final Event event;
    final int listener;
    State state = State.PENDING;
    int attempts;
    boolean everParked;
    /** It falls due somewhere in [dueFrom, dueTo]: surely not before, surely at dueTo. */
    Instant dueFrom;
    Instant dueTo;

    Delivery(Event event, int listener, Instant createdAt) {
      this.event = event;
      this.listener = listener;
      this.dueFrom = createdAt;
      this.dueTo = createdAt;
    }

    boolean isDue(Instant at) {
      if (!at.isBefore(dueTo)) {
        return true;
      }
      if (at.isBefore(dueFrom)) {
        return false;
      }
      throw new IllegalStateException("the scenario let the clock stop inside the retry window of " + this);
    }

    @Override
    public String toString() {
      return event + " to listener " + listener + " (" + state + ", " + attempts + " failed attempts"
          + (state == State.PENDING ? ", due from " + dueFrom + " to " + dueTo : "") + ")";
    }
  }

  // ==================================================================== operations as values

  /** An operation of the scenario; a value with a readable {@code toString}. Immutable and thread-safe. */
  public sealed interface Op permits Points, Bulk, Act, Create, Update, Delete, Dispatch, Advance, ReplayParked,
      Settle {
  }

  /** An award, a deduction, or a deduction capped at the balance, of the participant in a slot. Immutable. */
  public sealed interface Points extends Op permits Award, Deduct, DeductUpTo {
    /** The participant's slot. */
    int slot();

    /** The amount. */
    long amount();
  }

  /**
   * Awards points; if {@code retried}, with an idempotency key, and again with the same key (a replay). Immutable
   * and thread-safe.
   *
   * @param slot the participant's slot
   * @param amount the amount
   * @param retried whether it is sent twice with one key
   */
  public record Award(int slot, long amount, boolean retried) implements Points {
    @Override
    public String toString() {
      return "award " + amount + " to #" + slot + (retried ? " (and retry with its key)" : "");
    }
  }

  /**
   * Deducts points (INSUFFICIENT_POINTS when the balance is smaller). Immutable and thread-safe.
   *
   * @param slot the participant's slot
   * @param amount the amount
   */
  public record Deduct(int slot, long amount) implements Points {
    @Override
    public String toString() {
      return "deduct " + amount + " from #" + slot;
    }
  }

  /**
   * Deducts at most {@code amount}, capped at the balance. Immutable and thread-safe.
   *
   * @param slot the participant's slot
   * @param amount the most to take
   */
  public record DeductUpTo(int slot, long amount) implements Points {
    @Override
    public String toString() {
      return "deduct up to " + amount + " from #" + slot;
    }
  }

  /**
   * A bulk request ({@link io.loyaltyengine.points.Points#applyAll}) of the operations whose slot ever had a
   * participant. Immutable and thread-safe.
   *
   * @param operations the operations, in order
   */
  public record Bulk(List<Points> operations) implements Op {
    /** Copies the list. */
    public Bulk {
      operations = List.copyOf(operations);
    }

    @Override
    public String toString() {
      return "bulk " + operations;
    }
  }

  /**
   * A loyalty action toward the slot's campaign reward, by email (enrols the slot when empty). Immutable and
   * thread-safe.
   *
   * @param slot the participant's slot
   */
  public record Act(int slot) implements Op {
    @Override
    public String toString() {
      return "act #" + slot;
    }
  }

  /**
   * Enrols the slot; CONFLICT when its participant lives (the email is taken). Immutable and thread-safe.
   *
   * @param slot the participant's slot
   */
  public record Create(int slot) implements Op {
    @Override
    public String toString() {
      return "create #" + slot;
    }
  }

  /**
   * Sets the tier ({@code ""} clears it). Immutable and thread-safe.
   *
   * @param slot the participant's slot
   * @param tier the tier
   */
  public record Update(int slot, String tier) implements Op {
    @Override
    public String toString() {
      return "update #" + slot + " to tier \"" + tier + "\"";
    }
  }

  /**
   * Deletes the slot's participant (NOT_FOUND when deleted already). Immutable and thread-safe.
   *
   * @param slot the participant's slot
   */
  public record Delete(int slot) implements Op {
    @Override
    public String toString() {
      return "delete #" + slot;
    }
  }

  /**
   * Dispatch rounds in which listeners fail on a seeded share of their calls, the clock moved on between them (as
   * {@link Advance} does). Immutable and thread-safe.
   *
   * @param rounds how many rounds
   * @param apartMillis how far the clock moves between two rounds
   * @param failPercent the share of calls that fail, 0..100
   * @param salt the seed of which calls fail
   */
  public record Dispatch(int rounds, long apartMillis, int failPercent, long salt) implements Op {
    @Override
    public String toString() {
      return "dispatch " + rounds + (rounds == 1 ? " round" : " rounds " + apartMillis + " ms apart") + " ("
          + failPercent + "% of calls fail, salt " + salt + ")";
    }
  }

  /**
   * Moves the clock on by {@code millis}, or on to the end of the retry window that would hold it. Immutable and
   * thread-safe.
   *
   * @param millis how far
   */
  public record Advance(long millis) implements Op {
    @Override
    public String toString() {
      return "clock +" + millis + " ms";
    }
  }

  /** Replays every parked delivery of the run. Immutable and thread-safe. */
  public record ReplayParked() implements Op {
    @Override
    public String toString() {
      return "replay parked deliveries";
    }
  }

  /**
   * Settles (failures off, until nothing is pending, parked deliveries checked and replayed) and reads the whole feed
   * again. Immutable and thread-safe.
   *
   * @param pageSize the page size of the whole reads, 1..100
   */
  public record Settle(int pageSize) implements Op {
    @Override
    public String toString() {
      return "settle (feed pages of " + pageSize + ")";
    }
  }
}
