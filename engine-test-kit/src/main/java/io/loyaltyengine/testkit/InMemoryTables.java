package io.loyaltyengine.testkit;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.core.spi.QuestCompletionRecord;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.testimonials.Testimonial;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rows of one in-memory database, with the indexes that enforce its unique keys and serve its range queries.
 * Every index is a flat map so that the undo log can restore any write with one put or remove.
 *
 * <p>Not thread-safe: used only under the database's lock.
 */
final class InMemoryTables {
  /** Two ids ordered lexicographically, for range scans of a parent's children in id order. */
  record IdPair(long parent, long child) implements Comparable<IdPair> {
    @Override
    public int compareTo(IdPair other) {
      int byParent = Long.compare(parent, other.parent);
      return byParent != 0 ? byParent : Long.compare(child, other.child);
    }
  }

  /** A node number's row: who holds it (null once released), until when (since when, once released). */
  record NodeLease(String holder, Instant expiresAt) {
  }

  /** A text key scoped to a tenant or a campaign. */
  record ScopedText(long scope, String text) {
  }

  /** The key of a delivery, ordered as the SQL primary key (tenant, event id, subscriber). */
  record DeliveryKey(long tenantId, long eventId, String subscriber) implements Comparable<DeliveryKey> {
    @Override
    public int compareTo(DeliveryKey other) {
      int c = Long.compare(tenantId, other.tenantId);
      if (c == 0) {
        c = Long.compare(eventId, other.eventId);
      }
      return c != 0 ? c : subscriber.compareTo(other.subscriber);
    }

    static DeliveryKey of(DeliveryRecord d) {
      return new DeliveryKey(d.tenantId(), d.eventId(), d.subscriber());
    }
  }

  /** A PENDING delivery in claim order: event id, then its key (the SQL claim's ORDER BY). */
  record ClaimOrder(long eventId, DeliveryKey key) implements Comparable<ClaimOrder> {
    @Override
    public int compareTo(ClaimOrder other) {
      int c = Long.compare(eventId, other.eventId);
      return c != 0 ? c : key.compareTo(other.key);
    }

    static ClaimOrder of(DeliveryRecord d) {
      return new ClaimOrder(d.eventId(), DeliveryKey.of(d));
    }
  }

  /**
   * A PENDING delivery that has a participant, ordered by (tenant, subscriber, participant, sequence, event id): the
   * first entry of a (tenant, subscriber, participant) range is the lowest pending sequence, which decides the
   * ordering rule of claims.
   */
  record ParticipantOrder(long tenantId, String subscriber, long participantId, long sequence, long eventId)
      implements Comparable<ParticipantOrder> {
    @Override
    public int compareTo(ParticipantOrder other) {
      int c = Long.compare(tenantId, other.tenantId);
      if (c == 0) {
        c = subscriber.compareTo(other.subscriber);
      }
      if (c == 0) {
        c = Long.compare(participantId, other.participantId);
      }
      if (c == 0) {
        c = Long.compare(sequence, other.sequence);
      }
      return c != 0 ? c : Long.compare(eventId, other.eventId);
    }

    /** The key of a delivery, or null for one without a participant (it neither blocks nor is blocked). */
    static ParticipantOrder of(DeliveryRecord d) {
      return d.participantId() == null ? null
          : new ParticipantOrder(d.tenantId(), d.subscriber(), d.participantId(), d.sequence(), d.eventId());
    }

    /** The smallest key of a (tenant, subscriber, participant) range. */
    static ParticipantOrder first(long tenantId, String subscriber, long participantId) {
      return new ParticipantOrder(tenantId, subscriber, participantId, Long.MIN_VALUE, Long.MIN_VALUE);
    }

    boolean sameParticipant(ParticipantOrder other) {
      return tenantId == other.tenantId && participantId == other.participantId
          && subscriber.equals(other.subscriber);
    }
  }

  /** Three ids ordered lexicographically (tenant, parent, child), for range scans of a parent's rows in id order. */
  record IdTriple(long tenantId, long parent, long child) implements Comparable<IdTriple> {
    @Override
    public int compareTo(IdTriple other) {
      int c = Long.compare(tenantId, other.tenantId);
      if (c == 0) {
        c = Long.compare(parent, other.parent);
      }
      return c != 0 ? c : Long.compare(child, other.child);
    }
  }

  /** The key of an action counter, as the SQL primary key (tenant, participant, campaign reward, month). */
  record CounterKey(long tenantId, long participantId, long campaignRewardId, int month)
      implements Comparable<CounterKey> {
    @Override
    public int compareTo(CounterKey other) {
      int c = Long.compare(tenantId, other.tenantId);
      if (c == 0) {
        c = Long.compare(participantId, other.participantId);
      }
      if (c == 0) {
        c = Long.compare(campaignRewardId, other.campaignRewardId);
      }
      return c != 0 ? c : Integer.compare(month, other.month);
    }
  }

  /**
   * A row of action_count: the campaign it belongs to, its value, and when it last changed (the time of the unit of
   * work that changed it, as the SQL stores' transaction timestamp).
   */
  record Counter(long campaignId, long count, Instant changedAt) {
  }

  /** The key of a points counter (tenant, participant, month). */
  record PointsKey(long tenantId, long participantId, int month) {
  }

  /** A points counter: the campaign it was created with, the points awarded, and when they last changed. */
  record PointsRow(long campaignId, long points, Instant changedAt) {
  }

  /** The key of a removal row (tenant, campaign, participant). */
  record RemovalKey(long tenantId, long campaignId, long participantId) {
  }

  /** The key of a month's winners (tenant, campaign, metric, month as {@code year * 100 + month}). */
  record WinnersKey(long tenantId, long campaignId, BoardMetric metric, int month) {
  }

  /** The unique key of an earned reward's cycle (tenant, participant, campaign reward, cycle). */
  record CycleKey(long tenantId, long participantId, long campaignRewardId, int cycle) {
  }

  /** A row of earned_reward: the reward and the action that unlocked it (a column the record does not carry). */
  record EarnedRow(EarnedReward reward, long actionId) {
  }

  /** A row of coupon_code; {@code earnedRewardId} is null while the code is free. */
  record CouponRow(long tenantId, long campaignId, long couponId, String code, Long earnedRewardId,
      Long participantId, Instant createdAt, Instant assignedAt) {
    boolean free() {
      return earnedRewardId == null;
    }
  }

  /** A code of one campaign's pool: the COUPON_CODE key. */
  record PoolCode(long tenantId, long campaignId, String code) {
  }

  /** A text key scoped to a campaign of a tenant: a short code, or a conversion's order id. */
  record CampaignText(long tenantId, long campaignId, String text) {
  }

  /**
   * A signup under one of its identifiers (IP address or visitor id), ordered by (tenant, campaign, identifier,
   * time, participant): the signups of one identifier since a time are one range.
   */
  record SignupOrder(long tenantId, long campaignId, String identifier, Instant at, long participantId)
      implements Comparable<SignupOrder> {
    @Override
    public int compareTo(SignupOrder other) {
      int c = Long.compare(tenantId, other.tenantId);
      if (c == 0) {
        c = Long.compare(campaignId, other.campaignId);
      }
      if (c == 0) {
        c = identifier.compareTo(other.identifier);
      }
      if (c == 0) {
        c = at.compareTo(other.at);
      }
      return c != 0 ? c : Long.compare(participantId, other.participantId);
    }
  }

  /** A visitor of a participant's code, ordered by (tenant, participant, visitor id). */
  record VisitorKey(long tenantId, long participantId, String visitorId) implements Comparable<VisitorKey> {
    @Override
    public int compareTo(VisitorKey other) {
      int c = Long.compare(tenantId, other.tenantId);
      if (c == 0) {
        c = Long.compare(participantId, other.participantId);
      }
      return c != 0 ? c : visitorId.compareTo(other.visitorId);
    }
  }

  /** A row of referral_visitor: the campaign it was counted in and when. */
  record VisitorRow(long campaignId, Instant at) {
  }

  /** A participant's short code and the campaign it is unique in. */
  record ShortCodeRow(long campaignId, String code) {
  }

  /** A row of referral_stats: the campaign it was created with and its counters. */
  record StatsRow(long campaignId, ReferralStats stats) {
  }

  final Map<Long, Tenant> tenants = new HashMap<>();

  final Map<Long, Brand> brands = new HashMap<>();
  /** (tenant, brand id) -> brand, for listing a tenant's brands in id order. */
  final TreeMap<IdPair, Brand> brandsByTenant = new TreeMap<>();
  /** (tenant, domain) -> brand id: the BRAND_DOMAIN key. */
  final Map<ScopedText, Long> brandDomains = new HashMap<>();

  final Map<Long, Campaign> campaigns = new HashMap<>();
  /** (brand, campaign id) -> campaign. */
  final TreeMap<IdPair, Campaign> campaignsByBrand = new TreeMap<>();

  final Map<Long, Participant> participants = new HashMap<>();
  /** (campaign, participant id) -> participant, for lists in id order. */
  final TreeMap<IdPair, Participant> participantsByCampaign = new TreeMap<>();
  /** (campaign, sanitized email) -> participant id: the PARTICIPANT_EMAIL key. */
  final Map<ScopedText, Long> participantEmails = new HashMap<>();

  final Map<Long, LedgerEntry> entries = new HashMap<>();
  /** (participant, entry id) -> entry, for history newest first. */
  final TreeMap<IdPair, LedgerEntry> entriesByParticipant = new TreeMap<>();
  /** (tenant, idempotency key) -> entry: the LEDGER_IDEMPOTENCY_KEY key. */
  final Map<ScopedText, LedgerEntry> idempotencyKeys = new HashMap<>();

  /** (tenant, participant) -> the participant's event counter; absent means 0 (column participant.event_sequence). */
  final Map<IdPair, Long> eventSequences = new HashMap<>();

  /** (tenant, event id) -> event: the outbox. */
  final TreeMap<IdPair, EventRecord> events = new TreeMap<>();
  /** (tenant, event id) -> event, for the events at position 0 only. */
  final TreeMap<IdPair, EventRecord> unpositionedEvents = new TreeMap<>();
  /** (tenant, event id) -> when the event was positioned (column event_outbox.positioned_at), for positioned ones. */
  final Map<IdPair, Instant> positionedAt = new HashMap<>();
  /** tenant -> last position given in its feed (a row of event_feed). */
  final Map<Long, Long> feeds = new HashMap<>();

  /** Every delivery. */
  final TreeMap<DeliveryKey, DeliveryRecord> deliveries = new TreeMap<>();
  /** The PENDING deliveries in claim order. */
  final TreeMap<ClaimOrder, DeliveryRecord> pendingInClaimOrder = new TreeMap<>();
  /** The PENDING deliveries that have a participant, for the ordering rule. */
  final TreeMap<ParticipantOrder, DeliveryRecord> pendingByParticipant = new TreeMap<>();

  /** (tenant, key id) -> API key. */
  final TreeMap<IdPair, io.loyaltyengine.core.spi.ApiKeyRecord> apiKeys = new TreeMap<>();

  /** (tenant, limit, period in microseconds) -> the tenant's shared rate-limit bucket at that rate. */
  final Map<RateKey, io.loyaltyengine.core.spi.RateBucket> rateBuckets = new HashMap<>();

  /** The key of a row of rate_bucket. */
  record RateKey(long tenantId, long limit, long periodMicros) {
  }

  /** (tenant, endpoint id) -> webhook endpoint. */
  final TreeMap<IdPair, WebhookEndpointRecord> webhookEndpoints = new TreeMap<>();

  /** (tenant, campaign reward id) -> campaign reward. */
  final TreeMap<IdPair, CampaignReward> campaignRewards = new TreeMap<>();
  /** (tenant, campaign, campaign reward id) -> campaign reward id, for a campaign's rewards in id order. */
  final TreeMap<IdTriple, Long> campaignRewardsByCampaign = new TreeMap<>();
  /** (tenant, campaign) -> reward program. */
  final Map<IdPair, RewardProgram> rewardPrograms = new HashMap<>();

  /** (tenant, action id) -> loyalty action. */
  final TreeMap<IdPair, ActionRecord> actions = new TreeMap<>();
  /** (tenant, participant, action id) -> action id. */
  final TreeMap<IdTriple, Long> actionsByParticipant = new TreeMap<>();
  /** (tenant, idempotency key) -> action id: the ACTION_IDEMPOTENCY_KEY key. */
  final Map<ScopedText, Long> actionKeys = new HashMap<>();
  /** Action counters; absent means 0. */
  final TreeMap<CounterKey, Counter> counters = new TreeMap<>();

  /** (tenant, earned reward id) -> earned reward and its action. */
  final TreeMap<IdPair, EarnedRow> earnedRewards = new TreeMap<>();
  /** (tenant, participant, earned reward id) -> earned reward id. */
  final TreeMap<IdTriple, Long> earnedByParticipant = new TreeMap<>();
  /** (tenant, action, earned reward id) -> earned reward id. */
  final TreeMap<IdTriple, Long> earnedByAction = new TreeMap<>();
  /** (tenant, campaign, earned reward id) -> earned reward id. */
  final TreeMap<IdTriple, Long> earnedByCampaign = new TreeMap<>();
  /** The cycle key -> earned reward id: at most one reward per cycle. */
  final Map<CycleKey, Long> earnedCycles = new HashMap<>();

  /** (tenant, campaign, coupon id) -> code: the pools. */
  final TreeMap<IdTriple, CouponRow> coupons = new TreeMap<>();
  /** (tenant, campaign, coupon id) -> coupon id, for the free codes only. */
  final TreeMap<IdTriple, Long> freeCoupons = new TreeMap<>();
  /** The COUPON_CODE key -> coupon id. */
  final Map<PoolCode, Long> couponCodes = new HashMap<>();
  /** (tenant, earned reward id) -> the code's key: a reward gets at most one code. */
  final Map<IdPair, IdTriple> couponsByReward = new HashMap<>();

  /** (tenant, catalog reward id) -> catalog reward. */
  final TreeMap<IdPair, CatalogReward> catalogRewards = new TreeMap<>();
  /** (tenant, campaign, catalog reward id) -> catalog reward id. */
  final TreeMap<IdTriple, Long> catalogByCampaign = new TreeMap<>();
  /** (tenant, redemption id) -> redemption. */
  final TreeMap<IdPair, Redemption> redemptions = new TreeMap<>();
  /** (tenant, idempotency key) -> redemption id: the REDEMPTION_IDEMPOTENCY_KEY key. */
  final Map<ScopedText, Long> redemptionKeys = new HashMap<>();

  /** (tenant, campaign) -> referral settings. */
  final Map<IdPair, ReferralSettings> referralSettings = new HashMap<>();
  /** (tenant, campaign) -> its landing page, if configured. */
  final Map<IdPair, LandingPage> landingPages = new HashMap<>();

  /** (tenant, testimonial id) -> testimonial. */
  final TreeMap<IdPair, Testimonial> testimonials = new TreeMap<>();
  /** (tenant, participant) -> its testimonial's id: a participant has at most one. */
  final Map<IdPair, Long> testimonialsByParticipant = new HashMap<>();

  /** (tenant, quest id) -> quest with its tasks. */
  final TreeMap<IdPair, Quest> quests = new TreeMap<>();
  /** (tenant, participant, quest, task) -> completion: the primary key, ordered for a participant's range. */
  final TreeMap<CompletionKey, QuestCompletionRecord> questCompletions = new TreeMap<>();

  /** The key of a quest completion, ordered (tenant, participant, quest, task). */
  record CompletionKey(long tenantId, long participantId, long questId, int taskNumber)
      implements Comparable<CompletionKey> {
    @Override
    public int compareTo(CompletionKey o) {
      int c = Long.compare(tenantId, o.tenantId);
      c = c != 0 ? c : Long.compare(participantId, o.participantId);
      c = c != 0 ? c : Long.compare(questId, o.questId);
      return c != 0 ? c : Integer.compare(taskNumber, o.taskNumber);
    }
  }

  /** (tenant, board id) -> feedback board. */
  final TreeMap<IdPair, FeedbackBoard> feedbackBoards = new TreeMap<>();
  /** (tenant, idea id) -> idea. */
  final TreeMap<IdPair, Idea> ideas = new TreeMap<>();
  /** (tenant, idempotency key) -> idea id: the IDEA_IDEMPOTENCY_KEY key, deleted with its idea. */
  final Map<ScopedText, Long> ideaKeys = new HashMap<>();
  /** (tenant, idea, participant) -> when the participant voted the idea up. */
  final TreeMap<IdTriple, Instant> ideaVotes = new TreeMap<>();
  /** (tenant, key number) -> signing key. */
  final TreeMap<IdPair, SigningKey> signingKeys = new TreeMap<>();
  /** (tenant, participant) -> its short code: a participant has at most one. */
  final Map<IdPair, ShortCodeRow> shortCodes = new HashMap<>();
  /** (tenant, campaign, code) -> participant id: a code is unique in its campaign. */
  final Map<CampaignText, Long> shortCodeHolders = new HashMap<>();
  /** (tenant, participant) -> the facts of its first signup. */
  final Map<IdPair, SignupRecord> signups = new HashMap<>();
  /** (tenant, campaign, gate) of the signup gates made: their locks are the database's own here. */
  final Map<IdTriple, Boolean> signupGates = new HashMap<>();
  /** The signups that have an IP address, by it. */
  final TreeMap<SignupOrder, Long> signupsByIp = new TreeMap<>();
  /** The signups that have a visitor id, by it. */
  final TreeMap<SignupOrder, Long> signupsByVisitor = new TreeMap<>();
  /** (tenant, invited id) -> referral: an invited participant has at most one. */
  final Map<IdPair, Referral> referrals = new HashMap<>();
  /** (tenant, referrer, invited id) -> invited id, for a referrer's referrals in invited id order. */
  final TreeMap<IdTriple, Long> referralsByReferrer = new TreeMap<>();
  /** (tenant, campaign, invited id) -> invited id, for a campaign's referrals in invited id order. */
  final TreeMap<IdTriple, Long> referralsByCampaign = new TreeMap<>();
  /** The unique visitors of each participant's code. */
  final TreeMap<VisitorKey, VisitorRow> visitors = new TreeMap<>();
  /** (tenant, participant) -> stats counters; absent means zero. */
  final TreeMap<IdPair, StatsRow> referralStats = new TreeMap<>();
  /** (tenant, conversion id) -> conversion. */
  final TreeMap<IdPair, Conversion> conversions = new TreeMap<>();
  /** (tenant, campaign, order id) -> conversion id: an order converts once per campaign. */
  final Map<CampaignText, Long> conversionOrders = new HashMap<>();

  /** Points counters; absent means 0. */
  final Map<PointsKey, PointsRow> pointsCounters = new HashMap<>();
  /** A participant's removal from its campaign's boards -> when. */
  final Map<RemovalKey, Instant> removals = new HashMap<>();
  /** Each closed month's winners, recorded once. */
  final Map<WinnersKey, MonthWinners> winners = new HashMap<>();

  /** (tenant, campaign, customer id) -> mapping: the primary key of customer_mapping. */
  final Map<CampaignText, io.loyaltyengine.customers.CustomerMapping> customerMappings = new HashMap<>();
  /** (tenant, participant) -> its mapping's key: a participant has at most one. */
  final Map<IdPair, CampaignText> customerMappingsByParticipant = new HashMap<>();
  /** Tenant -> its single sign-on secrets. */
  final Map<Long, io.loyaltyengine.core.spi.SsoSecretRecord> ssoSecrets = new HashMap<>();

  /** Node number -> its lease; absent when never leased. Not tenant data. */
  final Map<Integer, NodeLease> nodeLeases = new HashMap<>();

  /**
   * A copy of every table, as a value equal to another snapshot exactly when every row is: the rows are immutable
   * records, so copying the maps suffices. Every map field is a table or an index, found by reflection so that a
   * table added later is not forgotten.
   */
  Map<String, Map<?, ?>> snapshot() {
    Map<String, Map<?, ?>> out = new TreeMap<>();
    for (java.lang.reflect.Field field : InMemoryTables.class.getDeclaredFields()) {
      if (Map.class.isAssignableFrom(field.getType()) && !java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
        try {
          out.put(field.getName(), new HashMap<>((Map<?, ?>) field.get(this)));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return out;
  }

  void clear() {
    tenants.clear();
    brands.clear();
    brandsByTenant.clear();
    brandDomains.clear();
    campaigns.clear();
    campaignsByBrand.clear();
    participants.clear();
    participantsByCampaign.clear();
    participantEmails.clear();
    entries.clear();
    entriesByParticipant.clear();
    idempotencyKeys.clear();
    eventSequences.clear();
    events.clear();
    unpositionedEvents.clear();
    positionedAt.clear();
    feeds.clear();
    deliveries.clear();
    pendingInClaimOrder.clear();
    pendingByParticipant.clear();
    webhookEndpoints.clear();
    campaignRewards.clear();
    campaignRewardsByCampaign.clear();
    rewardPrograms.clear();
    actions.clear();
    actionsByParticipant.clear();
    actionKeys.clear();
    counters.clear();
    earnedRewards.clear();
    earnedByParticipant.clear();
    earnedByAction.clear();
    earnedByCampaign.clear();
    earnedCycles.clear();
    coupons.clear();
    freeCoupons.clear();
    couponCodes.clear();
    couponsByReward.clear();
    catalogRewards.clear();
    catalogByCampaign.clear();
    redemptions.clear();
    redemptionKeys.clear();
    referralSettings.clear();
    landingPages.clear();
    testimonials.clear();
    testimonialsByParticipant.clear();
    quests.clear();
    questCompletions.clear();
    feedbackBoards.clear();
    ideas.clear();
    ideaKeys.clear();
    ideaVotes.clear();
    signingKeys.clear();
    shortCodes.clear();
    shortCodeHolders.clear();
    signups.clear();
    signupGates.clear();
    signupsByIp.clear();
    signupsByVisitor.clear();
    referrals.clear();
    referralsByReferrer.clear();
    referralsByCampaign.clear();
    visitors.clear();
    referralStats.clear();
    conversions.clear();
    conversionOrders.clear();
    pointsCounters.clear();
    removals.clear();
    winners.clear();
    nodeLeases.clear();
    customerMappings.clear();
    customerMappingsByParticipant.clear();
    ssoSecrets.clear();
  }
}
