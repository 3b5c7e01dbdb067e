package io.loyaltyengine.testkit.model;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.testkit.model.LedgerModel.Applied;
import io.loyaltyengine.testkit.model.LedgerModel.NothingTaken;
import io.loyaltyengine.testkit.model.LedgerModel.Outcome;
import io.loyaltyengine.testkit.model.LedgerModel.Rejected;
import io.loyaltyengine.testkit.model.LedgerModel.Replayed;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The points ledger of a real engine, driven against a {@link LedgerModel} by a {@link ModelRunner}: seeded
 * sequences of awards, deductions, deductions capped at the balance, retries with the same idempotency key (same
 * and different parameters), bulk requests ({@link io.loyaltyengine.points.Points#applyAll}), groups of concurrent
 * callers, profile updates and enrolments.
 *
 * <pre>{@code
 * LedgerScenario.runner(engine, maxPointsPerOperation).steps(200).build().runSeeds(1, 2, 3, 4, 5);
 * LedgerScenario.runner(List.of(engine, engineOnTheSameDatabase), maxPointsPerOperation)...;
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant, made through the first engine
 * with one brand, one campaign and two participants to start with; tenant isolation keeps runs apart. Participants
 * are named by slot (0, 1, then one more per enrolment), so operations stay meaningful when a shortened sequence
 * drops some; an operation on a slot that does not exist (yet) is skipped. Slot {@value #NOBODY} names a participant
 * that never exists (NOT_FOUND).
 *
 * <h2>Several engine instances</h2>
 * Given several engines on one database, a run holds a scope of its tenant in each. The operation at step
 * {@code s} (counted from 1) goes to engine {@code s mod n}, the callers {@code i} of a concurrent group to engines
 * {@code (s + i) mod n}, so that they race across instances (and, several on one engine, through its group commit);
 * the checks after step {@code s} read through engine {@code (s + 1) mod n}, another than the one that wrote, so
 * every write must be visible across instances. A replay of a seed makes the same calls on the same engines. Ids
 * are time-ordered per instance, and two instances changing one participant in one millisecond number those
 * entries by node whatever order they applied in (the clock of a test often stands still): so a participant's new
 * entries must be numbered in the order they apply per engine, the history is checked in id order, and the
 * {@code balanceAfter} of each entry, as the model's, tells the order they applied in. With one engine nothing of
 * this changes: every call and read goes to it, and entries are numbered in the order they apply.
 *
 * <h2>Bulk requests</h2>
 * A bulk request is predicted as its operations one after the other, in list order, each with the outcome the
 * single call would have; a list holding a null is refused as a whole (VALIDATION_ERROR on {@code operations}) and
 * changes nothing.
 *
 * <h2>Concurrent callers</h2>
 * A group of 2 to 4 callers (single calls, or small bulk requests), sometimes two of them with the same key, starts
 * on as many threads at once, so that the engine may combine them into shared transactions (group commit). The
 * group passes if some interleaving of the callers' operations (each caller's in its own order) applied to the model
 * predicts exactly what every caller got, with each participant's new entries numbered in that order; the model then
 * follows that interleaving. No timing is assumed.
 *
 * <h2>Checked after every step</h2>
 * The engine's result matches the model's prediction (entry, balance, replay flag, error code and field); every
 * participant's balance and lifetime points equal the model's, and the balance is never negative; each touched
 * participant's history, walked with keyset pages, is exactly the model's entries newest first, so its balance is
 * the sum of its ledger and its lifetime points the sum of its awards; a replay returns the first entry's id and a
 * retry changes nothing.
 *
 * <p>Thread-safe: every run builds its own state; the engines must be thread-safe anyway.
 */
public final class LedgerScenario {
  /** The slot of a participant that never exists. */
  public static final int NOBODY = 99;

  private static final int INITIAL_PARTICIPANTS = 2;
  private static final int MAX_PARTICIPANTS = 6;
  private static final List<String> TYPES = List.of("purchase", "bonus", "refund");
  private static final long[] DEFAULT_SEEDS = {20250301L, 7L, 1_000_003L, 42L, 977L};
  private static final int MAX_CALLERS = 4;
  private static final int MAX_CONCURRENT_OPERATIONS = 6;

  private LedgerScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test; each run creates its own tenant in it
   * @param maxPointsPerOperation the engine's {@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()}; use a
   *     large one (say {@code Long.MAX_VALUE / 3}) so that a few awards reach the overflow check
   */
  public static ModelRunner.Builder<Run, LedgerModel, Op> runner(LoyaltyEngine engine, long maxPointsPerOperation) {
    return runner(List.of(Objects.requireNonNull(engine, "engine")), maxPointsPerOperation);
  }

  /**
   * A runner builder preconfigured with this scenario over several engine instances on one database (see the class
   * comment); set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engines the engines under test, on one database, with the same limits; each run creates its own tenant
   *     through the first and works in it through all of them
   * @param maxPointsPerOperation the engines' {@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()}
   * @throws IllegalArgumentException if {@code engines} is empty
   */
  public static ModelRunner.Builder<Run, LedgerModel, Op> runner(List<LoyaltyEngine> engines,
      long maxPointsPerOperation) {
    List<LoyaltyEngine> all = List.copyOf(Objects.requireNonNull(engines, "engines"));
    if (all.isEmpty()) {
      throw new IllegalArgumentException("engines must not be empty");
    }
    return ModelRunner.<Run, LedgerModel, Op>builder()
        .name(all.size() == 1 ? "ledger" : "ledger on " + all.size() + " engines")
        .system(() -> new Run(all))
        .model(run -> {
          LedgerModel model = new LedgerModel(maxPointsPerOperation);
          for (int slot = 0; slot < run.ids.size(); slot++) {
            model.addParticipant(slot);
          }
          return model;
        })
        .operations(operations(maxPointsPerOperation))
        .step(LedgerScenario::apply)
        .invariant(LedgerScenario::check);
  }

  /**
   * Five seeds whose 200-step sequences together reach every outcome of the {@link LedgerModel} (applied,
   * replayed, conflict, insufficient points, bad amount, overflow, a capped deduction that takes less than asked
   * or nothing) in single calls, in bulk requests and among concurrent callers, as the kit's own tests check. A new
   * array each call.
   */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations(long maxPointsPerOperation) {
    Gen<Long> valid = Generators.validAmounts(maxPointsPerOperation);
    Gen<Long> invalid = Generators.invalidAmounts(maxPointsPerOperation);
    Gen<String> types = Gen.elements(TYPES);
    Gen<String> descriptions = Gen.frequency(Gen.weight(3, Gen.constant(null)),
        Gen.weight(1, Gen.elements("order 17", "🎁 gift", "Robert'); DROP TABLE ledger_entry;--")));
    return (random, previous) -> {
      int slots = INITIAL_PARTICIPANTS + (int) previous.stream().filter(Enrol.class::isInstance).count();
      List<Points> keyed = previous.stream()
          .flatMap(op -> op.points().stream())
          .filter(p -> p.idempotencyKey() != null)
          .toList();
      PointsGen points = new PointsGen(valid, invalid, types, descriptions, keyed);
      int pick = random.nextInt(100);
      if (pick < 12 && !keyed.isEmpty()) {
        return keyed.get(random.nextInt(keyed.size())); // an exact retry
      }
      if (pick < 20 && !keyed.isEmpty()) {
        return changedRetry(random, keyed.get(random.nextInt(keyed.size())), slots);
      }
      if (pick < 28) {
        return new UpdateProfile(random.nextInt(slots), Gen.elements("gold", "silver", "").next(random),
            Gen.elements("visits", "plan", "vip").next(random),
            Gen.elements(1L, 2L, "basic", "pro", true, 2.5).next(random));
      }
      if (pick < 33 && slots < MAX_PARTICIPANTS) {
        return new Enrol("enrol" + previous.size() + "@example.com", Generators.names().next(random));
      }
      if (pick < 40) {
        return bulk(random, points, slots, random.nextInt(8) == 0);
      }
      if (pick < 47) {
        return concurrently(random, points, slots);
      }
      return points.next(random, slots, false);
    };
  }

  /** Generates single points operations. */
  private record PointsGen(Gen<Long> valid, Gen<Long> invalid, Gen<String> types, Gen<String> descriptions,
      List<Points> keyed) {

    Points next(RandomGenerator random, int slots, boolean mayBeNobody) {
      int kind = random.nextInt(10);
      int slot = mayBeNobody && random.nextInt(8) == 0 ? NOBODY : random.nextInt(slots);
      int amountKind = random.nextInt(20);
      boolean deducting = kind >= 5;
      long amount = amountKind == 0 ? invalid.next(random)
          : deducting && amountKind < 4 ? 10_000L
          : valid.next(random);
      // A bad amount never carries a key: which of "bad amount" and "key reused" wins is not documented.
      String key = amountKind != 0 && random.nextInt(5) < 2 ? "k" + random.nextInt(12) : null;
      String type = types.next(random);
      String description = descriptions.next(random);
      return kind < 5 ? new Award(slot, amount, type, description, key)
          : kind < 8 ? new Deduct(slot, amount, type, description, key)
          : new DeductUpTo(slot, amount, type, description, key);
    }

    /** A new operation, or now and then an exact retry of an earlier keyed one. */
    Points nextOrRetry(RandomGenerator random, int slots) {
      if (!keyed.isEmpty() && random.nextInt(6) == 0) {
        return keyed.get(random.nextInt(keyed.size()));
      }
      return next(random, slots, true);
    }
  }

  private static Bulk bulk(RandomGenerator random, PointsGen points, int slots, boolean withNull) {
    int size = random.nextInt(7);
    List<Points> ops = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (!ops.isEmpty() && random.nextInt(6) == 0) {
        ops.add(ops.get(random.nextInt(ops.size()))); // the same operation twice in one request
      } else {
        ops.add(points.nextOrRetry(random, slots));
      }
    }
    return new Bulk(ops, withNull ? random.nextInt(size + 1) : -1);
  }

  private static Concurrently concurrently(RandomGenerator random, PointsGen points, int slots) {
    int callers = 2 + random.nextInt(MAX_CALLERS - 1);
    List<Op> group = new ArrayList<>();
    int operations = 0;
    for (int i = 0; i < callers; i++) {
      int left = MAX_CONCURRENT_OPERATIONS - operations - (callers - i - 1);
      Op caller;
      if (left >= 2 && random.nextInt(5) == 0) {
        caller = bulk(random, points, slots, false);
        List<Points> ops = ((Bulk) caller).operations();
        caller = new Bulk(ops.subList(0, Math.min(ops.size(), left)), -1);
      } else if (!group.isEmpty() && random.nextInt(3) == 0 && group.get(0) instanceof Points first
          && first.idempotencyKey() != null) {
        caller = first; // two callers racing with one key
      } else {
        caller = points.nextOrRetry(random, slots);
      }
      operations += caller.points().size();
      group.add(caller);
    }
    return new Concurrently(group);
  }

  private static Op changedRetry(RandomGenerator random, Points original, int slots) {
    Points changed = switch (random.nextInt(5)) {
      case 0 -> original.with(original.slot(), original.amount() == 1 ? 2 : original.amount() - 1,
          original.type(), original.description());
      case 1 -> original.with(original.slot(), original.amount(),
          TYPES.get((TYPES.indexOf(original.type()) + 1) % TYPES.size()), original.description());
      case 2 -> original.with(original.slot(), original.amount(), original.type(),
          original.description() == null ? "changed" : null);
      case 3 -> original.with((original.slot() + 1) % Math.max(2, slots), original.amount(), original.type(),
          original.description());
      default -> original instanceof Award
          ? new Deduct(original.slot(), original.amount(), original.type(), original.description(),
              original.idempotencyKey())
          : original instanceof Deduct
              ? new DeductUpTo(original.slot(), original.amount(), original.type(), original.description(),
                  original.idempotencyKey())
              : new Award(original.slot(), original.amount(), original.type(), original.description(),
                  original.idempotencyKey());
    };
    return changed;
  }

  private static void apply(Run run, LedgerModel model, Op op) {
    run.step++;
    run.touched.clear();
    if (op instanceof Points p) {
      applyPoints(run, model, p);
    } else if (op instanceof Bulk b) {
      applyBulk(run, model, b);
    } else if (op instanceof Concurrently c) {
      applyConcurrently(run, model, c);
    } else if (op instanceof UpdateProfile u) {
      applyUpdate(run, model, u);
    } else if (op instanceof Enrol e) {
      Participant created = run.scope(0).participants().create(run.campaignId,
          NewParticipant.withEmail(e.email()).withName(e.firstName(), null));
      expect(created.pointsBalance() == 0 && created.lifetimePoints() == 0, op,
          "a new participant has no points", created.pointsBalance() + "/" + created.lifetimePoints());
      int slot = run.ids.size();
      run.ids.add(created.id());
      run.profiles.add(new Profile());
      model.addParticipant(slot);
      run.touched.add(slot);
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  /** Whether the operation names a participant of this run (or the one that never exists). */
  private static boolean exists(Run run, Points op) {
    return op.slot() == NOBODY || op.slot() < run.ids.size();
  }

  private static ParticipantRef ref(Run run, Points op) {
    // An id no participant has: ids are positive, and no generator reaches this one.
    return ParticipantRef.id(op.slot() == NOBODY ? Long.MAX_VALUE - 7 : run.ids.get(op.slot()));
  }

  private static PointsChange change(Points op) {
    return new PointsChange(op.amount(), op.type(), op.description(), op.idempotencyKey());
  }

  private static Outcome predict(LedgerModel model, Points op) {
    return op instanceof Award ? model.award(op.slot(), change(op))
        : op instanceof Deduct ? model.deduct(op.slot(), change(op))
        : model.deductUpToBalance(op.slot(), change(op));
  }

  /** Calls the engine of {@code scope} once for {@code op}: its result, or the {@link LoyaltyException} it threw. */
  private static Object call(Run run, TenantScope scope, Points op) {
    ParticipantRef ref = ref(run, op);
    PointsChange change = change(op);
    try {
      return op instanceof Award ? scope.points().award(ref, change)
          : op instanceof Deduct ? scope.points().deduct(ref, change)
          : scope.points().deductUpToBalance(ref, change);
    } catch (LoyaltyException e) {
      return e;
    }
  }

  private static PointsOperation operation(Run run, Points op) {
    ParticipantRef ref = ref(run, op);
    return op instanceof Award ? PointsOperation.award(ref, change(op))
        : op instanceof Deduct ? PointsOperation.deduct(ref, change(op))
        : PointsOperation.deductUpToBalance(ref, change(op));
  }

  /** Calls {@code applyAll}: the outcomes as results or exceptions, or the exception that refused the request. */
  private static Object callBulk(Run run, TenantScope scope, List<Points> ops, int nullAt) {
    List<PointsOperation> request = new ArrayList<>();
    for (Points op : ops) {
      request.add(operation(run, op));
    }
    if (nullAt >= 0) {
      request.add(nullAt, null);
    }
    try {
      List<PointsOutcome> outcomes = scope.points().applyAll(request);
      List<Object> got = new ArrayList<>();
      for (PointsOutcome outcome : outcomes) {
        got.add(outcome.succeeded() ? outcome.result() : outcome.error());
      }
      return got;
    } catch (LoyaltyException e) {
      return e;
    }
  }

  private static void applyPoints(Run run, LedgerModel model, Points op) {
    if (!exists(run, op)) {
      return; // the enrolment that made this slot was dropped from a shortened sequence
    }
    Outcome expected = predict(model, op);
    Object actual = call(run, run.scope(0), op);
    touch(run, op);
    String mismatch = compare(run, op, run.engine(0), expected, actual);
    if (mismatch != null) {
      throw new AssertionError(op + ": model predicted " + describe(expected) + " but the engine "
          + describe(actual) + " (" + mismatch + ")");
    }
  }

  private static void applyBulk(Run run, LedgerModel model, Bulk bulk) {
    List<Points> ops = bulk.operations().stream().filter(op -> exists(run, op)).toList();
    Object actual = callBulk(run, run.scope(0), ops, Math.min(bulk.nullAt(), ops.size()));
    if (bulk.nullAt() >= 0) {
      expect(actual instanceof LoyaltyException e && e.code() == io.loyaltyengine.ErrorCode.VALIDATION_ERROR
          && e.field().equals(java.util.Optional.of("operations")), bulk,
          "a request holding a null refused with VALIDATION_ERROR on operations", describe(actual));
      return; // the invariant checks that nothing changed
    }
    if (!(actual instanceof List<?> outcomes)) {
      throw new AssertionError(bulk + ": the request failed as a whole: " + describe(actual));
    }
    expect(outcomes.size() == ops.size(), bulk, ops.size() + " outcomes", outcomes.size());
    for (int i = 0; i < ops.size(); i++) {
      Points op = ops.get(i);
      Outcome expected = predict(model, op);
      touch(run, op);
      String mismatch = compare(run, op, run.engine(0), expected, outcomes.get(i));
      if (mismatch != null) {
        throw new AssertionError(bulk + ", operation " + i + " (" + op + "): model predicted " + describe(expected)
            + " but the engine " + describe(outcomes.get(i)) + " (" + mismatch + ")");
      }
    }
  }

  /** One operation of a caller of a concurrent group, the engine it called and what that gave it. */
  private record Done(int caller, int engine, Points op, Object actual) {
  }

  private static void applyConcurrently(Run run, LedgerModel model, Concurrently group) {
    List<Op> callers = new ArrayList<>();
    for (Op caller : group.callers()) {
      List<Points> ops = caller.points().stream().filter(op -> exists(run, op)).toList();
      if (!ops.isEmpty()) {
        callers.add(caller instanceof Bulk ? new Bulk(ops, -1) : ops.get(0));
      }
    }
    List<Object> got = runAtOnce(run, callers);
    List<List<Done>> done = new ArrayList<>();
    for (int c = 0; c < callers.size(); c++) {
      List<Done> mine = new ArrayList<>();
      Object actual = got.get(c);
      if (callers.get(c) instanceof Points p) {
        mine.add(new Done(c, run.engine(c), p, actual));
      } else {
        Bulk bulk = (Bulk) callers.get(c);
        if (!(actual instanceof List<?> outcomes) || outcomes.size() != bulk.operations().size()) {
          throw new AssertionError(group + ": caller " + c + " (" + bulk + ") failed as a whole: "
              + describe(actual));
        }
        for (int i = 0; i < outcomes.size(); i++) {
          mine.add(new Done(c, run.engine(c), bulk.operations().get(i), outcomes.get(i)));
        }
      }
      done.add(mine);
    }
    List<Done> order = interleaving(run, model, done);
    if (order == null) {
      StringBuilder what = new StringBuilder();
      for (List<Done> caller : done) {
        for (Done d : caller) {
          what.append("\n    caller ").append(d.caller()).append(run.engines() > 1 ? " on engine " + d.engine() : "")
              .append(": ").append(d.op()).append(" -> ")
              .append(describe(d.actual()));
        }
      }
      throw new AssertionError(group + ": no order of the callers' operations explains what they got (a lost or "
          + "doubled update, a wrong result, or entries numbered out of order):" + what
          + "\n  model before: " + model);
    }
    for (Done d : order) {
      Outcome expected = predict(model, d.op());
      touch(run, d.op());
      String mismatch = compare(run, d.op(), d.engine(), expected, d.actual());
      if (mismatch != null) {
        throw new AssertionError("the chosen interleaving no longer matches: " + d + " (" + mismatch + ")");
      }
    }
  }

  /** Starts every caller on its own thread at once, caller i on engine i of the step; returns what each got. */
  private static List<Object> runAtOnce(Run run, List<Op> callers) {
    ExecutorService threads = run.threads();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Object>> futures = new ArrayList<>();
    for (int c = 0; c < callers.size(); c++) {
      Op caller = callers.get(c);
      TenantScope scope = run.scope(c);
      futures.add(threads.submit(() -> {
        start.await();
        return caller instanceof Points p ? call(run, scope, p)
            : callBulk(run, scope, ((Bulk) caller).operations(), -1);
      }));
    }
    start.countDown();
    List<Object> got = new ArrayList<>();
    for (Future<Object> future : futures) {
      try {
        got.add(future.get(60, TimeUnit.SECONDS));
      } catch (Exception e) {
        throw new AssertionError("a concurrent caller did not finish normally", e);
      }
    }
    return got;
  }

  /**
   * An interleaving of the callers' operations (each caller's in order) that a copy of the model, applied in that
   * order, predicts exactly, with every participant's new entries numbered in that order; or null if none does.
   */
  private static List<Done> interleaving(Run run, LedgerModel model, List<List<Done>> callers) {
    return search(run, model, callers, new int[callers.size()], new ArrayList<>(), new HashMap<>(run.entryIds),
        new HashSet<>(run.seenEntryIds), new HashMap<>(run.lastEntryId));
  }

  private static List<Done> search(Run run, LedgerModel model, List<List<Done>> callers, int[] next,
      List<Done> order, Map<Long, Long> entryIds, Set<Long> seen, Map<SlotOnEngine, Long> lastIds) {
    boolean finished = true;
    for (int c = 0; c < callers.size(); c++) {
      if (next[c] == callers.get(c).size()) {
        continue;
      }
      finished = false;
      Done d = callers.get(c).get(next[c]);
      LedgerModel trial = model.copy();
      Outcome expected = predict(trial, d.op());
      Map<Long, Long> ids = new HashMap<>(entryIds);
      Set<Long> seenIds = new HashSet<>(seen);
      Map<SlotOnEngine, Long> last = new HashMap<>(lastIds);
      if (matches(run, d.op(), d.engine(), expected, d.actual(), ids, seenIds, last)) {
        next[c]++;
        order.add(d);
        List<Done> found = search(run, trial, callers, next, order, ids, seenIds, last);
        if (found != null) {
          return found;
        }
        order.remove(order.size() - 1);
        next[c]--;
      }
    }
    return finished ? new ArrayList<>(order) : null;
  }

  /** Whether the engine's answer is the prediction; records a new entry's id in the trial's maps if it is. */
  private static boolean matches(Run run, Points op, int engine, Outcome expected, Object actual,
      Map<Long, Long> entryIds, Set<Long> seen, Map<SlotOnEngine, Long> lastIds) {
    if (compareOutcome(run, expected, actual, entryIds) != null) {
      return false;
    }
    if (expected instanceof Applied a) {
      long id = ((PointsResult) actual).entry().id();
      SlotOnEngine numbering = new SlotOnEngine(op.slot(), engine);
      Long last = lastIds.get(numbering);
      if (!seen.add(id) || last != null && id <= last) {
        return false;
      }
      entryIds.put(a.entry().sequence(), id);
      lastIds.put(numbering, id);
    }
    return true;
  }

  private static void touch(Run run, Points op) {
    if (op.slot() != NOBODY) {
      run.touched.add(op.slot());
    }
  }

  /**
   * Null when the result {@code engine} gave agrees with the model's prediction, else what differs; records new
   * entries.
   */
  private static String compare(Run run, Points op, int engine, Outcome expected, Object actual) {
    String mismatch = compareOutcome(run, expected, actual, run.entryIds);
    if (mismatch != null) {
      return mismatch;
    }
    if (expected instanceof Applied a) {
      LedgerEntry entry = ((PointsResult) actual).entry();
      if (!run.seenEntryIds.add(entry.id())) {
        return "a new entry reuses the id of an earlier one";
      }
      SlotOnEngine numbering = new SlotOnEngine(op.slot(), engine);
      Long last = run.lastEntryId.get(numbering);
      if (last != null && entry.id() <= last) {
        return "a new entry numbered before the participant's earlier entry " + last
            + (run.engines() > 1 ? " made by the same engine " + engine : "");
      }
      run.entryIds.put(a.entry().sequence(), entry.id());
      run.lastEntryId.put(numbering, entry.id());
    }
    return null;
  }

  /** Null when the engine's result agrees with the model's prediction, else what differs. Changes nothing. */
  private static String compareOutcome(Run run, Outcome expected, Object actual, Map<Long, Long> entryIds) {
    if (expected instanceof Rejected r) {
      if (!(actual instanceof LoyaltyException e)) {
        return "expected a rejection";
      }
      if (e.code() != r.code()) {
        return "error code";
      }
      return r.field() == null || r.field().equals(e.field().orElse(null)) ? null : "error field";
    }
    if (!(actual instanceof PointsResult result)) {
      return "expected a result";
    }
    if (expected instanceof NothingTaken) {
      return result.entry() == null && result.balance() == 0 && !result.replayed()
          ? null : "expected no entry, balance 0, not replayed";
    }
    LedgerModel.Entry entry = expected instanceof Applied a ? a.entry() : ((Replayed) expected).entry();
    long balance = expected instanceof Applied a ? a.balance() : ((Replayed) expected).balance();
    boolean replay = expected instanceof Replayed;
    if (result.entry() == null) {
      return "no entry";
    }
    if (result.replayed() != replay) {
      return "replayed flag";
    }
    if (result.balance() != balance) {
      return "balance";
    }
    return compareEntry(run, entry, result.entry(), entryIds);
  }

  private static String compareEntry(Run run, LedgerModel.Entry expected, LedgerEntry actual,
      Map<Long, Long> entryIds) {
    if (actual.kind() != expected.kind() || actual.amount() != expected.amount()
        || !Objects.equals(actual.type(), expected.type())
        || !Objects.equals(actual.description(), expected.description())
        || !Objects.equals(actual.idempotencyKey(), expected.idempotencyKey())
        || !Objects.equals(actual.requestedAmount(), expected.requestedAmount())) {
      return "entry fields";
    }
    if (actual.balanceAfter() != expected.balanceAfter()) {
      return "entry balanceAfter";
    }
    if (actual.participantId() != run.ids.get((int) expected.participant())
        || actual.tenantId() != run.tenantId || actual.campaignId() != run.campaignId) {
      return "entry owner";
    }
    Long id = entryIds.get(expected.sequence());
    return id == null || id == actual.id() ? null : "entry id (expected the entry " + id + " of the first request)";
  }

  private static void applyUpdate(Run run, LedgerModel model, UpdateProfile op) {
    if (op.slot() >= run.ids.size()) {
      return;
    }
    Participant updated = run.scope(0).participants().update(ParticipantRef.id(run.ids.get(op.slot())),
        ParticipantUpdate.builder().tier(op.tier()).metadata(op.metadataKey(), op.metadataValue()).build());
    Profile profile = run.profiles.get(op.slot());
    profile.tier = op.tier().isEmpty() ? null : op.tier();
    profile.metadata.put(op.metadataKey(), op.metadataValue() instanceof Integer i ? (Object) i.longValue()
        : op.metadataValue());
    run.touched.add(op.slot());
    checkProfile(op, updated, profile);
    expect(updated.pointsBalance() == model.balance(op.slot()), op, "a profile update keeps the balance at "
        + model.balance(op.slot()), updated.pointsBalance());
    expect(updated.lifetimePoints() == model.lifetimePoints(op.slot()), op,
        "a profile update keeps the lifetime points at " + model.lifetimePoints(op.slot()), updated.lifetimePoints());
  }

  private static void checkProfile(Object context, Participant p, Profile profile) {
    expect(Objects.equals(p.tier(), profile.tier), context, "tier " + profile.tier, p.tier());
    expect(p.metadata().equals(profile.metadata), context, "metadata " + profile.metadata, p.metadata());
  }

  /** Reads through another engine than the step's single call went to, when there are several. */
  private static void check(Run run, LedgerModel model) {
    for (int slot = 0; slot < run.ids.size(); slot++) {
      Participant p = run.scope(1).participants().get(ParticipantRef.id(run.ids.get(slot)));
      String who = "participant #" + slot;
      expect(p.pointsBalance() >= 0, who, "a balance that is never negative", p.pointsBalance());
      expect(p.pointsBalance() == model.balance(slot), who, "balance " + model.balance(slot), p.pointsBalance());
      expect(p.lifetimePoints() == model.lifetimePoints(slot), who, "lifetime points " + model.lifetimePoints(slot),
          p.lifetimePoints());
      checkProfile(who, p, run.profiles.get(slot));
      if (run.touched.contains(slot)) {
        checkHistory(run, model, slot, p);
      }
    }
  }

  private static void checkHistory(Run run, LedgerModel model, int slot, Participant p) {
    List<LedgerEntry> history = Pages.all(page -> run.scope(1).points().history(ParticipantRef.id(p.id()), page));
    List<LedgerModel.Entry> expected = new ArrayList<>(model.entries(slot));
    Collections.reverse(expected);
    // Newest first is highest id first: with one engine that is the order they applied in (checked at each step);
    // across instances in one millisecond, the order of their nodes. Every applied entry's id is recorded.
    expected.sort(Comparator.comparing((LedgerModel.Entry e) -> run.entryIds.get(e.sequence()),
        Comparator.nullsLast(Comparator.reverseOrder())));
    String who = "history of participant #" + slot;
    expect(history.size() == expected.size(), who, expected.size() + " entries", history.size() + " entries");
    long sum = 0;
    long awards = 0;
    for (int i = 0; i < history.size(); i++) {
      LedgerEntry actual = history.get(i);
      String mismatch = compareEntry(run, expected.get(i), actual, run.entryIds);
      expect(mismatch == null, who, "entry " + (i + 1) + " (newest first) as the model's: " + expected.get(i),
          actual + " (" + mismatch + ")");
      if (i > 0) {
        expect(history.get(i - 1).id() > actual.id(), who, "entries newest (highest id) first", history);
      }
      sum += actual.signedAmount();
      awards += actual.kind() == LedgerEntryKind.AWARD ? actual.amount() : 0;
    }
    expect(sum == p.pointsBalance(), who, "a balance equal to the sum of the ledger " + sum, p.pointsBalance());
    expect(awards == p.lifetimePoints(), who, "lifetime points equal to the sum of the awards " + awards,
        p.lifetimePoints());
  }

  private static void expect(boolean condition, Object context, String expected, Object actual) {
    if (!condition) {
      throw new AssertionError(context + ": expected " + expected + " but was " + actual);
    }
  }

  private static String describe(Object outcome) {
    if (outcome instanceof PointsResult r) {
      LedgerEntry e = r.entry();
      if (e == null) {
        return "no entry (nothing taken) with balance " + r.balance() + (r.replayed() ? ", replayed" : "");
      }
      return (r.replayed() ? "replayed entry " : "applied entry ") + e.id() + " (" + e.kind() + " " + e.amount()
          + ", balanceAfter " + e.balanceAfter() + ") with balance " + r.balance();
    }
    if (outcome instanceof LoyaltyException e) {
      return "failed with " + e.code() + e.field().map(f -> " on " + f).orElse("");
    }
    if (outcome instanceof Applied a) {
      return "applied (" + a.entry().kind() + " " + a.entry().amount() + ") with balance " + a.balance();
    }
    if (outcome instanceof Replayed r) {
      return "a replay of its entry " + r.entry().sequence() + " with balance " + r.balance();
    }
    if (outcome instanceof Rejected r) {
      return "rejection with " + r.code() + (r.field() == null ? "" : " on " + r.field());
    }
    if (outcome instanceof NothingTaken) {
      return "nothing taken (no entry, balance 0)";
    }
    if (outcome instanceof List<?> list) {
      return list.stream().map(LedgerScenario::describe).toList().toString();
    }
    return String.valueOf(outcome);
  }

  /**
   * One run's system under test: a fresh tenant with one campaign and its participants by slot, a scope of it in
   * each engine, the step being applied, and the threads of its concurrent callers (made on first use, stopped on
   * {@link #close}). Not thread-safe: used by one run.
   */
  public static final class Run implements AutoCloseable {
    private final List<TenantScope> scopes;
    private final long tenantId;
    private final long campaignId;
    private final List<Long> ids = new ArrayList<>();
    private final List<Profile> profiles = new ArrayList<>();
    private final Map<Long, Long> entryIds = new HashMap<>();
    private final Set<Long> seenEntryIds = new HashSet<>();
    /**
     * Per slot and engine, the id of its newest entry made there: one instance numbers a participant's entries in
     * the order they apply.
     */
    private final Map<SlotOnEngine, Long> lastEntryId = new HashMap<>();
    private final Set<Integer> touched = new TreeSet<>();
    /** The operation being applied, counted from 1; 0 while setting up and checking before the first. */
    private int step;
    private ExecutorService threads;

    Run(List<LoyaltyEngine> engines) {
      LoyaltyEngine first = engines.get(0);
      this.tenantId = first.tenants().create(NewTenant.business("Model run")).id();
      this.scopes = engines.stream().map(engine -> engine.forTenant(tenantId)).toList();
      TenantScope scope = scopes.get(0);
      Brand brand = scope.brands().create(new NewBrand("Model shop", "model.example.com"));
      Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Model campaign"));
      this.campaignId = campaign.id();
      for (int slot = 0; slot < INITIAL_PARTICIPANTS; slot++) {
        ids.add(scope.participants().create(campaignId, NewParticipant.withEmail("slot" + slot + "@example.com"))
            .id());
        profiles.add(new Profile());
      }
    }

    /** The tenant this run works in, through the first engine. */
    public TenantScope scope() {
      return scopes.get(0);
    }

    /** How many engines this run works through. */
    int engines() {
      return scopes.size();
    }

    /**
     * The engine of the {@code offset}th caller of this step: 0 for the step's single call, 0, 1, ... for the
     * callers of a concurrent group, 1 for the checks that follow (another engine than the single call's).
     */
    int engine(int offset) {
      return (step + offset) % scopes.size();
    }

    /** This run's tenant in {@link #engine(int) engine(offset)}. */
    TenantScope scope(int offset) {
      return scopes.get(engine(offset));
    }

    private ExecutorService threads() {
      if (threads == null) {
        threads = Executors.newFixedThreadPool(MAX_CALLERS, r -> {
          Thread t = new Thread(r, "ledger-scenario-caller");
          t.setDaemon(true);
          return t;
        });
      }
      return threads;
    }

    /** Stops the callers' threads. */
    @Override
    public void close() throws InterruptedException {
      if (threads != null) {
        threads.shutdownNow();
        if (!threads.awaitTermination(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("a concurrent caller of the ledger scenario did not stop");
        }
      }
    }

    @Override
    public String toString() {
      return "LedgerScenario.Run[tenant=" + tenantId + ", engines=" + scopes.size() + ", participants=" + ids + "]";
    }
  }

  /** A participant's slot and the index of an engine: the entries of one are numbered in the order they apply. */
  private record SlotOnEngine(int slot, int engine) {
  }

  private static final class Profile {
    String tier;
    final Map<String, Object> metadata = new LinkedHashMap<>();
  }

  /** An operation of the scenario; a value with a readable {@code toString}. Immutable and thread-safe. */
  public sealed interface Op permits Points, Bulk, Concurrently, UpdateProfile, Enrol {
    /** The points operations this operation holds (itself for a single call), in order. */
    default List<Points> points() {
      return List.of();
    }
  }

  /** An award, a deduction, or a deduction capped at the balance. Immutable and thread-safe. */
  public sealed interface Points extends Op permits Award, Deduct, DeductUpTo {
    /** The participant's slot ({@link #NOBODY} for one that never exists). */
    int slot();

    /** The amount. */
    long amount();

    /** The points type. */
    String type();

    /** The description, or null. */
    String description();

    /** The idempotency key, or null. */
    String idempotencyKey();

    /** The same kind of operation with the same key and other parameters. */
    Points with(int slot, long amount, String type, String description);

    @Override
    default List<Points> points() {
      return List.of(this);
    }
  }

  /**
   * Awards points to the participant in {@code slot}. Immutable and thread-safe.
   *
   * @param slot the participant's slot
   * @param amount the amount
   * @param type the points type
   * @param description the description, or null
   * @param idempotencyKey the key, or null
   */
  public record Award(int slot, long amount, String type, String description, String idempotencyKey)
      implements Points {
    @Override
    public Points with(int slot, long amount, String type, String description) {
      return new Award(slot, amount, type, description, idempotencyKey);
    }

    @Override
    public String toString() {
      return format("award", this);
    }
  }

  /**
   * Deducts points from the participant in {@code slot}. Immutable and thread-safe.
   *
   * @param slot the participant's slot
   * @param amount the amount
   * @param type the points type
   * @param description the description, or null
   * @param idempotencyKey the key, or null
   */
  public record Deduct(int slot, long amount, String type, String description, String idempotencyKey)
      implements Points {
    @Override
    public Points with(int slot, long amount, String type, String description) {
      return new Deduct(slot, amount, type, description, idempotencyKey);
    }

    @Override
    public String toString() {
      return format("deduct", this);
    }
  }

  /**
   * Deducts at most {@code amount} from the participant in {@code slot}, capped at its balance
   * ({@link io.loyaltyengine.points.Points#deductUpToBalance}). Immutable and thread-safe.
   *
   * @param slot the participant's slot
   * @param amount the most to take
   * @param type the points type
   * @param description the description, or null
   * @param idempotencyKey the key, or null
   */
  public record DeductUpTo(int slot, long amount, String type, String description, String idempotencyKey)
      implements Points {
    @Override
    public Points with(int slot, long amount, String type, String description) {
      return new DeductUpTo(slot, amount, type, description, idempotencyKey);
    }

    @Override
    public String toString() {
      return format("deduct up to", this);
    }
  }

  /**
   * One bulk request ({@link io.loyaltyengine.points.Points#applyAll}) of {@code operations}, in order; with a null
   * inserted at {@code nullAt} when that is not negative, which refuses the whole request. Immutable and
   * thread-safe.
   *
   * @param operations the operations
   * @param nullAt where a null goes in the request, or -1 for none
   */
  public record Bulk(List<Points> operations, int nullAt) implements Op {
    /** Copies the list. */
    public Bulk {
      operations = List.copyOf(operations);
    }

    @Override
    public List<Points> points() {
      return operations;
    }

    @Override
    public String toString() {
      return "bulk of " + operations.size() + (nullAt >= 0 ? " with a null at " + nullAt : "") + ": " + operations;
    }
  }

  /**
   * Callers (single calls and bulk requests) started on as many threads at once. Immutable and thread-safe.
   *
   * @param callers the callers, each a {@link Points} or a {@link Bulk} without null
   */
  public record Concurrently(List<Op> callers) implements Op {
    /** Copies the list. */
    public Concurrently {
      callers = List.copyOf(callers);
    }

    @Override
    public List<Points> points() {
      return callers.stream().flatMap(c -> c.points().stream()).toList();
    }

    @Override
    public String toString() {
      return "concurrently " + callers;
    }
  }

  private static String format(String verb, Points p) {
    return verb + " " + p.amount() + " " + (verb.equals("award") ? "to" : "from") + " #" + p.slot() + " as "
        + p.type() + (p.description() == null ? "" : ", description \"" + p.description() + "\"")
        + (p.idempotencyKey() == null ? "" : ", key " + p.idempotencyKey());
  }

  /**
   * Sets the tier of the participant in {@code slot} ({@code ""} clears it) and one metadata key. Immutable and
   * thread-safe.
   *
   * @param slot the participant's slot
   * @param tier the tier, or {@code ""}
   * @param metadataKey the metadata key
   * @param metadataValue its new value
   */
  public record UpdateProfile(int slot, String tier, String metadataKey, Object metadataValue) implements Op {
    @Override
    public String toString() {
      return "update #" + slot + ": tier \"" + tier + "\", metadata " + metadataKey + "=" + metadataValue;
    }
  }

  /**
   * Enrols a participant in the next free slot. Immutable and thread-safe.
   *
   * @param email its email
   * @param firstName its first name
   */
  public record Enrol(String email, String firstName) implements Op {
    @Override
    public String toString() {
      return "enrol " + email + " (\"" + firstName + "\") in the next slot";
    }
  }
}
