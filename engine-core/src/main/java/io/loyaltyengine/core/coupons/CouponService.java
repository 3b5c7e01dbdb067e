package io.loyaltyengine.core.coupons;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.CouponPort;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.coupons.CouponPools;
import io.loyaltyengine.coupons.CouponUpload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The coupon pools of one tenant's campaigns.
 *
 * <h2>The path of an upload</h2>
 * The codes are validated and deduplicated first (pure, {@link CouponRules}), so a bad upload touches no storage. One
 * unit of work then checks the campaign, locks the participants of the rewards waiting for a code and then the pool (in
 * that order, see {@link CouponAssignment}; a reward found under the pool's lock that began waiting after that has its
 * participant locked then, unless another transaction holds it: the upload then runs again from the start, up to
 * {@value #MAX_LOCK_ROUNDS} rounds),
 * asks the store which codes the pool already holds, inserts the others in upload order (their ids, from the engine's
 * time-ordered generator, keep that order), and gives free codes to the campaign's approved COUPON rewards that wait
 * for one, oldest first, writing a {@code coupon.assigned} event with the code for each ({@link CouponAssignment}).
 * Either all of it commits or none.
 *
 * <h2>Concurrent uploads</h2>
 * Two uploads of the same new code both find it absent; the store's unique key lets one insert it and fails the
 * other's unit of work ({@link UniqueKey#COUPON_CODE}), which rolls back whole and runs again, now finding the code
 * in the pool and reporting it there. After three such collisions in a row the upload fails with CONFLICT and
 * changes nothing; so does an upload that met, in each of its {@value #MAX_LOCK_ROUNDS} rounds, a reward that had
 * just begun waiting and whose participant another transaction held.
 *
 * <p>Codes are bearer secrets: no exception message or {@code toString} of this package repeats one.
 *
 * <p>Thread-safe when its context is.
 */
public final class CouponService implements CouponPools {
  /** Attempts of an upload whose inserts collide with a concurrent upload of the same codes. */
  static final int MAX_UPLOAD_ATTEMPTS = 3;
  /**
   * Rounds of an upload that meets a reward which began waiting after it locked the waiting rewards' participants,
   * of a participant another transaction holds; each runs again with that participant locked first (see
   * {@link CouponAssignment}).
   */
  static final int MAX_LOCK_ROUNDS = 3;

  private final ScopeContext context;

  /** Creates the service. */
  public CouponService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public CouponUpload upload(long campaignId, List<String> codes) {
    CouponRules.Upload upload = CouponRules.normalize(codes);
    int collisions = 0;
    int lateWaiters = 0;
    while (true) {
      try {
        return context.transactions().runRaw(tx -> store(tx, campaignId, upload));
      } catch (CouponAssignment.LateWaiter e) {
        // Undone, the pool's lock released: again, now with that reward's participant locked first.
        if (++lateWaiters >= MAX_LOCK_ROUNDS) {
          throw new LoyaltyException(ErrorCode.CONFLICT, null,
              "rewards kept beginning to wait for codes while the upload ran; upload again", e);
        }
      } catch (UniqueViolationException e) {
        if (e.key() != UniqueKey.COUPON_CODE) {
          throw new LoyaltyException(ErrorCode.CONFLICT, null, "the upload conflicts with another change", e);
        }
        if (++collisions >= MAX_UPLOAD_ATTEMPTS) {
          throw new LoyaltyException(ErrorCode.CONFLICT, "codes",
              "codes were added to the pool concurrently; upload again", e);
        }
      }
    }
  }

  private CouponUpload store(Transaction tx, long campaignId, CouponRules.Upload upload) {
    long tenantId = context.tenantId();
    CampaignService.require(tx, tenantId, campaignId);
    // The participants of the rewards it can give codes to first, then the pool's lock, which an assignment that
    // found the pool empty takes (holding its participant's) to look again (see CouponAssignment).
    Set<Long> locked = CouponAssignment.lockWaitingParticipants(context, tx, campaignId, upload.unique().size());
    tx.campaigns().lock(tenantId, campaignId);
    Set<String> inPool = new HashSet<>(tx.coupons().existing(tenantId, campaignId, upload.unique()));
    List<String> alreadyInPool = new ArrayList<>(inPool.size());
    List<CouponPort.NewCode> added = new ArrayList<>(upload.unique().size() - inPool.size());
    for (String code : upload.unique()) {
      if (inPool.contains(code)) {
        alreadyInPool.add(code);
      } else {
        added.add(new CouponPort.NewCode(context.ids().nextId(), code));
      }
    }
    tx.coupons().insertAll(tenantId, campaignId, added, context.now());
    // Also when nothing was added: a reward that began waiting while an earlier upload committed gets its code here.
    int assigned = CouponAssignment.assignWaiting(context, tx, campaignId, locked);
    return new CouponUpload(added.size(), upload.duplicates(), alreadyInPool, assigned);
  }

  @Override
  public long remaining(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return tx.coupons().remaining(tenantId, campaignId);
    });
  }

  @Override
  public CursorPage<AssignedCoupon> assigned(long campaignId, Keyset page) {
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return CursorPage.fromRows(tx.coupons().assigned(tenantId, campaignId, page.afterId(), page.limit() + 1),
          page.limit(), AssignedCoupon::id);
    });
  }
}
