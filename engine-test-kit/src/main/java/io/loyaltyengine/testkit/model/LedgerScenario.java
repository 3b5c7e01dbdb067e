package io.loyaltyengine.testkit.model;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
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
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.testkit.model.LedgerModel.Applied;
import io.loyaltyengine.testkit.model.LedgerModel.Outcome;
import io.loyaltyengine.testkit.model.LedgerModel.Rejected;
import io.loyaltyengine.testkit.model.LedgerModel.Replayed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The points ledger of a real engine, driven against a {@link LedgerModel} by a {@link ModelRunner}: seeded
 * sequences of awards, deductions, retries with the same idempotency key (same and different parameters), profile
 * updates and enrolments.
 *
 * <pre>{@code
 * LedgerScenario.runner(engine, maxPointsPerOperation).steps(200).build().runSeeds(1, 2, 3, 4, 5);
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine, with one
 * brand, one campaign and two participants to start with; tenant isolation keeps runs apart. Participants are named
 * by slot (0, 1, then one more per enrolment), so operations stay meaningful when a shortened sequence drops some;
 * an operation on a slot that does not exist (yet) is skipped.
 *
 * <h2>Checked after every step</h2>
 * The engine's result matches the model's prediction (entry, balance, replay flag, error code and field); every
 * participant's balance and lifetime points equal the model's, and the balance is never negative; the touched
 * participant's history, walked with keyset pages, is exactly the model's entries newest first, so its balance is
 * the sum of its ledger and its lifetime points the sum of its awards; a replay returns the first entry's id and a
 * retry changes nothing.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway.
 */
public final class LedgerScenario {
  private static final int INITIAL_PARTICIPANTS = 2;
  private static final int MAX_PARTICIPANTS = 6;
  private static final List<String> TYPES = List.of("purchase", "bonus", "refund");
  private static final long[] DEFAULT_SEEDS = {20250301L, 7L, 1_000_003L, 42L, 977L};

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
    Objects.requireNonNull(engine, "engine");
    return ModelRunner.<Run, LedgerModel, Op>builder()
        .name("ledger")
        .system(() -> new Run(engine))
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
   * replayed, conflict, insufficient points, bad amount, overflow), as the kit's own tests check. A new array each
   * call.
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
          .filter(Points.class::isInstance).map(Points.class::cast)
          .filter(p -> p.idempotencyKey() != null)
          .toList();
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
      boolean deduct = pick >= 68;
      int slot = random.nextInt(slots);
      int amountKind = random.nextInt(20);
      long amount = amountKind == 0 ? invalid.next(random)
          : deduct && amountKind < 4 ? 10_000L
          : valid.next(random);
      // A bad amount never carries a key: which of "bad amount" and "key reused" wins is not documented.
      String key = amountKind != 0 && random.nextInt(5) < 2 ? "k" + random.nextInt(12) : null;
      return deduct
          ? new Deduct(slot, amount, types.next(random), descriptions.next(random), key)
          : new Award(slot, amount, types.next(random), descriptions.next(random), key);
    };
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
      default -> original instanceof Award a
          ? new Deduct(a.slot(), a.amount(), a.type(), a.description(), a.idempotencyKey())
          : new Award(original.slot(), original.amount(), original.type(), original.description(),
              original.idempotencyKey());
    };
    return changed;
  }

  private static void apply(Run run, LedgerModel model, Op op) {
    run.touched = -1;
    if (op instanceof Points p) {
      applyPoints(run, model, p);
    } else if (op instanceof UpdateProfile u) {
      applyUpdate(run, model, u);
    } else if (op instanceof Enrol e) {
      Participant created = run.scope.participants().create(run.campaignId,
          NewParticipant.withEmail(e.email()).withName(e.firstName(), null));
      expect(created.pointsBalance() == 0 && created.lifetimePoints() == 0, op,
          "a new participant has no points", created.pointsBalance() + "/" + created.lifetimePoints());
      int slot = run.ids.size();
      run.ids.add(created.id());
      run.profiles.add(new Profile());
      model.addParticipant(slot);
      run.touched = slot;
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void applyPoints(Run run, LedgerModel model, Points op) {
    if (op.slot() >= run.ids.size()) {
      return; // the enrolment that made this slot was dropped from a shortened sequence
    }
    ParticipantRef ref = ParticipantRef.id(run.ids.get(op.slot()));
    PointsChange change = new PointsChange(op.amount(), op.type(), op.description(), op.idempotencyKey());
    boolean award = op instanceof Award;
    Outcome expected = award ? model.award(op.slot(), change) : model.deduct(op.slot(), change);
    Object actual;
    try {
      actual = award ? run.scope.points().award(ref, change) : run.scope.points().deduct(ref, change);
    } catch (LoyaltyException e) {
      actual = e;
    }
    run.touched = op.slot();
    String mismatch = compare(run, op, expected, actual);
    if (mismatch != null) {
      throw new AssertionError(op + ": model predicted " + describe(expected) + " but the engine "
          + describe(actual) + " (" + mismatch + ")");
    }
  }

  /** Null when the engine's result agrees with the model's prediction, else what differs. */
  private static String compare(Run run, Points op, Outcome expected, Object actual) {
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
    LedgerModel.Entry entry = expected instanceof Applied a ? a.entry() : ((Replayed) expected).entry();
    long balance = expected instanceof Applied a ? a.balance() : ((Replayed) expected).balance();
    boolean replay = expected instanceof Replayed;
    if (result.replayed() != replay) {
      return "replayed flag";
    }
    if (result.balance() != balance) {
      return "balance";
    }
    String entryMismatch = compareEntry(run, entry, result.entry());
    if (entryMismatch != null) {
      return entryMismatch;
    }
    if (!replay) {
      if (!run.seenEntryIds.add(result.entry().id())) {
        return "a new entry reuses the id of an earlier one";
      }
      run.entryIds.put(entry.sequence(), result.entry().id());
    }
    return null;
  }

  private static String compareEntry(Run run, LedgerModel.Entry expected, LedgerEntry actual) {
    if (actual.kind() != expected.kind() || actual.amount() != expected.amount()
        || !Objects.equals(actual.type(), expected.type())
        || !Objects.equals(actual.description(), expected.description())
        || !Objects.equals(actual.idempotencyKey(), expected.idempotencyKey())) {
      return "entry fields";
    }
    if (actual.balanceAfter() != expected.balanceAfter()) {
      return "entry balanceAfter";
    }
    if (actual.participantId() != run.ids.get((int) expected.participant())
        || actual.tenantId() != run.scope.tenantId() || actual.campaignId() != run.campaignId) {
      return "entry owner";
    }
    Long id = run.entryIds.get(expected.sequence());
    return id == null || id == actual.id() ? null : "entry id (expected the entry " + id + " of the first request)";
  }

  private static void applyUpdate(Run run, LedgerModel model, UpdateProfile op) {
    if (op.slot() >= run.ids.size()) {
      return;
    }
    Participant updated = run.scope.participants().update(ParticipantRef.id(run.ids.get(op.slot())),
        ParticipantUpdate.builder().tier(op.tier()).metadata(op.metadataKey(), op.metadataValue()).build());
    Profile profile = run.profiles.get(op.slot());
    profile.tier = op.tier().isEmpty() ? null : op.tier();
    profile.metadata.put(op.metadataKey(), op.metadataValue() instanceof Integer i ? (Object) i.longValue()
        : op.metadataValue());
    run.touched = op.slot();
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

  private static void check(Run run, LedgerModel model) {
    for (int slot = 0; slot < run.ids.size(); slot++) {
      Participant p = run.scope.participants().get(ParticipantRef.id(run.ids.get(slot)));
      String who = "participant #" + slot;
      expect(p.pointsBalance() >= 0, who, "a balance that is never negative", p.pointsBalance());
      expect(p.pointsBalance() == model.balance(slot), who, "balance " + model.balance(slot), p.pointsBalance());
      expect(p.lifetimePoints() == model.lifetimePoints(slot), who, "lifetime points " + model.lifetimePoints(slot),
          p.lifetimePoints());
      checkProfile(who, p, run.profiles.get(slot));
      if (slot == run.touched) {
        checkHistory(run, model, slot, p);
      }
    }
  }

  private static void checkHistory(Run run, LedgerModel model, int slot, Participant p) {
    List<LedgerEntry> history = new ArrayList<>();
    Keyset page = Keyset.first(Keyset.MAX_LIMIT);
    while (true) {
      CursorPage<LedgerEntry> got = run.scope.points().history(ParticipantRef.id(p.id()), page);
      history.addAll(got.items());
      if (!got.hasMore()) {
        break;
      }
      page = Keyset.after(got.nextId(), Keyset.MAX_LIMIT);
    }
    List<LedgerModel.Entry> expected = new ArrayList<>(model.entries(slot));
    java.util.Collections.reverse(expected);
    String who = "history of participant #" + slot;
    expect(history.size() == expected.size(), who, expected.size() + " entries", history.size() + " entries");
    long sum = 0;
    long awards = 0;
    for (int i = 0; i < history.size(); i++) {
      LedgerEntry actual = history.get(i);
      String mismatch = compareEntry(run, expected.get(i), actual);
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
    return String.valueOf(outcome);
  }

  /**
   * One run's system under test: a fresh tenant of the engine with one campaign and its participants by slot.
   * Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final long campaignId;
    private final List<Long> ids = new ArrayList<>();
    private final List<Profile> profiles = new ArrayList<>();
    private final Map<Long, Long> entryIds = new HashMap<>();
    private final Set<Long> seenEntryIds = new HashSet<>();
    private int touched = -1;

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Model run")).id());
      Brand brand = scope.brands().create(new NewBrand("Model shop", "model.example.com"));
      Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Model campaign"));
      this.campaignId = campaign.id();
      for (int slot = 0; slot < INITIAL_PARTICIPANTS; slot++) {
        ids.add(scope.participants().create(campaignId, NewParticipant.withEmail("slot" + slot + "@example.com"))
            .id());
        profiles.add(new Profile());
      }
    }

    /** The tenant this run works in. */
    public TenantScope scope() {
      return scope;
    }

    @Override
    public String toString() {
      return "LedgerScenario.Run[tenant=" + scope.tenantId() + ", participants=" + ids + "]";
    }
  }

  private static final class Profile {
    String tier;
    final Map<String, Object> metadata = new LinkedHashMap<>();
  }

  /** An operation of the scenario; a value with a readable {@code toString}. Immutable and thread-safe. */
  public sealed interface Op permits Points, UpdateProfile, Enrol {
  }

  /** An award or a deduction. Immutable and thread-safe. */
  public sealed interface Points extends Op permits Award, Deduct {
    /** The participant's slot. */
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
