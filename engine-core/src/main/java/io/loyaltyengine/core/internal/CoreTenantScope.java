package io.loyaltyengine.core.internal;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.brand.Brands;
import io.loyaltyengine.campaign.Campaigns;
import io.loyaltyengine.catalog.Catalog;
import io.loyaltyengine.core.access.AccessService;
import io.loyaltyengine.core.access.ApiKeyService;
import io.loyaltyengine.core.brand.BrandService;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.catalog.CatalogService;
import io.loyaltyengine.core.coupons.CouponService;
import io.loyaltyengine.core.customers.CustomerMappingService;
import io.loyaltyengine.core.event.ChangeFeedService;
import io.loyaltyengine.core.event.EventDispatcher;
import io.loyaltyengine.core.feedback.FeedbackService;
import io.loyaltyengine.core.fraud.FraudRules;
import io.loyaltyengine.core.leaderboard.LeaderboardIndexes;
import io.loyaltyengine.core.leaderboard.LeaderboardService;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.points.PointsService;
import io.loyaltyengine.core.quests.QuestService;
import io.loyaltyengine.core.referrals.ReferralService;
import io.loyaltyengine.core.referrals.SigningKeys;
import io.loyaltyengine.core.rewards.RewardService;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.sso.SingleSignOnService;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.core.testimonials.TestimonialService;
import io.loyaltyengine.core.webhook.WebhookDeliverer;
import io.loyaltyengine.core.webhook.WebhookService;
import io.loyaltyengine.coupons.CouponPools;
import io.loyaltyengine.customers.CustomerMappings;
import io.loyaltyengine.events.ChangeFeed;
import io.loyaltyengine.feedback.FeedbackBoards;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.participant.Participants;
import io.loyaltyengine.points.Points;
import io.loyaltyengine.quests.Quests;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.rewards.Rewards;
import io.loyaltyengine.sso.SingleSignOn;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testimonials.Testimonials;
import io.loyaltyengine.webhooks.WebhookSettings;
import io.loyaltyengine.webhooks.Webhooks;
import java.util.Objects;

/** The operations of one tenant. Thread-safe unless bound to a host transaction. */
final class CoreTenantScope implements TenantScope {
  private final Storage storage;
  private final ScopeContext context;
  private final Brands brands;
  private final Campaigns campaigns;
  private final Participants participants;
  private final Points points;
  private final ChangeFeed changeFeed;
  private final Rewards rewards;
  private final CouponPools coupons;
  private final Catalog catalog;
  private final Referrals referrals;
  private final Webhooks webhooks;
  private final WebhookSettings webhookSettings;
  private final EventDispatcher dispatcher;
  private final WebhookDeliverer webhookDeliverer;
  private final FraudRules fraudRules;
  private final SigningKeys signingKeys;
  private final LeaderboardIndexes leaderboardIndexes;
  private final Leaderboards leaderboards;
  private final Testimonials testimonials;
  private final Quests quests;
  private final FeedbackBoards feedback;
  private final SsoSettings ssoSettings;
  private final CustomerMappings customerMappings;
  private final SingleSignOn singleSignOn;
  private final AccessService access;
  private final ApiKeys apiKeys;

  CoreTenantScope(Storage storage, ScopeContext context, WebhookSettings webhookSettings, EventDispatcher dispatcher,
      WebhookDeliverer webhookDeliverer, FraudRules fraudRules, SigningKeys signingKeys,
      LeaderboardIndexes leaderboardIndexes, SsoSettings ssoSettings, AccessService access) {
    this.storage = storage;
    this.context = context;
    this.webhookSettings = webhookSettings;
    this.dispatcher = dispatcher;
    this.webhookDeliverer = webhookDeliverer;
    this.fraudRules = fraudRules;
    this.signingKeys = signingKeys;
    this.leaderboardIndexes = leaderboardIndexes;
    this.leaderboards = new LeaderboardService(context, leaderboardIndexes);
    this.changeFeed = new ChangeFeedService(context);
    this.rewards = new RewardService(context);
    this.coupons = new CouponService(context);
    this.catalog = new CatalogService(context);
    this.referrals = new ReferralService(context, fraudRules, signingKeys);
    this.webhooks = new WebhookService(context, webhookSettings, dispatcher, webhookDeliverer);
    this.brands = new BrandService(context);
    this.campaigns = new CampaignService(context);
    this.participants = new ParticipantService(context);
    this.points = new PointsService(context);
    this.testimonials = new TestimonialService(context);
    this.quests = new QuestService(context);
    this.feedback = new FeedbackService(context);
    this.ssoSettings = ssoSettings;
    this.customerMappings = new CustomerMappingService(context);
    this.singleSignOn = new SingleSignOnService(context, ssoSettings);
    this.access = access;
    this.apiKeys = new ApiKeyService(context, access);
  }

  @Override
  public long tenantId() {
    return context.tenantId();
  }

  @Override
  public Tenant tenant() {
    return new TenantService(context).get(context.tenantId());
  }

  @Override
  public ApiKeys apiKeys() {
    return apiKeys;
  }

  @Override
  public Brands brands() {
    return brands;
  }

  @Override
  public Campaigns campaigns() {
    return campaigns;
  }

  @Override
  public Participants participants() {
    return participants;
  }

  @Override
  public Points points() {
    return points;
  }

  @Override
  public Rewards rewards() {
    return rewards;
  }

  @Override
  public CouponPools coupons() {
    return coupons;
  }

  @Override
  public Catalog catalog() {
    return catalog;
  }

  @Override
  public Leaderboards leaderboards() {
    return leaderboards;
  }

  @Override
  public Referrals referrals() {
    return referrals;
  }

  @Override
  public Testimonials testimonials() {
    return testimonials;
  }

  @Override
  public Quests quests() {
    return quests;
  }

  @Override
  public FeedbackBoards feedback() {
    return feedback;
  }

  @Override
  public ChangeFeed changeFeed() {
    return changeFeed;
  }

  @Override
  public Webhooks webhooks() {
    return webhooks;
  }

  @Override
  public CustomerMappings customerMappings() {
    return customerMappings;
  }

  @Override
  public SingleSignOn singleSignOn() {
    return singleSignOn;
  }

  @Override
  public TenantScope joining(HostTransaction transaction) {
    Objects.requireNonNull(transaction, "transaction");
    // Refused here, as TenantScope documents, not at the scope's first operation (which the storage refuses too).
    storage.checkJoinable(transaction);
    return new CoreTenantScope(storage, new ScopeContext(context.tenantId(),
        context.transactions().joining(transaction), context.clock(), context.ids(), context.limits(),
        context.campaignZones()),
        webhookSettings, dispatcher, webhookDeliverer, fraudRules, signingKeys, leaderboardIndexes, ssoSettings,
        access);
  }

  @Override
  public String toString() {
    return "TenantScope[tenantId=" + context.tenantId() + "]";
  }
}
