package io.loyaltyengine.core.spi;

import java.util.Objects;

/**
 * A transaction that hands every port of another one through, for decorators that watch or change a few ports
 * (override those) and must keep up with every port added to {@link Transaction} without listing them again.
 *
 * <p>{@link #appendPointsRows} and {@link #appendAction} are not forwarded: they run the default, through this
 * transaction's ports, so a decorator watching the ports they write sees those rows. A decorator that watches none of
 * them should override the method to call the delegate's, which keeps the store's one-statement write (PostgreSQL).
 *
 * <p>Valid as long as the transaction it wraps: only while its unit of work runs, and only on its thread.
 */
public abstract class ForwardingTransaction implements Transaction {
  private final Transaction delegate;

  /** Forwards to {@code delegate}. */
  protected ForwardingTransaction(Transaction delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The transaction forwarded to. */
  protected final Transaction delegate() {
    return delegate;
  }

  @Override
  public TenantPort tenants() {
    return delegate.tenants();
  }

  @Override
  public BrandPort brands() {
    return delegate.brands();
  }

  @Override
  public CampaignPort campaigns() {
    return delegate.campaigns();
  }

  @Override
  public ParticipantPort participants() {
    return delegate.participants();
  }

  @Override
  public LedgerPort ledger() {
    return delegate.ledger();
  }

  @Override
  public EventPort events() {
    return delegate.events();
  }

  @Override
  public DeliveryPort deliveries() {
    return delegate.deliveries();
  }

  @Override
  public ApiKeyPort apiKeys() {
    return delegate.apiKeys();
  }

  @Override
  public WebhookEndpointPort webhookEndpoints() {
    return delegate.webhookEndpoints();
  }

  @Override
  public RewardPort rewards() {
    return delegate.rewards();
  }

  @Override
  public ActionPort actions() {
    return delegate.actions();
  }

  @Override
  public EarnedRewardPort earnedRewards() {
    return delegate.earnedRewards();
  }

  @Override
  public CouponPort coupons() {
    return delegate.coupons();
  }

  @Override
  public CatalogPort catalog() {
    return delegate.catalog();
  }

  @Override
  public ReferralPort referrals() {
    return delegate.referrals();
  }

  @Override
  public LeaderboardPort leaderboards() {
    return delegate.leaderboards();
  }

  @Override
  public TestimonialPort testimonials() {
    return delegate.testimonials();
  }

  @Override
  public QuestPort quests() {
    return delegate.quests();
  }

  @Override
  public FeedbackPort feedback() {
    return delegate.feedback();
  }

  @Override
  public CustomerMappingPort customerMappings() {
    return delegate.customerMappings();
  }

  @Override
  public SsoSecretPort ssoSecrets() {
    return delegate.ssoSecrets();
  }

  @Override
  public NodePort nodes() {
    return delegate.nodes();
  }

  /** Runs {@code work} behind the delegate's savepoint, handing it this transaction, so decorators stay in place. */
  @Override
  public <T> T nested(TransactionWork<T> work) {
    return delegate().nested(inner -> work.run(this));
  }
}
