package io.loyaltyengine.benchmarks;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.jdbc.JdbcHostTransaction;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine's storage benchmarks run against: an engine on one store with a tenant, a brand, a running campaign
 * (AUTO approval), participants ({@value #PARTICIPANTS}, or {@value #BULK_PARTICIPANTS} for bulk calls; holding
 * {@value #STARTING_BALANCE} points each when the benchmark spends points), a catalog reward costing 1 point with
 * {@value #STOCK} units of stock, a POINTS campaign reward unlocked every {@value #GOAL_EVERY} actions (unlimited), a
 * COUPON campaign reward unlocked by every action (unlimited), and a coupon pool topped up on demand
 * ({@link #topUpCoupons}).
 *
 * <p>The event dispatcher is manual and never driven: a benchmark measures the call and its commit (which writes the
 * events, as the outbox requires), not the background delivery that follows it.
 *
 * <p>Thread-safe as the engine is, except {@link #topUpCoupons} (one thread, between iterations).
 */
public final class EngineFixture implements AutoCloseable {
  /** Participants of the campaign: enough for threads to walk them without meeting. */
  public static final int PARTICIPANTS = 100;
  /** Participants of the campaign of a bulk benchmark, whose call touches each once. */
  public static final int BULK_PARTICIPANTS = 1_000;
  /** Each participant's balance at the start, so deductions and redemptions never run out. */
  public static final long STARTING_BALANCE = 1_000_000_000L;
  /** The catalog reward's stock at the start. */
  public static final long STOCK = 1_000_000_000L;
  /** Actions per unlock of the POINTS campaign reward. */
  public static final int GOAL_EVERY = 10;
  /** Points the POINTS campaign reward credits when unlocked. */
  public static final long GOAL_POINTS = 5;

  private static final int UPLOAD_CHUNK = 10_000;

  /** The engine. */
  public final LoyaltyEngine engine;
  /** The tenant's scope. */
  public final TenantScope scope;
  /** The campaign. */
  public final long campaign;
  /** The participants, by index. */
  public final ParticipantRef[] participants;
  /** The catalog reward. */
  public final long catalogReward;
  /** The POINTS campaign reward unlocked every {@value #GOAL_EVERY} actions. */
  public final long goalReward;
  /** The COUPON campaign reward unlocked by every action. */
  public final long couponReward;
  /** One award of 1 point to each participant, in participant order: the list a bulk call applies. */
  public final List<PointsOperation> bulkAwards;

  private long couponsUploaded;

  /**
   * Builds the engine on {@code storage} (which it will own) and creates the content.
   *
   * @param storage the engine's storage
   * @param count how many participants to create
   * @param maxGroupCommit the engine's group commit bound (1 turns it off)
   * @param setup a connection to the engine's database to create the participants (and their balances) in one
   *     host transaction, so that a trial does not wait for a thousand synced commits first; null on the
   *     in-memory store, where they are created one call each. Left open.
   * @param withBalances whether to give each participant {@value #STARTING_BALANCE} points (for deductions and
   *     redemptions); otherwise balances start at 0
   */
  private EngineFixture(Storage storage, int count, int maxGroupCommit, Connection setup, boolean withBalances)
      throws SQLException {
    engine = LoyaltyEngine.builder()
        .storage(storage)
        .events(EventSettings.builder().manualDispatch().build())
        .maxGroupCommit(maxGroupCommit)
        .build();
    try {
      scope = engine.forTenant(engine.tenants().create(NewTenant.business("bench")).id());
      long brand = scope.brands().create(new NewBrand("bench", "bench.example.com")).id();
      campaign = scope.campaigns().create(NewCampaign.running(brand, "bench")).id();
      if (setup == null) {
        participants = enrol(scope, count, withBalances);
      } else {
        setup.setAutoCommit(false);
        participants = enrol(scope.joining(JdbcHostTransaction.of(setup)), count, withBalances);
        setup.commit();
      }
      catalogReward = scope.catalog()
          .create(NewCatalogReward.of(campaign, "bench", 1, RewardType.CUSTOM_MESSAGE).withStock(STOCK)).id();
      goalReward = scope.rewards()
          .define(campaign, NewCampaignReward.points("goal", GOAL_POINTS, GOAL_EVERY).unlimited()).id();
      couponReward = scope.rewards().define(campaign, NewCampaignReward.coupon("coupon", 1).unlimited()).id();
      List<PointsOperation> awards = new ArrayList<>(count);
      for (ParticipantRef p : participants) {
        awards.add(PointsOperation.award(p, PointsChange.of(1, "import")));
      }
      bulkAwards = List.copyOf(awards);
    } catch (SQLException | RuntimeException | Error e) {
      engine.close();
      throw e;
    }
  }

  /** Creates the participants through {@code scope} and, if asked, awards each its starting balance. */
  private ParticipantRef[] enrol(TenantScope scope, int count, boolean withBalances) {
    ParticipantRef[] refs = new ParticipantRef[count];
    List<PointsOperation> seed = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      refs[i] = ParticipantRef.id(scope.participants()
          .create(campaign, NewParticipant.withEmail("p" + i + "@bench.example.com")).id());
      seed.add(PointsOperation.award(refs[i], PointsChange.of(STARTING_BALANCE, "seed")));
    }
    if (withBalances) {
      applyAll(scope, seed);
    }
    return refs;
  }

  /**
   * Builds the engine on {@code storage} (which it will own) over {@code database}: through one host transaction on
   * the database's stores, one call each on the in-memory store (see the constructor).
   */
  public static EngineFixture open(BenchDatabase database, Storage storage, int count, int maxGroupCommit,
      boolean withBalances) throws SQLException {
    if (database.kind() == StoreKind.IN_MEMORY) {
      return new EngineFixture(storage, count, maxGroupCommit, null, withBalances);
    }
    try (Connection setup = database.engineConnection()) {
      return new EngineFixture(storage, count, maxGroupCommit, setup, withBalances);
    }
  }

  /**
   * Applies {@code operations} in one bulk call and checks that every one succeeded.
   *
   * @return how many were applied
   * @throws io.loyaltyengine.LoyaltyException the first failure
   */
  public static int applyAll(TenantScope scope, List<PointsOperation> operations) {
    return applyAll(scope, operations, -1);
  }

  /**
   * Applies {@code operations} in one bulk call and checks that every one succeeded but the one at
   * {@code refusedAt} (-1: none), which must have been refused for want of points.
   *
   * @return how many operations there were
   * @throws io.loyaltyengine.LoyaltyException the first failure of another operation
   * @throws IllegalStateException if the one at {@code refusedAt} was not refused so
   */
  public static int applyAll(TenantScope scope, List<PointsOperation> operations, int refusedAt) {
    List<PointsOutcome> outcomes = scope.points().applyAll(operations);
    for (int i = 0; i < outcomes.size(); i++) {
      if (i != refusedAt && !outcomes.get(i).succeeded()) {
        throw outcomes.get(i).error();
      }
    }
    if (refusedAt >= 0 && (outcomes.get(refusedAt).succeeded()
        || outcomes.get(refusedAt).error().code() != ErrorCode.INSUFFICIENT_POINTS)) {
      throw new IllegalStateException("operation " + refusedAt + " was not refused for want of points: "
          + outcomes.get(refusedAt));
    }
    return outcomes.size();
  }

  /** Participant {@code index} modulo the number of participants. */
  public ParticipantRef participant(long index) {
    return participants[(int) Math.floorMod(index, (long) participants.length)];
  }

  /**
   * Uploads codes until at least {@code free} are left in the pool, given that {@code taken} were handed out so far.
   * Not thread-safe.
   */
  public void topUpCoupons(long taken, long free) {
    while (couponsUploaded - taken < free) {
      uploadCodes(UPLOAD_CHUNK);
    }
  }

  /**
   * Uploads {@code count} new codes to the pool in one call and checks that every one was added.
   *
   * @return the number of codes uploaded so far
   * @throws IllegalStateException if a code was not added
   */
  public long uploadCodes(int count) {
    List<String> codes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      codes.add("BENCH-" + (couponsUploaded + i));
    }
    CouponUpload upload = scope.coupons().upload(campaign, codes);
    if (upload.added() != count) {
      throw new IllegalStateException("an upload of " + count + " new codes added " + upload.added());
    }
    return couponsUploaded += count;
  }

  /** Closes the engine, and with it its storage. */
  @Override
  public void close() {
    engine.close();
  }
}
