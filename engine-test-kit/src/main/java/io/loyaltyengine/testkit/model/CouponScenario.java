package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A campaign's coupon pool in a real engine, driven against a small reference model by a {@link ModelRunner}: seeded
 * sequences of uploads (one to six codes drawn from forty, so that duplicates within an upload and against the pool
 * happen) and unlocks of an unlimited COUPON reward (one action each) by three participants, in a campaign that
 * approves at once, so that a code is taken at every unlock, or the reward waits for an upload when the pool is empty.
 *
 * <pre>{@code
 * CouponScenario.runner(engine, outcome -> {}).steps(100).build().runSeeds(CouponScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and each re-run while shortening a failure) works in a fresh tenant of the given engine, with one
 * brand, one campaign, the reward and three participants; tenant isolation keeps runs apart. Operations name
 * participants by slot and codes by number, so they stay meaningful when a shortened sequence drops some.
 *
 * <h2>Checked at every step</h2>
 * An upload reports what the model predicts (codes added, duplicates within the upload, codes already in the pool,
 * codes handed to waiting rewards), and hands its codes to the waiting rewards oldest first; an unlock gets the
 * oldest free code, in upload order, or waits with a reason when there is none.
 *
 * <h2>Checked after every step</h2>
 * The remaining count is the model's; the assigned codes, read in pages of seven, are the model's, in upload order:
 * every assigned code
 * is distinct, from the pool, and held by exactly the reward and participant the model says; every earned reward holds
 * the model's code, or none and a waiting reason.
 *
 * <p>Thread-safe: every run builds its own state; the engine must be thread-safe anyway. The outcome consumer is
 * called on the thread running the runner.
 */
public final class CouponScenario {
  private static final int PARTICIPANTS = 3;
  private static final int CODES = 40;
  private static final int ASSIGNED_PAGE = 7;
  private static final long[] DEFAULT_SEEDS = {21L, 22L, 23L};

  /** An upload that repeats a code. */
  public static final String DUPLICATES_IN_UPLOAD = "duplicates in an upload";
  /** An upload of a code the pool already holds. */
  public static final String ALREADY_IN_POOL = "codes already in the pool";
  /** An upload whose codes went to rewards waiting for one. */
  public static final String TO_WAITING = "codes to waiting rewards";
  /** An unlock that found the pool empty and waits. */
  public static final String EMPTY_POOL = "an empty pool";
  /** An unlock that got a code at once. */
  public static final String CODE_AT_APPROVAL = "a code at approval";

  private CouponScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test; each run creates its own tenant in it
   * @param outcomes told the name of every outcome an operation reaches (one of {@link #outcomes()}), so that a
   *     caller can check that its seeds reach them all
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(outcomes, "outcomes");
    return ModelRunner.<Run, Model, Op>builder()
        .name("coupons")
        .system(() -> new Run(engine))
        .model(run -> new Model())
        .operations(operations())
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(CouponScenario::check);
  }

  /** Three seeds whose 100-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(DUPLICATES_IN_UPLOAD, ALREADY_IN_POOL, TO_WAITING, EMPTY_POOL, CODE_AT_APPROVAL);
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations() {
    return (random, previous) -> {
      if (random.nextInt(3) == 0) {
        List<Integer> codes = new ArrayList<>();
        for (int i = random.nextInt(1, 7); i > 0; i--) {
          codes.add(random.nextInt(CODES));
        }
        return new Upload(codes);
      }
      return new Unlock(random.nextInt(PARTICIPANTS));
    };
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    if (op instanceof Upload u) {
      upload(run, model, u, outcomes);
    } else if (op instanceof Unlock u) {
      unlock(run, model, u, outcomes);
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void upload(Run run, Model model, Upload op, Consumer<String> outcomes) {
    List<String> codes = op.codes().stream().map(CouponScenario::code).toList();
    Set<String> seen = new LinkedHashSet<>();
    Set<String> duplicates = new LinkedHashSet<>();
    List<String> inPool = new ArrayList<>();
    for (String code : codes) {
      if (!seen.add(code)) {
        duplicates.add(code);
      } else if (model.pool.contains(code)) {
        inPool.add(code);
      }
    }
    int added = 0;
    for (String code : seen) {
      if (model.pool.add(code)) {
        model.uploaded.add(code);
        model.free.add(code);
        added++;
      }
    }
    int toWaiting = Math.min(model.waiting.size(), model.free.size());
    CouponUpload result = run.scope.coupons().upload(run.campaign.id(), codes);
    CouponUpload expected = new CouponUpload(added, List.copyOf(duplicates), inPool, toWaiting);
    // CouponUpload's toString hides the codes; these are made up, so show them.
    assertEquals(describe(expected), describe(result), op::toString);
    assertEquals(expected, result, op::toString);
    if (!duplicates.isEmpty()) {
      outcomes.accept(DUPLICATES_IN_UPLOAD);
    }
    if (!inPool.isEmpty()) {
      outcomes.accept(ALREADY_IN_POOL);
    }
    if (toWaiting > 0) {
      outcomes.accept(TO_WAITING);
    }
    for (int i = 0; i < toWaiting; i++) {
      int index = model.waiting.poll();
      String code = model.free.poll();
      EarnedReward reward = run.scope.rewards().getEarned(run.earned.get(index));
      assertEquals(code, reward.couponCode(), () -> op + ": the oldest waiting reward (#" + index + ") first");
      assertNull(reward.waitingReason(), () -> op + ": the waiting reason is cleared (#" + index + ")");
      model.codes.put(index, code);
    }
  }

  private static void unlock(Run run, Model model, Unlock op, Consumer<String> outcomes) {
    Participant p = run.participants.get(op.slot());
    List<EarnedReward> unlocked = run.scope.rewards()
        .recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), run.coupon.id())).unlocked();
    assertEquals(1, unlocked.size(), () -> op + ": a goal of one action unlocks at every action");
    EarnedReward reward = run.scope.rewards().getEarned(unlocked.get(0).id());
    int index = run.earned.size();
    run.earned.add(reward.id());
    run.indexes.put(reward.id(), index);
    model.owners.add(op.slot());
    if (model.free.isEmpty()) {
      outcomes.accept(EMPTY_POOL);
      assertNull(reward.couponCode(), () -> op + ": no code in an empty pool");
      assertNotNull(reward.waitingReason(), () -> op + ": a reward waiting for a code says why");
      model.waiting.add(index);
    } else {
      outcomes.accept(CODE_AT_APPROVAL);
      String code = model.free.poll();
      assertEquals(code, reward.couponCode(), () -> op + ": the oldest free code, in upload order");
      model.codes.put(index, code);
    }
  }

  private static void check(Run run, Model model) {
    long campaignId = run.campaign.id();
    assertEquals(model.free.size(), run.scope.coupons().remaining(campaignId), "remaining codes");
    List<AssignedCoupon> assigned = allAssigned(run.scope, campaignId);
    Set<String> held = new HashSet<>(model.codes.values());
    // CouponScenario's codes are made up: shown, where AssignedCoupon's toString hides them.
    assertEquals(model.uploaded.stream().filter(held::contains).toList(),
        assigned.stream().map(AssignedCoupon::code).toList(), "the assigned codes, in upload order");
    assertEquals(model.codes.size(), assigned.size(), "assigned codes");
    Set<String> codes = new HashSet<>();
    Set<Long> rewards = new HashSet<>();
    for (AssignedCoupon a : assigned) {
      assertTrue(codes.add(a.code()), "a code went to two rewards: " + a.code());
      assertTrue(rewards.add(a.earnedRewardId()), "a reward got two codes: " + a);
      assertTrue(model.pool.contains(a.code()), "an assigned code is from the pool: " + a.code());
      Integer index = run.indexes.get(a.earnedRewardId());
      assertNotNull(index, "a code went to a reward of this scenario: " + a);
      assertEquals(model.codes.get(index), a.code(), "the code of reward #" + index);
      assertEquals(run.participants.get(model.owners.get(index)).id(), a.participantId(),
          "the participant of reward #" + index);
    }
    int earned = 0;
    for (Participant p : run.participants) {
      List<EarnedReward> mine = allEarned(run.scope, p);
      earned += mine.size();
      for (EarnedReward e : mine) {
        Integer index = run.indexes.get(e.id());
        assertNotNull(index, "a reward unlocked by this scenario: " + e);
        String code = model.codes.get(index);
        assertEquals(code, e.couponCode(), "the code of reward #" + index);
        assertEquals(code == null, e.waitingReason() != null, "reward #" + index
            + " has a waiting reason exactly while it has no code");
      }
    }
    assertEquals(run.earned.size(), earned, "every unlocked reward is listed once");
    assertEquals(model.waiting.size(), run.earned.size() - assigned.size(), "every reward has a code or waits");
  }

  /** A pool's assigned codes, read page by page; checks that pages follow each other in id order. */
  private static List<AssignedCoupon> allAssigned(TenantScope scope, long campaignId) {
    List<AssignedCoupon> all = new ArrayList<>();
    Keyset page = Keyset.first(ASSIGNED_PAGE);
    while (true) {
      CursorPage<AssignedCoupon> read = scope.coupons().assigned(campaignId, page);
      assertTrue(read.items().size() <= ASSIGNED_PAGE, "a page holds at most its limit");
      for (AssignedCoupon a : read.items()) {
        assertTrue(all.isEmpty() || all.get(all.size() - 1).id() < a.id(), "ids ascend across pages");
        all.add(a);
      }
      if (!read.hasMore()) {
        return all;
      }
      assertEquals(ASSIGNED_PAGE, read.items().size(), "a page with more after it is full");
      page = Keyset.after(read.nextId(), ASSIGNED_PAGE);
    }
  }

  private static List<EarnedReward> allEarned(TenantScope scope, Participant p) {
    return Pages.all(page -> scope.rewards().earned(ParticipantRef.id(p.id()), page));
  }

  private static String code(int number) {
    return "CODE-" + number;
  }

  private static String describe(CouponUpload u) {
    return "added " + u.added() + ", duplicates " + u.duplicatesInUpload() + ", already in pool " + u.alreadyInPool()
        + ", to waiting " + u.assignedToWaiting();
  }

  /**
   * One run's system under test: a fresh tenant of the engine with an AUTO campaign, an unlimited COUPON reward of
   * one action, its participants by slot, and the ids of the rewards unlocked so far in unlock order. Not
   * thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final Campaign campaign;
    private final CampaignReward coupon;
    private final List<Participant> participants = new ArrayList<>();
    private final List<Long> earned = new ArrayList<>();
    private final Map<Long, Integer> indexes = new HashMap<>();

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Coupon model run")).id());
      this.campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Coupon shop", "https://coupons.example.com")).id(), "Coupon campaign"));
      this.coupon = scope.rewards().define(campaign.id(), NewCampaignReward.coupon("Coupon", 1).unlimited());
      for (int i = 0; i < PARTICIPANTS; i++) {
        participants.add(scope.participants().create(campaign.id(), NewParticipant.withEmail("c" + i + "@m.example")));
      }
    }

    /** The tenant this run works in. */
    public TenantScope scope() {
      return scope;
    }

    @Override
    public String toString() {
      return "CouponScenario.Run[tenant=" + scope.tenantId() + ", campaign=" + campaign.id() + "]";
    }
  }

  /**
   * The pool as it should be: the codes uploaded, the free ones in upload order, the rewards waiting oldest first,
   * and each reward's owner and code, by unlock order. Not thread-safe: used by one run.
   */
  public static final class Model {
    private final Set<String> pool = new HashSet<>();
    /** The pool's codes in the order they were stored. */
    private final List<String> uploaded = new ArrayList<>();
    private final Deque<String> free = new ArrayDeque<>();
    private final Deque<Integer> waiting = new ArrayDeque<>();
    private final List<Integer> owners = new ArrayList<>();
    private final Map<Integer, String> codes = new HashMap<>();

    Model() {
    }

    @Override
    public String toString() {
      return "CouponScenario.Model[pool=" + pool.size() + ", free=" + free + ", waiting=" + waiting + "]";
    }
  }

  /** An operation of the scenario. Immutable and thread-safe. */
  public sealed interface Op permits Upload, Unlock {
  }

  /**
   * Uploads the codes {@code CODE-<n>} of these numbers, in order, repeats included. Immutable and thread-safe.
   *
   * @param codes the code numbers, 0..39
   */
  public record Upload(List<Integer> codes) implements Op {
    /** Copies the list. */
    public Upload {
      codes = List.copyOf(codes);
    }

    @Override
    public String toString() {
      return "upload " + codes;
    }
  }

  /**
   * One action of the participant in {@code slot}, which unlocks one coupon reward. Immutable and thread-safe.
   *
   * @param slot the participant's slot, 0..2
   */
  public record Unlock(int slot) implements Op {
    @Override
    public String toString() {
      return "unlock a coupon for p" + slot;
    }
  }
}
