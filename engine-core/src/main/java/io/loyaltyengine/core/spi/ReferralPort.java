package io.loyaltyengine.core.spi;

import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.ReferralStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Referral settings, signing keys, short codes, signups, who referred whom, unique visitors, stats counters and
 * conversions.
 *
 * <p>Every insert named "insert-if-absent" never raises on its key: of concurrent inserts of one key exactly one
 * returns true (a loser waits for the winner's transaction as a unique index does, and then returns false). So a
 * participant has at most one referrer, one signup record and one short code; a visitor counts once per referrer; an
 * order id converts once per campaign.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface ReferralPort {
  /** Creates or replaces a campaign's referral settings. */
  void saveSettings(long tenantId, ReferralSettings settings);

  /** A campaign's referral settings, if ever configured. */
  Optional<ReferralSettings> findSettings(long tenantId, long campaignId);

  /** Creates or replaces a campaign's landing page (validated; {@code customised} is not stored). */
  void saveLandingPage(long tenantId, LandingPage page);

  /** A campaign's landing page, if configured, with {@code customised} true. */
  Optional<LandingPage> findLandingPage(long tenantId, long campaignId);

  /** Removes a campaign's landing page; false if it had none. */
  boolean deleteLandingPage(long tenantId, long campaignId);

  /**
   * Adds a signing key unless the tenant has one with its number (insert-if-absent).
   *
   * @return whether it was added
   */
  boolean insertKey(SigningKey key);

  /**
   * Adds the tenant's next signing key, in one statement: only if the tenant's highest key is numbered
   * {@code key.keyId() - 1} (none when it is 1) and the tenant has fewer than {@code maxKeys} keys. A number's insert
   * waits for another transaction's uncommitted insert of it, as insert-if-absent does, and then adds nothing if that
   * one committed; so each number needs the one before it committed, counted, and concurrent rotations never pass
   * the bound together. A retired number is below the highest, so it is never added again.
   *
   * @return whether it was added
   */
  boolean insertNextKey(SigningKey key, int maxKeys);

  /** The tenant's signing keys, highest number first. */
  List<SigningKey> keys(long tenantId);

  /**
   * Retires a signing key: deletes it, secret and all, in one conditional statement, only while the tenant has a
   * higher-numbered key (so the highest, the one that signs, is never retired, and a tenant with keys keeps one).
   * Numbers are never reused: every key is added above the highest, which stays.
   *
   * @return whether it was deleted (false: the tenant has no such key, or it is the highest)
   */
  boolean retireKey(long tenantId, int keyId);

  /** A participant's short code, if it has one. */
  Optional<String> shortCode(long tenantId, long participantId);

  /** The participant of a campaign holding a short code (codes are stored upper case; lookup is exact). */
  Optional<Long> participantByShortCode(long tenantId, long campaignId, String shortCode);

  /**
   * Gives a participant a short code unless the campaign already has that code or the participant already has one
   * (insert-if-absent on both keys).
   *
   * @return whether it was given
   */
  boolean insertShortCode(long tenantId, long campaignId, long participantId, String shortCode);

  /**
   * Keeps the facts of a participant's first signup (insert-if-absent on the participant).
   *
   * @return whether it was kept (false: the participant signed up before)
   */
  boolean insertSignup(SignupRecord signup);

  /** The facts of a participant's first signup. */
  Optional<SignupRecord> findSignup(long tenantId, long participantId);

  /**
   * Takes the row lock of one of a campaign's signup gates ({@code 0 <= gate < ReferralRules.SIGNUP_GATES}), making
   * the gate if the campaign has none yet, and holds it until the unit of work ends: a unit of work locking the same
   * gate waits until then. A signup holds the gates of its IP address and visitor id from before it counts the
   * earlier signups from them (when referred) until it has recorded its own, so that of two signups at once the later
   * one counts the earlier (the velocity rule).
   *
   * @throws TransientStorageException if a concurrent unit of work made the same gate first and the store cannot
   *     wait for it (H2); the unit of work is to be retried, and then finds the gate made
   */
  void lockSignupGate(long tenantId, long campaignId, int gate);

  /** Signups of a campaign from an IP address at or after {@code since}. */
  long countSignupsFromIp(long tenantId, long campaignId, String ipAddress, Instant since);

  /** Signups of a campaign from a visitor id at or after {@code since}. */
  long countSignupsFromVisitor(long tenantId, long campaignId, String visitorId, Instant since);

  /**
   * Records a referral unless its invited participant already has one (insert-if-absent on (tenant, invited)).
   *
   * @return whether it was recorded
   */
  boolean insertReferral(Referral referral);

  /** The referral of an invited participant. */
  Optional<Referral> findReferral(long tenantId, long invitedId);

  /** Referrals made by {@code referrerId} with invited id above {@code afterInvitedId} (all when null), in invited id order. */
  List<Referral> referredBy(long tenantId, long referrerId, Long afterInvitedId, int limit);

  /**
   * A campaign's referrals with invited id above {@code afterInvitedId} (all when null), in invited id order, at most
   * {@code limit}, in one status or (null) all.
   */
  List<Referral> listForCampaign(long tenantId, long campaignId, ReferralStatus status, Long afterInvitedId,
      int limit);

  /**
   * The ids of the referrers above a participant, nearest first: its referrer, that one's referrer, and so on, at most
   * {@code depth} of them (none when {@code depth <= 0}). Each is the referrer of the one before it ({@link
   * #findReferral} of the participant, then of each referrer in turn); the walk ends at a participant without a
   * referral. A store may read them in one query.
   */
  default List<Long> referrerChain(long tenantId, long participantId, int depth) {
    List<Long> chain = new ArrayList<>();
    long current = participantId;
    while (chain.size() < depth) {
      Optional<Referral> up = findReferral(tenantId, current);
      if (up.isEmpty()) {
        break;
      }
      current = up.get().referrerId();
      chain.add(current);
    }
    return chain;
  }

  /**
   * Counts a visitor of a referrer's code once (insert-if-absent on (tenant, participant, visitor)).
   *
   * @return whether the visitor is new to the referrer
   */
  boolean insertVisitor(long tenantId, long campaignId, long participantId, String visitorId, Instant at);

  /** Adds {@code delta} to a participant's stats counters, creating them at zero first (atomic in the database). */
  void addStats(long tenantId, long campaignId, long participantId, ReferralStats delta);

  /** A participant's stats counters ({@link ReferralStats#ZERO} if none). */
  ReferralStats stats(long tenantId, long participantId);

  /** The sum of a campaign's participants' stats counters ({@link ReferralStats#ZERO} if none). */
  ReferralStats campaignStats(long tenantId, long campaignId);

  /**
   * The sum of these campaigns' participants' stats counters ({@link ReferralStats#ZERO} if none, or no campaigns),
   * each campaign counted once. As {@link #campaignStats} for each; a store may read them in one query.
   */
  default ReferralStats campaignsStats(long tenantId, Collection<Long> campaignIds) {
    ReferralStats sum = ReferralStats.ZERO;
    for (long campaignId : new TreeSet<>(campaignIds)) {
      sum = sum.plus(campaignStats(tenantId, campaignId));
    }
    return sum;
  }

  /**
   * Records a conversion unless the campaign has one with its order id (insert-if-absent on (tenant, campaign,
   * order id)).
   *
   * @return whether it was recorded
   */
  boolean insertConversion(Conversion conversion);

  /** The conversion of an order id in a campaign. */
  Optional<Conversion> findConversion(long tenantId, long campaignId, String orderId);

  /**
   * A campaign's conversions with id above {@code afterConversionId} (all when null), in conversion id order, at most
   * {@code limit}, in one status or (null) all. A deleted referrer's conversions are listed: they stay (see {@link
   * #deleteAll}).
   */
  List<Conversion> listConversionsOfCampaign(long tenantId, long campaignId, ConversionStatus status,
      Long afterConversionId, int limit);

  /**
   * The conversions whose referrer is {@code referrerId}, with id below {@code beforeConversionId} (all when null),
   * newest first (conversion id descending), at most {@code limit}, in every status and campaign.
   */
  List<Conversion> listConversionsOfReferrer(long tenantId, long referrerId, Long beforeConversionId, int limit);

  /**
   * Marks a CONVERTED conversion REVERSED with the points taken back (a conditional update).
   *
   * @return whether it was CONVERTED and is now REVERSED
   */
  boolean markReversed(long tenantId, long conversionId, long pointsReversed, Instant at);

  /**
   * Deletes a participant's signup record, unique visitors, stats counters, and every referral it is part of (as
   * referrer or invited). Its conversions stay, for audit, as its redemptions do; its short code stays reserved, so a
   * link shared before can never credit another participant (decoding refuses it, the participant being gone).
   */
  void deleteAll(long tenantId, long participantId);
}
