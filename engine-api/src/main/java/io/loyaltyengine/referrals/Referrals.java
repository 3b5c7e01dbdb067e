package io.loyaltyengine.referrals;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import java.util.List;
import java.util.Optional;

/**
 * Referral codes, signups, referral chains, tracking and stats of one tenant. Thread-safe (see
 * {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <h2>Codes</h2>
 * Every participant has a code of each {@link CodeKind}. {@link #decode} reads all three; any malformed input is a
 * VALIDATION_ERROR on {@code code} (never another exception), and a code naming no participant of the campaign, a
 * forged or tampered signed code, or a legacy code in a campaign that requires signed codes is refused the same way.
 * Input longer than 512 characters is refused before it is decoded; spaces at a code's ends, no-break spaces
 * included, are ignored.
 *
 * <h2>Signing keys</h2>
 * Signed codes carry an HMAC under one of the tenant's keys: the highest-numbered signs, every kept key verifies.
 * {@link #rotateSigningKey} starts a new key, {@link #retireSigningKey} stops the codes of an old one from verifying
 * (a leaked key, say), {@link #signingKeys} lists the keys kept; a tenant keeps at most {@value #MAX_SIGNING_KEYS}.
 *
 * <h2>Chains</h2>
 * A participant has at most one referrer, recorded once and never overwritten: of any number of concurrent signups
 * of one invitee with different codes, exactly one records its referrer. A referral goes only with a deleted
 * participant ({@link io.loyaltyengine.participant.Participants#delete} deletes the referrals it made and the one it
 * received): the participants a deleted referrer invited have no referrer then, and a later signup of theirs with a
 * code may record a new one. A participant cannot refer themselves, and no referral that would close a cycle is
 * recorded, so referrals form a forest.
 *
 * <h2>Screening</h2>
 * Each new referral is screened (see {@link io.loyaltyengine.fraud.FraudScreening}); its risk level and reason are
 * kept on the referral and on the invited participant, and the campaign's {@link ReferralSettings} say whether a
 * MEDIUM or HIGH referral counts, counts for review, or is rejected.
 */
public interface Referrals {
  /**
   * The most signing keys a tenant keeps. Every kept key verifies codes and is cached by each engine instance with a
   * per-thread {@code Mac}, so the bound caps that memory and the keys a leak can expose; a rotation past it is
   * refused rather than retiring the oldest key, since that would silently break codes already shared. Keys made
   * before the bound existed (rotation was unbounded) are kept: such a tenant may keep more, and cannot rotate until
   * it has retired enough of them to be below the bound.
   */
  int MAX_SIGNING_KEYS = 10;

  /**
   * Sets how a campaign runs referrals.
   *
   * @param settings the campaign's settings
   * @return the settings as stored
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field (a referrer reward must be a
   *     PARTICIPANT reward of the campaign; FIXED conversion points, {@code conversionPoints.fixedPoints}, at most
   *     the engine's {@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()}); NOT_FOUND for the campaign or
   *     the referrer reward
   */
  ReferralSettings configure(ReferralSettings settings);

  /**
   * How a campaign runs referrals ({@link ReferralSettings#defaults} when never configured).
   *
   * @param campaignId the campaign
   * @return the campaign's settings
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  ReferralSettings settings(long campaignId);

  /**
   * A campaign's landing page: the one configured, or the default (see {@link LandingPage}), which follows the
   * campaign's name and brand.
   *
   * @param campaignId the campaign
   * @return the landing page
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign
   */
  LandingPage landingPage(long campaignId);

  /**
   * Sets a campaign's landing page, replacing any before; every field is stored as given (trimmed), and
   * {@link LandingPage#customised()} of the result is true.
   *
   * @param page the campaign's page
   * @return the page as stored
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND for the campaign
   */
  LandingPage configureLandingPage(LandingPage page);

  /**
   * Goes back to the default landing page. Idempotent.
   *
   * @param campaignId the campaign
   * @return the default page
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the campaign
   */
  LandingPage resetLandingPage(long campaignId);

  /**
   * A participant's codes (the short code is made on first request and kept).
   *
   * @param participant the participant
   * @return the participant's codes
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; CONFLICT, worth a retry, if every short code tried for the
   *     participant was taken in the campaign (20 tries)
   */
  ReferralCodes codes(ParticipantRef participant);

  /**
   * Reads a code of a campaign.
   *
   * @param campaignId the campaign
   * @param code the referral code (any kind)
   * @return what the code refers to
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code code}; NOT_FOUND for the campaign
   */
  DecodedCode decode(long campaignId, String code);

  /**
   * Starts a new signing key for the tenant's signed codes. Codes signed with earlier keys keep verifying until their
   * key is retired ({@link #retireSigningKey}); codes issued from now on use the new key (on other engine instances
   * sharing the database, within a minute; they verify codes under it at once). From a scope joining a host's
   * transaction the key is made in it, commits or rolls back with the host's work, and signs once the host has
   * committed (within a minute on this instance too); a tenant without any key gets key 1 first, committed at once,
   * so that rotation returns 2.
   *
   * <p>A tenant keeps at most {@value #MAX_SIGNING_KEYS} keys: a rotation that would make one more is refused until
   * a key is retired. The host chooses which codes stop working; the engine never retires one on its own.
   *
   * @return the new key's number
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant does not exist; CONFLICT on
   *     {@code signingKeys} if the tenant already keeps {@value #MAX_SIGNING_KEYS} keys (retire one first; nothing
   *     changes)
   */
  int rotateSigningKey();

  /**
   * Retires a signing key: codes signed with it no longer verify, refused by {@link #decode}, {@link #signup},
   * {@link #track} and {@link #convert} as a forged code is (VALIDATION_ERROR on {@code code}). For a key that
   * leaked, or to make room under {@value #MAX_SIGNING_KEYS}. The key is deleted, secret and all, so it cannot be
   * brought back; its number is never used again.
   *
   * <p>This instance refuses the key's codes as soon as the call returns. Other engine instances sharing the
   * database refuse them within a minute ({@code SigningKeys.SIGNER_REFRESH}, the bound within which they see a
   * rotation): each re-reads a tenant's keys at most a minute after its last read of them began. From a scope joining
   * a host's transaction the key is retired in it, commits or rolls back with the host's work, is refused in the
   * host's transaction at once, and elsewhere once the host has committed (within a minute on this instance too, as
   * for a rotation there).
   *
   * <p>Other instances also go on signing new codes with the key that signed before a rotation until they see the
   * rotation, up to a minute after it: retiring that key within the minute after the rotation (as a CONFLICT's
   * "rotate first" invites) makes the codes they issue meanwhile refused everywhere, links already handed out. Unless
   * the key leaked, retire the key a rotation replaced at least a minute after the rotation (for a rotation made in
   * a host's transaction, after the host committed).
   *
   * <p>Idempotent: retiring a retired key changes nothing and succeeds, so a call whose answer was lost can be
   * repeated.
   *
   * @param keyId the key's number ({@link SigningKeyInfo#keyId()}; a signed code names it)
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code keyId} below 1; NOT_FOUND if the tenant
   *     does not exist or never had that key; CONFLICT on {@code keyId} if it is the key that signs new codes (rotate
   *     first, so that there is always a key to sign with); nothing changes on a refusal
   */
  void retireSigningKey(int keyId);

  /**
   * The tenant's signing keys, the one that signs first, then by number descending: every key whose codes verify.
   * Retired keys are gone and not listed; a tenant that never issued a signed code nor rotated has none (a rotation
   * makes key 1 for a tenant without keys). No secret is shown.
   *
   * @return the keys kept: at most {@value #MAX_SIGNING_KEYS}, unless the tenant made more before that bound
   *     existed (see {@link #MAX_SIGNING_KEYS})
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant does not exist
   */
  List<SigningKeyInfo> signingKeys();

  /**
   * Signs a person up to a campaign, recording their referrer when the code allows it, and screening the referral.
   * The outcome is decided in this order: SELF_REFERRAL (the code is the invited participant's own, also through an
   * email alias that sanitizes to it), ALREADY_REFERRED, CYCLE, else REFERRED. A referral recorded in a campaign
   * without a referrer reward, or with goal VISIT, is RECORDED whatever its risk.
   * With goal SIGNUP and a referrer reward, a counted referral is a loyalty action of the referrer toward that reward
   * (source REFERRAL, naming the invited participant, which earns them the campaign's INVITED rewards).
   *
   * @param campaignId the campaign
   * @param signup who signs up, with which code
   * @return the outcome and the participant
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR ({@code signup} when null, participant fields,
   *     {@code code}, {@code visitorId}, {@code customerId}; {@code code} too when an AUTO points reward it unlocks
   *     would overflow its participant's points, and nothing is recorded); NOT_FOUND for the campaign, and for an
   *     enrolled email whose participant a concurrent deletion removed while the signup ran (a retry enrols it
   *     anew); CONFLICT, worth a retry, if a concurrent signup recorded the invitee's referral and a deletion
   *     removed it before this one could read it
   */
  SignupResult signup(long campaignId, Signup signup);

  /**
   * The referral that brought a participant in, if any.
   *
   * @param invited the invited participant
   * @return the referral, or empty if the participant was not referred
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the participant
   */
  Optional<Referral> referral(ParticipantRef invited);

  /**
   * A participant's referrer.
   *
   * @param participant the invited participant
   * @return the referrer, or empty if there is none
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for the participant
   */
  Optional<Participant> referrer(ParticipantRef participant);

  /**
   * The participants a participant referred, in id order (oldest first), a keyset page at a time (cursor:
   * participant id).
   *
   * @param participant the referrer
   * @param page which page
   * @return the page of referred participants
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CursorPage<Participant> referred(ParticipantRef participant, Keyset page);

  /**
   * A campaign's referrals in invited participant id order, a keyset page at a time (cursor: the invited
   * participant's id): all, or those in one status (IN_REVIEW or REJECTED: the queue of a fraud review). Each carries
   * its referrer, invited participant, risk level and reason as screened. A referral recorded between two pages is on
   * the later page when its invited id is past the cursor; a referral goes with either of its participants
   * ({@link io.loyaltyengine.participant.Participants#delete}), and its status never changes, so approving the
   * rewards an IN_REVIEW referral unlocked ({@link io.loyaltyengine.rewards.Rewards#approve}) leaves it IN_REVIEW.
   *
   * @param campaignId the campaign
   * @param status the status to list, or null for all
   * @param page which page
   * @return the page of referrals
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for a campaign that is not the tenant's; VALIDATION_ERROR
   *     on {@code page}
   */
  CursorPage<Referral> referrals(long campaignId, ReferralStatus status, Keyset page);

  /**
   * A participant's referrer, its referrer, and so on, nearest first, at most {@code depth} (1..50).
   *
   * @param participant where the chain starts
   * @param depth the most ancestors
   * @return the ancestors, nearest first
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; VALIDATION_ERROR on {@code depth}
   */
  List<Participant> ancestors(ParticipantRef participant, int depth);

  /**
   * Tracks an impression, share or visit on a code. A visit counts a click, and a unique visitor once per visitor id
   * and referrer; with goal VISIT and a referrer reward, a new visitor is a loyalty action of the referrer.
   *
   * @param campaignId the campaign
   * @param track what happened on which code
   * @return what was counted
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code track} when null, {@code code},
   *     {@code kind} or {@code visitorId} ({@code code} too when an AUTO points reward the visit unlocks would
   *     overflow the referrer's points, and nothing is recorded); NOT_FOUND for the campaign
   */
  TrackResult track(long campaignId, Track track);

  /**
   * Tracks a conversion: idempotent per order id, awarding the referrer the campaign's
   * {@link ReferralSettings#conversionPoints()}. The same order id again returns the first result, whatever its
   * code, value or buyer. An order whose named buyer is the code's own participant (see {@link NewConversion}) is a
   * self-referral: recorded {@link ConversionStatus#REJECTED}, with no points and no stats, whatever the campaign's
   * risk actions (they weigh signals that may be wrong; this one is an identity).
   *
   * @param campaignId the campaign
   * @param conversion the order, its code and optionally its buyer
   * @return the conversion and the referrer's award
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code conversion} when null, {@code code},
   *     {@code orderId}, {@code orderValue} (or {@code orderValue} when the points would overflow),
   *     {@code buyerEmail} or {@code buyerCustomerId}; NOT_FOUND for the campaign; CONFLICT on {@code orderId} if a
   *     points change of the host's took the award's ledger key ({@code referral_conversion:<conversion id>};
   *     nothing changes)
   */
  ConversionResult convert(long campaignId, NewConversion conversion);

  /**
   * Reverses the conversion of a refunded order (see {@link ReversalResult} for the policy on balances). Idempotent:
   * reversing again returns the first reversal. If the referrer was deleted, a CONVERTED conversion is still marked
   * REVERSED, with nothing taken back and the whole award as shortfall. A {@link ConversionStatus#REJECTED} one (a
   * self-referral, which earned nothing) is answered as it is, replayed, with 0 and 0, whether or not its referrer
   * was deleted: nothing changes and no event is written.
   *
   * @param campaignId the campaign
   * @param orderId the refunded order's id
   * @return the reversal
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code orderId}; NOT_FOUND for the campaign or
   *     the conversion; CONFLICT on {@code orderId} if a points change of the host's took the deduction's ledger key
   *     ({@code referral_reversal:<conversion id>}; nothing changes: taking nothing back would keep the points)
   */
  ReversalResult reverse(long campaignId, String orderId);

  /**
   * The conversion of an order, whatever its status: CONVERTED, REVERSED, or REJECTED as a self-referral. For a
   * support page ("did order X earn its referrer points?") or a refund handler checking an order before
   * {@link #reverse}. A conversion stays when its referrer is deleted
   * ({@link io.loyaltyengine.participant.Participants#delete}), so it is found then too, its {@code referrerId}
   * naming no participant any more.
   *
   * @param campaignId the campaign
   * @param orderId the order's id, as {@link #convert} takes it (1..128 printable ASCII characters without spaces,
   *     compared exactly)
   * @return the order's conversion, or empty if the order was never converted in the campaign
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code orderId}; NOT_FOUND for a campaign that is
   *     not the tenant's
   */
  Optional<Conversion> conversion(long campaignId, String orderId);

  /**
   * A campaign's conversions in conversion id order (oldest first), a keyset page at a time (cursor: the
   * conversion's id): all, or those in one status (REJECTED: the self-referral orders a fraud review looks at;
   * CONVERTED: the orders whose points a refund would take back). A conversion recorded between two pages is on a
   * later page; a reversal moves a conversion from the CONVERTED list to the REVERSED one, at its place by id. A
   * deleted referrer's conversions stay listed (see {@link #conversion}).
   *
   * @param campaignId the campaign
   * @param status the status to list, or null for all
   * @param page which page
   * @return the page of conversions
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND for a campaign that is not the tenant's; VALIDATION_ERROR
   *     on {@code page}
   */
  CursorPage<Conversion> conversions(long campaignId, ConversionStatus status, Keyset page);

  /**
   * The conversions a participant's codes brought, newest first (as a participant's other account pages), a keyset
   * page at a time (cursor: the conversion's id): a referrer's "your referred orders", in every status. A
   * participant refers in its own campaign only, so they are all of that campaign. A deleted participant is not
   * found, so its conversions, which stay, are listed only by its campaign's list ({@link #conversions(long,
   * ConversionStatus, Keyset)}).
   *
   * @param referrer the referrer
   * @param page which page
   * @return the page of conversions
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code participant} (null), {@code email} or
   *     {@code page}; NOT_FOUND for a participant that is not the tenant's (a deleted one too)
   */
  CursorPage<Conversion> conversions(ParticipantRef referrer, Keyset page);

  /**
   * A participant's referral stats as a referrer.
   *
   * @param participant the referrer
   * @return the participant's stats
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  ReferralStats stats(ParticipantRef participant);

  /**
   * A campaign's referral stats: the sum over its participants.
   *
   * @param campaignId the campaign
   * @return the campaign's stats
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  ReferralStats campaignStats(long campaignId);

  /**
   * A brand's stats over its campaigns.
   *
   * @param brandId the brand
   * @return the brand's stats
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  BrandStats brandStats(long brandId);
}
