package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.ApiKeyPort;
import io.loyaltyengine.core.spi.BrandPort;
import io.loyaltyengine.core.spi.CampaignPort;
import io.loyaltyengine.core.spi.CatalogPort;
import io.loyaltyengine.core.spi.CouponPort;
import io.loyaltyengine.core.spi.CustomerMappingPort;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.EarnedRewardPort;
import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.EventRecord;
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
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.core.spi.WebhookEndpointPort;
import io.loyaltyengine.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;

/**
 * The ports of one open transaction, all on one Jdbi handle (one connection).
 *
 * <p>On PostgreSQL, in a transaction the storage commits itself, the last rows of a unit of work are held back and
 * sent with the commit, one round trip less: an award's or deduction's entry, event and counters
 * ({@link #appendPointsRows}), or a recorded action and its event ({@link #appendAction}). Any statement the unit of
 * work runs after them sends them first ({@link #sendDeferredRows}), so the order of its statements is kept; a
 * {@link #nested} unit sends the rows it held before its savepoint is released, so that their failure is its own.
 *
 * <p>Rows with an idempotency key are held back too. Their one refusal the engine expects, a key a concurrent
 * transaction committed first, then comes with the commit: PostgreSQL refuses the insert, skips the COMMIT and the
 * transaction rolls back, a definite answer, which {@link #commitWithDeferredRows} reports as the
 * {@link UniqueViolationException} of the key, exactly as the insert sent alone would have. No unit of work of the
 * engine handles that violation itself: it fails the unit of work, which its caller answers from a fresh transaction
 * (a replay or a CONFLICT) or, where the transaction held several units, runs again behind savepoints or alone.
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
  private final JdbcActionPort actions;
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
  /** Whether the storage commits this transaction itself, on PostgreSQL: rows may wait for the commit. */
  private final boolean commitsWithRows;
  /** Rows held back for the commit, or null. */
  private HeldRows deferred;
  /** Whether {@link #sendDeferredRows} runs before each statement of the handle. */
  private boolean sendsBeforeStatements;

  /** The ports on {@code handle}, which is in a transaction the host owns (the storage never commits it). */
  public JdbcTransaction(Handle handle, Sql sql) {
    this(handle, sql, false);
  }

  /**
   * The ports on {@code handle}, which is in a transaction; {@code storageCommits} if the storage commits it itself
   * (then through {@link #commitWithDeferredRows}).
   */
  public JdbcTransaction(Handle handle, Sql sql, boolean storageCommits) {
    this.handle = handle;
    this.dialect = sql.dialect();
    this.commitsWithRows = storageCommits && dialect == SqlDialect.POSTGRESQL;
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

  /**
   * On PostgreSQL one statement for all the rows, held back for the commit where it can be (see the class comment);
   * on H2 the ports' three writes, each one statement for several rows (no round trips to save in-process).
   */
  @Override
  public void appendPointsRows(PointsRows rows) {
    if (dialect != SqlDialect.POSTGRESQL) {
      Transaction.super.appendPointsRows(rows);
      return;
    }
    append(new HeldRows("ledger append with events and counters",
        rows.hasIdempotencyKeys() ? UniqueKey.LEDGER_IDEMPOTENCY_KEY : null,
        () -> ledger.appendPointsRowsAtOnce(rows), () -> ledger.appendPointsRowsAndCommit(rows)));
  }

  /**
   * On PostgreSQL one statement for the action and its event, held back for the commit where it can be (see the
   * class comment); on H2 the two inserts.
   */
  @Override
  public void appendAction(ActionRecord action, EventRecord event) {
    if (dialect != SqlDialect.POSTGRESQL || !JdbcActionPort.sameKeys(action, event)) {
      Transaction.super.appendAction(action, event);
      return;
    }
    append(new HeldRows("action insert with its event",
        action.idempotencyKey() == null ? null : UniqueKey.ACTION_IDEMPOTENCY_KEY,
        () -> actions.insertWithEvent(action, event), () -> actions.insertWithEventAndCommit(action, event)));
  }

  /** Sends what was held before, then holds {@code rows} back if the storage commits, else sends them at once. */
  private void append(HeldRows rows) {
    sendDeferredRows();
    if (commitsWithRows) {
      deferred = rows;
      if (!sendsBeforeStatements) {
        sendsBeforeStatements = true;
        handle.addCustomizer(new StatementCustomizer() {
          @Override
          public void beforeExecution(PreparedStatement statement, StatementContext context) {
            sendDeferredRows();
          }
        });
      }
    } else {
      rows.send().run();
    }
  }

  /** Sends the rows held back, if any: a statement is about to run after them. */
  private void sendDeferredRows() {
    HeldRows rows = deferred;
    if (rows != null) {
      deferred = null;
      rows.send().run();
    }
  }

  /**
   * Commits: with the rows held back, if any, in one round trip ({@code INSERT ...; COMMIT}), after which the
   * connection is idle and the driver's own commit sends nothing; else nothing, and the caller commits as usual.
   *
   * @throws UniqueViolationException for the rows' idempotency key, if they carry one and the database refused them
   *     on a unique key (a concurrent transaction committed the key first): nothing committed, as below
   * @throws StorageException (transient or not) if the database refused the rows or the commit: nothing committed,
   *     since the server skips the COMMIT after a failed statement and a failed COMMIT rolls back
   * @throws org.jdbi.v3.core.JdbiException if the connection failed: whether it committed is for the storage to judge
   */
  public void commitWithDeferredRows() {
    HeldRows rows = deferred;
    if (rows != null) {
      deferred = null;
      try {
        rows.sendWithCommit().run();
      } catch (JdbiException e) {
        if (SqlErrors.isAnswerFromTheDatabase(e)) {
          // A refusal: the server skipped the COMMIT, and the caller rolls back. A unique violation of keyed rows is
          // the key's, as their insert sent alone reports it (sendDeferredRows); rows without a key keep the
          // plain failure they always had here.
          throw rows.key() == null ? SqlErrors.translate(rows.what() + ", and commit", e)
              : SqlErrors.translate(rows.what() + ", and commit", rows.key(), e);
        }
        throw e;
      }
    }
  }

  /**
   * Sets a JDBC savepoint and, if {@code work} throws, rolls back to it; else releases it. Releasing costs a round
   * trip on PostgreSQL, but a transaction with many live savepoints costs far more there (each keeps its
   * subtransaction until the end).
   */
  @Override
  public <T> T nested(TransactionWork<T> work) {
    // Rows held back from before belong before the savepoint. Their failure there is not the work's: on PostgreSQL
    // it aborted the whole transaction, which the caller, taking it for the work's, would go on to commit (the
    // server answering COMMIT with a silent ROLLBACK). A taken idempotency key among them too: the unit of work runs
    // again, and finds the key taken before it writes. (The engine's units append nothing before a nested unit.)
    try {
      sendDeferredRows();
    } catch (TransientStorageException e) {
      throw e;
    } catch (StorageException e) {
      throw new TransientStorageException("rows held back failed before a savepoint" + SqlErrors.describe(e)
          + "; the transaction is unusable, retry the unit of work", e);
    }
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
      // The rows the work held back go before the savepoint is released: their failure is the work's, undone with
      // it, not one that a later statement would meet outside the savepoint.
      sendDeferredRows();
    } catch (RuntimeException | Error failure) {
      deferred = null;
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

  /**
   * Rows held back: what they are, the unique key a refusal of them with the commit is reported as (their
   * idempotency key; null if they carry none), how to send them alone (failures translated, as the port's own write
   * does), and with the commit (failures left to {@link #commitWithDeferredRows}). Immutable.
   */
  private record HeldRows(String what, UniqueKey key, Runnable send, Runnable sendWithCommit) {}
}
