package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import io.loyaltyengine.tenant.NewTenant;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Lock-order defects between the engine's operations, which its retries hide: seeded threads on two engine instances
 * sharing one database run a mix of the public API's writes on a small shared set of participants, rewards, coupon
 * pool, catalog reward, quest, feedback board and referral program (awards, deductions, bulk changes, redemptions,
 * loyalty actions naming an invited participant, coupon uploads, approvals and fulfilments, removals, signups and
 * conversions, quest tasks, ideas and votes, testimonials, customer mappings, metadata, deletions and new
 * participants), and some host transactions that change two participants in one go. The engines' storages are
 * {@link TransientFailureLog}s: a deadlock between two operations, which the engine's own transaction retries
 * unseen (and a host's answers STORAGE_UNAVAILABLE), fails the test with the stack traces of the failed transactions.
 * Seeded ({@code -Dloyalty.seed=<seed>} replays a seed's operations, not how the threads interleave).
 *
 * <p>Each call must end with a result or a refusal ({@link LoyaltyException} other than STORAGE_UNAVAILABLE: a
 * participant deleted meanwhile is NOT_FOUND, a balance too small is refused); nothing else is checked here (the
 * race tests and {@link MixedWorkloadTestBase} check the results).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class LockOrderStressTestBase extends HostTransactionTestBase {
  private static final int INSTANCES = 2;
  private static final int PARTICIPANTS = 4;
  private static final long INITIAL_POINTS = 200;

  /** How many threads call each instance. */
  abstract int threadsPerInstance();

  /** How many operations each thread runs. */
  abstract int operationsPerThread();

  /**
   * Seeded threads mixing the engine's writes on a few shared rows, on two instances, end without a deadlock: no
   * transaction of the engine's own, nor a host's, failed with one, and no call answered STORAGE_UNAVAILABLE.
   */
  @Test
  void seededThreadsMixingTheEnginesWritesOnAFewRowsNeverDeadlock() {
    Seeded.run(this, INSTANCES + " instances x " + threadsPerInstance() + " threads", this::run);
  }

  private void run(long seed) throws Exception {
    List<TransientFailureLog> logs = new ArrayList<>();
    List<LoyaltyEngine> nodes = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      TransientFailureLog log = new TransientFailureLog(fixture.openStorage());
      logs.add(log);
      nodes.add(engines.build(engines.builder(log, 0)));
    }
    World w = new World(nodes, seed);
    List<Seeded.Racer> workers = new ArrayList<>();
    for (int t = 0; t < INSTANCES * threadsPerInstance(); t++) {
      workers.add(new Worker(w, nodes.get(t % INSTANCES), new SplittableRandom(seed * 31 + t), t)::run);
    }
    Seeded.race(workers);
    System.out.println("  done " + new TreeMap<>(w.done) + "\n  refused " + new TreeMap<>(w.refused));
    List<TransientFailureLog.Failure> all = new ArrayList<>();
    List<TransientFailureLog.Failure> deadlocks = new ArrayList<>();
    logs.forEach(log -> {
      all.addAll(log.failures());
      deadlocks.addAll(log.deadlocks());
    });
    System.out.println("  transient failures: " + all.size() + ", deadlocks: " + deadlocks.size());
    assertEquals(List.of(), deadlocks.subList(0, Math.min(3, deadlocks.size())), deadlocks.size()
        + " deadlocks the engine retried or a host saw (the first three)");
    assertEquals(0, w.unavailable.get(), "calls answered STORAGE_UNAVAILABLE");
    assertTrue(w.done.values().stream().mapToLong(LongAdder::sum).sum() > 0, "something went through");
  }

  /** The seed's tenant and what its threads share. */
  private final class World {
    final List<TenantScope> scopes = new ArrayList<>();
    final long campaignId;
    final long couponRewardId;
    final long welcomeRewardId;
    final long catalogRewardId;
    final long questId;
    final long boardId;
    final ReferralSettings referralSettings;
    /** Participants that may be there (a deleted one stays: its calls are NOT_FOUND). */
    final List<Long> participants = new CopyOnWriteArrayList<>();
    final List<Long> ideas = new CopyOnWriteArrayList<>();
    final List<Long> earned = new CopyOnWriteArrayList<>();
    final List<Long> testimonials = new CopyOnWriteArrayList<>();
    final List<String> orders = new CopyOnWriteArrayList<>();
    final Map<String, LongAdder> done = new ConcurrentHashMap<>();
    final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger names = new AtomicInteger();

    World(List<LoyaltyEngine> nodes, long seed) {
      long tenantId = nodes.get(0).tenants().create(NewTenant.business("Stress " + seed)).id();
      nodes.forEach(node -> scopes.add(node.forTenant(tenantId)));
      TenantScope scope = scopes.get(0);
      long brand = scope.brands().create(new NewBrand("Stress", "stress.example.com")).id();
      campaignId = scope.campaigns().create(NewCampaign.running(brand, "Stress")).id();
      scope.rewards().configure(campaignId, Automation.AUTO, 2);
      couponRewardId = scope.rewards().define(campaignId, NewCampaignReward.coupon("Coupon", 1).unlimited()).id();
      welcomeRewardId = scope.rewards().define(campaignId,
          NewCampaignReward.message("Welcome", "Welcome", 1).forInvited()).id();
      scope.rewards().define(campaignId, NewCampaignReward.points("Bonus", 7, 2).unlimited());
      referralSettings = ReferralSettings.defaults(campaignId).withReferrerReward(couponRewardId)
          .withConversionPoints(ConversionPoints.fixed(3)).withVelocity(1_000, Duration.ofHours(1));
      scope.referrals().configure(referralSettings);
      catalogRewardId = scope.catalog().create(NewCatalogReward.of(campaignId, "Mug", 20,
          io.loyaltyengine.rewards.RewardType.CUSTOM).withStock(1_000)).id();
      questId = scope.quests().create(new NewQuest(campaignId, "Quest", null, List.of(new NewQuestTask("a", 5),
          new NewQuestTask("b", 5), new NewQuestTask("c", 5)), 10)).id();
      boardId = scope.feedback().createBoard(NewFeedbackBoard.of(campaignId, "Ideas")).id();
      scope.coupons().upload(campaignId, List.of("C-0", "C-1", "C-2", "C-3"));
      for (int i = 0; i < PARTICIPANTS; i++) {
        long id = newParticipant(scope);
        participants.add(id);
        ideas.add(scope.feedback().submitIdea(ParticipantRef.id(id), boardId, NewIdea.of("Idea " + i)).id());
        earned.addAll(scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(id), couponRewardId))
            .unlocked().stream().map(EarnedReward::id).toList());
      }
    }

    long newParticipant(TenantScope scope) {
      long id = scope.participants().create(campaignId,
          NewParticipant.withEmail("p" + names.incrementAndGet() + "@example.com")).id();
      scope.points().award(ParticipantRef.id(id), PointsChange.of(INITIAL_POINTS, "start"));
      return id;
    }
  }

  /** One thread's seeded operations on one instance. */
  private final class Worker {
    final World w;
    final LoyaltyEngine node;
    final TenantScope scope;
    final SplittableRandom random;
    final int thread;
    int n;

    Worker(World w, LoyaltyEngine node, SplittableRandom random, int thread) {
      this.w = w;
      this.node = node;
      this.scope = node.forTenant(w.scopes.get(0).tenantId());
      this.random = random;
      this.thread = thread;
    }

    void run() throws Exception {
      for (n = 0; n < operationsPerThread(); n++) {
        int op = random.nextInt(30);
        String name = name(op);
        try {
          one(op);
          w.done.computeIfAbsent(name, k -> new LongAdder()).increment();
        } catch (LoyaltyException e) {
          if (e.code() == ErrorCode.STORAGE_UNAVAILABLE) {
            // Asserted on after the run, with the deadlocks the engine retried.
            w.unavailable.incrementAndGet();
          }
          w.refused.computeIfAbsent(name + " " + e.code(), k -> new LongAdder()).increment();
        }
      }
    }

    /**
     * Runs {@code call} on the row {@code id} of {@code rows}; if the row is gone (NOT_FOUND: deleted, or its
     * participant deleted), forgets it, so that later calls pick rows that are there, and rethrows.
     */
    private void forgetIfGone(List<Long> rows, long id, Runnable call) {
      try {
        call.run();
      } catch (LoyaltyException e) {
        if (e.code() == ErrorCode.NOT_FOUND && rows.size() > 1) {
          rows.remove(id);
        }
        throw e;
      }
    }

    private ParticipantRef someone() {
      return ParticipantRef.id(any(w.participants));
    }

    /** One of {@code from}'s elements, from a snapshot (other threads remove participants). */
    @SuppressWarnings("unchecked")
    private <T> T any(List<T> from) {
      Object[] now = from.toArray();
      return (T) now[random.nextInt(now.length)];
    }

    /** Runs operation {@code op}. */
    private void one(int op) throws Exception {
      switch (op) {
        case 0 -> scope.points().award(someone(), PointsChange.of(1 + random.nextInt(20), "purchase"));
        case 1 -> scope.points().award(someone(), PointsChange.of(5, "keyed").withIdempotencyKey(
            "k-" + random.nextInt(40)));
        case 2 -> scope.points().deductUpToBalance(someone(), PointsChange.of(1 + random.nextInt(30), "spend"));
        case 3 -> {
          List<PointsOperation> ops = new ArrayList<>();
          for (int i = 1 + random.nextInt(4); i > 0; i--) {
            ops.add(random.nextBoolean() ? PointsOperation.award(someone(), PointsChange.of(3, "bulk"))
                : PointsOperation.deductUpToBalance(someone(), PointsChange.of(2, "bulk")));
          }
          scope.points().applyAll(ops);
        }
        case 4 -> scope.catalog().redeem(someone(), w.catalogRewardId, null);
        case 5, 6 -> {
          ParticipantRef who = someone();
          LoyaltyAction action = LoyaltyAction.of(who, w.couponRewardId);
          ParticipantRef invited = someone();
          if (random.nextBoolean() && !invited.equals(who)) {
            action = action.referring(invited);
          }
          ActionResult result = scope.rewards().recordAction(action);
          result.unlocked().forEach(e -> w.earned.add(e.id()));
        }
        case 7 -> scope.coupons().upload(w.campaignId, List.of("C-" + random.nextInt(200), "C-" + random.nextInt(200)));
        case 8, 9 -> {
          if (w.earned.isEmpty()) {
            return;
          }
          long id = any(w.earned);
          forgetIfGone(w.earned, id, () -> {
            switch (random.nextInt(4)) {
              case 0 -> scope.rewards().fulfil(id);
              case 1 -> scope.rewards().remove(id);
              default -> scope.rewards().approve(id, random.nextBoolean());
            }
          });
        }
        case 10 -> scope.participants().update(someone(),
            ParticipantUpdate.builder().metadata("t" + thread, (long) n).build());
        case 11 -> {
          if (random.nextInt(3) == 0) {
            Long gone = any(w.participants);
            scope.participants().delete(ParticipantRef.id(gone));
            w.participants.remove(gone);
            w.participants.add(w.newParticipant(scope));
          } else {
            scope.catalog().adjustStock(w.catalogRewardId, 1);
          }
        }
        case 12 -> {
          String code = scope.referrals().codes(someone()).shortCode();
          if (random.nextBoolean()) {
            scope.referrals().signup(w.campaignId, Signup.referred(
                NewParticipant.withEmail("s" + w.names.incrementAndGet() + "@example.com"), code));
          } else {
            String order = "o-" + thread + "-" + n;
            scope.referrals().convert(w.campaignId, new NewConversion(code, order, new BigDecimal("10.00")));
            w.orders.add(order);
          }
        }
        case 13, 14 -> scope.quests().completeTask(someone(), w.questId, 1 + random.nextInt(3));
        case 15 -> {
          long idea = any(w.ideas);
          ParticipantRef voter = someone();
          forgetIfGone(w.ideas, idea, () -> {
            if (random.nextBoolean()) {
              scope.feedback().vote(voter, idea);
            } else {
              scope.feedback().withdrawVote(voter, idea);
            }
          });
        }
        case 16 -> {
          switch (random.nextInt(3)) {
            case 0 -> w.ideas.add(scope.feedback().submitIdea(someone(), w.boardId, NewIdea.of("New " + n)).id());
            case 1 -> scope.feedback().setStatus(any(w.ideas), IdeaStatus.PLANNED);
            default -> {
              long idea = any(w.ideas);
              forgetIfGone(w.ideas, idea, () -> scope.feedback().deleteIdea(idea));
            }
          }
        }
        case 17 -> {
          if (random.nextBoolean() || w.testimonials.isEmpty()) {
            w.testimonials.add(scope.testimonials().submit(someone(), NewTestimonial.of("Great").withRating(5)).id());
          } else {
            scope.testimonials().approve(any(w.testimonials));
          }
        }
        case 18 -> scope.customerMappings().map(w.campaignId, "cust-" + random.nextInt(4), someone());
        case 19 -> hosted();
        case 20 -> node.events().dispatch();
        case 22 -> scope.catalog().update(w.catalogRewardId, new CatalogRewardUpdate("Mug", null,
            15 + random.nextInt(10)));
        case 23 -> {
          if (!w.orders.isEmpty()) {
            scope.referrals().reverse(w.campaignId, any(w.orders));
          }
        }
        case 24 -> {
          if (!w.earned.isEmpty()) {
            scope.rewards().markRead(any(w.earned));
          }
        }
        case 25 -> scope.customerMappings().unmap(w.campaignId, "cust-" + random.nextInt(4));
        case 26 -> {
          if (!w.testimonials.isEmpty()) {
            scope.testimonials().reject(any(w.testimonials));
          }
        }
        case 27 -> hostedDeletion();
        case 28 -> admin();
        default -> scope.leaderboards().page(BoardRequest.of(w.campaignId, BoardPeriod.ALL_TIME)
            .read(Consistency.STRONG).limit(10));
      }
    }

    private String name(int op) {
      return switch (op) {
        case 0, 1 -> "award";
        case 2 -> "deduct";
        case 3 -> "applyAll";
        case 4 -> "redeem";
        case 5, 6 -> "action";
        case 7 -> "upload";
        case 8, 9 -> "approve/fulfil/remove";
        case 10 -> "metadata";
        case 11 -> "delete/stock";
        case 12 -> "signup/convert";
        case 13, 14 -> "quest";
        case 15 -> "vote";
        case 16 -> "idea";
        case 17 -> "testimonial";
        case 18 -> "mapping";
        case 19 -> "host";
        case 20 -> "dispatch";
        case 22 -> "price";
        case 23 -> "reverse";
        case 24 -> "markRead";
        case 25 -> "unmap";
        case 26 -> "reject";
        case 27 -> "hostDelete";
        case 28 -> "admin";
        default -> "board";
      };
    }

    /**
     * A host's transaction, never retried, changing two participants in ascending id order (the documented order a
     * host follows) with two of the engine's operations.
     */
    private void hosted() {
      long a = any(w.participants);
      long b = any(w.participants);
      long first = Math.min(a, b);
      long second = Math.max(a, b);
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        TenantScope joined = scope.joining(host.transaction());
        joined.points().award(ParticipantRef.id(first), PointsChange.of(1, "host"));
        switch (random.nextInt(3)) {
          case 0 -> joined.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(second), w.couponRewardId))
              .unlocked().stream().map(EarnedReward::id).forEach(w.earned::add);
          case 1 -> joined.catalog().redeem(ParticipantRef.id(second), w.catalogRewardId, null);
          default -> joined.quests().completeTask(ParticipantRef.id(second), w.questId, 1 + random.nextInt(3));
        }
        host.commit();
      }
    }

    /** A change of a shared row: the campaign, its reward program, referral settings, quest, board, catalog. */
    private void admin() {
      switch (random.nextInt(8)) {
        case 0 -> scope.campaigns().update(w.campaignId, new CampaignUpdate("Stress " + n, CampaignVisibility.PUBLIC));
        case 1 -> scope.campaigns().changeStatus(w.campaignId, CampaignStatus.IN_PROGRESS);
        case 2 -> scope.quests().update(w.questId, new QuestUpdate("Quest", "round " + n));
        case 3 -> scope.quests().setActive(w.questId, true);
        case 4 -> scope.feedback().updateBoard(w.boardId, new FeedbackBoardUpdate("Ideas", "round " + n));
        case 5 -> scope.rewards().configure(w.campaignId, random.nextBoolean() ? Automation.AUTO : Automation.MANUAL,
            2);
        case 6 -> scope.referrals().configure(w.referralSettings);
        default -> scope.catalog().setActive(w.catalogRewardId, true);
      }
    }

    /**
     * A host's transaction, never retried, that changes one participant and deletes one with a higher id (ascending
     * id order), then enrols a new participant in its place.
     */
    private void hostedDeletion() {
      long a = any(w.participants);
      long b = any(w.participants);
      if (a == b) {
        return;
      }
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        TenantScope joined = scope.joining(host.transaction());
        joined.points().award(ParticipantRef.id(Math.min(a, b)), PointsChange.of(1, "host"));
        joined.participants().delete(ParticipantRef.id(Math.max(a, b)));
        host.commit();
      }
      w.participants.remove(Math.max(a, b));
      w.participants.add(w.newParticipant(scope));
    }
  }
}
