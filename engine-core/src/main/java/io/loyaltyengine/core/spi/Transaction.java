package io.loyaltyengine.core.spi;

/**
 * The ports of one open transaction. Valid only while the unit of work runs, and only on its thread.
 */
public interface Transaction {
  /** Tenants. */
  TenantPort tenants();

  /** Brands. */
  BrandPort brands();

  /** Campaigns. */
  CampaignPort campaigns();

  /** Participants' profiles. */
  ParticipantPort participants();

  /** Balances and ledger entries. */
  LedgerPort ledger();

  /** The outbox and the change feed. */
  EventPort events();

  /** Deliveries of events to listeners and webhook endpoints. */
  DeliveryPort deliveries();

  /** Webhook endpoints. */
  WebhookEndpointPort webhookEndpoints();

  /** Campaign rewards and reward programs. */
  RewardPort rewards();

  /** Loyalty actions and their counters. */
  ActionPort actions();

  /** Earned rewards. */
  EarnedRewardPort earnedRewards();

  /** Coupon pools. */
  CouponPort coupons();

  /** Catalog rewards and redemptions. */
  CatalogPort catalog();

  /** Referral settings, signing keys, short codes and referrals. */
  ReferralPort referrals();

  /** Board scores, points counters and month winners. */
  LeaderboardPort leaderboards();

  /** Which participant each of a host's customers is. */
  CustomerMappingPort customerMappings();

  /** Tenants' single sign-on secrets. */
  SsoSecretPort ssoSecrets();

  /** API keys. */
  ApiKeyPort apiKeys();

  /** Leases of the node numbers of engine instances (not tenant data). */
  NodePort nodes();

  /** Testimonials. */
  TestimonialPort testimonials();

  /** Quests and participants' completions of their tasks. */
  QuestPort quests();

  /** Feedback boards, ideas and votes. */
  FeedbackPort feedback();

  /**
   * Runs {@code work} inside this transaction behind a savepoint. If it throws, what it wrote is undone, the
   * exception propagates, and this transaction stays usable (on PostgreSQL too, where a failed statement would
   * otherwise abort the whole transaction); if it returns, its writes stay part of this transaction. The engine
   * uses it to combine several independent operations into one commit.
   *
   * <p>{@code work} is given this transaction (the caller's view of it, decorators included).
   *
   * @throws TransientStorageException if the savepoint could not be set, released or rolled back to: the
   *     transaction is then unusable (the work's writes may still be in it), must not commit, and the whole unit of
   *     work is to run again
   */
  <T> T nested(TransactionWork<T> work);

  /**
   * Appends the rows of points changes: the ledger entries, then the events, then the counter additions, as
   * {@link LedgerPort#appendAll}, {@link EventPort#appendAll} and {@link LeaderboardPort#addPointsAll} would. A store
   * may write them with one statement (an award's rows then cost one round trip to the database), and may hold them
   * back until the commit, the unit of work's next statement or the end of the {@link #nested} unit that appended
   * them, whichever comes first (PostgreSQL sends them with the commit); the rest of the unit of work sees them
   * either way, in order, and a {@link #nested} unit that throws drops the rows it appended. Decorators that watch
   * one of those ports see the rows whatever the store does, since this default goes through them.
   *
   * @throws UniqueViolationException with {@link UniqueKey#LEDGER_IDEMPOTENCY_KEY} if an entry's idempotency key is
   *     taken (the unit of work must fail); from rows held back, the statement that sends them throws it instead,
   *     or the end of the nested unit, or {@link Storage#inTransaction} at the commit (nothing committed)
   */
  default void appendPointsRows(PointsRows rows) {
    ledger().appendAll(rows.entries());
    events().appendAll(rows.events());
    leaderboards().addPointsAll(rows.increments());
  }

  /**
   * Appends a recorded action and its event, as {@link ActionPort#insert} then {@link EventPort#append} would. A
   * store may write both with one statement, and may hold them back as {@link #appendPointsRows} may (PostgreSQL
   * sends them with the commit); the rest of the unit of work sees them either way, and a {@link #nested} unit that
   * throws drops them. Decorators that watch one of those ports see both rows whatever the store does, since this
   * default goes through them.
   *
   * @throws UniqueViolationException with {@link UniqueKey#ACTION_IDEMPOTENCY_KEY} if the action's idempotency key
   *     is taken (the unit of work must fail); from rows held back, where {@link #appendPointsRows} says
   */
  default void appendAction(ActionRecord action, EventRecord event) {
    actions().insert(action);
    events().append(event);
  }
}
