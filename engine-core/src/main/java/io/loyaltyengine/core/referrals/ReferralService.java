package io.loyaltyengine.core.referrals;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.customers.CustomerMappingService;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.fraud.FraudRules;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.participant.EmailAddresses;
import io.loyaltyengine.core.participant.IpAddresses;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.points.PointsService;
import io.loyaltyengine.core.rewards.RewardService;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ReferralPort;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.fraud.ReferralCandidate;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.BrandStats;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionResult;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.DecodedCode;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.ReversalResult;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SigningKeyInfo;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.referrals.TrackKind;
import io.loyaltyengine.referrals.TrackResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.ActionSource;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Referrals of one tenant: codes, signups and chains, tracking, conversions and stats.
 *
 * <h2>Codes</h2>
 * A code is checked for size before anything else, then read inside the unit of work: a signed-looking code is
 * verified under the tenant's keys ({@link SigningKeys}, reloaded once when it names a key this instance has not
 * seen); a short-looking code the campaign holds is a SHORT code; anything else is read as a legacy code, refused
 * when the campaign requires signed codes. The code must then name a participant of this tenant in this campaign.
 * Every refusal is the same VALIDATION_ERROR on {@code code}, so a caller cannot tell a forged code from an unknown
 * participant. A participant's signed code is issued after its unit of work, under the signing key, made in the
 * engine's own transaction on first need; its short code is made on first request (candidates from
 * {@link ShortCodes}, insert-if-absent, under the participant's row lock, so that none is made for a participant
 * deleted meanwhile) and kept.
 *
 * <h2>A signup</h2>
 * Everything is validated first (the person exactly as {@link ParticipantService#validate}, the code's size, the
 * visitor and customer ids). One unit of work then: reads the campaign and its settings; reads the code (a bad code
 * fails here, before anything is written, so a refused signup leaves no participant and no event); finds the person
 * by sanitized email or enrols them; keeps the facts of their first signup. With a code, in this order: the same
 * participant on both sides is SELF_REFERRAL (gmail dots and {@code +tags} end here: they sanitize to the code's own
 * participant); an invited participant with a referral is ALREADY_REFERRED; one among the referrer's ancestors is
 * CYCLE; otherwise the referral is screened ({@link FraudRules}) and inserted if absent. A referral recorded now
 * sets the invited participant's risk, counts a signup in the referrer's stats, writes {@code referral.signup}, and,
 * when it counts (goal SIGNUP, a referrer reward, a risk action COUNT or REVIEW), records the referrer's loyalty
 * action toward the reward naming the invited participant ({@link RewardService#recordIn}), in the same unit of
 * work, holding what it unlocks PENDING for REVIEW.
 *
 * <h2>Concurrency</h2>
 * A participant has at most one referral: it is inserted if absent, so of concurrent signups of one invitee exactly
 * one records it and the others answer ALREADY_REFERRED with the winner's. Two signups enrolling one new email
 * collide on its unique key; the loser's unit of work rolls back whole and runs once more, when it finds the
 * participant. Cycles need the campaign's lock (see {@link #signup}). Conversions and reversals are decided by
 * insert-if-absent on the order id and a conditional update of the status; points move through the ledger's
 * conditional updates with idempotency keys derived from the conversion's id, so a conversion awards once and a
 * reversal takes back once. Stats are atomic increments in the store, in the unit of work of the event they count.
 * A track or a conversion reads its referrer under the referrer's row lock, before it writes the referrer's stats,
 * visitors or conversion: the referrer's deletion holds that lock while it deletes the stats, and the event written
 * after them needs it for its number, so taken after them it could deadlock with the deletion (a host's transaction,
 * never retried, would see STORAGE_UNAVAILABLE). Taken first, a track or conversion that waited for the deletion
 * finds the code's referrer gone and refuses the code, as it would after the deletion. The locking read replaces the
 * plain one: no statement more.
 *
 * <p>Thread-safe when its context is.
 */
public final class ReferralService implements Referrals {
  /** The social type of signed and short codes, and of the legacy code {@link #codes} hands out. */
  public static final String DIRECT = "direct";
  /** The ledger type of a conversion's points. */
  public static final String CONVERSION_TYPE = "referral_conversion";
  /** What the ledger idempotency key of a conversion's points starts with; the conversion's id follows. */
  public static final String CONVERSION_KEY_PREFIX = "referral_conversion:";
  /** The ledger type of the points a reversal takes back. */
  public static final String REVERSAL_TYPE = "referral_reversal";
  /** What the ledger idempotency key of a reversal starts with; the conversion's id follows. */
  public static final String REVERSAL_KEY_PREFIX = "referral_reversal:";
  /** How many short-code candidates a participant's first request tries before giving up. */
  static final int MAX_SHORT_CODE_ATTEMPTS = 20;

  /** An AUTO points reward of a signup or visit overflowing its participant's points, reported on the code. */
  private static final String REWARD_OVERFLOW = "the referral's reward would overflow the participant's points";
  /** The levels of a referrer chain a cycle check reads per query. */
  private static final int CHAIN_READ = 200;
  private static final ReferralStats ONE_IMPRESSION = new ReferralStats(1, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO);
  private static final ReferralStats ONE_SHARE = new ReferralStats(0, 1, 0, 0, 0, 0, 0, BigDecimal.ZERO);
  private static final ReferralStats ONE_CLICK = new ReferralStats(0, 0, 1, 0, 0, 0, 0, BigDecimal.ZERO);
  private static final ReferralStats ONE_UNIQUE_CLICK = new ReferralStats(0, 0, 1, 1, 0, 0, 0, BigDecimal.ZERO);
  private static final ReferralStats ONE_SIGNUP = new ReferralStats(0, 0, 0, 0, 1, 0, 0, BigDecimal.ZERO);

  private final ScopeContext context;
  private final FraudRules fraudRules;
  private final SigningKeys keys;
  private final RewardService rewards;
  private final PointsService points;

  /**
   * Creates the service.
   *
   * @param context the tenant scope
   * @param fraudRules the engine's screening of new referrals
   * @param keys the engine's cache of signing keys
   */
  public ReferralService(ScopeContext context, FraudRules fraudRules, SigningKeys keys) {
    this.context = context;
    this.fraudRules = fraudRules;
    this.keys = keys;
    this.rewards = new RewardService(context);
    this.points = new PointsService(context);
  }

  // ==================================================================== settings

  @Override
  public ReferralSettings configure(ReferralSettings request) {
    ReferralSettings settings = ReferralRules.settings(request);
    ConversionPoints rule = settings.conversionPoints();
    if (rule.mode() == ConversionPoints.Mode.FIXED && rule.fixedPoints() > context.limits().maxPointsPerOperation()) {
      // No conversion could award them (see convert): refused here, on the field at fault, as a POINTS reward is.
      throw LoyaltyException.validation("conversionPoints.fixedPoints",
          "fixedPoints must be at most the engine's largest points operation, " + context.limits()
              .maxPointsPerOperation());
    }
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, settings.campaignId());
      if (settings.referrerRewardId() != null) {
        CampaignReward reward = tx.rewards().find(tenantId, settings.referrerRewardId())
            .orElseThrow(() -> LoyaltyException.notFound("campaign reward"));
        if (reward.campaignId() != settings.campaignId() || reward.audience() != RewardAudience.PARTICIPANT) {
          throw LoyaltyException.validation("referrerRewardId",
              "the referrer reward must be a PARTICIPANT reward of the campaign");
        }
      }
      tx.referrals().saveSettings(tenantId, settings);
      return settings;
    });
  }

  @Override
  public ReferralSettings settings(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return settingsOf(tx, campaignId);
    });
  }

  @Override
  public LandingPage landingPage(long campaignId) {
    long tenantId = context.tenantId();
    // At one snapshot: a page configured with a change of the brand, committed between the reads of the page and of the
    // brand, would show the default page of the changed brand.
    return context.transactions().runRead(tx -> {
      Campaign campaign = CampaignService.require(tx, tenantId, campaignId);
      Optional<LandingPage> page = tx.referrals().findLandingPage(tenantId, campaignId);
      return page.isPresent() ? page.get() : defaultLandingPage(tx, campaign);
    });
  }

  @Override
  public LandingPage configureLandingPage(LandingPage request) {
    LandingPage page = ReferralRules.landingPage(request);
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, page.campaignId());
      tx.referrals().saveLandingPage(tenantId, page);
      return page;
    });
  }

  @Override
  public LandingPage resetLandingPage(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      Campaign campaign = CampaignService.require(tx, tenantId, campaignId);
      tx.referrals().deleteLandingPage(tenantId, campaignId);
      return defaultLandingPage(tx, campaign);
    });
  }

  private LandingPage defaultLandingPage(Transaction tx, Campaign campaign) {
    Brand brand = tx.brands().find(campaign.tenantId(), campaign.brandId())
        .orElseThrow(() -> LoyaltyException.notFound("brand"));
    return ReferralRules.defaultLandingPage(campaign, brand);
  }

  // ==================================================================== codes

  @Override
  public ReferralCodes codes(ParticipantRef participant) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    Owner owner = context.transactions().run(tx -> {
      Participant p = resolver.resolve(tx, tenantId);
      return new Owner(p, shortCodeOf(tx, p));
    });
    Participant p = owner.participant();
    // Issued after the unit of work: signing is pure once the key is known, and the key is made (if need be) in a
    // transaction of its own, never in a host's that could still roll back.
    String signed = keys.signer(tenantId).issue(p.campaignId(), p.id());
    return new ReferralCodes(p.id(), LegacyCodes.encode(p.campaignId(), DIRECT, p.id(), null), signed,
        owner.shortCode());
  }

  /** A participant and its short code. */
  private record Owner(Participant participant, String shortCode) {
  }

  /** The participant's short code, made now if it has none. */
  private String shortCodeOf(Transaction tx, Participant p) {
    long tenantId = context.tenantId();
    ReferralPort port = tx.referrals();
    Optional<String> existing = port.shortCode(tenantId, p.id());
    if (existing.isPresent()) {
      return existing.get();
    }
    // The participant was read without a lock: held now, before its code is made, as its deletion holds it. A
    // participant deleted since is NOT_FOUND, as after the deletion, rather than given a code (letters of its first
    // name) that would outlive it; read again under the lock, a code a concurrent request made meanwhile is kept.
    if (tx.participants().lock(tenantId, p.id()).isEmpty()) {
      throw LoyaltyException.notFound("participant");
    }
    existing = port.shortCode(tenantId, p.id());
    if (existing.isPresent()) {
      return existing.get();
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < MAX_SHORT_CODE_ATTEMPTS; attempt++) {
      String candidate = ShortCodes.normalize(ShortCodes.candidate(p.firstName(), attempt, random));
      if (port.insertShortCode(tenantId, p.campaignId(), p.id(), candidate)) {
        return candidate;
      }
      // Taken in the campaign, or a concurrent request gave this participant its code first: keep that one.
      Optional<String> mine = port.shortCode(tenantId, p.id());
      if (mine.isPresent()) {
        return mine.get();
      }
    }
    throw new LoyaltyException(ErrorCode.CONFLICT, null, "no free short code was found for the participant; retry");
  }

  @Override
  public DecodedCode decode(long campaignId, String code) {
    String given = ReferralRules.code(code);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      // Before the first statement: at one snapshot the tenant's keys, read last, show the database as it was then.
      Instant began = context.now();
      CampaignService.require(tx, tenantId, campaignId);
      return decodeIn(tx, campaignId, given, settingsOf(tx, campaignId), false, began).decoded();
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>From a scope joining a host's transaction the key is made in it, and commits or rolls back with the host's
   * work; it signs on this instance once the host committed (see {@link SigningKeys}).
   *
   * @throws LoyaltyException NOT_FOUND for an unknown tenant
   */
  @Override
  public int rotateSigningKey() {
    return keys.rotate(context.transactions(), context.tenantId());
  }

  /**
   * {@inheritDoc}
   *
   * <p>From a scope joining a host's transaction the key is deleted in it, and comes back if the host rolls back; this
   * instance refuses it once the host committed (see {@link SigningKeys}).
   */
  @Override
  public void retireSigningKey(int keyId) {
    keys.retire(context.transactions(), context.tenantId(), keyId);
  }

  @Override
  public List<SigningKeyInfo> signingKeys() {
    return keys.list(context.transactions(), context.tenantId());
  }

  /** A code read and its referring participant. */
  private record Code(DecodedCode decoded, Participant referrer) {
  }

  /**
   * Reads a code of the campaign (see the class description); refusals are {@link ReferralRules#invalidCode}. With
   * {@code lockReferrer}, the referrer is read under its row lock, in the statement that reads it: for a change of the
   * referrer's rows (see the class description). {@code readsFrom} is no later than the database as {@code tx} reads
   * it ({@link SigningKeys#verifier}).
   */
  private Code decodeIn(Transaction tx, long campaignId, String code, ReferralSettings settings,
      boolean lockReferrer, Instant readsFrom) {
    long tenantId = context.tenantId();
    DecodedCode decoded;
    try {
      if (SignedCodes.looksSigned(code)) {
        SignedCodes verifier = keys.verifier(tx, tenantId, SignedCodes.keyIdOf(code),
            context.transactions().hostIdentity(), readsFrom);
        if (verifier == null) {
          throw ReferralRules.invalidCode();
        }
        decoded = verifier.verify(code);
      } else {
        decoded = shortCode(tx, campaignId, code);
        if (decoded == null) {
          decoded = LegacyCodes.decode(code);
          if (settings.requireSignedCodes()) {
            throw ReferralRules.invalidCode();
          }
        }
      }
    } catch (LoyaltyException e) {
      if (e.code() != ErrorCode.VALIDATION_ERROR) {
        throw e;
      }
      // One answer whatever the decoder found wrong.
      throw ReferralRules.invalidCode();
    }
    if (decoded.campaignId() != campaignId) {
      throw ReferralRules.invalidCode();
    }
    long referrerId = decoded.participantId();
    Optional<Participant> found = lockReferrer
        ? tx.participants().lock(tenantId, referrerId) : tx.participants().find(tenantId, referrerId);
    Participant referrer = found
        .filter(p -> p.campaignId() == campaignId)
        .orElseThrow(ReferralRules::invalidCode);
    return new Code(decoded, referrer);
  }

  /** The SHORT code the campaign holds under {@code code}, or null. */
  private DecodedCode shortCode(Transaction tx, long campaignId, String code) {
    if (!ShortCodes.looksShort(code)) {
      return null;
    }
    return tx.referrals().participantByShortCode(context.tenantId(), campaignId, ShortCodes.normalize(code))
        .map(id -> new DecodedCode(CodeKind.SHORT, campaignId, DIRECT, id, null))
        .orElse(null);
  }

  // ==================================================================== signups

  /**
   * {@inheritDoc}
   *
   * <p>Cycles: the unit of work takes the campaign's lock before the chain checks when the invited participant was
   * enrolled before this signup. A participant enrolled by this signup needs no lock: it has no referral of its
   * own and no code of it can be read by another unit of work before this one commits, so it can be nobody's
   * ancestor, and its referral cannot close a cycle. Only referrals between existing participants can, and those
   * are serialized per campaign by the lock, each seeing the chains the earlier ones committed. Such a signup locks
   * the invited participant's and the referrer's rows, in id order, before it keeps the invited's signup record (the
   * invited's deletion holds that lock while it deletes the record) and before the campaign's: the campaign row is
   * also the coupon pool's lock, which an approval takes while it holds its participant's. A signup of an existing
   * participant without a code locks its row too, before it keeps the record; one deleted since it was found by
   * email is NOT_FOUND, and leaves no record.
   */
  @Override
  public SignupResult signup(long campaignId, Signup signup) {
    TextRules.notNull("signup", signup);
    ParticipantService.Enrolment person = ParticipantService.validate(signup.participant(), context.limits());
    String code = signup.referralCode() == null ? null : ReferralRules.code(signup.referralCode());
    String visitorId = ReferralRules.identifier("visitorId", signup.visitorId());
    // A customer id as customer mappings take it, so that one the host mapped (single sign-on, say) can be compared.
    String customerId = signup.customerId() == null ? null : CustomerMappingService.customerId(signup.customerId());
    SignupRequest request = new SignupRequest(person, code, visitorId, customerId);
    // A concurrent signup enrolled the same email and committed first: run again, now finding the participant.
    return Transactions.againAfterRace(2, () -> context.transactions().run(tx -> signupIn(tx, campaignId, request)),
        UniqueKey.PARTICIPANT_EMAIL);
  }

  /** A validated {@link Signup}. {@link #toString()} hides personal data. */
  private record SignupRequest(ParticipantService.Enrolment person, String code, String visitorId,
      String customerId) {
    @Override
    public String toString() {
      return "SignupRequest[<personal data hidden>]";
    }
  }

  private SignupResult signupIn(Transaction tx, long campaignId, SignupRequest request) {
    long tenantId = context.tenantId();
    CampaignService.require(tx, tenantId, campaignId);
    ReferralSettings settings = settingsOf(tx, campaignId);
    // Not locked here: see signup() for the order a signup takes its locks in.
    Code code = request.code() == null ? null : decodeIn(tx, campaignId, request.code(), settings, false,
        context.now());
    Instant now = context.now();
    String ip = request.person().ipAddress();
    // Gates, counts and the signup's record take one form of the address, so that writing it another way (upper
    // case, zeros, IPv4-mapped) neither escapes the velocity rule nor takes another gate.
    String signupIp = IpAddresses.canonical(ip);
    ReferralPort port = tx.referrals();

    // Velocity is counted before this signup keeps its own record, so it counts only earlier signups; under the
    // gates of its address and visitor id, which every signup with one holds until it commits (a signup without a
    // code is counted by the others too), so that of two signups at once the later counts the earlier.
    for (int gate : ReferralRules.signupGates(signupIp, request.visitorId())) {
      port.lockSignupGate(tenantId, campaignId, gate);
    }
    long fromIp = 0;
    long fromVisitor = 0;
    if (code != null) {
      Instant since = now.minus(settings.velocityWindow());
      fromIp = signupIp == null ? 0 : port.countSignupsFromIp(tenantId, campaignId, signupIp, since);
      fromVisitor = request.visitorId() == null ? 0
          : port.countSignupsFromVisitor(tenantId, campaignId, request.visitorId(), since);
    }

    Optional<Participant> existing = tx.participants().findByEmail(tenantId, campaignId,
        request.person().email().sanitized());
    if (existing.isPresent()) {
      // Found without a lock: held now, before its signup record is kept, as its deletion holds it while it deletes
      // the record. A participant deleted since is not found under the lock: NOT_FOUND, rather than leave its record
      // (IP address, visitor and customer ids) behind; a retry enrols the email anew. The participants' locks first
      // (this signup writes the invited's signup record, risk and event and the referrer's stats and event): keeping
      // the record locks it where it exists (H2's MERGE), so taken after it the two deadlock.
      long invitedId = existing.get().id();
      List<Long> ids = code == null ? List.of(invitedId) : List.of(invitedId, code.referrer().id());
      existing = Optional.of(tx.participants().lockAll(tenantId, ids).stream()
          .map(LockedParticipant::participant)
          .filter(p -> p.id() == invitedId)
          .findFirst()
          .orElseThrow(() -> LoyaltyException.notFound("participant")));
    }
    boolean created = existing.isEmpty();
    Participant invited = created
        ? ParticipantService.enrolIn(context, tx, campaignId, request.person())
        : existing.get();
    if (code != null && !created) {
      // See signup(): only an existing participant can close a cycle, so only its referral takes the lock, after the
      // participants' (above): the campaign row is also the coupon pool's lock, which an approval takes holding its
      // participant's (see CouponAssignment).
      tx.campaigns().lock(tenantId, campaignId);
    }
    port.insertSignup(new SignupRecord(tenantId, invited.id(), campaignId, signupIp, request.visitorId(),
        request.customerId(), now));
    if (code == null) {
      return new SignupResult(invited, created, ReferralOutcome.NONE, null, List.of());
    }

    Participant referrer = code.referrer();
    if (referrer.id() == invited.id()) {
      return new SignupResult(invited, created, ReferralOutcome.SELF_REFERRAL, null, List.of());
    }
    Optional<Referral> prior = port.findReferral(tenantId, invited.id());
    if (prior.isPresent()) {
      return new SignupResult(invited, created, ReferralOutcome.ALREADY_REFERRED, prior.get(), List.of());
    }
    if (isAncestor(tx, invited.id(), referrer.id())) {
      return new SignupResult(invited, created, ReferralOutcome.CYCLE, null, List.of());
    }

    // The code's referrer was read without a lock: hold it now, so that a deletion committed meanwhile fails this
    // signup rather than leave a referral and stats of someone who is gone (a counted referral's action would find
    // that out too, but a recorded or rejected one writes no event of the referrer). Refused as a code naming no
    // participant, as the same call made after the deletion is, and as track and convert answer in this race.
    tx.participants().lock(tenantId, referrer.id())
        .filter(p -> p.campaignId() == campaignId)
        .orElseThrow(ReferralRules::invalidCode);
    SignupRecord referrerSignup = port.findSignup(tenantId, referrer.id()).orElse(null);
    // The host's customer id of the referrer may also come from its mapping (single sign-on, say): read only when
    // the signup names a customer id to compare.
    String referrerCustomerId = request.customerId() == null ? null
        : tx.customerMappings().findByParticipant(tenantId, referrer.id()).map(CustomerMapping::customerId)
            .orElse(null);
    ReferralCandidate candidate = new ReferralCandidate(tenantId, campaignId, referrer, invited, !created, ip,
        request.visitorId(), request.customerId());
    RiskSignal risk = fraudRules.screen(candidate, referrerSignup, referrerCustomerId, fromIp, fromVisitor,
        settings);
    ReferralStatus status = statusOf(settings, risk);
    Referral referral = new Referral(tenantId, campaignId, invited.id(), referrer.id(), code.decoded().kind(),
        risk.level(), risk.reason(), status, now);
    if (!port.insertReferral(referral)) {
      // A concurrent signup of the same invitee recorded its referral first.
      Referral winner = port.findReferral(tenantId, invited.id())
          .orElseThrow(() -> new LoyaltyException(ErrorCode.CONFLICT, null,
              "the participant's referral changed concurrently; retry"));
      return new SignupResult(invited, created, ReferralOutcome.ALREADY_REFERRED, winner, List.of());
    }
    tx.participants().setRisk(tenantId, invited.id(), risk.level(), risk.reason());
    port.addStats(tenantId, campaignId, referrer.id(), ONE_SIGNUP);
    Outbox.emit(context, tx, EventType.REFERRAL_SIGNUP, campaignId, invited.id(), ReferralJson.signup(referral));
    List<EarnedReward> unlocked = List.of();
    if (status == ReferralStatus.COUNTED || status == ReferralStatus.IN_REVIEW) {
      LoyaltyAction action = LoyaltyAction.of(ParticipantRef.id(referrer.id()), settings.referrerRewardId())
          .referring(ParticipantRef.id(invited.id()));
      unlocked = PointsService.overflowOn("code", REWARD_OVERFLOW,
          () -> rewards.recordIn(tx, action, status == ReferralStatus.IN_REVIEW)).unlocked();
    }
    Participant after = tx.participants().find(tenantId, invited.id()).orElse(invited);
    return new SignupResult(after, created, ReferralOutcome.REFERRED, referral, unlocked);
  }

  /**
   * Whether {@code candidate} is among the referrers above {@code participantId} (its referrer, theirs, ...). The
   * chain has no depth limit: it is read {@link #CHAIN_READ} levels per query, so one query for any usual chain.
   */
  private boolean isAncestor(Transaction tx, long candidate, long participantId) {
    long tenantId = context.tenantId();
    Set<Long> seen = new HashSet<>();
    seen.add(participantId);
    long current = participantId;
    while (true) {
      List<Long> up = tx.referrals().referrerChain(tenantId, current, CHAIN_READ);
      for (long id : up) {
        if (id == candidate) {
          return true;
        }
        // The chain is a forest (see signup); the visited set only guards the walk against a corrupt store.
        if (!seen.add(id)) {
          return false;
        }
      }
      if (up.size() < CHAIN_READ) {
        return false;
      }
      current = up.get(up.size() - 1);
    }
  }

  /** Whether and how a new referral counts under the campaign's settings. */
  private static ReferralStatus statusOf(ReferralSettings settings, RiskSignal risk) {
    if (settings.goal() == ReferralGoal.VISIT || settings.referrerRewardId() == null) {
      return ReferralStatus.RECORDED;
    }
    return switch (settings.actionFor(risk.level())) {
      case COUNT -> ReferralStatus.COUNTED;
      case REVIEW -> ReferralStatus.IN_REVIEW;
      case REJECT -> ReferralStatus.REJECTED;
    };
  }

  // ==================================================================== chains

  @Override
  public Optional<Referral> referral(ParticipantRef invited) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(invited);
    long tenantId = context.tenantId();
    // At one snapshot, as referrer and stats: a deletion committed between the reads would show the participant without
    // its rows.
    return context.transactions().runRead(tx ->
        tx.referrals().findReferral(tenantId, resolver.resolve(tx, tenantId).id()));
  }

  @Override
  public Optional<Participant> referrer(ParticipantRef participant) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return tx.referrals().findReferral(tenantId, id)
          .flatMap(r -> tx.participants().find(tenantId, r.referrerId()));
    });
  }

  @Override
  public CursorPage<Participant> referred(ParticipantRef participant, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      CursorPage<Referral> referrals = CursorPage.fromRows(
          tx.referrals().referredBy(tenantId, id, page.afterId(), page.limit() + 1), page.limit(),
          Referral::invitedId);
      // A participant's referrals are deleted with it, so each invited participant exists. The page is in invited
      // id order, as the participants are read, in one query.
      List<Long> invited = new ArrayList<>(referrals.items().size());
      for (Referral r : referrals.items()) {
        invited.add(r.invitedId());
      }
      return new CursorPage<>(tx.participants().findAll(tenantId, invited), referrals.nextId());
    });
  }

  @Override
  public CursorPage<Referral> referrals(long campaignId, ReferralStatus status, Keyset page) {
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot, as Rewards.earned of a campaign: the campaign and its referrals read together.
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return CursorPage.fromRows(tx.referrals().listForCampaign(tenantId, campaignId, status, page.afterId(),
          page.limit() + 1), page.limit(), Referral::invitedId);
    });
  }

  @Override
  public List<Participant> ancestors(ParticipantRef participant, int depth) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    int max = ReferralRules.depth(depth);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      long start = resolver.resolve(tx, tenantId).id();
      // The referrers' ids in one read, then the participants in one more, whatever the chain's length.
      List<Long> ids = new ArrayList<>();
      Set<Long> seen = new HashSet<>();
      seen.add(start);
      for (long id : tx.referrals().referrerChain(tenantId, start, max)) {
        // The chain is a forest (see signup); the visited set only guards the walk against a corrupt store.
        if (!seen.add(id)) {
          break;
        }
        ids.add(id);
      }
      Map<Long, Participant> found = new HashMap<>();
      for (Participant p : tx.participants().findAll(tenantId, ids)) {
        found.put(p.id(), p);
      }
      List<Participant> chain = new ArrayList<>(ids.size());
      for (long id : ids) {
        Participant referrer = found.get(id);
        if (referrer == null) {
          break;
        }
        chain.add(referrer);
      }
      return List.copyOf(chain);
    });
  }

  // ==================================================================== tracking

  @Override
  public TrackResult track(long campaignId, Track track) {
    TextRules.notNull("track", track);
    TrackKind kind = TextRules.notNull("kind", track.kind());
    String code = ReferralRules.code(track.code());
    String visitorId = kind == TrackKind.VISIT
        ? ReferralRules.requiredIdentifier("visitorId", track.visitorId())
        : ReferralRules.identifier("visitorId", track.visitorId());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      ReferralSettings settings = settingsOf(tx, campaignId);
      long referrerId = decodeIn(tx, campaignId, code, settings, true, context.now()).referrer().id();
      boolean unique = false;
      ReferralStats delta;
      switch (kind) {
        case IMPRESSION -> delta = ONE_IMPRESSION;
        case SHARE -> delta = ONE_SHARE;
        case VISIT -> {
          unique = tx.referrals().insertVisitor(tenantId, campaignId, referrerId, visitorId, context.now());
          delta = unique ? ONE_UNIQUE_CLICK : ONE_CLICK;
        }
        default -> throw new AssertionError(kind);
      }
      boolean counted = unique && settings.goal() == ReferralGoal.VISIT && settings.referrerRewardId() != null;
      tx.referrals().addStats(tenantId, campaignId, referrerId, delta);
      Outbox.emit(context, tx, EventType.REFERRAL_TRACKED, campaignId, referrerId,
          ReferralJson.tracked(kind, referrerId, unique, counted));
      List<EarnedReward> unlocked = List.of();
      if (counted) {
        LoyaltyAction action = LoyaltyAction.of(ParticipantRef.id(referrerId), settings.referrerRewardId())
            .withSource(ActionSource.REFERRAL);
        unlocked = PointsService.overflowOn("code", REWARD_OVERFLOW, () -> rewards.recordIn(tx, action, false))
            .unlocked();
      }
      return new TrackResult(referrerId, kind, unique, counted, unlocked);
    });
  }

  // ==================================================================== conversions

  /**
   * {@inheritDoc}
   *
   * <p>The code's size is checked first; a tracked order id is then replayed before its code is read, so a replay
   * answers whatever the code. Points: {@link ReferralSettings#conversionPoints()}, awarded through the ledger (type
   * {@value #CONVERSION_TYPE}, key {@value #CONVERSION_KEY_PREFIX}{@code <conversion id>}); more than the engine's
   * {@code maxPointsPerOperation}, or more than the referrer's points can take, is a VALIDATION_ERROR on
   * {@code orderValue}.
   */
  @Override
  public ConversionResult convert(long campaignId, NewConversion conversion) {
    TextRules.notNull("conversion", conversion);
    String code = ReferralRules.code(conversion.code());
    String orderId = ReferralRules.requiredIdentifier("orderId", conversion.orderId());
    BigDecimal orderValue = ReferralRules.orderValue(conversion.orderValue());
    String buyerEmail = conversion.buyerEmail() == null ? null
        : EmailAddresses.sanitized("buyerEmail", conversion.buyerEmail());
    String buyerCustomerId = conversion.buyerCustomerId() == null ? null
        : CustomerMappingService.customerId("buyerCustomerId", conversion.buyerCustomerId());
    long tenantId = context.tenantId();
    // The conversion's key a host took, before or during the conversion: CONFLICT on orderId.
    return points.runOwn("orderId", tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      Optional<Conversion> prior = tx.referrals().findConversion(tenantId, campaignId, orderId);
      if (prior.isPresent()) {
        return new ConversionResult(prior.get(), prior.get().points(), true);
      }
      ReferralSettings settings = settingsOf(tx, campaignId);
      Participant referrer = decodeIn(tx, campaignId, code, settings, true, context.now()).referrer();
      boolean selfReferral = isSelfReferral(tx, referrer, buyerEmail, buyerCustomerId);
      long awarded = selfReferral ? 0 : settings.conversionPoints().pointsFor(orderValue);
      if (awarded > context.limits().maxPointsPerOperation()) {
        throw LoyaltyException.validation("orderValue",
            "the order's points would exceed the largest points operation");
      }
      Conversion converted = new Conversion(context.ids().nextId(), tenantId, campaignId, referrer.id(), orderId,
          orderValue, awarded, selfReferral ? ConversionStatus.REJECTED : ConversionStatus.CONVERTED, 0,
          context.now(), null);
      if (!tx.referrals().insertConversion(converted)) {
        // A concurrent conversion of the same order id was recorded first: answer as a later retry would.
        Conversion winner = tx.referrals().findConversion(tenantId, campaignId, orderId)
            .orElseThrow(() -> new LoyaltyException(ErrorCode.CONFLICT, "orderId",
                "the order was converted concurrently; retry"));
        return new ConversionResult(winner, winner.points(), true);
      }
      if (awarded > 0) {
        PointsChange change = PointsChange.of(awarded, CONVERSION_TYPE)
            .withIdempotencyKey(CONVERSION_KEY_PREFIX + converted.id());
        // The conversion was inserted just now: an entry with its key is the host's (CONFLICT, rolled back).
        PointsService.overflowOn("orderValue", "the order's points would overflow the referrer's points",
            () -> points.applyOwnIn(tx, referrer, LedgerEntryKind.AWARD, change, "orderId"));
      }
      if (!selfReferral) {
        tx.referrals().addStats(tenantId, campaignId, referrer.id(),
            new ReferralStats(0, 0, 0, 0, 0, 1, 0, orderValue));
      }
      Outbox.emit(context, tx, EventType.REFERRAL_CONVERSION, campaignId, referrer.id(),
          ReferralJson.conversion(converted, awarded));
      return new ConversionResult(converted, awarded, false);
    });
  }

  /**
   * Whether the buyer a conversion names is its referrer. The referrer's signup and customer mapping are read only
   * when a customer id is given to compare, so a conversion without one costs no more than before.
   */
  private static boolean isSelfReferral(Transaction tx, Participant referrer, String buyerEmail,
      String buyerCustomerId) {
    if (buyerCustomerId == null) {
      return FraudRules.isSelfPurchase(buyerEmail, null, referrer, null, null);
    }
    long tenantId = referrer.tenantId();
    SignupRecord referrerSignup = tx.referrals().findSignup(tenantId, referrer.id()).orElse(null);
    String referrerCustomerId = tx.customerMappings().findByParticipant(tenantId, referrer.id())
        .map(CustomerMapping::customerId).orElse(null);
    return FraudRules.isSelfPurchase(buyerEmail, buyerCustomerId, referrer, referrerSignup, referrerCustomerId);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The referrer's row is locked to read its balance, so the points taken back ({@code min(points, balance)},
   * type {@value #REVERSAL_TYPE}, key {@value #REVERSAL_KEY_PREFIX}{@code <conversion id>}) are exactly what the
   * deduction can take. A referrer deleted since the conversion has no balance and no stats any more: the
   * conversion is still marked REVERSED, with 0 points taken back and the whole award as shortfall, and its
   * {@code referral.reversal} event is written for the campaign, without a participant.
   */
  @Override
  public ReversalResult reverse(long campaignId, String orderId) {
    String order = ReferralRules.requiredIdentifier("orderId", orderId);
    long tenantId = context.tenantId();
    // The reversal's key a host took, before or during the reversal: CONFLICT on orderId.
    return points.runOwn("orderId", tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      Conversion conversion = tx.referrals().findConversion(tenantId, campaignId, order)
          .orElseThrow(() -> LoyaltyException.notFound("conversion"));
      if (conversion.status() == ConversionStatus.REJECTED) {
        // A self-referral earned nothing: nothing to take back, nothing to record.
        return new ReversalResult(conversion, 0, 0, true);
      }
      if (conversion.status() == ConversionStatus.REVERSED) {
        return replayReversal(conversion);
      }
      Optional<Participant> referrer = tx.participants().lock(tenantId, conversion.referrerId());
      long taken = referrer.map(p -> Math.min(conversion.points(), p.pointsBalance())).orElse(0L);
      if (!tx.referrals().markReversed(tenantId, conversion.id(), taken, context.now())) {
        // A concurrent reversal won: answer with it.
        return replayReversal(requireConversion(tx, campaignId, order));
      }
      Conversion reversed = requireConversion(tx, campaignId, order);
      if (taken > 0) {
        // Marked reversed just now, by this unit of work: an entry with the key is the host's (CONFLICT, rolled back).
        points.applyOwnIn(tx, referrer.get(), LedgerEntryKind.DEDUCT,
            PointsChange.of(taken, REVERSAL_TYPE).withIdempotencyKey(REVERSAL_KEY_PREFIX + conversion.id()),
            "orderId");
      }
      long shortfall = conversion.points() - taken;
      String payload = ReferralJson.reversal(reversed, taken, shortfall);
      if (referrer.isPresent()) {
        tx.referrals().addStats(tenantId, campaignId, conversion.referrerId(),
            new ReferralStats(0, 0, 0, 0, 0, 0, 1, conversion.orderValue().negate()));
        Outbox.emit(context, tx, EventType.REFERRAL_REVERSAL, campaignId, conversion.referrerId(), payload);
      } else {
        tx.events().append(new EventRecord(context.ids().nextId(), tenantId, EventType.REFERRAL_REVERSAL,
            campaignId, null, 0, context.now(), Outbox.SCHEMA_VERSION, 0, payload));
      }
      return new ReversalResult(reversed, taken, shortfall, false);
    });
  }

  @Override
  public Optional<Conversion> conversion(long campaignId, String orderId) {
    String order = ReferralRules.requiredIdentifier("orderId", orderId);
    long tenantId = context.tenantId();
    // At one snapshot: the campaign and its conversion read together.
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return tx.referrals().findConversion(tenantId, campaignId, order);
    });
  }

  @Override
  public CursorPage<Conversion> conversions(long campaignId, ConversionStatus status, Keyset page) {
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot, as a campaign's referrals: the campaign and its conversions read together.
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return CursorPage.fromRows(tx.referrals().listConversionsOfCampaign(tenantId, campaignId, status,
          page.afterId(), page.limit() + 1), page.limit(), Conversion::id);
    });
  }

  @Override
  public CursorPage<Conversion> conversions(ParticipantRef referrer, Keyset page) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(referrer);
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    // At one snapshot, as a participant's redemptions: the participant and its conversions together. A participant
    // refers in its own campaign only (decoding a code checks that), so the campaign is not read.
    return context.transactions().runRead(tx -> {
      long id = resolver.resolve(tx, tenantId).id();
      return CursorPage.fromRows(tx.referrals().listConversionsOfReferrer(tenantId, id, page.afterId(),
          page.limit() + 1), page.limit(), Conversion::id);
    });
  }

  private static ReversalResult replayReversal(Conversion c) {
    return new ReversalResult(c, c.pointsReversed(), c.points() - c.pointsReversed(), true);
  }

  private Conversion requireConversion(Transaction tx, long campaignId, String orderId) {
    return tx.referrals().findConversion(context.tenantId(), campaignId, orderId)
        .orElseThrow(() -> LoyaltyException.notFound("conversion"));
  }

  // ==================================================================== stats

  @Override
  public ReferralStats stats(ParticipantRef participant) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx ->
        tx.referrals().stats(tenantId, resolver.resolve(tx, tenantId).id()));
  }

  @Override
  public ReferralStats campaignStats(long campaignId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return tx.referrals().campaignStats(tenantId, campaignId);
    });
  }

  @Override
  public BrandStats brandStats(long brandId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      if (tx.brands().find(tenantId, brandId).isEmpty()) {
        throw LoyaltyException.notFound("brand");
      }
      List<Campaign> campaigns = tx.campaigns().listByBrand(tenantId, brandId);
      List<Long> campaignIds = campaigns.stream().map(Campaign::id).toList();
      // Summed over the brand's campaigns in the store, in as many queries for many campaigns as for one.
      long participants = tx.participants().countInCampaigns(tenantId, campaignIds);
      ReferralStats sum = tx.referrals().campaignsStats(tenantId, campaignIds);
      return new BrandStats(brandId, campaigns.size(), participants, sum.shares(), sum.clicks(), sum.impressions());
    });
  }

  // ==================================================================== reads inside a unit of work

  /** A campaign's settings, or the defaults when it was never configured. */
  private ReferralSettings settingsOf(Transaction tx, long campaignId) {
    return tx.referrals().findSettings(context.tenantId(), campaignId)
        .orElseGet(() -> ReferralSettings.defaults(campaignId));
  }
}
