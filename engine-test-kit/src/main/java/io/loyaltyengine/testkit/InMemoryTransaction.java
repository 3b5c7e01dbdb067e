package io.loyaltyengine.testkit;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.participant.ParticipantSearch;
import io.loyaltyengine.core.referrals.ReferralRules;
import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ApiKeyPort;
import io.loyaltyengine.core.spi.ApiKeyRecord;
import io.loyaltyengine.core.spi.RateBucket;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.BalanceAdjustment;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.BrandPort;
import io.loyaltyengine.core.spi.CampaignPort;
import io.loyaltyengine.core.spi.CatalogPort;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.CouponPort;
import io.loyaltyengine.core.spi.CustomerMappingPort;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.EarnedRewardPort;
import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.FeedbackPort;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.NodePort;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.core.spi.QuestCompletionRecord;
import io.loyaltyengine.core.spi.QuestPort;
import io.loyaltyengine.core.spi.ReferralPort;
import io.loyaltyengine.core.spi.RewardPort;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.core.spi.SsoSecretPort;
import io.loyaltyengine.core.spi.SsoSecretRecord;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TenantPort;
import io.loyaltyengine.core.spi.TestimonialPort;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.spi.WebhookEndpointPort;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.QuestTask;
import io.loyaltyengine.quests.QuestUpdate;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testkit.InMemoryTables.CampaignText;
import io.loyaltyengine.testkit.InMemoryTables.ClaimOrder;
import io.loyaltyengine.testkit.InMemoryTables.CompletionKey;
import io.loyaltyengine.testkit.InMemoryTables.Counter;
import io.loyaltyengine.testkit.InMemoryTables.CounterKey;
import io.loyaltyengine.testkit.InMemoryTables.CouponRow;
import io.loyaltyengine.testkit.InMemoryTables.CycleKey;
import io.loyaltyengine.testkit.InMemoryTables.DeliveryKey;
import io.loyaltyengine.testkit.InMemoryTables.EarnedRow;
import io.loyaltyengine.testkit.InMemoryTables.IdPair;
import io.loyaltyengine.testkit.InMemoryTables.IdTriple;
import io.loyaltyengine.testkit.InMemoryTables.NodeLease;
import io.loyaltyengine.testkit.InMemoryTables.ParticipantOrder;
import io.loyaltyengine.testkit.InMemoryTables.PointsKey;
import io.loyaltyengine.testkit.InMemoryTables.PointsRow;
import io.loyaltyengine.testkit.InMemoryTables.PoolCode;
import io.loyaltyengine.testkit.InMemoryTables.RemovalKey;
import io.loyaltyengine.testkit.InMemoryTables.ScopedText;
import io.loyaltyengine.testkit.InMemoryTables.ShortCodeRow;
import io.loyaltyengine.testkit.InMemoryTables.SignupOrder;
import io.loyaltyengine.testkit.InMemoryTables.StatsRow;
import io.loyaltyengine.testkit.InMemoryTables.VisitorKey;
import io.loyaltyengine.testkit.InMemoryTables.VisitorRow;
import io.loyaltyengine.testkit.InMemoryTables.WinnersKey;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One unit of work on the in-memory tables: the ports, an undo log, and the checks that keep callers to the SPI
 * contract (owner thread, still open, not aborted).
 *
 * <p>Not thread-safe: confined to the thread running the unit of work, which holds the database's lock.
 */
final class InMemoryTransaction implements Transaction {
  private final InMemoryTables t;
  private final Thread owner;
  private final Deque<Runnable> undo = new ArrayDeque<>();
  private boolean open = true;
  private RuntimeException aborted;

  private final TenantPort tenantPort = new Tenants();
  private final BrandPort brandPort = new Brands();
  private final CampaignPort campaignPort = new Campaigns();
  private final ParticipantPort participantPort = new Participants();
  private final LedgerPort ledgerPort = new Ledger();
  private final EventPort eventPort = new Events();
  private final DeliveryPort deliveryPort = new Deliveries();
  private final WebhookEndpointPort webhookEndpointPort = new WebhookEndpoints();
  private final RewardPort rewardPort = new Rewards();
  private final ActionPort actionPort = new Actions();
  private final EarnedRewardPort earnedRewardPort = new EarnedRewards();
  private final CouponPort couponPort = new Coupons();
  private final CatalogPort catalogPort = new Catalog();
  private final ReferralPort referralPort = new Referrals();
  private final LeaderboardPort leaderboardPort = new Leaderboards();
  private final NodePort nodePort = new Nodes();
  private final TestimonialPort testimonialPort = new TestimonialRows();
  private final QuestPort questPort = new QuestRows();
  private final FeedbackPort feedbackPort = new FeedbackRows();
  private final CustomerMappingPort customerMappingPort = new CustomerMappings();
  private final SsoSecretPort ssoSecretPort = new SsoSecrets();
  private final ApiKeyPort apiKeyPort = new ApiKeys();

  InMemoryTransaction(InMemoryTables tables, Thread owner) {
    this.t = tables;
    this.owner = owner;
  }

  @Override
  public TenantPort tenants() {
    return tenantPort;
  }

  @Override
  public BrandPort brands() {
    return brandPort;
  }

  @Override
  public CampaignPort campaigns() {
    return campaignPort;
  }

  @Override
  public ParticipantPort participants() {
    return participantPort;
  }

  @Override
  public LedgerPort ledger() {
    return ledgerPort;
  }

  @Override
  public EventPort events() {
    return eventPort;
  }

  @Override
  public DeliveryPort deliveries() {
    return deliveryPort;
  }

  @Override
  public WebhookEndpointPort webhookEndpoints() {
    return webhookEndpointPort;
  }

  @Override
  public RewardPort rewards() {
    return rewardPort;
  }

  @Override
  public ActionPort actions() {
    return actionPort;
  }

  @Override
  public EarnedRewardPort earnedRewards() {
    return earnedRewardPort;
  }

  @Override
  public CouponPort coupons() {
    return couponPort;
  }

  @Override
  public CatalogPort catalog() {
    return catalogPort;
  }

  @Override
  public ReferralPort referrals() {
    return referralPort;
  }

  @Override
  public LeaderboardPort leaderboards() {
    return leaderboardPort;
  }

  @Override
  public NodePort nodes() {
    return nodePort;
  }

  @Override
  public TestimonialPort testimonials() {
    return testimonialPort;
  }

  @Override
  public QuestPort quests() {
    return questPort;
  }

  @Override
  public FeedbackPort feedback() {
    return feedbackPort;
  }

  @Override
  public CustomerMappingPort customerMappings() {
    return customerMappingPort;
  }

  @Override
  public SsoSecretPort ssoSecrets() {
    return ssoSecretPort;
  }

  @Override
  public ApiKeyPort apiKeys() {
    return apiKeyPort;
  }

  /**
   * Marks the undo log; if {@code work} throws, replays the log back to the mark and clears an abort that happened
   * inside, as a rollback to a savepoint does.
   */
  @Override
  public <T> T nested(TransactionWork<T> work) {
    call(() -> null);
    int mark = undo.size();
    RuntimeException abortedBefore = aborted;
    try {
      return work.run(this);
    } catch (RuntimeException | Error failure) {
      while (undo.size() > mark) {
        undo.pop().run();
      }
      aborted = abortedBefore;
      throw failure;
    }
  }

  /** The failure that aborted this transaction, or null. */
  RuntimeException aborted() {
    return aborted;
  }

  void commit() {
    open = false;
    undo.clear();
  }

  void rollback() {
    open = false;
    while (!undo.isEmpty()) {
      undo.pop().run();
    }
  }

  /** Runs one port call: checks the caller may use the transaction, and aborts it if the call fails. */
  private <T> T call(Supplier<T> body) {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("a transaction's ports may be used only on the thread running its unit of work");
    }
    if (!open) {
      throw new IllegalStateException("the transaction is over; ports are valid only while the unit of work runs");
    }
    if (aborted != null) {
      throw new StorageException("the transaction was aborted by an earlier failure; propagate it so the "
          + "transaction rolls back", aborted);
    }
    try {
      return body.get();
    } catch (RuntimeException failure) {
      aborted = failure;
      throw failure;
    }
  }

  private void run(Runnable body) {
    call(() -> {
      body.run();
      return null;
    });
  }

  private <K, V> void put(Map<K, V> map, K key, V value) {
    V previous = map.put(key, value);
    undo.push(previous == null ? () -> map.remove(key) : () -> map.put(key, previous));
  }

  private <K, V> void remove(Map<K, V> map, K key) {
    if (map.containsKey(key)) {
      V previous = map.remove(key);
      undo.push(() -> map.put(key, previous));
    }
  }

  private static StorageException constraint(String message) {
    return new StorageException(message, null);
  }

  /** A NOT NULL column: a null value is refused as the database would refuse it. */
  private static <T> T notNull(T value, String column) {
    if (value == null) {
      throw constraint("not-null constraint violated: " + column);
    }
    return value;
  }

  private static int checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative but was " + limit);
    }
    return limit;
  }

  private static long checkOffset(long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative but was " + offset);
    }
    return offset;
  }

  private static <T> Optional<T> ofTenant(T row, long tenantId, ToLongFunction<T> tenantOf) {
    return row != null && tenantOf.applyAsLong(row) == tenantId ? Optional.of(row) : Optional.empty();
  }

  private final class Tenants implements TenantPort {
    @Override
    public void insert(Tenant tenant) {
      Objects.requireNonNull(tenant, "tenant");
      run(() -> {
        if (t.tenants.containsKey(tenant.id())) {
          throw constraint("duplicate primary key: tenant");
        }
        put(t.tenants, tenant.id(), tenant);
      });
    }

    @Override
    public Optional<Tenant> find(long tenantId) {
      return call(() -> Optional.ofNullable(t.tenants.get(tenantId)));
    }

    @Override
    public Optional<Tenant> lock(long tenantId) {
      // The database lock is held for the whole unit of work: the row is locked already.
      return find(tenantId);
    }

    @Override
    public boolean updatePlan(long tenantId, String plan) {
      return call(() -> {
        Tenant old = t.tenants.get(tenantId);
        if (old == null) {
          return false;
        }
        put(t.tenants, tenantId, new Tenant(old.id(), old.name(), old.type(), old.createdAt(), plan));
        return true;
      });
    }
  }

  private final class ApiKeys implements ApiKeyPort {
    @Override
    public void insert(ApiKeyRecord key) {
      Objects.requireNonNull(key, "key");
      run(() -> {
        IdPair id = new IdPair(key.tenantId(), key.keyId());
        if (t.apiKeys.containsKey(id)) {
          throw constraint("duplicate primary key: api key");
        }
        notNull(key.name(), "api key name");
        notNull(key.hint(), "api key hint");
        notNull(key.secretHash(), "api key secret_hash");
        notNull(key.createdAt(), "api key created_at");
        if (key.scopes().isEmpty()) {
          throw constraint("check constraint violated: api key scopes");
        }
        put(t.apiKeys, id, key);
      });
    }

    @Override
    public Optional<ApiKeyRecord> find(long tenantId, long keyId) {
      return call(() -> Optional.ofNullable(t.apiKeys.get(new IdPair(tenantId, keyId))));
    }

    @Override
    public List<ApiKeyRecord> list(long tenantId) {
      return call(() -> children(t.apiKeys, tenantId)
          .sorted(Comparator.comparing(ApiKeyRecord::createdAt).thenComparingLong(ApiKeyRecord::keyId).reversed())
          .toList());
    }

    @Override
    public int countLive(long tenantId) {
      return call(() -> (int) children(t.apiKeys, tenantId).filter(k -> k.revokedAt() == null).count());
    }

    @Override
    public boolean revoke(long tenantId, long keyId, Instant at) {
      Objects.requireNonNull(at, "at");
      return call(() -> {
        IdPair id = new IdPair(tenantId, keyId);
        ApiKeyRecord k = t.apiKeys.get(id);
        if (k == null || k.revokedAt() != null) {
          return false;
        }
        put(t.apiKeys, id, new ApiKeyRecord(k.tenantId(), k.keyId(), k.name(), k.scopes(), k.hint(),
            k.secretHash(), k.createdAt(), at));
        return true;
      });
    }

    @Override
    public boolean delete(long tenantId, long keyId) {
      return call(() -> {
        IdPair id = new IdPair(tenantId, keyId);
        if (!t.apiKeys.containsKey(id)) {
          return false;
        }
        remove(t.apiKeys, id);
        return true;
      });
    }

    @Override
    public RateBucket leaseTokens(long tenantId, int limit, long periodMicros, int batch, long nowMicros) {
      if (batch < 1) {
        throw new IllegalArgumentException("batch must be at least 1 but was " + batch);
      }
      return call(() -> {
        InMemoryTables.RateKey id = new InMemoryTables.RateKey(tenantId, limit, periodMicros);
        RateBucket stored = t.rateBuckets.get(id);
        RateBucket leased = (stored == null ? RateBucket.full(nowMicros) : stored)
            .lease(limit, periodMicros, batch, nowMicros);
        put(t.rateBuckets, id, leased);
        return leased;
      });
    }
  }

  private final class Brands implements BrandPort {
    @Override
    public void insert(Brand brand) {
      Objects.requireNonNull(brand, "brand");
      run(() -> {
        if (t.brands.containsKey(brand.id())) {
          throw constraint("duplicate primary key: brand");
        }
        if (!t.tenants.containsKey(brand.tenantId())) {
          throw constraint("foreign key violated: brand of a tenant that does not exist");
        }
        ScopedText domain = brand.domain() == null ? null : new ScopedText(brand.tenantId(), brand.domain());
        if (domain != null && t.brandDomains.containsKey(domain)) {
          throw new UniqueViolationException(UniqueKey.BRAND_DOMAIN, null);
        }
        put(t.brands, brand.id(), brand);
        put(t.brandsByTenant, new IdPair(brand.tenantId(), brand.id()), brand);
        if (domain != null) {
          put(t.brandDomains, domain, brand.id());
        }
      });
    }

    @Override
    public Optional<Brand> find(long tenantId, long brandId) {
      return call(() -> ofTenant(t.brands.get(brandId), tenantId, Brand::tenantId));
    }

    @Override
    public Optional<Brand> update(long tenantId, long brandId, String name, String domain) {
      return call(() -> {
        notNull(name, "brand name");
        notNull(domain, "brand domain");
        Brand b = ofTenant(t.brands.get(brandId), tenantId, Brand::tenantId).orElse(null);
        if (b == null) {
          return Optional.empty();
        }
        ScopedText key = new ScopedText(tenantId, domain);
        Long holder = t.brandDomains.get(key);
        if (holder != null && holder != brandId) {
          throw new UniqueViolationException(UniqueKey.BRAND_DOMAIN, null);
        }
        Brand updated = new Brand(b.id(), b.tenantId(), name, domain, b.createdAt());
        put(t.brands, b.id(), updated);
        put(t.brandsByTenant, new IdPair(b.tenantId(), b.id()), updated);
        if (!domain.equals(b.domain())) {
          remove(t.brandDomains, new ScopedText(tenantId, b.domain()));
          put(t.brandDomains, key, b.id());
        }
        return Optional.of(updated);
      });
    }

    @Override
    public List<Brand> list(long tenantId) {
      return call(() -> List.copyOf(children(t.brandsByTenant, tenantId).toList()));
    }
  }

  private final class Campaigns implements CampaignPort {
    @Override
    public void insert(Campaign campaign) {
      Objects.requireNonNull(campaign, "campaign");
      run(() -> {
        if (t.campaigns.containsKey(campaign.id())) {
          throw constraint("duplicate primary key: campaign");
        }
        Brand brand = t.brands.get(campaign.brandId());
        if (brand == null || brand.tenantId() != campaign.tenantId()) {
          throw constraint("foreign key violated: campaign of a brand that is not in its tenant");
        }
        put(t.campaigns, campaign.id(), campaign);
        put(t.campaignsByBrand, new IdPair(campaign.brandId(), campaign.id()), campaign);
      });
    }

    @Override
    public Optional<Campaign> find(long tenantId, long campaignId) {
      return call(() -> ofTenant(t.campaigns.get(campaignId), tenantId, Campaign::tenantId));
    }

    @Override
    public List<Campaign> listByBrand(long tenantId, long brandId) {
      return call(() -> List.copyOf(children(t.campaignsByBrand, brandId)
          .filter(c -> c.tenantId() == tenantId)
          .toList()));
    }

    @Override
    public Optional<Campaign> update(long tenantId, long campaignId, CampaignUpdate update) {
      Objects.requireNonNull(update, "update");
      return call(() -> {
        notNull(update.name(), "campaign name");
        notNull(update.visibility(), "campaign visibility");
        Campaign c = ofTenant(t.campaigns.get(campaignId), tenantId, Campaign::tenantId).orElse(null);
        if (c == null) {
          return Optional.empty();
        }
        Campaign updated = new Campaign(c.id(), c.tenantId(), c.brandId(), update.name(), c.status(),
            update.visibility(), c.timeZone(), c.createdAt());
        put(t.campaigns, c.id(), updated);
        put(t.campaignsByBrand, new IdPair(c.brandId(), c.id()), updated);
        return Optional.of(updated);
      });
    }

    @Override
    public void lock(long tenantId, long campaignId) {
      // The database lock is held for the whole unit of work: the campaign is locked already.
      call(() -> null);
    }

    @Override
    public boolean updateStatus(long tenantId, long campaignId, CampaignStatus expected, CampaignStatus next) {
      Objects.requireNonNull(next, "next");
      return call(() -> {
        Campaign c = t.campaigns.get(campaignId);
        if (c == null || c.tenantId() != tenantId || c.status() != expected) {
          return false;
        }
        Campaign changed = new Campaign(c.id(), c.tenantId(), c.brandId(), c.name(), next, c.visibility(),
            c.timeZone(), c.createdAt());
        put(t.campaigns, c.id(), changed);
        put(t.campaignsByBrand, new IdPair(c.brandId(), c.id()), changed);
        return true;
      });
    }
  }

  private final class Participants implements ParticipantPort {
    @Override
    public void insert(Participant p) {
      Objects.requireNonNull(p, "participant");
      run(() -> {
        if (t.participants.containsKey(p.id())) {
          throw constraint("duplicate primary key: participant");
        }
        Campaign campaign = t.campaigns.get(p.campaignId());
        if (campaign == null || campaign.tenantId() != p.tenantId()) {
          throw constraint("foreign key violated: participant of a campaign that is not in its tenant");
        }
        ScopedText email = emailKey(p);
        if (email != null && t.participantEmails.containsKey(email)) {
          throw new UniqueViolationException(UniqueKey.PARTICIPANT_EMAIL, null);
        }
        write(p);
        if (email != null) {
          put(t.participantEmails, email, p.id());
        }
      });
    }

    @Override
    public Optional<Participant> find(long tenantId, long participantId) {
      return call(() -> ofTenant(t.participants.get(participantId), tenantId, Participant::tenantId));
    }

    @Override
    public Optional<Participant> findByEmail(long tenantId, long campaignId, String sanitizedEmail) {
      return call(() -> {
        if (sanitizedEmail == null) {
          return Optional.empty();
        }
        Long id = t.participantEmails.get(new ScopedText(campaignId, sanitizedEmail));
        return id == null ? Optional.empty() : ofTenant(t.participants.get(id), tenantId, Participant::tenantId);
      });
    }

    @Override
    public Optional<Participant> lock(long tenantId, long participantId) {
      // The database lock is already held for the whole unit of work, which is stronger than a row lock.
      return find(tenantId, participantId);
    }

    @Override
    public LockAttempt tryLock(long tenantId, long participantId) {
      // No other unit of work runs while this one holds the database lock, so no row is held elsewhere.
      return find(tenantId, participantId).isPresent() ? LockAttempt.LOCKED : LockAttempt.ABSENT;
    }

    @Override
    public List<LockedParticipant> lockAll(long tenantId, Collection<Long> participantIds) {
      return call(() -> {
        List<LockedParticipant> locked = new ArrayList<>();
        for (long id : new TreeSet<>(participantIds)) {
          Participant p = t.participants.get(id);
          if (p != null && p.tenantId() == tenantId) {
            locked.add(new LockedParticipant(p, t.eventSequences.getOrDefault(new IdPair(tenantId, id), 0L)));
          }
        }
        return locked;
      });
    }

    @Override
    public void updateProfile(Participant p) {
      Objects.requireNonNull(p, "participant");
      run(() -> {
        Participant old = t.participants.get(p.id());
        if (old == null || old.tenantId() != p.tenantId()) {
          return; // as an UPDATE ... WHERE tenant_id = ? AND id = ? that matches no row
        }
        ScopedText oldEmail = emailKey(old);
        ScopedText newEmail = p.sanitizedEmail() == null ? null : new ScopedText(old.campaignId(), p.sanitizedEmail());
        if (newEmail != null && !newEmail.equals(oldEmail)) {
          Long holder = t.participantEmails.get(newEmail);
          if (holder != null && holder != old.id()) {
            throw new UniqueViolationException(UniqueKey.PARTICIPANT_EMAIL, null);
          }
        }
        // Profile fields only: campaign, balance, lifetime points and creation time stay as stored.
        write(new Participant(old.id(), old.tenantId(), old.campaignId(), p.email(), p.sanitizedEmail(),
            p.firstName(), p.lastName(), p.ipAddress(), p.tier(), p.metadata(), old.pointsBalance(),
            old.lifetimePoints(), old.createdAt(), p.updatedAt(), old.riskLevel(), old.riskReason()));
        if (!Objects.equals(oldEmail, newEmail)) {
          if (oldEmail != null) {
            remove(t.participantEmails, oldEmail);
          }
          if (newEmail != null) {
            put(t.participantEmails, newEmail, old.id());
          }
        }
      });
    }

    @Override
    public boolean delete(long tenantId, long participantId) {
      return call(() -> {
        Participant p = t.participants.get(participantId);
        if (p == null || p.tenantId() != tenantId) {
          return false;
        }
        remove(t.participants, p.id());
        remove(t.participantsByCampaign, new IdPair(p.campaignId(), p.id()));
        // The event counter is a column of the participant's row: it goes with it.
        remove(t.eventSequences, new IdPair(p.tenantId(), p.id()));
        ScopedText email = emailKey(p);
        if (email != null) {
          remove(t.participantEmails, email);
        }
        return true;
      });
    }

    @Override
    public List<Participant> list(long tenantId, long campaignId, String search, String tier, Long afterId,
        int limit) {
      return call(() -> List.copyOf(matching(tenantId, campaignId, search, tier)
          .filter(p -> afterId == null || p.id() > afterId)
          .limit(checkLimit(limit))
          .toList()));
    }

    @Override
    public List<Participant> page(long tenantId, long campaignId, String search, String tier, long offset,
        int limit) {
      return call(() -> List.copyOf(matching(tenantId, campaignId, search, tier)
          .skip(checkOffset(offset))
          .limit(checkLimit(limit))
          .toList()));
    }

    @Override
    public long count(long tenantId, long campaignId, String search, String tier) {
      return call(() -> matching(tenantId, campaignId, search, tier).count());
    }

    @Override
    public boolean setRisk(long tenantId, long participantId, RiskLevel level, String reason) {
      return call(() -> {
        Participant p = t.participants.get(participantId);
        if (p == null || p.tenantId() != tenantId) {
          return false;
        }
        write(new Participant(p.id(), p.tenantId(), p.campaignId(), p.email(), p.sanitizedEmail(), p.firstName(),
            p.lastName(), p.ipAddress(), p.tier(), p.metadata(), p.pointsBalance(), p.lifetimePoints(),
            p.createdAt(), p.updatedAt(), level, reason));
        return true;
      });
    }

    /** The ParticipantPort search rule: a plain substring of the search text (no wildcards), and an exact tier. */
    private Stream<Participant> matching(long tenantId, long campaignId, String search, String tier) {
      return children(t.participantsByCampaign, campaignId)
          .filter(p -> p.tenantId() == tenantId)
          .filter(p -> search == null || ParticipantSearch.searchText(p).contains(search))
          .filter(p -> tier == null || tier.equals(p.tier()));
    }
  }

  private final class Ledger implements LedgerPort {
    @Override
    public Optional<LockedParticipant> credit(long tenantId, long participantId, long amount) {
      return call(() -> {
        checkAmount(amount);
        Participant p = t.participants.get(participantId);
        if (p == null || p.tenantId() != tenantId
            || p.pointsBalance() > Long.MAX_VALUE - amount || p.lifetimePoints() > Long.MAX_VALUE - amount) {
          return Optional.empty();
        }
        return Optional.of(setPoints(p, p.pointsBalance() + amount, p.lifetimePoints() + amount, 1));
      });
    }

    @Override
    public Optional<LockedParticipant> debit(long tenantId, long participantId, long amount) {
      return call(() -> {
        checkAmount(amount);
        Participant p = t.participants.get(participantId);
        if (p == null || p.tenantId() != tenantId || p.pointsBalance() < amount) {
          return Optional.empty();
        }
        return Optional.of(setPoints(p, p.pointsBalance() - amount, p.lifetimePoints(), 1));
      });
    }

    @Override
    public void append(LedgerEntry entry) {
      Objects.requireNonNull(entry, "entry");
      run(() -> {
        if (t.entries.containsKey(entry.id())) {
          throw constraint("duplicate primary key: ledger entry");
        }
        Participant p = t.participants.get(entry.participantId());
        if (p == null || p.tenantId() != entry.tenantId()) {
          throw constraint("foreign key violated: ledger entry of a participant that is not in its tenant");
        }
        ScopedText key = entry.idempotencyKey() == null
            ? null : new ScopedText(entry.tenantId(), entry.idempotencyKey());
        if (key != null && t.idempotencyKeys.containsKey(key)) {
          throw new UniqueViolationException(UniqueKey.LEDGER_IDEMPOTENCY_KEY, null);
        }
        put(t.entries, entry.id(), entry);
        put(t.entriesByParticipant, new IdPair(entry.participantId(), entry.id()), entry);
        if (key != null) {
          put(t.idempotencyKeys, key, entry);
        }
      });
    }

    @Override
    public Optional<LedgerEntry> findByIdempotencyKey(long tenantId, String idempotencyKey) {
      return call(() -> idempotencyKey == null
          ? Optional.empty()
          : Optional.ofNullable(t.idempotencyKeys.get(new ScopedText(tenantId, idempotencyKey))));
    }

    @Override
    public List<LedgerEntry> history(long tenantId, long participantId, Long beforeId, int limit) {
      return call(() -> {
        long upper = beforeId == null ? Long.MAX_VALUE : beforeId;
        boolean inclusive = beforeId == null;
        return List.copyOf(t.entriesByParticipant
            .subMap(new IdPair(participantId, Long.MIN_VALUE), true, new IdPair(participantId, upper), inclusive)
            .descendingMap()
            .values()
            .stream()
            .filter(e -> e.tenantId() == tenantId)
            .limit(checkLimit(limit))
            .toList());
      });
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        List<LedgerEntry> doomed = new ArrayList<>(children(t.entriesByParticipant, participantId)
            .filter(e -> e.tenantId() == tenantId)
            .toList());
        for (LedgerEntry e : doomed) {
          remove(t.entries, e.id());
          remove(t.entriesByParticipant, new IdPair(e.participantId(), e.id()));
          if (e.idempotencyKey() != null) {
            remove(t.idempotencyKeys, new ScopedText(e.tenantId(), e.idempotencyKey()));
          }
        }
      });
    }

    private void checkAmount(long amount) {
      if (amount <= 0) {
        // The engine validates amounts before they reach the store; a non-positive one here is an engine bug.
        throw new IllegalArgumentException("amount must be positive but was " + amount);
      }
    }

    /** Sets the totals and advances the event sequence by {@code events}, as the database's one update does. */
    private LockedParticipant setPoints(Participant p, long balance, long lifetime, long events) {
      IdPair key = new IdPair(p.tenantId(), p.id());
      long sequence = t.eventSequences.getOrDefault(key, 0L);
      LockedParticipant changed = new LockedParticipant(p, sequence).withTotals(balance, lifetime, sequence + events);
      write(changed.participant());
      put(t.eventSequences, key, changed.eventSequence());
      return changed;
    }

    @Override
    public void adjustAll(List<BalanceAdjustment> adjustments) {
      run(() -> {
        for (BalanceAdjustment a : adjustments) {
          Participant p = t.participants.get(a.participantId());
          if (p == null || p.tenantId() != a.tenantId() || p.pointsBalance() + a.balanceDelta() < 0) {
            throw new IllegalStateException("the adjusted participant is missing or its balance would go below zero");
          }
          setPoints(p, p.pointsBalance() + a.balanceDelta(), p.lifetimePoints() + a.lifetimeDelta(), a.events());
        }
      });
    }
  }

  private final class Events implements EventPort {
    /** The order pruning walks events in. */
    private static final Comparator<PruneCursor> WALK_ORDER = Comparator.comparing(PruneCursor::positionedAt)
        .thenComparingLong(PruneCursor::tenantId).thenComparingLong(PruneCursor::eventId);

    @Override
    public long nextSequence(long tenantId, long participantId) {
      return next(tenantId, participantId, null);
    }

    @Override
    public long nextSequenceInCampaign(long tenantId, long participantId, long campaignId) {
      return next(tenantId, participantId, campaignId);
    }

    /** The participant's next event number, if it exists (in {@code campaignId}, unless null). */
    private long next(long tenantId, long participantId, Long campaignId) {
      return call(() -> {
        Participant p = t.participants.get(participantId);
        if (p == null || p.tenantId() != tenantId || (campaignId != null && p.campaignId() != campaignId)) {
          return 0L; // as an UPDATE ... RETURNING that matches no row
        }
        IdPair key = new IdPair(tenantId, participantId);
        long next = t.eventSequences.getOrDefault(key, 0L) + 1;
        put(t.eventSequences, key, next);
        return next;
      });
    }

    @Override
    public void append(EventRecord e) {
      Objects.requireNonNull(e, "event");
      Objects.requireNonNull(e.type(), "type");
      run(() -> {
        IdPair key = new IdPair(e.tenantId(), e.eventId());
        if (t.events.containsKey(key)) {
          throw constraint("duplicate primary key: event");
        }
        notNull(e.occurredAt(), "event occurred_at");
        notNull(e.payload(), "event payload");
        if (e.position() < 0) {
          throw constraint("check constraint violated: event position");
        }
        put(t.events, key, e);
        if (e.position() == 0) {
          put(t.unpositionedEvents, key, e);
        }
      });
    }

    @Override
    public List<Long> tenantsWithUnpositionedEvents(long afterTenantId, int limit) {
      return call(() -> {
        checkLimit(limit);
        List<Long> tenants = new ArrayList<>();
        IdPair next = t.unpositionedEvents.higherKey(new IdPair(afterTenantId, Long.MAX_VALUE));
        while (next != null && tenants.size() < limit) {
          tenants.add(next.parent());
          next = t.unpositionedEvents.higherKey(new IdPair(next.parent(), Long.MAX_VALUE));
        }
        return List.copyOf(tenants);
      });
    }

    @Override
    public long lockFeed(long tenantId) {
      // The database lock is held for the whole unit of work: the feed is locked already.
      return call(() -> {
        Long last = t.feeds.get(tenantId);
        if (last == null) {
          put(t.feeds, tenantId, 0L);
          return 0L;
        }
        return last;
      });
    }

    @Override
    public List<EventRecord> unpositioned(long tenantId, int limit) {
      return call(() -> List.copyOf(children(t.unpositionedEvents, tenantId).limit(checkLimit(limit)).toList()));
    }

    @Override
    public void position(long tenantId, long eventId, long position, Instant positionedAt) {
      Objects.requireNonNull(positionedAt, "positionedAt");
      run(() -> {
        IdPair key = new IdPair(tenantId, eventId);
        EventRecord e = t.events.get(key);
        if (e == null) {
          return;
        }
        if (position < 0) {
          throw constraint("check constraint violated: event position");
        }
        EventRecord positioned = e.withPosition(position);
        put(t.events, key, positioned);
        if (position == 0) {
          put(t.unpositionedEvents, key, positioned);
          remove(t.positionedAt, key);
        } else {
          remove(t.unpositionedEvents, key);
          put(t.positionedAt, key, positionedAt);
        }
      });
    }

    @Override
    public void advanceFeed(long tenantId, long lastPosition) {
      run(() -> {
        if (t.feeds.containsKey(tenantId)) {
          put(t.feeds, tenantId, lastPosition);
        }
      });
    }

    @Override
    public long lastPosition(long tenantId) {
      return call(() -> t.feeds.getOrDefault(tenantId, 0L));
    }

    @Override
    public List<EventRecord> feed(long tenantId, long afterPosition, Set<EventType> types, Long campaignId,
        int limit) {
      Objects.requireNonNull(types, "types");
      long after = Math.max(afterPosition, 0);
      return call(() -> List.copyOf(children(t.events, tenantId)
          .filter(e -> e.position() > after)
          .filter(e -> types.isEmpty() || types.contains(e.type()))
          .filter(e -> campaignId == null || campaignId.equals(e.campaignId()))
          .sorted(Comparator.comparingLong(EventRecord::position))
          .limit(checkLimit(limit))
          .toList()));
    }

    @Override
    public Optional<EventRecord> find(long tenantId, long eventId) {
      return call(() -> Optional.ofNullable(t.events.get(new IdPair(tenantId, eventId))));
    }

    @Override
    public PruneStep prune(Instant before, PruneCursor after, int limit) {
      Objects.requireNonNull(before, "before");
      return call(() -> {
        // By when each was positioned, not when it occurred: an event positioned late stays its retention.
        List<PruneCursor> examined = t.events.values().stream()
            .filter(e -> e.position() > 0 && positionedAt(e).isBefore(before))
            .map(e -> new PruneCursor(positionedAt(e), e.tenantId(), e.eventId()))
            .filter(e -> after == null || WALK_ORDER.compare(e, after) > 0)
            .sorted(WALK_ORDER)
            .limit(checkLimit(limit))
            .toList();
        int deleted = 0;
        for (PruneCursor e : examined) {
          if (deliveriesOf(e.tenantId(), e.eventId()).allMatch(d -> d.status() == DeliveryStatus.DELIVERED)) {
            for (DeliveryRecord d : deliveriesOf(e.tenantId(), e.eventId()).toList()) {
              writeDelivery(d, null);
            }
            remove(t.events, new IdPair(e.tenantId(), e.eventId()));
            remove(t.positionedAt, new IdPair(e.tenantId(), e.eventId()));
            deleted++;
          }
        }
        return new PruneStep(examined.size(), deleted, examined.isEmpty() ? null : examined.get(examined.size() - 1));
      });
    }

    private Instant positionedAt(EventRecord e) {
      return t.positionedAt.get(new IdPair(e.tenantId(), e.eventId()));
    }
  }

  /** The deliveries of one event, in subscriber order. */
  private Stream<DeliveryRecord> deliveriesOf(long tenantId, long eventId) {
    return t.deliveries.tailMap(new DeliveryKey(tenantId, eventId, ""), true).values().stream()
        .takeWhile(d -> d.tenantId() == tenantId && d.eventId() == eventId);
  }

  /**
   * Replaces delivery {@code old} (null: none) by {@code next} (null: deleted), keeping the PENDING indexes in step;
   * every change goes through the undo log.
   */
  private void writeDelivery(DeliveryRecord old, DeliveryRecord next) {
    if (old != null) {
      if (old.status() == DeliveryStatus.PENDING) {
        remove(t.pendingInClaimOrder, ClaimOrder.of(old));
        ParticipantOrder order = ParticipantOrder.of(old);
        if (order != null) {
          remove(t.pendingByParticipant, order);
        }
      }
      if (next == null) {
        remove(t.deliveries, DeliveryKey.of(old));
      }
    }
    if (next != null) {
      put(t.deliveries, DeliveryKey.of(next), next);
      if (next.status() == DeliveryStatus.PENDING) {
        put(t.pendingInClaimOrder, ClaimOrder.of(next), next);
        ParticipantOrder order = ParticipantOrder.of(next);
        if (order != null) {
          put(t.pendingByParticipant, order, next);
        }
      }
    }
  }

  private static DeliveryRecord changed(DeliveryRecord d, DeliveryStatus status, int attempts, Instant nextAttemptAt,
      String leaseOwner, Instant leaseUntil, String lastError, Instant updatedAt) {
    return new DeliveryRecord(d.tenantId(), d.eventId(), d.subscriber(), d.participantId(), d.sequence(),
        d.position(), status, attempts, nextAttemptAt, leaseOwner, leaseUntil, lastError, updatedAt);
  }

  private static int checkAttempts(int attempts) {
    if (attempts < 0) {
      throw constraint("check constraint violated: delivery attempts");
    }
    return attempts;
  }

  private final class Deliveries implements DeliveryPort {
    @Override
    public void create(DeliveryRecord d) {
      Objects.requireNonNull(d, "delivery");
      Objects.requireNonNull(d.subscriber(), "subscriber");
      Objects.requireNonNull(d.status(), "status");
      run(() -> {
        if (t.deliveries.containsKey(DeliveryKey.of(d))) {
          return; // as INSERT ... ON CONFLICT DO NOTHING
        }
        if (!t.events.containsKey(new IdPair(d.tenantId(), d.eventId()))) {
          throw constraint("foreign key violated: delivery of an event that does not exist in its tenant");
        }
        notNull(d.nextAttemptAt(), "delivery next_attempt_at");
        notNull(d.updatedAt(), "delivery updated_at");
        checkAttempts(d.attempts());
        writeDelivery(null, d);
      });
    }

    @Override
    public List<ClaimedDelivery> claim(Set<String> listeners, boolean webhooks, Set<String> skipped, Instant now,
        String owner, Instant leaseUntil, int limit) {
      Objects.requireNonNull(listeners, "listeners");
      Objects.requireNonNull(skipped, "skipped");
      DeliveryPort.checkSkipped(skipped);
      Objects.requireNonNull(now, "now");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(leaseUntil, "leaseUntil");
      return call(() -> {
        checkLimit(limit);
        // Holding the database lock, nothing else is leased meanwhile: SKIP LOCKED has nothing to skip.
        // Turn by turn (the k-th claimable delivery of each tenant and subscriber, oldest event first, in turn k),
        // then in claim order within a turn; a turn past the limit is never reached. A skipped subscriber's
        // deliveries are passed by before they take a turn, as the SQL stores filter them before they rank.
        Map<DeliveryOrderKey, Integer> turnOf = new HashMap<>();
        List<List<DeliveryRecord>> turns = new ArrayList<>();
        for (DeliveryRecord d : t.pendingInClaimOrder.values()) {
          if (skipped.contains(d.subscriber()) || !claimable(d, listeners, webhooks, now)) {
            continue;
          }
          int turn = turnOf.merge(new DeliveryOrderKey(d.tenantId(), d.subscriber()), 1, Integer::sum);
          if (turn > limit) {
            continue;
          }
          if (turns.size() < turn) {
            turns.add(new ArrayList<>());
          }
          turns.get(turn - 1).add(d);
        }
        List<DeliveryRecord> chosen = new ArrayList<>();
        for (List<DeliveryRecord> turn : turns) {
          for (DeliveryRecord d : turn) {
            if (chosen.size() < limit) {
              chosen.add(d);
            }
          }
        }
        List<ClaimedDelivery> claimed = new ArrayList<>(chosen.size());
        for (DeliveryRecord d : chosen) {
          DeliveryRecord leased = changed(d, d.status(), d.attempts(), d.nextAttemptAt(), owner, leaseUntil,
              d.lastError(), now);
          writeDelivery(d, leased);
          claimed.add(new ClaimedDelivery(leased, eventOf(leased)));
        }
        return List.copyOf(claimed);
      });
    }

    /** A tenant's subscriber, whose claimable deliveries take turns with the other subscribers'. */
    private record DeliveryOrderKey(long tenantId, String subscriber) {
    }

    /** The DeliveryPort rule; {@code d} is PENDING (it comes from the PENDING index). */
    private boolean claimable(DeliveryRecord d, Set<String> listeners, boolean webhooks, Instant now) {
      if (d.nextAttemptAt().isAfter(now) || d.leaseUntil() != null && d.leaseUntil().isAfter(now)) {
        return false;
      }
      if (!listeners.contains(d.subscriber()) && !(webhooks && d.subscriber().startsWith("webhook:"))) {
        return false;
      }
      ParticipantOrder order = ParticipantOrder.of(d);
      if (order == null) {
        return true;
      }
      // An earlier event of the participant that is not positioned yet (ids out of order across instances).
      for (EventRecord e : t.unpositionedEvents.subMap(new IdPair(d.tenantId(), Long.MIN_VALUE), true,
          new IdPair(d.tenantId(), Long.MAX_VALUE), true).values()) {
        if (d.participantId().equals(e.participantId()) && e.sequence() < d.sequence()) {
          return false;
        }
      }
      // None of the participant's PENDING deliveries to the subscriber with a lower sequence, nor one leased (a
      // later one an instance holds while this one, replayed, is PENDING again).
      for (Map.Entry<ParticipantOrder, DeliveryRecord> e : t.pendingByParticipant.tailMap(
          ParticipantOrder.first(d.tenantId(), d.subscriber(), d.participantId()), true).entrySet()) {
        if (!e.getKey().sameParticipant(order)) {
          break;
        }
        DeliveryRecord other = e.getValue();
        if (e.getKey().sequence() < d.sequence()
            || other.leaseUntil() != null && other.leaseUntil().isAfter(now)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void delivered(long tenantId, long eventId, String subscriber, Instant now) {
      Objects.requireNonNull(subscriber, "subscriber");
      Objects.requireNonNull(now, "now");
      run(() -> {
        DeliveryRecord d = t.deliveries.get(new DeliveryKey(tenantId, eventId, subscriber));
        if (d != null) {
          writeDelivery(d, changed(d, DeliveryStatus.DELIVERED, d.attempts(), d.nextAttemptAt(), null, null,
              d.lastError(), now));
        }
      });
    }

    @Override
    public boolean reschedule(long tenantId, long eventId, String subscriber, String owner, int attempts,
        Instant nextAttemptAt, String lastError, Instant now) {
      Objects.requireNonNull(subscriber, "subscriber");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
      Objects.requireNonNull(now, "now");
      return call(() -> {
        DeliveryRecord d = t.deliveries.get(new DeliveryKey(tenantId, eventId, subscriber));
        if (d == null || d.status() != DeliveryStatus.PENDING || !owner.equals(d.leaseOwner())) {
          return false;
        }
        writeDelivery(d, changed(d, DeliveryStatus.PENDING, checkAttempts(attempts), nextAttemptAt, null, null,
            lastError, now));
        return true;
      });
    }

    @Override
    public boolean park(long tenantId, long eventId, String subscriber, String owner, int attempts,
        String lastError, Instant now) {
      Objects.requireNonNull(subscriber, "subscriber");
      Objects.requireNonNull(now, "now");
      return call(() -> {
        DeliveryRecord d = t.deliveries.get(new DeliveryKey(tenantId, eventId, subscriber));
        if (d == null || d.status() != DeliveryStatus.PENDING || owner != null && !owner.equals(d.leaseOwner())) {
          return false;
        }
        writeDelivery(d, changed(d, DeliveryStatus.PARKED, checkAttempts(attempts), d.nextAttemptAt(), null, null,
            lastError, now));
        return true;
      });
    }

    @Override
    public int parkOverdueWebhooks(Instant dueBefore, String lastError, Instant now, int limit) {
      Objects.requireNonNull(dueBefore, "dueBefore");
      Objects.requireNonNull(now, "now");
      return call(() -> {
        checkLimit(limit);
        // Holding the database lock, no claim is in progress: the lease alone says what a live round holds.
        // The evidence of an endpoint's failure: per tenant and webhook subscriber, when a delivery was last
        // DELIVERED and last PARKED (updatedAt is when it became so); the latest of each answers "since it was due".
        Map<List<Object>, Instant> lastDelivered = new HashMap<>();
        Map<List<Object>, Instant> lastParked = new HashMap<>();
        for (DeliveryRecord d : t.deliveries.values()) {
          if (d.subscriber().startsWith("webhook:") && d.status() != DeliveryStatus.PENDING) {
            (d.status() == DeliveryStatus.DELIVERED ? lastDelivered : lastParked)
                .merge(List.of(d.tenantId(), d.subscriber()), d.updatedAt(), (a, b) -> a.isAfter(b) ? a : b);
          }
        }
        List<DeliveryRecord> overdue = t.pendingInClaimOrder.values().stream()
            .filter(d -> d.subscriber().startsWith("webhook:") && d.nextAttemptAt().isBefore(dueBefore)
                && (d.leaseUntil() == null || !d.leaseUntil().isAfter(now)))
            .filter(d -> {
              List<Object> endpoint = List.of(d.tenantId(), d.subscriber());
              Instant delivered = lastDelivered.get(endpoint);
              Instant parked = lastParked.get(endpoint);
              return (delivered == null || delivered.isBefore(d.nextAttemptAt()))
                  && parked != null && !parked.isBefore(d.nextAttemptAt());
            })
            .sorted(Comparator.comparing(DeliveryRecord::nextAttemptAt))
            .limit(limit)
            .toList();
        for (DeliveryRecord d : overdue) {
          writeDelivery(d, changed(d, DeliveryStatus.PARKED, d.attempts(), d.nextAttemptAt(), null, null, lastError,
              now));
        }
        return overdue.size();
      });
    }

    @Override
    public List<ClaimedDelivery> parked(String subscriber, Long tenantId, Long afterEventId, int limit) {
      Objects.requireNonNull(subscriber, "subscriber");
      return call(() -> List.copyOf(t.deliveries.values().stream()
          .filter(d -> d.status() == DeliveryStatus.PARKED && d.subscriber().equals(subscriber))
          .filter(d -> tenantId == null || d.tenantId() == tenantId)
          .filter(d -> afterEventId == null || d.eventId() > afterEventId)
          .sorted(Comparator.comparingLong(DeliveryRecord::eventId).thenComparingLong(DeliveryRecord::tenantId))
          .limit(checkLimit(limit))
          .map(d -> new ClaimedDelivery(d, eventOf(d)))
          .toList()));
    }

    @Override
    public List<ClaimedDelivery> listForSubscriber(long tenantId, String subscriber, DeliveryStatus status,
        Long beforeEventId, int limit) {
      Objects.requireNonNull(subscriber, "subscriber");
      return call(() -> {
        checkLimit(limit);
        // The tenant's deliveries below the cursor (all of them without one), walked down by event id, the key's
        // second part; "" is the least subscriber.
        DeliveryKey from = new DeliveryKey(tenantId, Long.MIN_VALUE, "");
        NavigableMap<DeliveryKey, DeliveryRecord> range = beforeEventId != null
            ? t.deliveries.subMap(from, true, new DeliveryKey(tenantId, beforeEventId, ""), false)
            : tenantId == Long.MAX_VALUE ? t.deliveries.tailMap(from, true)
            : t.deliveries.subMap(from, true, new DeliveryKey(tenantId + 1, Long.MIN_VALUE, ""), false);
        return List.copyOf(range.descendingMap().values().stream()
            .filter(d -> d.subscriber().equals(subscriber) && (status == null || d.status() == status))
            .limit(limit)
            .map(d -> new ClaimedDelivery(d, eventOf(d)))
            .toList());
      });
    }

    @Override
    public boolean replay(long tenantId, long eventId, String subscriber, Instant now) {
      Objects.requireNonNull(subscriber, "subscriber");
      Objects.requireNonNull(now, "now");
      return call(() -> {
        DeliveryRecord d = t.deliveries.get(new DeliveryKey(tenantId, eventId, subscriber));
        if (d == null || d.status() != DeliveryStatus.PARKED) {
          return false;
        }
        writeDelivery(d, changed(d, DeliveryStatus.PENDING, 0, now, null, null, null, now));
        return true;
      });
    }

    @Override
    public void deleteAll(long tenantId, String subscriber) {
      Objects.requireNonNull(subscriber, "subscriber");
      run(() -> {
        List<DeliveryRecord> doomed = t.deliveries.values().stream()
            .filter(d -> d.tenantId() == tenantId && d.subscriber().equals(subscriber))
            .toList();
        for (DeliveryRecord d : doomed) {
          writeDelivery(d, null);
        }
      });
    }

    private EventRecord eventOf(DeliveryRecord d) {
      EventRecord e = t.events.get(new IdPair(d.tenantId(), d.eventId()));
      if (e == null) {
        // create() checks the event exists and prune() deletes deliveries with their event.
        throw new IllegalStateException("in-memory store bug: a delivery without its event");
      }
      return e;
    }
  }

  private final class WebhookEndpoints implements WebhookEndpointPort {
    @Override
    public void insert(WebhookEndpointRecord endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      run(() -> {
        IdPair key = new IdPair(endpoint.tenantId(), endpoint.endpointId());
        if (t.webhookEndpoints.containsKey(key)) {
          throw constraint("duplicate primary key: webhook endpoint");
        }
        checkColumns(endpoint);
        notNull(endpoint.createdAt(), "webhook endpoint created_at");
        put(t.webhookEndpoints, key, endpoint);
      });
    }

    @Override
    public Optional<WebhookEndpointRecord> find(long tenantId, long endpointId) {
      return call(() -> Optional.ofNullable(t.webhookEndpoints.get(new IdPair(tenantId, endpointId))));
    }

    @Override
    public Optional<WebhookEndpointRecord> lock(long tenantId, long endpointId) {
      // The database lock is held for the whole unit of work: the row is locked already.
      return find(tenantId, endpointId);
    }

    @Override
    public List<WebhookEndpointRecord> list(long tenantId) {
      return call(() -> List.copyOf(children(t.webhookEndpoints, tenantId).toList()));
    }

    @Override
    public List<WebhookEndpointRecord> listEnabled(long tenantId) {
      return call(() -> List.copyOf(children(t.webhookEndpoints, tenantId)
          .filter(WebhookEndpointRecord::enabled)
          .toList()));
    }

    @Override
    public boolean update(WebhookEndpointRecord e) {
      Objects.requireNonNull(e, "endpoint");
      return call(() -> {
        IdPair key = new IdPair(e.tenantId(), e.endpointId());
        WebhookEndpointRecord old = t.webhookEndpoints.get(key);
        if (old == null) {
          return false;
        }
        checkColumns(e);
        put(t.webhookEndpoints, key, new WebhookEndpointRecord(e.tenantId(), e.endpointId(), e.url(), e.types(),
            e.campaignId(), e.enabled(), e.disabledReason(), e.secret(), e.previousSecret(),
            e.previousSecretUntil(), old.createdAt(), e.updatedAt()));
        return true;
      });
    }

    @Override
    public boolean delete(long tenantId, long endpointId) {
      return call(() -> {
        IdPair key = new IdPair(tenantId, endpointId);
        if (!t.webhookEndpoints.containsKey(key)) {
          return false;
        }
        remove(t.webhookEndpoints, key);
        return true;
      });
    }

    private void checkColumns(WebhookEndpointRecord e) {
      notNull(e.url(), "webhook endpoint url");
      notNull(e.secret(), "webhook endpoint secret");
      notNull(e.updatedAt(), "webhook endpoint updated_at");
    }
  }

  private final class Rewards implements RewardPort {
    @Override
    public void insert(CampaignReward r) {
      Objects.requireNonNull(r, "reward");
      run(() -> {
        IdPair key = new IdPair(r.tenantId(), r.id());
        if (t.campaignRewards.containsKey(key)) {
          throw constraint("duplicate primary key: campaign reward");
        }
        notNull(r.name(), "campaign reward name");
        notNull(r.type(), "campaign reward type");
        notNull(r.audience(), "campaign reward audience");
        notNull(r.createdAt(), "campaign reward created_at");
        requireCampaign(r.tenantId(), r.campaignId(), "campaign reward");
        put(t.campaignRewards, key, r);
        put(t.campaignRewardsByCampaign, new IdTriple(r.tenantId(), r.campaignId(), r.id()), r.id());
      });
    }

    @Override
    public Optional<CampaignReward> find(long tenantId, long campaignRewardId) {
      return call(() -> Optional.ofNullable(t.campaignRewards.get(new IdPair(tenantId, campaignRewardId))));
    }

    @Override
    public List<CampaignReward> list(long tenantId, long campaignId) {
      return call(() -> List.copyOf(ids(t.campaignRewardsByCampaign, tenantId, campaignId)
          .map(id -> t.campaignRewards.get(new IdPair(tenantId, id)))
          .toList()));
    }

    @Override
    public void saveProgram(long tenantId, RewardProgram program) {
      Objects.requireNonNull(program, "program");
      run(() -> {
        notNull(program.automation(), "reward program automation");
        requireCampaign(tenantId, program.campaignId(), "reward program");
        put(t.rewardPrograms, new IdPair(tenantId, program.campaignId()), program);
      });
    }

    @Override
    public Optional<RewardProgram> findProgram(long tenantId, long campaignId) {
      return call(() -> Optional.ofNullable(t.rewardPrograms.get(new IdPair(tenantId, campaignId))));
    }
  }

  private final class Actions implements ActionPort {
    @Override
    public void insert(ActionRecord a) {
      Objects.requireNonNull(a, "action");
      Objects.requireNonNull(a.counts(), "counts");
      run(() -> {
        IdPair key = new IdPair(a.tenantId(), a.actionId());
        if (t.actions.containsKey(key)) {
          throw constraint("duplicate primary key: loyalty action");
        }
        notNull(a.source(), "loyalty action source");
        notNull(a.recordedAt(), "loyalty action recorded_at");
        ScopedText idempotencyKey = a.idempotencyKey() == null
            ? null : new ScopedText(a.tenantId(), a.idempotencyKey());
        if (idempotencyKey != null && t.actionKeys.containsKey(idempotencyKey)) {
          throw new UniqueViolationException(UniqueKey.ACTION_IDEMPOTENCY_KEY, null);
        }
        put(t.actions, key, a);
        put(t.actionsByParticipant, new IdTriple(a.tenantId(), a.participantId(), a.actionId()), a.actionId());
        if (idempotencyKey != null) {
          put(t.actionKeys, idempotencyKey, a.actionId());
        }
      });
    }

    @Override
    public Optional<ActionRecord> findByIdempotencyKey(long tenantId, String idempotencyKey) {
      return call(() -> {
        Long id = idempotencyKey == null ? null : t.actionKeys.get(new ScopedText(tenantId, idempotencyKey));
        return id == null ? Optional.empty() : Optional.of(t.actions.get(new IdPair(tenantId, id)));
      });
    }

    @Override
    public long increment(long tenantId, long campaignId, long participantId, long campaignRewardId, int month,
        Instant at) {
      return call(() -> {
        notNull(at, "action counter updated_at");
        CounterKey key = new CounterKey(tenantId, participantId, campaignRewardId, month);
        Counter old = t.counters.get(key);
        // The row keeps the campaign it was created with, as the SQL insert-if-absent does; its time is never moved
        // back (GREATEST in SQL), so that catching up from a time never misses a later change.
        Counter next = old == null ? new Counter(campaignId, 1, at)
            : new Counter(old.campaignId(), old.count() + 1, latest(old.changedAt(), at));
        put(t.counters, key, next);
        return next.count();
      });
    }

    @Override
    public long count(long tenantId, long participantId, long campaignRewardId, int month) {
      return call(() -> {
        Counter c = t.counters.get(new CounterKey(tenantId, participantId, campaignRewardId, month));
        return c == null ? 0L : c.count();
      });
    }

    @Override
    public ActionCounts counts(long tenantId, long participantId, long campaignRewardId,
        int month, int previousMonth) {
      return call(() -> new ActionCounts(value(tenantId, participantId, 0, 0),
          value(tenantId, participantId, 0, month), value(tenantId, participantId, 0, previousMonth),
          value(tenantId, participantId, campaignRewardId, 0),
          value(tenantId, participantId, campaignRewardId, month)));
    }

    private long value(long tenantId, long participantId, long campaignRewardId, int month) {
      Counter c = t.counters.get(new CounterKey(tenantId, participantId, campaignRewardId, month));
      return c == null ? 0L : c.count();
    }

    @Override
    public long campaignActions(long tenantId, long campaignId) {
      return call(() -> {
        long sum = 0;
        for (Map.Entry<CounterKey, Counter> e : t.counters.subMap(
            new CounterKey(tenantId, Long.MIN_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE), true,
            new CounterKey(tenantId, Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE), true).entrySet()) {
          if (e.getKey().campaignRewardId() == 0 && e.getKey().month() == 0
              && e.getValue().campaignId() == campaignId) {
            sum += e.getValue().count();
          }
        }
        return sum;
      });
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        for (long id : ids(t.actionsByParticipant, tenantId, participantId).toList()) {
          IdPair key = new IdPair(tenantId, id);
          ActionRecord a = t.actions.get(key);
          remove(t.actions, key);
          remove(t.actionsByParticipant, new IdTriple(tenantId, participantId, id));
          if (a.idempotencyKey() != null) {
            remove(t.actionKeys, new ScopedText(tenantId, a.idempotencyKey()));
          }
        }
        List<CounterKey> doomed = List.copyOf(t.counters.subMap(
            new CounterKey(tenantId, participantId, Long.MIN_VALUE, Integer.MIN_VALUE), true,
            new CounterKey(tenantId, participantId, Long.MAX_VALUE, Integer.MAX_VALUE), true).keySet());
        for (CounterKey key : doomed) {
          remove(t.counters, key);
        }
      });
    }
  }

  private final class EarnedRewards implements EarnedRewardPort {
    @Override
    public boolean insertIfAbsent(EarnedReward r, long actionId) {
      Objects.requireNonNull(r, "reward");
      return call(() -> {
        notNull(r.type(), "earned reward type");
        notNull(r.status(), "earned reward status");
        notNull(r.earnedAt(), "earned reward earned_at");
        IdPair key = new IdPair(r.tenantId(), r.id());
        CycleKey cycle = new CycleKey(r.tenantId(), r.participantId(), r.campaignRewardId(), r.cycle());
        // As ON CONFLICT DO NOTHING: the cycle, or the id, exists.
        if (t.earnedCycles.containsKey(cycle) || t.earnedRewards.containsKey(key)) {
          return false;
        }
        if (!t.campaignRewards.containsKey(new IdPair(r.tenantId(), r.campaignRewardId()))) {
          throw constraint("foreign key violated: earned reward of a campaign reward that is not in its tenant");
        }
        writeEarned(null, new EarnedRow(r, actionId));
        put(t.earnedCycles, cycle, r.id());
        return true;
      });
    }

    @Override
    public Optional<EarnedReward> find(long tenantId, long earnedRewardId) {
      return call(() -> Optional.ofNullable(t.earnedRewards.get(new IdPair(tenantId, earnedRewardId)))
          .map(EarnedRow::reward));
    }

    @Override
    public List<EarnedReward> unlockedBy(long tenantId, long actionId) {
      return call(() -> List.copyOf(earned(ids(t.earnedByAction, tenantId, actionId), tenantId).toList()));
    }

    @Override
    public List<EarnedReward> listForParticipant(long tenantId, long participantId, Long beforeId, int limit) {
      return call(() -> {
        checkLimit(limit);
        long upper = beforeId == null ? Long.MAX_VALUE : beforeId;
        boolean inclusive = beforeId == null;
        Stream<Long> ids = t.earnedByParticipant
            .subMap(new IdTriple(tenantId, participantId, Long.MIN_VALUE), true,
                new IdTriple(tenantId, participantId, upper), inclusive)
            .descendingMap()
            .values()
            .stream();
        return List.copyOf(earned(ids, tenantId).limit(limit).toList());
      });
    }

    @Override
    public List<EarnedReward> listForCampaign(long tenantId, long campaignId, EarnedRewardStatus status,
        Long afterId, int limit) {
      return call(() -> {
        checkLimit(limit);
        Stream<Long> ids = t.earnedByCampaign
            .subMap(new IdTriple(tenantId, campaignId, afterId == null ? Long.MIN_VALUE : afterId), false,
                new IdTriple(tenantId, campaignId, Long.MAX_VALUE), true)
            .values()
            .stream();
        return List.copyOf(earned(ids, tenantId).filter(r -> status == null || r.status() == status).limit(limit)
            .toList());
      });
    }

    @Override
    public Optional<EarnedReward> transition(long tenantId, long earnedRewardId, EarnedRewardStatus from,
        EarnedRewardStatus to, Instant at) {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      if (to == EarnedRewardStatus.APPROVED || to == EarnedRewardStatus.FULFILLED) {
        Objects.requireNonNull(at, "at");
      }
      return call(() -> {
        EarnedRow row = t.earnedRewards.get(new IdPair(tenantId, earnedRewardId));
        if (row == null || row.reward().status() != from) {
          return Optional.<EarnedReward>empty();
        }
        EarnedReward r = row.reward();
        Instant approvedAt = to == EarnedRewardStatus.APPROVED ? at : r.approvedAt();
        Instant fulfilledAt = to == EarnedRewardStatus.FULFILLED ? at : r.fulfilledAt();
        EarnedReward next = changed(r, to, r.unread(), r.couponCode(), r.waitingReason(), approvedAt, fulfilledAt);
        writeEarned(row, new EarnedRow(next, row.actionId()));
        return Optional.of(next);
      });
    }

    @Override
    public Optional<EarnedReward> setCoupon(long tenantId, long earnedRewardId, String couponCode,
        String waitingReason) {
      return call(() -> {
        EarnedRow row = t.earnedRewards.get(new IdPair(tenantId, earnedRewardId));
        if (row == null) {
          return Optional.<EarnedReward>empty();
        }
        EarnedReward r = row.reward();
        EarnedReward next = couponCode != null
            ? changed(r, r.status(), r.unread(), couponCode, null, r.approvedAt(), r.fulfilledAt())
            : changed(r, r.status(), r.unread(), r.couponCode(), waitingReason, r.approvedAt(), r.fulfilledAt());
        writeEarned(row, new EarnedRow(next, row.actionId()));
        return Optional.of(next);
      });
    }

    @Override
    public boolean markRead(long tenantId, long earnedRewardId) {
      return call(() -> {
        EarnedRow row = t.earnedRewards.get(new IdPair(tenantId, earnedRewardId));
        if (row == null) {
          return false;
        }
        EarnedReward r = row.reward();
        writeEarned(row, new EarnedRow(changed(r, r.status(), false, r.couponCode(), r.waitingReason(),
            r.approvedAt(), r.fulfilledAt()), row.actionId()));
        return true;
      });
    }

    @Override
    public long countByStatus(long tenantId, long participantId, EarnedRewardStatus status) {
      Objects.requireNonNull(status, "status");
      return call(() -> earned(ids(t.earnedByParticipant, tenantId, participantId), tenantId)
          .filter(r -> r.status() == status)
          .count());
    }

    @Override
    public boolean isWinner(long tenantId, long participantId) {
      return call(() -> earned(ids(t.earnedByParticipant, tenantId, participantId), tenantId)
          .anyMatch(r -> r.status() != EarnedRewardStatus.REMOVED));
    }

    @Override
    public long winners(long tenantId, long campaignId) {
      return call(() -> earned(ids(t.earnedByCampaign, tenantId, campaignId), tenantId)
          .filter(r -> r.status() != EarnedRewardStatus.REMOVED)
          .mapToLong(EarnedReward::participantId)
          .distinct()
          .count());
    }

    @Override
    public List<EarnedReward> waitingForCoupon(long tenantId, long campaignId, int limit) {
      return call(() -> List.copyOf(earned(ids(t.earnedByCampaign, tenantId, campaignId), tenantId)
          .filter(r -> r.status() == EarnedRewardStatus.APPROVED && r.type() == RewardType.COUPON
              && r.couponCode() == null)
          .limit(checkLimit(limit))
          .toList()));
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        for (long id : ids(t.earnedByParticipant, tenantId, participantId).toList()) {
          EarnedRow row = t.earnedRewards.get(new IdPair(tenantId, id));
          EarnedReward r = row.reward();
          writeEarned(row, null);
          remove(t.earnedCycles, new CycleKey(tenantId, r.participantId(), r.campaignRewardId(), r.cycle()));
        }
      });
    }

    private Stream<EarnedReward> earned(Stream<Long> ids, long tenantId) {
      return ids.map(id -> t.earnedRewards.get(new IdPair(tenantId, id)).reward());
    }
  }

  /** Replaces earned reward row {@code old} (null: none) by {@code next} (null: deleted), indexes included. */
  private void writeEarned(EarnedRow old, EarnedRow next) {
    if (old != null && next == null) {
      EarnedReward r = old.reward();
      remove(t.earnedRewards, new IdPair(r.tenantId(), r.id()));
      remove(t.earnedByParticipant, new IdTriple(r.tenantId(), r.participantId(), r.id()));
      remove(t.earnedByAction, new IdTriple(r.tenantId(), old.actionId(), r.id()));
      remove(t.earnedByCampaign, new IdTriple(r.tenantId(), r.campaignId(), r.id()));
    }
    if (next != null) {
      EarnedReward r = next.reward();
      put(t.earnedRewards, new IdPair(r.tenantId(), r.id()), next);
      if (old == null) {
        put(t.earnedByParticipant, new IdTriple(r.tenantId(), r.participantId(), r.id()), r.id());
        put(t.earnedByAction, new IdTriple(r.tenantId(), next.actionId(), r.id()), r.id());
        put(t.earnedByCampaign, new IdTriple(r.tenantId(), r.campaignId(), r.id()), r.id());
      }
    }
  }

  private static EarnedReward changed(EarnedReward r, EarnedRewardStatus status, boolean unread, String couponCode,
      String waitingReason, Instant approvedAt, Instant fulfilledAt) {
    return new EarnedReward(r.id(), r.tenantId(), r.campaignId(), r.participantId(), r.campaignRewardId(), r.cycle(),
        r.type(), status, unread, r.points(), couponCode, r.message(), r.cashAmountMinor(), r.currency(),
        waitingReason, r.earnedAt(), approvedAt, fulfilledAt);
  }

  private final class Coupons implements CouponPort {
    @Override
    public List<String> existing(long tenantId, long campaignId, Collection<String> codes) {
      Objects.requireNonNull(codes, "codes");
      return call(() -> {
        Set<String> asked = new LinkedHashSet<>(codes);
        asked.remove(null);
        return asked.stream()
            .filter(code -> t.couponCodes.containsKey(new PoolCode(tenantId, campaignId, code)))
            .toList();
      });
    }

    @Override
    public void insertAll(long tenantId, long campaignId, List<NewCode> codes, Instant at) {
      for (NewCode code : codes) {
        insert(tenantId, campaignId, code.couponId(), code.code(), at);
      }
    }

    private void insert(long tenantId, long campaignId, long couponId, String code, Instant at) {
      run(() -> {
        IdTriple key = new IdTriple(tenantId, campaignId, couponId);
        if (t.coupons.containsKey(key)) {
          throw constraint("duplicate primary key: coupon code");
        }
        notNull(code, "coupon code");
        notNull(at, "coupon code created_at");
        PoolCode poolCode = new PoolCode(tenantId, campaignId, code);
        if (t.couponCodes.containsKey(poolCode)) {
          throw new UniqueViolationException(UniqueKey.COUPON_CODE, null);
        }
        requireCampaign(tenantId, campaignId, "coupon code");
        put(t.coupons, key, new CouponRow(tenantId, campaignId, couponId, code, null, null, at, null));
        put(t.freeCoupons, key, couponId);
        put(t.couponCodes, poolCode, couponId);
      });
    }

    @Override
    public Optional<String> assignNext(long tenantId, long campaignId, long earnedRewardId, long participantId,
        Instant at) {
      Objects.requireNonNull(at, "at");
      return call(() -> {
        // Holding the database lock, no other assigner holds a code: SKIP LOCKED has nothing to skip.
        IdTriple key = t.freeCoupons.ceilingKey(new IdTriple(tenantId, campaignId, Long.MIN_VALUE));
        if (key == null || key.tenantId() != tenantId || key.parent() != campaignId) {
          return Optional.empty();
        }
        IdPair reward = new IdPair(tenantId, earnedRewardId);
        if (t.couponsByReward.containsKey(reward)) {
          // UNIQUE (tenant_id, earned_reward_id). In the SQL stores the loser of two concurrent assignments to one
          // reward meets it, and reports a lost race; here units of work run one at a time, so only a caller that
          // assigns twice does, but it is reported the same way.
          throw new TransientStorageException("coupon assign failed: the earned reward has a code; retry the unit of "
              + "work", null);
        }
        CouponRow free = t.coupons.get(key);
        put(t.coupons, key, new CouponRow(tenantId, campaignId, free.couponId(), free.code(), earnedRewardId,
            participantId, free.createdAt(), at));
        remove(t.freeCoupons, key);
        put(t.couponsByReward, reward, key);
        return Optional.of(free.code());
      });
    }

    @Override
    public long remaining(long tenantId, long campaignId) {
      return call(() -> (long) poolRange(t.freeCoupons, tenantId, campaignId).size());
    }

    @Override
    public long countAfter(long tenantId, long campaignId, String code, int atMost) {
      Objects.requireNonNull(code, "code");
      return call(() -> {
        Long couponId = t.couponCodes.get(new PoolCode(tenantId, campaignId, code));
        return couponId == null ? 0L : Math.min(atMost, (long) t.coupons.subMap(
            new IdTriple(tenantId, campaignId, couponId), false, new IdTriple(tenantId, campaignId, Long.MAX_VALUE),
            true).size());
      });
    }

    @Override
    public long countBefore(long tenantId, long campaignId, String code, int atMost) {
      Objects.requireNonNull(code, "code");
      return call(() -> {
        Long couponId = t.couponCodes.get(new PoolCode(tenantId, campaignId, code));
        return couponId == null ? 0L : Math.min(atMost, (long) t.coupons.subMap(
            new IdTriple(tenantId, campaignId, Long.MIN_VALUE), true, new IdTriple(tenantId, campaignId, couponId),
            false).size());
      });
    }

    @Override
    public List<AssignedCoupon> assigned(long tenantId, long campaignId, Long afterId, int limit) {
      return call(() -> {
        checkLimit(limit);
        long lower = afterId == null ? Long.MIN_VALUE : afterId;
        return List.copyOf(t.coupons.subMap(new IdTriple(tenantId, campaignId, lower), afterId == null,
                new IdTriple(tenantId, campaignId, Long.MAX_VALUE), true)
            .values()
            .stream()
            .filter(c -> !c.free())
            .limit(limit)
            .map(c -> new AssignedCoupon(c.couponId(), c.code(), c.earnedRewardId(), c.participantId(),
                c.assignedAt()))
            .toList());
      });
    }
  }

  private final class Catalog implements CatalogPort {
    @Override
    public void insert(CatalogReward r) {
      Objects.requireNonNull(r, "reward");
      run(() -> {
        IdPair key = new IdPair(r.tenantId(), r.id());
        if (t.catalogRewards.containsKey(key)) {
          throw constraint("duplicate primary key: catalog reward");
        }
        notNull(r.name(), "catalog reward name");
        notNull(r.type(), "catalog reward type");
        notNull(r.createdAt(), "catalog reward created_at");
        if (r.stock() != null && r.stock() < 0) {
          throw constraint("check constraint violated: catalog reward stock");
        }
        requireCampaign(r.tenantId(), r.campaignId(), "catalog reward");
        put(t.catalogRewards, key, r);
        put(t.catalogByCampaign, new IdTriple(r.tenantId(), r.campaignId(), r.id()), r.id());
      });
    }

    @Override
    public Optional<CatalogReward> find(long tenantId, long catalogRewardId) {
      return call(() -> Optional.ofNullable(t.catalogRewards.get(new IdPair(tenantId, catalogRewardId))));
    }

    @Override
    public List<CatalogReward> list(long tenantId, long campaignId, Boolean active, RewardType type) {
      return call(() -> List.copyOf(ids(t.catalogByCampaign, tenantId, campaignId)
          .map(id -> t.catalogRewards.get(new IdPair(tenantId, id)))
          .filter(r -> active == null || r.active() == active)
          .filter(r -> type == null || r.type() == type)
          .toList()));
    }

    @Override
    public boolean setActive(long tenantId, long catalogRewardId, boolean active) {
      return call(() -> {
        CatalogReward r = t.catalogRewards.get(new IdPair(tenantId, catalogRewardId));
        if (r == null) {
          return false;
        }
        write(r, r.stock(), active);
        return true;
      });
    }

    @Override
    public Optional<CatalogReward> takeStock(long tenantId, long catalogRewardId) {
      return call(() -> {
        CatalogReward r = t.catalogRewards.get(new IdPair(tenantId, catalogRewardId));
        if (r == null || !r.active() || r.stock() != null && r.stock() <= 0) {
          return Optional.empty();
        }
        return Optional.of(write(r, r.stock() == null ? null : r.stock() - 1, r.active()));
      });
    }

    @Override
    public Optional<CatalogReward> adjustStock(long tenantId, long catalogRewardId, long delta, long maxStock) {
      return call(() -> {
        CatalogReward r = t.catalogRewards.get(new IdPair(tenantId, catalogRewardId));
        // As the conditional update: checked and written under the database lock, so nothing comes between.
        if (r == null || r.stock() == null || r.stock() + delta < 0 || r.stock() + delta > maxStock) {
          return Optional.empty();
        }
        return Optional.of(write(r, r.stock() + delta, r.active()));
      });
    }

    @Override
    public Optional<CatalogReward> update(long tenantId, long catalogRewardId, CatalogRewardUpdate update) {
      Objects.requireNonNull(update, "update");
      return call(() -> {
        notNull(update.name(), "catalog reward name");
        CatalogReward r = t.catalogRewards.get(new IdPair(tenantId, catalogRewardId));
        if (r == null) {
          return Optional.empty();
        }
        CatalogReward updated = new CatalogReward(r.id(), r.tenantId(), r.campaignId(), update.name(),
            update.description(), update.pointsCost(), r.type(), r.stock(), r.active(), r.createdAt());
        put(t.catalogRewards, new IdPair(r.tenantId(), r.id()), updated);
        return Optional.of(updated);
      });
    }

    private CatalogReward write(CatalogReward r, Long stock, boolean active) {
      CatalogReward written = new CatalogReward(r.id(), r.tenantId(), r.campaignId(), r.name(), r.description(),
          r.pointsCost(), r.type(), stock, active, r.createdAt());
      put(t.catalogRewards, new IdPair(r.tenantId(), r.id()), written);
      return written;
    }

    @Override
    public void insertRedemption(Redemption r) {
      Objects.requireNonNull(r, "redemption");
      run(() -> {
        IdPair key = new IdPair(r.tenantId(), r.id());
        if (t.redemptions.containsKey(key)) {
          throw constraint("duplicate primary key: redemption");
        }
        notNull(r.redeemedAt(), "redemption redeemed_at");
        ScopedText idempotencyKey = r.idempotencyKey() == null
            ? null : new ScopedText(r.tenantId(), r.idempotencyKey());
        if (idempotencyKey != null && t.redemptionKeys.containsKey(idempotencyKey)) {
          throw new UniqueViolationException(UniqueKey.REDEMPTION_IDEMPOTENCY_KEY, null);
        }
        if (!t.catalogRewards.containsKey(new IdPair(r.tenantId(), r.catalogRewardId()))) {
          throw constraint("foreign key violated: redemption of a catalog reward that is not in its tenant");
        }
        // replayed is not a column: a stored redemption reads back as not replayed.
        put(t.redemptions, key, new Redemption(r.id(), r.tenantId(), r.catalogRewardId(), r.participantId(),
            r.pointsSpent(), r.ledgerEntryId(), r.balance(), r.idempotencyKey(), r.redeemedAt(), false));
        if (idempotencyKey != null) {
          put(t.redemptionKeys, idempotencyKey, r.id());
        }
      });
    }

    @Override
    public Optional<Redemption> findRedemptionByKey(long tenantId, String idempotencyKey) {
      return call(() -> {
        Long id = idempotencyKey == null ? null : t.redemptionKeys.get(new ScopedText(tenantId, idempotencyKey));
        return id == null ? Optional.empty() : Optional.of(t.redemptions.get(new IdPair(tenantId, id)));
      });
    }

    // Both lists walk the tenant's redemptions in id order (no index of their own: a cost of this store only).
    @Override
    public List<Redemption> listRedemptionsOfReward(long tenantId, long catalogRewardId, Long afterId, int limit) {
      return call(() -> {
        checkLimit(limit);
        return List.copyOf(t.redemptions
            .subMap(new IdPair(tenantId, afterId == null ? Long.MIN_VALUE : afterId), afterId == null,
                new IdPair(tenantId, Long.MAX_VALUE), true)
            .values().stream()
            .filter(r -> r.catalogRewardId() == catalogRewardId)
            .limit(limit)
            .toList());
      });
    }

    @Override
    public List<Redemption> listRedemptionsOfParticipant(long tenantId, long participantId, Long beforeId,
        int limit) {
      return call(() -> {
        checkLimit(limit);
        return List.copyOf(t.redemptions
            .subMap(new IdPair(tenantId, Long.MIN_VALUE), true,
                new IdPair(tenantId, beforeId == null ? Long.MAX_VALUE : beforeId), beforeId == null)
            .descendingMap().values().stream()
            .filter(r -> r.participantId() == participantId)
            .limit(limit)
            .toList());
      });
    }
  }

  private final class TestimonialRows implements TestimonialPort {
    @Override
    public boolean insertIfAbsent(Testimonial testimonial) {
      Objects.requireNonNull(testimonial, "testimonial");
      return call(() -> {
        notNull(testimonial.text(), "testimonial text");
        notNull(testimonial.status(), "testimonial status");
        notNull(testimonial.createdAt(), "testimonial created_at");
        requireCampaign(testimonial.tenantId(), testimonial.campaignId(), "testimonial");
        IdPair byParticipant = new IdPair(testimonial.tenantId(), testimonial.participantId());
        IdPair key = new IdPair(testimonial.tenantId(), testimonial.id());
        // As ON CONFLICT DO NOTHING: the participant's key, or the id, exists.
        if (t.testimonialsByParticipant.containsKey(byParticipant) || t.testimonials.containsKey(key)) {
          return false;
        }
        put(t.testimonials, key, testimonial);
        put(t.testimonialsByParticipant, byParticipant, testimonial.id());
        return true;
      });
    }

    @Override
    public Optional<Testimonial> find(long tenantId, long testimonialId) {
      return call(() -> Optional.ofNullable(t.testimonials.get(new IdPair(tenantId, testimonialId))));
    }

    @Override
    public Optional<Testimonial> findByParticipant(long tenantId, long participantId) {
      return call(() -> {
        Long id = t.testimonialsByParticipant.get(new IdPair(tenantId, participantId));
        return id == null ? Optional.empty() : Optional.of(t.testimonials.get(new IdPair(tenantId, id)));
      });
    }

    @Override
    public boolean moderate(long tenantId, long testimonialId, List<TestimonialStatus> from, TestimonialStatus to,
        Instant at) {
      Objects.requireNonNull(from, "from");
      return call(() -> {
        notNull(to, "testimonial status");
        notNull(at, "testimonial moderated_at");
        IdPair key = new IdPair(tenantId, testimonialId);
        Testimonial current = t.testimonials.get(key);
        if (current == null || !from.contains(current.status())) {
          return false;
        }
        put(t.testimonials, key, new Testimonial(current.id(), current.tenantId(), current.campaignId(),
            current.participantId(), current.text(), current.rating(), to, current.createdAt(), at));
        return true;
      });
    }

    @Override
    public List<Testimonial> list(long tenantId, long campaignId, TestimonialStatus status, Long afterId,
        int limit) {
      return call(() -> t.testimonials.subMap(new IdPair(tenantId, afterId == null ? Long.MIN_VALUE : afterId),
              false, new IdPair(tenantId, Long.MAX_VALUE), true).values().stream()
          .filter(x -> x.campaignId() == campaignId && (status == null || x.status() == status))
          .limit(limit)
          .toList());
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        IdPair byParticipant = new IdPair(tenantId, participantId);
        Long id = t.testimonialsByParticipant.get(byParticipant);
        if (id != null) {
          remove(t.testimonials, new IdPair(tenantId, id));
          remove(t.testimonialsByParticipant, byParticipant);
        }
      });
    }
  }

  private final class CustomerMappings implements CustomerMappingPort {
    @Override
    public void insert(long tenantId, CustomerMapping mapping) {
      Objects.requireNonNull(mapping, "mapping");
      run(() -> {
        notNull(mapping.customerId(), "customer mapping customer_id");
        notNull(mapping.createdAt(), "customer mapping created_at");
        CampaignText key = new CampaignText(tenantId, mapping.campaignId(), mapping.customerId());
        IdPair participant = new IdPair(tenantId, mapping.participantId());
        if (t.customerMappings.containsKey(key) || t.customerMappingsByParticipant.containsKey(participant)) {
          throw new UniqueViolationException(UniqueKey.CUSTOMER_MAPPING, null);
        }
        put(t.customerMappings, key, mapping);
        put(t.customerMappingsByParticipant, participant, key);
      });
    }

    @Override
    public Optional<CustomerMapping> find(long tenantId, long campaignId, String customerId) {
      return call(() -> Optional.ofNullable(t.customerMappings.get(new CampaignText(tenantId, campaignId,
          customerId))));
    }

    @Override
    public Optional<CustomerMapping> findByParticipant(long tenantId, long participantId) {
      return call(() -> Optional.ofNullable(t.customerMappingsByParticipant.get(new IdPair(tenantId, participantId)))
          .map(t.customerMappings::get));
    }

    @Override
    public boolean delete(long tenantId, long campaignId, String customerId) {
      return call(() -> {
        CampaignText key = new CampaignText(tenantId, campaignId, customerId);
        CustomerMapping mapping = t.customerMappings.get(key);
        if (mapping == null) {
          return false;
        }
        remove(t.customerMappings, key);
        remove(t.customerMappingsByParticipant, new IdPair(tenantId, mapping.participantId()));
        return true;
      });
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        IdPair participant = new IdPair(tenantId, participantId);
        CampaignText key = t.customerMappingsByParticipant.get(participant);
        if (key != null) {
          remove(t.customerMappings, key);
          remove(t.customerMappingsByParticipant, participant);
        }
      });
    }
  }

  private final class SsoSecrets implements SsoSecretPort {
    @Override
    public Optional<SsoSecretRecord> find(long tenantId) {
      return call(() -> Optional.ofNullable(t.ssoSecrets.get(tenantId)));
    }

    @Override
    public Optional<SsoSecretRecord> lock(long tenantId) {
      // The database lock is held for the whole unit of work: the row is locked already.
      return find(tenantId);
    }

    @Override
    public boolean insertIfAbsent(SsoSecretRecord secrets) {
      Objects.requireNonNull(secrets, "secrets");
      return call(() -> {
        checkColumns(secrets);
        if (t.ssoSecrets.containsKey(secrets.tenantId())) {
          return false;
        }
        put(t.ssoSecrets, secrets.tenantId(), secrets);
        return true;
      });
    }

    @Override
    public boolean update(SsoSecretRecord secrets) {
      Objects.requireNonNull(secrets, "secrets");
      return call(() -> {
        if (!t.ssoSecrets.containsKey(secrets.tenantId())) {
          return false;
        }
        checkColumns(secrets);
        put(t.ssoSecrets, secrets.tenantId(), secrets);
        return true;
      });
    }

    @Override
    public boolean delete(long tenantId) {
      return call(() -> {
        if (!t.ssoSecrets.containsKey(tenantId)) {
          return false;
        }
        remove(t.ssoSecrets, tenantId);
        return true;
      });
    }

    private void checkColumns(SsoSecretRecord s) {
      notNull(s.secret(), "sso secret secret");
      notNull(s.createdAt(), "sso secret created_at");
    }
  }

  private final class QuestRows implements QuestPort {
    @Override
    public void insert(Quest quest) {
      Objects.requireNonNull(quest, "quest");
      run(() -> {
        IdPair key = new IdPair(quest.tenantId(), quest.id());
        if (t.quests.containsKey(key)) {
          throw constraint("duplicate primary key: quest");
        }
        notNull(quest.name(), "quest name");
        notNull(quest.createdAt(), "quest created_at");
        requireCampaign(quest.tenantId(), quest.campaignId(), "quest");
        Set<Integer> numbers = new HashSet<>();
        for (QuestTask task : quest.tasks()) {
          notNull(task.name(), "quest task name");
          if (task.number() < 1 || task.points() < 0 || !numbers.add(task.number())) {
            throw constraint("quest task check or primary key violated");
          }
        }
        if (quest.completionBonus() < 0) {
          throw constraint("check constraint violated: quest completion_bonus");
        }
        // Tasks come back in number order, as the SQL stores read them.
        List<QuestTask> tasks = quest.tasks().stream().sorted(Comparator.comparingInt(QuestTask::number)).toList();
        put(t.quests, key, new Quest(quest.id(), quest.tenantId(), quest.campaignId(), quest.name(),
            quest.description(), tasks, quest.completionBonus(), quest.active(), quest.createdAt()));
      });
    }

    @Override
    public Optional<Quest> find(long tenantId, long questId) {
      return call(() -> Optional.ofNullable(t.quests.get(new IdPair(tenantId, questId))));
    }

    @Override
    public List<Quest> list(long tenantId, long campaignId) {
      return call(() -> t.quests.subMap(new IdPair(tenantId, Long.MIN_VALUE), true,
              new IdPair(tenantId, Long.MAX_VALUE), true).values().stream()
          .filter(q -> q.campaignId() == campaignId)
          .toList());
    }

    @Override
    public Optional<Quest> update(long tenantId, long questId, QuestUpdate update) {
      Objects.requireNonNull(update, "update");
      return call(() -> {
        notNull(update.name(), "quest name");
        IdPair key = new IdPair(tenantId, questId);
        Quest q = t.quests.get(key);
        if (q == null) {
          return Optional.empty();
        }
        Quest updated = new Quest(q.id(), q.tenantId(), q.campaignId(), update.name(), update.description(),
            q.tasks(), q.completionBonus(), q.active(), q.createdAt());
        put(t.quests, key, updated);
        return Optional.of(updated);
      });
    }

    @Override
    public boolean setActive(long tenantId, long questId, boolean active) {
      return call(() -> {
        IdPair key = new IdPair(tenantId, questId);
        Quest current = t.quests.get(key);
        if (current == null) {
          return false;
        }
        put(t.quests, key, current.withActive(active));
        return true;
      });
    }

    @Override
    public boolean insertCompletionIfAbsent(QuestCompletionRecord completion) {
      Objects.requireNonNull(completion, "completion");
      return call(() -> {
        notNull(completion.completedAt(), "quest completion completed_at");
        Quest quest = t.quests.get(new IdPair(completion.tenantId(), completion.questId()));
        if (quest == null || quest.tasks().stream().noneMatch(x -> x.number() == completion.taskNumber())) {
          throw constraint("foreign key violated: quest completion of a task its quest does not have");
        }
        CompletionKey key = new CompletionKey(completion.tenantId(), completion.participantId(),
            completion.questId(), completion.taskNumber());
        // As ON CONFLICT DO NOTHING.
        if (t.questCompletions.containsKey(key)) {
          return false;
        }
        put(t.questCompletions, key, completion);
        return true;
      });
    }

    @Override
    public List<QuestCompletionRecord> completions(long tenantId, long questId, long participantId) {
      return call(() -> List.copyOf(t.questCompletions.subMap(
          new CompletionKey(tenantId, participantId, questId, Integer.MIN_VALUE), true,
          new CompletionKey(tenantId, participantId, questId, Integer.MAX_VALUE), true).values()));
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        List<CompletionKey> keys = List.copyOf(t.questCompletions.subMap(
            new CompletionKey(tenantId, participantId, Long.MIN_VALUE, Integer.MIN_VALUE), true,
            new CompletionKey(tenantId, participantId, Long.MAX_VALUE, Integer.MAX_VALUE), true).keySet());
        for (CompletionKey key : keys) {
          remove(t.questCompletions, key);
        }
      });
    }
  }

  private final class Referrals implements ReferralPort {
    @Override
    public void saveSettings(long tenantId, ReferralSettings settings) {
      Objects.requireNonNull(settings, "settings");
      run(() -> {
        notNull(settings.goal(), "referral settings goal");
        notNull(settings.conversionPoints(), "referral settings conversion points");
        notNull(settings.onMediumRisk(), "referral settings on_medium_risk");
        notNull(settings.onHighRisk(), "referral settings on_high_risk");
        notNull(settings.velocityWindow(), "referral settings velocity_window");
        requireCampaign(tenantId, settings.campaignId(), "referral settings");
        put(t.referralSettings, new IdPair(tenantId, settings.campaignId()), settings);
      });
    }

    @Override
    public Optional<ReferralSettings> findSettings(long tenantId, long campaignId) {
      return call(() -> Optional.ofNullable(t.referralSettings.get(new IdPair(tenantId, campaignId))));
    }

    @Override
    public void saveLandingPage(long tenantId, LandingPage page) {
      Objects.requireNonNull(page, "page");
      run(() -> {
        notNull(page.url(), "landing page url");
        notNull(page.headline(), "landing page headline");
        notNull(page.referralParameter(), "landing page referral_parameter");
        requireCampaign(tenantId, page.campaignId(), "landing page");
        put(t.landingPages, new IdPair(tenantId, page.campaignId()), new LandingPage(page.campaignId(), page.url(),
            page.headline(), page.description(), page.shareMessage(), page.imageUrl(), page.referralParameter(),
            true));
      });
    }

    @Override
    public Optional<LandingPage> findLandingPage(long tenantId, long campaignId) {
      return call(() -> Optional.ofNullable(t.landingPages.get(new IdPair(tenantId, campaignId))));
    }

    @Override
    public boolean deleteLandingPage(long tenantId, long campaignId) {
      return call(() -> {
        IdPair key = new IdPair(tenantId, campaignId);
        if (!t.landingPages.containsKey(key)) {
          return false;
        }
        remove(t.landingPages, key);
        return true;
      });
    }

    @Override
    public boolean insertKey(SigningKey key) {
      Objects.requireNonNull(key, "key");
      return call(() -> {
        notNull(key.createdAt(), "signing key created_at");
        IdPair id = new IdPair(key.tenantId(), key.keyId());
        if (t.signingKeys.containsKey(id)) {
          return false;
        }
        put(t.signingKeys, id, key);
        return true;
      });
    }

    @Override
    public boolean insertNextKey(SigningKey key, int maxKeys) {
      Objects.requireNonNull(key, "key");
      return call(() -> {
        notNull(key.createdAt(), "signing key created_at");
        NavigableMap<IdPair, SigningKey> tenantKeys = keysOf(key.tenantId());
        long highest = tenantKeys.isEmpty() ? 0 : tenantKeys.lastKey().child();
        if (highest != key.keyId() - 1 || tenantKeys.size() >= maxKeys) {
          return false;
        }
        put(t.signingKeys, new IdPair(key.tenantId(), key.keyId()), key);
        return true;
      });
    }

    @Override
    public boolean retireKey(long tenantId, int keyId) {
      return call(() -> {
        NavigableMap<IdPair, SigningKey> tenantKeys = keysOf(tenantId);
        IdPair id = new IdPair(tenantId, keyId);
        if (!tenantKeys.containsKey(id) || tenantKeys.lastKey().equals(id)) {
          return false;
        }
        remove(t.signingKeys, id);
        return true;
      });
    }

    private NavigableMap<IdPair, SigningKey> keysOf(long tenantId) {
      return t.signingKeys.subMap(new IdPair(tenantId, Long.MIN_VALUE), true, new IdPair(tenantId, Long.MAX_VALUE),
          true);
    }

    @Override
    public List<SigningKey> keys(long tenantId) {
      return call(() -> List.copyOf(keysOf(tenantId).descendingMap().values()));
    }

    @Override
    public Optional<String> shortCode(long tenantId, long participantId) {
      return call(() -> Optional.ofNullable(t.shortCodes.get(new IdPair(tenantId, participantId)))
          .map(ShortCodeRow::code));
    }

    @Override
    public Optional<Long> participantByShortCode(long tenantId, long campaignId, String shortCode) {
      return call(() -> shortCode == null
          ? Optional.empty()
          : Optional.ofNullable(t.shortCodeHolders.get(new CampaignText(tenantId, campaignId, shortCode))));
    }

    @Override
    public boolean insertShortCode(long tenantId, long campaignId, long participantId, String shortCode) {
      return call(() -> {
        notNull(shortCode, "short code");
        IdPair holder = new IdPair(tenantId, participantId);
        CampaignText code = new CampaignText(tenantId, campaignId, shortCode);
        if (t.shortCodes.containsKey(holder) || t.shortCodeHolders.containsKey(code)) {
          return false;
        }
        put(t.shortCodes, holder, new ShortCodeRow(campaignId, shortCode));
        put(t.shortCodeHolders, code, participantId);
        return true;
      });
    }

    @Override
    public boolean insertSignup(SignupRecord signup) {
      Objects.requireNonNull(signup, "signup");
      return call(() -> {
        notNull(signup.createdAt(), "referral signup created_at");
        IdPair key = new IdPair(signup.tenantId(), signup.participantId());
        if (t.signups.containsKey(key)) {
          return false;
        }
        writeSignup(signup, true);
        return true;
      });
    }

    @Override
    public Optional<SignupRecord> findSignup(long tenantId, long participantId) {
      return call(() -> Optional.ofNullable(t.signups.get(new IdPair(tenantId, participantId))));
    }

    /** One unit of work runs at a time here, so holding the gate is holding the database: it is only made. */
    @Override
    public void lockSignupGate(long tenantId, long campaignId, int gate) {
      run(() -> {
        if (gate < 0 || gate >= ReferralRules.SIGNUP_GATES) {
          throw constraint("check constraint violated: signup gate " + gate);
        }
        IdTriple key = new IdTriple(tenantId, campaignId, gate);
        if (!t.signupGates.containsKey(key)) {
          put(t.signupGates, key, Boolean.TRUE);
        }
      });
    }

    @Override
    public long countSignupsFromIp(long tenantId, long campaignId, String ipAddress, Instant since) {
      Objects.requireNonNull(since, "since");
      return call(() -> countSince(t.signupsByIp, tenantId, campaignId, ipAddress, since));
    }

    @Override
    public long countSignupsFromVisitor(long tenantId, long campaignId, String visitorId, Instant since) {
      Objects.requireNonNull(since, "since");
      return call(() -> countSince(t.signupsByVisitor, tenantId, campaignId, visitorId, since));
    }

    /** The signups of one identifier at or after {@code since}; a null identifier matches none, as SQL's = does. */
    private long countSince(NavigableMap<SignupOrder, Long> index, long tenantId, long campaignId, String identifier,
        Instant since) {
      if (identifier == null) {
        return 0L;
      }
      return index.subMap(new SignupOrder(tenantId, campaignId, identifier, since, Long.MIN_VALUE), true,
          new SignupOrder(tenantId, campaignId, identifier, Instant.MAX, Long.MAX_VALUE), true).size();
    }

    /** Adds ({@code present}) or deletes a signup with its identifier indexes. */
    private void writeSignup(SignupRecord s, boolean present) {
      IdPair key = new IdPair(s.tenantId(), s.participantId());
      SignupOrder byIp = s.ipAddress() == null
          ? null : new SignupOrder(s.tenantId(), s.campaignId(), s.ipAddress(), s.createdAt(), s.participantId());
      SignupOrder byVisitor = s.visitorId() == null
          ? null : new SignupOrder(s.tenantId(), s.campaignId(), s.visitorId(), s.createdAt(), s.participantId());
      if (present) {
        put(t.signups, key, s);
        if (byIp != null) {
          put(t.signupsByIp, byIp, s.participantId());
        }
        if (byVisitor != null) {
          put(t.signupsByVisitor, byVisitor, s.participantId());
        }
      } else {
        remove(t.signups, key);
        if (byIp != null) {
          remove(t.signupsByIp, byIp);
        }
        if (byVisitor != null) {
          remove(t.signupsByVisitor, byVisitor);
        }
      }
    }

    @Override
    public boolean insertReferral(Referral r) {
      Objects.requireNonNull(r, "referral");
      return call(() -> {
        notNull(r.codeKind(), "referral code_kind");
        notNull(r.riskLevel(), "referral risk_level");
        notNull(r.riskReason(), "referral risk_reason");
        notNull(r.status(), "referral status");
        notNull(r.createdAt(), "referral created_at");
        IdPair key = new IdPair(r.tenantId(), r.invitedId());
        if (t.referrals.containsKey(key)) {
          return false;
        }
        put(t.referrals, key, r);
        put(t.referralsByReferrer, new IdTriple(r.tenantId(), r.referrerId(), r.invitedId()), r.invitedId());
        put(t.referralsByCampaign, new IdTriple(r.tenantId(), r.campaignId(), r.invitedId()), r.invitedId());
        return true;
      });
    }

    @Override
    public Optional<Referral> findReferral(long tenantId, long invitedId) {
      return call(() -> Optional.ofNullable(t.referrals.get(new IdPair(tenantId, invitedId))));
    }

    @Override
    public List<Referral> referredBy(long tenantId, long referrerId, Long afterInvitedId, int limit) {
      return call(() -> {
        checkLimit(limit);
        long lower = afterInvitedId == null ? Long.MIN_VALUE : afterInvitedId;
        return List.copyOf(t.referralsByReferrer
            .subMap(new IdTriple(tenantId, referrerId, lower), afterInvitedId == null,
                new IdTriple(tenantId, referrerId, Long.MAX_VALUE), true)
            .values()
            .stream()
            .limit(limit)
            .map(invited -> t.referrals.get(new IdPair(tenantId, invited)))
            .toList());
      });
    }

    @Override
    public List<Referral> listForCampaign(long tenantId, long campaignId, ReferralStatus status,
        Long afterInvitedId, int limit) {
      return call(() -> {
        checkLimit(limit);
        long lower = afterInvitedId == null ? Long.MIN_VALUE : afterInvitedId;
        return List.copyOf(t.referralsByCampaign
            .subMap(new IdTriple(tenantId, campaignId, lower), afterInvitedId == null,
                new IdTriple(tenantId, campaignId, Long.MAX_VALUE), true)
            .values()
            .stream()
            .map(invited -> t.referrals.get(new IdPair(tenantId, invited)))
            .filter(r -> status == null || r.status() == status)
            .limit(limit)
            .toList());
      });
    }

    @Override
    public boolean insertVisitor(long tenantId, long campaignId, long participantId, String visitorId, Instant at) {
      return call(() -> {
        notNull(visitorId, "referral visitor visitor_id");
        notNull(at, "referral visitor created_at");
        VisitorKey key = new VisitorKey(tenantId, participantId, visitorId);
        if (t.visitors.containsKey(key)) {
          return false;
        }
        put(t.visitors, key, new VisitorRow(campaignId, at));
        return true;
      });
    }

    @Override
    public void addStats(long tenantId, long campaignId, long participantId, ReferralStats delta) {
      Objects.requireNonNull(delta, "delta");
      run(() -> {
        notNull(delta.revenue(), "referral stats revenue");
        IdPair key = new IdPair(tenantId, participantId);
        StatsRow old = t.referralStats.get(key);
        // The row keeps the campaign it was created with, as the SQL insert-if-absent does.
        StatsRow next = old == null
            ? new StatsRow(campaignId, ReferralStats.ZERO.plus(delta))
            : new StatsRow(old.campaignId(), old.stats().plus(delta));
        put(t.referralStats, key, next);
      });
    }

    @Override
    public ReferralStats stats(long tenantId, long participantId) {
      return call(() -> {
        StatsRow row = t.referralStats.get(new IdPair(tenantId, participantId));
        return row == null ? ReferralStats.ZERO : row.stats();
      });
    }

    @Override
    public ReferralStats campaignStats(long tenantId, long campaignId) {
      return call(() -> {
        ReferralStats sum = ReferralStats.ZERO;
        for (StatsRow row : children(t.referralStats, tenantId).toList()) {
          if (row.campaignId() == campaignId) {
            sum = sum.plus(row.stats());
          }
        }
        return sum;
      });
    }

    @Override
    public boolean insertConversion(Conversion c) {
      Objects.requireNonNull(c, "conversion");
      return call(() -> {
        notNull(c.orderId(), "referral conversion order_id");
        notNull(c.orderValue(), "referral conversion order_value");
        notNull(c.status(), "referral conversion status");
        notNull(c.createdAt(), "referral conversion created_at");
        CampaignText order = new CampaignText(c.tenantId(), c.campaignId(), c.orderId());
        IdPair key = new IdPair(c.tenantId(), c.id());
        // As ON CONFLICT DO NOTHING: the order id, or the id, exists.
        if (t.conversionOrders.containsKey(order) || t.conversions.containsKey(key)) {
          return false;
        }
        put(t.conversions, key, c);
        put(t.conversionOrders, order, c.id());
        return true;
      });
    }

    @Override
    public Optional<Conversion> findConversion(long tenantId, long campaignId, String orderId) {
      return call(() -> {
        Long id = orderId == null ? null : t.conversionOrders.get(new CampaignText(tenantId, campaignId, orderId));
        return id == null ? Optional.empty() : Optional.of(t.conversions.get(new IdPair(tenantId, id)));
      });
    }

    @Override
    public List<Conversion> listConversionsOfCampaign(long tenantId, long campaignId, ConversionStatus status,
        Long afterConversionId, int limit) {
      return call(() -> {
        checkLimit(limit);
        // The tenant's conversions after the cursor, in id order; a deleted referrer's are here too (deleteAll keeps
        // them), as in the SQL stores' table.
        return List.copyOf(t.conversions
            .subMap(new IdPair(tenantId, afterConversionId == null ? Long.MIN_VALUE : afterConversionId),
                afterConversionId == null, new IdPair(tenantId, Long.MAX_VALUE), true)
            .values().stream()
            .filter(c -> c.campaignId() == campaignId && (status == null || c.status() == status))
            .limit(limit)
            .toList());
      });
    }

    @Override
    public List<Conversion> listConversionsOfReferrer(long tenantId, long referrerId, Long beforeConversionId,
        int limit) {
      return call(() -> {
        checkLimit(limit);
        return List.copyOf(t.conversions
            .subMap(new IdPair(tenantId, Long.MIN_VALUE), true,
                new IdPair(tenantId, beforeConversionId == null ? Long.MAX_VALUE : beforeConversionId),
                beforeConversionId == null)
            .descendingMap().values().stream()
            .filter(c -> c.referrerId() == referrerId)
            .limit(limit)
            .toList());
      });
    }

    @Override
    public boolean markReversed(long tenantId, long conversionId, long pointsReversed, Instant at) {
      Objects.requireNonNull(at, "at");
      return call(() -> {
        IdPair key = new IdPair(tenantId, conversionId);
        Conversion c = t.conversions.get(key);
        if (c == null || c.status() != ConversionStatus.CONVERTED) {
          return false;
        }
        put(t.conversions, key, new Conversion(c.id(), c.tenantId(), c.campaignId(), c.referrerId(), c.orderId(),
            c.orderValue(), c.points(), ConversionStatus.REVERSED, pointsReversed, c.createdAt(), at));
        return true;
      });
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        IdPair participant = new IdPair(tenantId, participantId);
        // The short code stays reserved (see ReferralPort#deleteAll).
        SignupRecord signup = t.signups.get(participant);
        if (signup != null) {
          writeSignup(signup, false);
        }
        List<VisitorKey> visitors = t.visitors.tailMap(new VisitorKey(tenantId, participantId, ""), true)
            .keySet()
            .stream()
            .takeWhile(v -> v.tenantId() == tenantId && v.participantId() == participantId)
            .toList();
        for (VisitorKey visitor : visitors) {
          remove(t.visitors, visitor);
        }
        remove(t.referralStats, participant);
        Referral invitedBy = t.referrals.get(participant);
        if (invitedBy != null) {
          deleteReferral(invitedBy);
        }
        for (long invited : ids(t.referralsByReferrer, tenantId, participantId).toList()) {
          deleteReferral(t.referrals.get(new IdPair(tenantId, invited)));
        }
      });
    }

    private void deleteReferral(Referral r) {
      remove(t.referrals, new IdPair(r.tenantId(), r.invitedId()));
      remove(t.referralsByReferrer, new IdTriple(r.tenantId(), r.referrerId(), r.invitedId()));
      remove(t.referralsByCampaign, new IdTriple(r.tenantId(), r.campaignId(), r.invitedId()));
    }
  }

  /**
   * Boards as the SQL queries read them: a board's members are the campaign's participants (of the tenant) created
   * before the cutoff, each scored by its counter on the board, 0 without one.
   */
  private final class Leaderboards implements LeaderboardPort {
    private static final Comparator<BoardScore> BOARD_ORDER = Comparator.comparingLong(BoardScore::score).reversed()
        .thenComparingLong(BoardScore::participantId);

    @Override
    public void addPoints(long tenantId, long campaignId, long participantId, int month, long points, Instant at) {
      if (points < 0) {
        throw new IllegalArgumentException("points must not be negative but was " + points);
      }
      run(() -> {
        notNull(at, "points counter updated_at");
        PointsKey key = new PointsKey(tenantId, participantId, month);
        PointsRow old = t.pointsCounters.get(key);
        long total;
        try {
          total = Math.addExact(old == null ? 0 : old.points(), points);
        } catch (ArithmeticException e) {
          throw constraint("numeric value out of range: points counter");
        }
        // Created at zero if absent, keeping the campaign it was created with, then added to (one upsert in SQL);
        // the time of the change never moves back, as the action counters' does.
        put(t.pointsCounters, key, old == null ? new PointsRow(campaignId, total, at)
            : new PointsRow(old.campaignId(), total, latest(old.changedAt(), at)));
      });
    }

    @Override
    public void scan(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
        ScoreSink sink) {
      Objects.requireNonNull(sink, "sink");
      for (BoardScore s : call(() -> members(tenantId, campaignId, metric, month, createdBefore).toList())) {
        sink.accept(s.participantId(), s.score(), s.createdAt());
      }
    }

    @Override
    public List<BoardScore> page(long tenantId, long campaignId, BoardMetric metric, int month,
        Instant createdBefore, Long afterScore, Long afterId, int limit) {
      return call(() -> {
        if ((afterScore == null) != (afterId == null)) {
          throw new IllegalArgumentException("afterScore and afterId are given together or not at all");
        }
        return List.copyOf(members(tenantId, campaignId, metric, month, createdBefore)
            .filter(s -> afterScore == null || s.score() < afterScore
                || s.score() == afterScore && s.participantId() > afterId)
            .sorted(BOARD_ORDER)
            .limit(checkLimit(limit))
            .toList());
      });
    }

    @Override
    public long countAbove(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
        long score) {
      return call(() -> members(tenantId, campaignId, metric, month, createdBefore)
          .filter(s -> s.score() > score)
          .count());
    }

    @Override
    public Optional<BoardScore> score(long tenantId, long participantId, BoardMetric metric, int month) {
      return call(() -> ofTenant(t.participants.get(participantId), tenantId, Participant::tenantId)
          .map(p -> new BoardScore(p.id(), scoreOf(tenantId, p.id(), metric, month), p.createdAt())));
    }

    @Override
    public List<ScoreChange> changedSince(long tenantId, long campaignId, List<Integer> months, Instant since,
        int limit) {
      Objects.requireNonNull(months, "months");
      Objects.requireNonNull(since, "since");
      return call(() -> {
        Set<Integer> asked = Set.copyOf(months);
        List<ScoreChange> changes = new ArrayList<>();
        for (Map.Entry<CounterKey, Counter> e : t.counters.subMap(
            new CounterKey(tenantId, Long.MIN_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE), true,
            new CounterKey(tenantId, Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE), true).entrySet()) {
          CounterKey k = e.getKey();
          Counter c = e.getValue();
          // Boards count actions toward every reward: the counters of campaign reward 0.
          if (k.campaignRewardId() == 0 && c.campaignId() == campaignId && asked.contains(k.month())
              && !c.changedAt().isBefore(since)) {
            changes.add(new ScoreChange(k.participantId(), BoardMetric.ACTIONS, k.month(), c.count(),
                c.changedAt()));
          }
        }
        for (Map.Entry<PointsKey, PointsRow> e : t.pointsCounters.entrySet()) {
          PointsKey k = e.getKey();
          PointsRow row = e.getValue();
          if (k.tenantId() == tenantId && row.campaignId() == campaignId && asked.contains(k.month())
              && !row.changedAt().isBefore(since)) {
            changes.add(new ScoreChange(k.participantId(), BoardMetric.POINTS, k.month(), row.points(),
                row.changedAt()));
          }
        }
        // Oldest changes first, so that a reader cut short by the limit can go on from the last time it read.
        return List.copyOf(changes.stream()
            .sorted(Comparator.comparing(ScoreChange::changedAt)
                .thenComparingLong(ScoreChange::participantId)
                .thenComparing(ScoreChange::metric)
                .thenComparingInt(ScoreChange::month))
            .limit(checkLimit(limit))
            .toList());
      });
    }

    @Override
    public List<BoardScore> createdSince(long tenantId, long campaignId, Instant since, int limit) {
      Objects.requireNonNull(since, "since");
      return call(() -> List.copyOf(children(t.participantsByCampaign, campaignId)
          .filter(p -> p.tenantId() == tenantId && !p.createdAt().isBefore(since))
          .sorted(Comparator.comparing(Participant::createdAt).thenComparingLong(Participant::id))
          .limit(checkLimit(limit))
          .map(p -> new BoardScore(p.id(), 0, p.createdAt()))
          .toList()));
    }

    @Override
    public void recordRemoval(long tenantId, long campaignId, long participantId, Instant at) {
      run(() -> {
        notNull(at, "board removal removed_at");
        // Inserted if absent on (tenant, campaign, participant): a second recording keeps the first time.
        RemovalKey key = new RemovalKey(tenantId, campaignId, participantId);
        if (!t.removals.containsKey(key)) {
          put(t.removals, key, at);
        }
        // The participant is gone: its points counters go too, as ActionPort.deleteAll takes its action counters.
        for (int month : t.pointsCounters.keySet().stream()
            .filter(k -> k.tenantId() == tenantId && k.participantId() == participantId)
            .map(PointsKey::month)
            .toList()) {
          remove(t.pointsCounters, new PointsKey(tenantId, participantId, month));
        }
      });
    }

    @Override
    public List<Long> removedSince(long tenantId, long campaignId, Instant since, int limit) {
      Objects.requireNonNull(since, "since");
      return call(() -> List.copyOf(t.removals.entrySet().stream()
          .filter(e -> e.getKey().tenantId() == tenantId && e.getKey().campaignId() == campaignId
              && !e.getValue().isBefore(since))
          .sorted(Comparator.comparing((Map.Entry<RemovalKey, Instant> e) -> e.getValue())
              .thenComparingLong(e -> e.getKey().participantId()))
          .limit(checkLimit(limit))
          .map(e -> e.getKey().participantId())
          .toList()));
    }

    @Override
    public boolean insertWinners(long tenantId, MonthWinners winners) {
      Objects.requireNonNull(winners, "winners");
      return call(() -> {
        notNull(winners.metric(), "month winners metric");
        notNull(winners.month(), "month winners month");
        notNull(winners.recordedAt(), "month winners recorded_at");
        requireCampaign(tenantId, winners.campaignId(), "month winners");
        WinnersKey key = new WinnersKey(tenantId, winners.campaignId(), winners.metric(),
            winners.month().getYear() * 100 + winners.month().getMonthValue());
        if (t.winners.containsKey(key)) {
          return false;
        }
        put(t.winners, key, winners);
        return true;
      });
    }

    @Override
    public Optional<MonthWinners> findWinners(long tenantId, long campaignId, BoardMetric metric, int month) {
      return call(() -> Optional.ofNullable(t.winners.get(new WinnersKey(tenantId, campaignId, metric, month))));
    }

    /** The members of a board with their scores, in participant id order. */
    private Stream<BoardScore> members(long tenantId, long campaignId, BoardMetric metric, int month,
        Instant createdBefore) {
      Objects.requireNonNull(metric, "metric");
      return children(t.participantsByCampaign, campaignId)
          .filter(p -> p.tenantId() == tenantId)
          .filter(p -> createdBefore == null || p.createdAt().isBefore(createdBefore))
          .map(p -> new BoardScore(p.id(), scoreOf(tenantId, p.id(), metric, month), p.createdAt()));
    }

    private long scoreOf(long tenantId, long participantId, BoardMetric metric, int month) {
      return switch (Objects.requireNonNull(metric, "metric")) {
        case ACTIONS -> {
          Counter c = t.counters.get(new CounterKey(tenantId, participantId, 0, month));
          yield c == null ? 0 : c.count();
        }
        case POINTS -> {
          PointsRow row = t.pointsCounters.get(new PointsKey(tenantId, participantId, month));
          yield row == null ? 0 : row.points();
        }
      };
    }
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * Node leases as the SQL stores keep them, a row per number once leased (a released one without a holder); a
   * number without a row was never leased (the SQL row expiring at the epoch), so it comes first, the lowest first.
   */
  private final class Nodes implements NodePort {
    @Override
    public OptionalInt claim(String holder, Instant now, Instant expiresAt) {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(now, "now");
      Objects.requireNonNull(expiresAt, "expiresAt");
      return call(() -> {
        if (holder.isEmpty() || holder.length() > 64) {
          throw constraint("value out of range: node_lease holder must have 1..64 characters");
        }
        Integer best = null;
        for (int node = 0; node < NODES; node++) {
          NodeLease lease = t.nodeLeases.get(node);
          if (lease == null) {
            best = node;
            break;
          }
          // Released or ran out, the longest ago first; ties by number (the SQL claim's ORDER BY expires_at, node).
          if (!lease.expiresAt().isAfter(now)
              && (best == null || lease.expiresAt().isBefore(t.nodeLeases.get(best).expiresAt()))) {
            best = node;
          }
        }
        if (best == null) {
          return OptionalInt.empty();
        }
        put(t.nodeLeases, best, new NodeLease(holder, expiresAt));
        return OptionalInt.of(best);
      });
    }

    @Override
    public boolean renew(int node, String holder, Instant expiresAt) {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(expiresAt, "expiresAt");
      return call(() -> {
        NodeLease lease = t.nodeLeases.get(node);
        if (lease == null || !holder.equals(lease.holder())) {
          return false;
        }
        put(t.nodeLeases, node, new NodeLease(holder, expiresAt));
        return true;
      });
    }

    @Override
    public boolean release(int node, String holder, Instant at) {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(at, "at");
      return call(() -> {
        NodeLease lease = t.nodeLeases.get(node);
        if (lease == null || !holder.equals(lease.holder())) {
          return false;
        }
        put(t.nodeLeases, node, new NodeLease(null, at));
        return true;
      });
    }
  }

  /** Feedback boards, ideas and votes: the unique vote key and conditional counter updates of the SQL stores. */
  private final class FeedbackRows implements FeedbackPort {
    @Override
    public void insertBoard(FeedbackBoard board) {
      Objects.requireNonNull(board, "board");
      run(() -> {
        notNull(board.name(), "feedback_board name");
        notNull(board.description(), "feedback_board description");
        notNull(board.createdAt(), "feedback_board created_at");
        requireCampaign(board.tenantId(), board.campaignId(), "feedback_board");
        IdPair key = new IdPair(board.tenantId(), board.id());
        if (t.feedbackBoards.containsKey(key)) {
          throw constraint("unique constraint violated: pk_feedback_board");
        }
        put(t.feedbackBoards, key, board);
      });
    }

    @Override
    public Optional<FeedbackBoard> findBoard(long tenantId, long boardId) {
      return call(() -> Optional.ofNullable(t.feedbackBoards.get(new IdPair(tenantId, boardId))));
    }

    @Override
    public List<FeedbackBoard> boards(long tenantId, long campaignId) {
      return call(() -> t.feedbackBoards.subMap(new IdPair(tenantId, Long.MIN_VALUE), true,
              new IdPair(tenantId, Long.MAX_VALUE), true).values().stream()
          .filter(b -> b.campaignId() == campaignId)
          .toList());
    }

    @Override
    public Optional<FeedbackBoard> updateBoard(long tenantId, long boardId, FeedbackBoardUpdate update) {
      Objects.requireNonNull(update, "update");
      return call(() -> {
        notNull(update.name(), "feedback_board name");
        notNull(update.description(), "feedback_board description");
        IdPair key = new IdPair(tenantId, boardId);
        FeedbackBoard b = t.feedbackBoards.get(key);
        if (b == null) {
          return Optional.empty();
        }
        FeedbackBoard updated = new FeedbackBoard(b.id(), b.tenantId(), b.campaignId(), update.name(),
            update.description(), b.open(), b.createdAt());
        put(t.feedbackBoards, key, updated);
        return Optional.of(updated);
      });
    }

    @Override
    public boolean setBoardOpen(long tenantId, long boardId, boolean open) {
      return call(() -> {
        IdPair key = new IdPair(tenantId, boardId);
        FeedbackBoard b = t.feedbackBoards.get(key);
        if (b == null) {
          return false;
        }
        put(t.feedbackBoards, key, new FeedbackBoard(b.id(), b.tenantId(), b.campaignId(),
            b.name(), b.description(), open, b.createdAt()));
        return true;
      });
    }

    @Override
    public void insertIdea(Idea idea, String idempotencyKey) {
      Objects.requireNonNull(idea, "idea");
      run(() -> {
        notNull(idea.title(), "feedback_idea title");
        notNull(idea.body(), "feedback_idea body");
        notNull(idea.status(), "feedback_idea status");
        notNull(idea.createdAt(), "feedback_idea created_at");
        notNull(idea.updatedAt(), "feedback_idea updated_at");
        if (!t.feedbackBoards.containsKey(new IdPair(idea.tenantId(), idea.boardId()))) {
          throw constraint("foreign key violated: feedback_idea of a board that is not in its tenant");
        }
        if (idea.votes() < 0) {
          throw constraint("check constraint violated: ck_feedback_idea_votes");
        }
        IdPair key = new IdPair(idea.tenantId(), idea.id());
        if (t.ideas.containsKey(key)) {
          throw constraint("unique constraint violated: pk_feedback_idea");
        }
        ScopedText scopedKey = idempotencyKey == null ? null : new ScopedText(idea.tenantId(), idempotencyKey);
        if (scopedKey != null && t.ideaKeys.containsKey(scopedKey)) {
          throw new UniqueViolationException(UniqueKey.IDEA_IDEMPOTENCY_KEY, null);
        }
        put(t.ideas, key, idea);
        if (scopedKey != null) {
          put(t.ideaKeys, scopedKey, idea.id());
        }
      });
    }

    @Override
    public Optional<Idea> findIdea(long tenantId, long ideaId) {
      return call(() -> Optional.ofNullable(t.ideas.get(new IdPair(tenantId, ideaId))));
    }

    @Override
    public Optional<Idea> findIdeaByKey(long tenantId, String idempotencyKey) {
      Objects.requireNonNull(idempotencyKey, "idempotencyKey");
      return call(() -> {
        Long id = t.ideaKeys.get(new ScopedText(tenantId, idempotencyKey));
        return id == null ? Optional.empty() : Optional.ofNullable(t.ideas.get(new IdPair(tenantId, id)));
      });
    }

    @Override
    public Optional<Idea> lockIdea(long tenantId, long ideaId) {
      // The database lock is already held for the whole unit of work, which is stronger than a row lock.
      return findIdea(tenantId, ideaId);
    }

    @Override
    public boolean moveIdea(long tenantId, long ideaId, List<IdeaStatus> from,
        IdeaStatus to, Instant at) {
      Objects.requireNonNull(from, "from");
      return call(() -> {
        notNull(to, "feedback_idea status");
        notNull(at, "feedback_idea updated_at");
        Idea i = t.ideas.get(new IdPair(tenantId, ideaId));
        if (i == null || !from.contains(i.status())) {
          return false;
        }
        replaceIdea(i, to, i.votes(), at);
        return true;
      });
    }

    @Override
    public boolean insertVoteIfAbsent(long tenantId, long ideaId, long participantId, Instant at) {
      return call(() -> {
        notNull(at, "feedback_vote created_at");
        IdTriple key = new IdTriple(tenantId, ideaId, participantId);
        if (t.ideaVotes.containsKey(key)) {
          return false;
        }
        put(t.ideaVotes, key, at);
        return true;
      });
    }

    @Override
    public boolean deleteVote(long tenantId, long ideaId, long participantId) {
      return call(() -> {
        IdTriple key = new IdTriple(tenantId, ideaId, participantId);
        boolean present = t.ideaVotes.containsKey(key);
        remove(t.ideaVotes, key);
        return present;
      });
    }

    @Override
    public boolean incrementVotes(long tenantId, long ideaId, List<IdeaStatus> whileIn) {
      Objects.requireNonNull(whileIn, "whileIn");
      return call(() -> {
        Idea i = t.ideas.get(new IdPair(tenantId, ideaId));
        if (i == null || !whileIn.contains(i.status())) {
          return false;
        }
        replaceIdea(i, i.status(), Math.addExact(i.votes(), 1), i.updatedAt());
        return true;
      });
    }

    @Override
    public boolean decrementVotes(long tenantId, long ideaId, List<IdeaStatus> whileIn) {
      Objects.requireNonNull(whileIn, "whileIn");
      return call(() -> {
        Idea i = t.ideas.get(new IdPair(tenantId, ideaId));
        if (i == null || i.votes() <= 0 || !whileIn.contains(i.status())) {
          return false;
        }
        replaceIdea(i, i.status(), i.votes() - 1, i.updatedAt());
        return true;
      });
    }

    @Override
    public boolean hasVote(long tenantId, long ideaId, long participantId) {
      return call(() -> t.ideaVotes.containsKey(new IdTriple(tenantId, ideaId, participantId)));
    }

    @Override
    public Set<Long> votedIdeas(long tenantId, long participantId, Collection<Long> ideaIds) {
      Objects.requireNonNull(ideaIds, "ideaIds");
      return call(() -> ideaIds.stream()
          .filter(id -> t.ideaVotes.containsKey(new IdTriple(tenantId, id, participantId)))
          .collect(Collectors.toUnmodifiableSet()));
    }

    @Override
    public long countVotes(long tenantId, long ideaId) {
      return call(() -> (long) votesOn(tenantId, ideaId).size());
    }

    @Override
    public long countIdeas(long tenantId, long boardId, IdeaStatus status) {
      return call(() -> ideasOf(tenantId, boardId, status).count());
    }

    @Override
    public List<Idea> ideas(long tenantId, long boardId,
        IdeaStatus status, IdeaOrder order, long offset,
        int limit) {
      Objects.requireNonNull(order, "order");
      return call(() -> ideasOf(tenantId, boardId, status)
          .sorted(order == IdeaOrder.NEWEST
              ? Comparator.comparingLong(Idea::id).reversed()
              : Comparator.comparingLong(Idea::votes).reversed()
                  .thenComparingLong(Idea::id))
          .skip(offset)
          .limit(checkLimit(limit))
          .toList());
    }

    // Walks the tenant's ideas newest first (no index by participant: a cost of this store only).
    @Override
    public List<Idea> ideasOfParticipant(long tenantId, long participantId, Long beforeId, int limit) {
      return call(() -> {
        checkLimit(limit);
        return List.copyOf(t.ideas
            .subMap(new IdPair(tenantId, Long.MIN_VALUE), true,
                new IdPair(tenantId, beforeId == null ? Long.MAX_VALUE : beforeId), beforeId == null)
            .descendingMap().values().stream()
            .filter(i -> i.participantId() == participantId)
            .limit(limit)
            .toList());
      });
    }

    @Override
    public Optional<Idea> deleteIdea(long tenantId, long ideaId) {
      return call(() -> {
        IdPair key = new IdPair(tenantId, ideaId);
        Idea idea = t.ideas.get(key);
        if (idea == null) {
          return Optional.empty();
        }
        for (IdTriple vote : votesOn(tenantId, ideaId)) {
          remove(t.ideaVotes, vote);
        }
        removeIdea(tenantId, ideaId);
        return Optional.of(idea);
      });
    }

    @Override
    public void deleteAll(long tenantId, long participantId) {
      run(() -> {
        List<IdTriple> voted = t.ideaVotes.keySet().stream()
            .filter(k -> k.tenantId() == tenantId && k.child() == participantId)
            .toList();
        for (IdTriple vote : voted) {
          Idea i = t.ideas.get(new IdPair(tenantId, vote.parent()));
          if (i != null && i.votes() > 0) {
            replaceIdea(i, i.status(), i.votes() - 1, i.updatedAt());
          }
          remove(t.ideaVotes, vote);
        }
        List<Idea> own = t.ideas.subMap(new IdPair(tenantId, Long.MIN_VALUE), true,
                new IdPair(tenantId, Long.MAX_VALUE), true).values().stream()
            .filter(i -> i.participantId() == participantId)
            .toList();
        for (Idea i : own) {
          for (IdTriple vote : votesOn(tenantId, i.id())) {
            remove(t.ideaVotes, vote);
          }
          removeIdea(tenantId, i.id());
        }
      });
    }

    /** Deletes an idea's row with its idempotency key, which goes with it as the key column goes with the row. */
    private void removeIdea(long tenantId, long ideaId) {
      remove(t.ideas, new IdPair(tenantId, ideaId));
      List<ScopedText> keys = t.ideaKeys.entrySet().stream()
          .filter(e -> e.getKey().scope() == tenantId && e.getValue() == ideaId)
          .map(Map.Entry::getKey)
          .toList();
      for (ScopedText key : keys) {
        remove(t.ideaKeys, key);
      }
    }

    private List<IdTriple> votesOn(long tenantId, long ideaId) {
      return List.copyOf(poolRange(t.ideaVotes, tenantId, ideaId).keySet());
    }

    private Stream<Idea> ideasOf(long tenantId, long boardId,
        IdeaStatus status) {
      return t.ideas.subMap(new IdPair(tenantId, Long.MIN_VALUE), true, new IdPair(tenantId, Long.MAX_VALUE), true)
          .values().stream()
          .filter(i -> i.boardId() == boardId && (status == null || i.status() == status));
    }

    private void replaceIdea(Idea i, IdeaStatus status,
        long votes, Instant updatedAt) {
      put(t.ideas, new IdPair(i.tenantId(), i.id()), new Idea(i.id(), i.tenantId(),
          i.boardId(), i.participantId(), i.title(), i.body(), status, votes, i.createdAt(), updatedAt));
    }
  }

  /** The foreign key to campaign: {@code campaignId} must be a campaign of {@code tenantId}. */
  private void requireCampaign(long tenantId, long campaignId, String child) {
    Campaign campaign = t.campaigns.get(campaignId);
    if (campaign == null || campaign.tenantId() != tenantId) {
      throw constraint("foreign key violated: " + child + " of a campaign that is not in its tenant");
    }
  }

  /** The values of one (tenant, parent) range of a (tenant, parent, id) index, in id order. */
  private static <V> Stream<V> ids(NavigableMap<IdTriple, V> index, long tenantId, long parent) {
    return poolRange(index, tenantId, parent).values().stream();
  }

  private static <V> NavigableMap<IdTriple, V> poolRange(NavigableMap<IdTriple, V> index, long tenantId,
      long parent) {
    return index.subMap(new IdTriple(tenantId, parent, Long.MIN_VALUE), true,
        new IdTriple(tenantId, parent, Long.MAX_VALUE), true);
  }

  private void write(Participant p) {
    put(t.participants, p.id(), p);
    put(t.participantsByCampaign, new IdPair(p.campaignId(), p.id()), p);
  }

  private static ScopedText emailKey(Participant p) {
    return p.sanitizedEmail() == null ? null : new ScopedText(p.campaignId(), p.sanitizedEmail());
  }

  /** The rows under one parent of a (parent, id) index, in id order. */
  private static <V> Stream<V> children(NavigableMap<IdPair, V> index, long parent) {
    return index.subMap(new IdPair(parent, Long.MIN_VALUE), true, new IdPair(parent, Long.MAX_VALUE), true)
        .values()
        .stream();
  }
}
