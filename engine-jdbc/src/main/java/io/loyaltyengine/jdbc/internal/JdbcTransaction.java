package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ApiKeyPort;
import io.loyaltyengine.core.spi.BrandPort;
import io.loyaltyengine.core.spi.CampaignPort;
import io.loyaltyengine.core.spi.CatalogPort;
import io.loyaltyengine.core.spi.CouponPort;
import io.loyaltyengine.core.spi.CustomerMappingPort;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.EarnedRewardPort;
import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.FeedbackPort;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.NodePort;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.QuestPort;
import io.loyaltyengine.core.spi.ReferralPort;
import io.loyaltyengine.core.spi.RewardPort;
import io.loyaltyengine.core.spi.SsoSecretPort;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TenantPort;
import io.loyaltyengine.core.spi.TestimonialPort;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.WebhookEndpointPort;
import io.loyaltyengine.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import org.jdbi.v3.core.Handle;

/**
 * The ports of one open transaction, all on one Jdbi handle (one connection).
 *
 * <p>Not thread-safe: valid only while its unit of work runs, on that thread.
 */
public final class JdbcTransaction implements Transaction {
  private final Handle handle;
  private final SqlDialect dialect;
  private final TenantPort tenants;
  private final BrandPort brands;
  private final CampaignPort campaigns;
  private final ParticipantPort participants;
  private final JdbcLedgerPort ledger;
  private final EventPort events;
  private final DeliveryPort deliveries;
  private final WebhookEndpointPort webhookEndpoints;
  private final RewardPort rewards;
  private final ActionPort actions;
  private final EarnedRewardPort earnedRewards;
  private final CouponPort coupons;
  private final CatalogPort catalog;
  private final ReferralPort referrals;
  private final LeaderboardPort leaderboards;
  private final NodePort nodes;
  private final TestimonialPort testimonials;
  private final QuestPort quests;
  private final FeedbackPort feedback;
  private final CustomerMappingPort customerMappings;
  private final SsoSecretPort ssoSecrets;
  private final ApiKeyPort apiKeys;

  /** The ports on {@code handle}, which is in a transaction. */
  public JdbcTransaction(Handle handle, Sql sql) {
    this.handle = handle;
    this.dialect = sql.dialect();
    this.tenants = new JdbcTenantPort(handle, sql);
    this.brands = new JdbcBrandPort(handle, sql);
    this.campaigns = new JdbcCampaignPort(handle, sql);
    this.participants = new JdbcParticipantPort(handle, sql);
    this.ledger = new JdbcLedgerPort(handle, sql);
    this.events = new JdbcEventPort(handle, sql);
    this.deliveries = new JdbcDeliveryPort(handle, sql);
    this.webhookEndpoints = new JdbcWebhookEndpointPort(handle, sql);
    this.rewards = new JdbcRewardPort(handle, sql);
    this.actions = new JdbcActionPort(handle, sql);
    this.earnedRewards = new JdbcEarnedRewardPort(handle, sql);
    this.coupons = new JdbcCouponPort(handle, sql);
    this.catalog = new JdbcCatalogPort(handle, sql);
    this.referrals = new JdbcReferralPort(handle, sql);
    this.leaderboards = new JdbcLeaderboardPort(handle, sql);
    this.nodes = new JdbcNodePort(handle, sql);
    this.testimonials = new JdbcTestimonialPort(handle, sql);
    this.quests = new JdbcQuestPort(handle, sql);
    this.feedback = new JdbcFeedbackPort(handle, sql);
    this.customerMappings = new JdbcCustomerMappingPort(handle, sql);
    this.ssoSecrets = new JdbcSsoSecretPort(handle, sql);
    this.apiKeys = new JdbcApiKeyPort(handle, sql);
  }

  @Override
  public TenantPort tenants() {
    return tenants;
  }

  @Override
  public BrandPort brands() {
    return brands;
  }

  @Override
  public CampaignPort campaigns() {
    return campaigns;
  }

  @Override
  public ParticipantPort participants() {
    return participants;
  }

  @Override
  public LedgerPort ledger() {
    return ledger;
  }

  @Override
  public EventPort events() {
    return events;
  }

  @Override
  public DeliveryPort deliveries() {
    return deliveries;
  }

  @Override
  public WebhookEndpointPort webhookEndpoints() {
    return webhookEndpoints;
  }

  @Override
  public RewardPort rewards() {
    return rewards;
  }

  @Override
  public ActionPort actions() {
    return actions;
  }

  @Override
  public EarnedRewardPort earnedRewards() {
    return earnedRewards;
  }

  @Override
  public CouponPort coupons() {
    return coupons;
  }

  @Override
  public ApiKeyPort apiKeys() {
    return apiKeys;
  }

  @Override
  public CatalogPort catalog() {
    return catalog;
  }

  @Override
  public ReferralPort referrals() {
    return referrals;
  }

  @Override
  public LeaderboardPort leaderboards() {
    return leaderboards;
  }

  @Override
  public NodePort nodes() {
    return nodes;
  }

  @Override
  public TestimonialPort testimonials() {
    return testimonials;
  }

  @Override
  public QuestPort quests() {
    return quests;
  }

  @Override
  public FeedbackPort feedback() {
    return feedback;
  }

  @Override
  public CustomerMappingPort customerMappings() {
    return customerMappings;
  }

  @Override
  public SsoSecretPort ssoSecrets() {
    return ssoSecrets;
  }

  /** On PostgreSQL one statement for all the rows; on H2 the three batches (no round trips to save in-process). */
  @Override
  public void appendPointsRows(PointsRows rows) {
    if (dialect == SqlDialect.POSTGRESQL) {
      ledger.appendPointsRowsAtOnce(rows);
    } else {
      Transaction.super.appendPointsRows(rows);
    }
  }

  /**
   * Sets a JDBC savepoint and, if {@code work} throws, rolls back to it; else releases it. Releasing costs a round
   * trip on PostgreSQL, but a transaction with many live savepoints costs far more there (each keeps its
   * subtransaction until the end).
   */
  @Override
  public <T> T nested(TransactionWork<T> work) {
    Connection connection = handle.getConnection();
    Savepoint savepoint;
    try {
      savepoint = connection.setSavepoint();
    } catch (SQLException e) {
      throw unusable("savepoint", e);
    }
    T result;
    try {
      result = work.run(this);
    } catch (RuntimeException | Error failure) {
      try {
        connection.rollback(savepoint);
      } catch (SQLException e) {
        // The work's writes may still be there: the transaction must not commit (see Transaction#nested).
        StorageException broken = unusable("rollback to savepoint", e);
        broken.addSuppressed(failure);
        throw broken;
      }
      throw failure;
    }
    try {
      connection.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      // Not the work's failure: its writes stay in the transaction, which must then not commit.
      throw unusable("release savepoint", e);
    }
    return result;
  }

  /** A savepoint step failed: the transaction is unusable, and the whole unit of work is to run again. */
  private static TransientStorageException unusable(String step, SQLException e) {
    return new TransientStorageException(step + " failed" + SqlErrors.describe(e) + "; the transaction is unusable,"
        + " retry the unit of work", SqlErrors.redacted(e));
  }
}
