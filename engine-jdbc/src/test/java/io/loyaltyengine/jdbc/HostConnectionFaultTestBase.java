package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.math.BigDecimal;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The host's own connection failing while an engine operation runs in the host's transaction
 * ({@code TenantScope.joining(JdbcHostTransaction.of(connection))}): the k-th JDBC call the engine makes on it (a
 * statement prepared, a savepoint set, released or rolled back to) loses the connection (SQLState 08006, every later
 * call 08003), for k = 1, 2, ... until the operation no longer reaches the failure. Each time the host must get the
 * operation's result or a {@link LoyaltyException} (STORAGE_UNAVAILABLE when the connection failed), never an
 * unchecked exception of the driver, Jdbi or the engine; it then rolls its transaction back, and the engine goes on
 * serving the tenant. One backend per subclass.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class HostConnectionFaultTestBase extends HostTransactionTestBase {
  private final SettableClock clock = SettableClock.at(Instant.parse("2026-03-10T12:00:00Z"));

  /** Whether the sweep refuses a statement on a usable connection, rather than losing the connection. */
  private boolean refused;

  @Test
  void theHostsConnectionFailingAtAnyCallOfAJoinedOperationIsALoyaltyException() throws Exception {
    sweepAll();
  }

  /**
   * The database refusing the k-th statement of a joined operation (a statement timeout), the connection usable: the
   * host gets STORAGE_UNAVAILABLE, goes on with its own work and commits, and nothing of the operation is half
   * applied.
   */
  @Test
  void aStatementOfAJoinedOperationRefusedLeavesTheHostsTransactionCommittableWithNothingHalfApplied()
      throws Exception {
    refused = true;
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE host_fault_order (order_id VARCHAR(100) PRIMARY KEY)");
    }
    sweepAll();
    assertTrue(fixture.count("SELECT COUNT(*) FROM host_fault_order WHERE 1 = ?", 1) > 0, "the host's rows");
  }

  /**
   * The database refusing the release of a joined operation's savepoint, after the operation's work ran (a statement
   * timeout, the connection usable; on PostgreSQL the refusal aborts the transaction): the host gets
   * STORAGE_UNAVAILABLE, whose message says nothing was changed, goes on with its own work and commits. The
   * operation's writes must then be undone, not committed with the host's rows, and a retry with the same idempotency
   * key awards the points once.
   */
  @Test
  void aRefusedReleaseOfTheOperationsSavepointUndoesItAndLeavesTheHostsTransactionCommittable() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0).clock(clock));
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Release")).id());
    Brand brand = shop.brands().create(new NewBrand("Release", "https://release.example"));
    Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Release"));
    ParticipantRef ada = ParticipantRef.id(
        shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com")).id());
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE host_release_order (order_id VARCHAR(100) PRIMARY KEY)");
    }
    PointsChange purchase = PointsChange.of(5, "purchase").withIdempotencyKey("order-1");
    boolean[] refusedRelease = new boolean[1];
    try (Connection connection = fixture.connect()) {
      connection.setAutoCommit(false);
      Savepoint[] outer = new Savepoint[1];
      Connection refusing = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
          new Class<?>[] {Connection.class}, (proxy, method, args) -> {
            if (method.getName().equals("releaseSavepoint") && args[0] == outer[0] && !refusedRelease[0]) {
              refusedRelease[0] = true;
              try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1 / (SELECT COUNT(*) FROM tenant WHERE tenant_id < 0)");
              } catch (SQLException e) {
                throw new SQLException("canceling statement due to statement timeout (a test's injected failure)",
                    "57014");
              }
              throw new AssertionError("the division by zero did not fail");
            }
            Object result = TestProxies.invoke(connection, method, args);
            if (method.getName().equals("setSavepoint") && outer[0] == null) {
              outer[0] = (Savepoint) result;
            }
            return result;
          });
      LoyaltyException e = assertThrows(LoyaltyException.class,
          () -> shop.joining(JdbcHostTransaction.of(refusing)).points().award(ada, purchase));
      assertTrue(refusedRelease[0], "the operation's savepoint was released");
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code(), e::toString);
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("INSERT INTO host_release_order VALUES ('order-1')");
      }
      connection.commit();
    }
    assertEquals(1, fixture.count("SELECT COUNT(*) FROM host_release_order WHERE 1 = ?", 1), "the host's row");
    assertEquals(0, shop.participants().get(ada).pointsBalance(), "the refused award's points");
    assertFalse(shop.points().award(ada, purchase).replayed(), "the retry replayed an award reported as not made");
    assertEquals(5, shop.participants().get(ada).pointsBalance(), "ada's balance after the retry");
  }

  private void sweepAll() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0)
        .clock(clock)
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_ALL))
        .access(AccessSettings.builder().plan("free", 1_000_000, Duration.ofMinutes(1)).defaultPlan("free")
            .build()));
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Faults")).id());
    Brand brand = shop.brands().create(new NewBrand("Faults", "https://faults.example"));
    Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Faults"));
    ParticipantRef ada = ParticipantRef.id(
        shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com")).id());
    ParticipantRef bob = ParticipantRef.id(
        shop.participants().create(campaign.id(), NewParticipant.withEmail("bob@example.com")).id());
    shop.points().award(ada, PointsChange.of(1_000_000, "opening"));
    CampaignReward loyal = shop.rewards().define(campaign.id(), NewCampaignReward.points("Loyal", 7, 2));
    CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tin", 10,
        RewardType.CUSTOM_MESSAGE).withStock(1_000));
    shop.referrals().configure(ReferralSettings.defaults(campaign.id())
        .withConversionPoints(ConversionPoints.fixed(25)));
    String code = shop.referrals().codes(ada).shortCode();
    String ssoSecret = shop.singleSignOn().rotateSecret().secret();
    IssuedApiKey key = shop.apiKeys().issue(NewApiKey.of("till", ApiScope.READ));
    AtomicInteger n = new AtomicInteger();

    sweep(shop, "award", s -> s.points().award(ada,
        PointsChange.of(3, "purchase").withIdempotencyKey("award-" + n.incrementAndGet())));
    sweep(shop, "applyAll", s -> s.points().applyAll(List.of(
        PointsOperation.award(ada, PointsChange.of(5, "import").withIdempotencyKey("bulk-a-" + n.incrementAndGet())),
        PointsOperation.award(bob, PointsChange.of(4, "import").withIdempotencyKey("bulk-b-" + n.get())))));
    sweep(shop, "action", s -> s.rewards().recordAction(LoyaltyAction.of(ada, loyal.id())
        .withIdempotencyKey("action-" + n.incrementAndGet())));
    sweep(shop, "redeem", s -> s.catalog().redeem(ada, tin.id(), "redeem-" + n.incrementAndGet()));
    sweep(shop, "enrol", s -> s.participants().create(campaign.id(),
        NewParticipant.withEmail("p" + n.incrementAndGet() + "@example.com")));
    sweep(shop, "signup", s -> s.referrals().signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("invited" + n.incrementAndGet() + "@example.com"), code)));
    sweep(shop, "convert", s -> s.referrals().convert(campaign.id(),
        new NewConversion(code, "order-" + n.incrementAndGet(), new BigDecimal("40"))));
    sweep(shop, "codes", s -> s.referrals().codes(bob));
    sweep(shop, "rotateSigningKey", s -> s.referrals().rotateSigningKey());
    sweep(shop, "issue", s -> s.apiKeys().issue(NewApiKey.of("key " + n.incrementAndGet(), ApiScope.READ)));
    sweep(shop, "revoke", s -> s.apiKeys().revoke(key.key().id()));
    sweep(shop, "upload", s -> s.coupons().upload(campaign.id(), List.of("CODE-" + n.incrementAndGet())));
    sweep(shop, "recognize", s -> s.singleSignOn().recognize(SsoSignatures.login(ssoSecret, campaign.id(),
        "customer-" + n.incrementAndGet(), "sso" + n.get() + "@example.com", clock.instant().getEpochSecond())));
    sweep(shop, "createEndpoint", s -> s.webhooks().create(NewWebhookEndpoint.of("https://hooks.example.com/a")));
    sweep(shop, "delete", s -> {
      s.participants().delete(bob);
      return "deleted";
    });
    clock.set(Instant.parse("2026-04-01T00:05:00Z"));
    sweep(shop, "winners", s -> s.leaderboards().winners(campaign.id(), YearMonth.of(2026, 3), BoardMetric.POINTS));

    if (!refused) {
      // Every change above was rolled back with the hosts' transactions.
      assertEquals(1_000_000, shop.participants().get(ada).pointsBalance(), "ada's balance");
    }
    // The engine serves the tenant as before.
    assertEquals(ada, ParticipantRef.id(shop.referrals().decode(campaign.id(),
        shop.referrals().codes(ada).signed()).participantId()), "a signed code verifies");
    if (!refused) {
      assertEquals(shop.tenantId(), engine.access().authenticate(key.secret(), ApiScope.READ).tenantId(),
          "the key stays live");
    }
  }

  /**
   * Runs {@code operation} in host transactions whose connection fails at its k-th call, k = 1, 2, ..., each
   * transaction rolled back after it, until a run no longer reaches the failure.
   */
  private void sweep(TenantScope shop, String name, Function<TenantScope, Object> operation) throws SQLException {
    for (int k = 1; ; k++) {
      AtomicInteger callsLeft = new AtomicInteger(k);
      boolean[] failed = new boolean[1];
      Object answer;
      try (Connection connection = fixture.connect()) {
        connection.setAutoCommit(false);
        Connection failing = refused ? refusingAt(connection, callsLeft, failed)
            : failingAt(connection, callsLeft, failed);
        try {
          answer = operation.apply(shop.joining(JdbcHostTransaction.of(failing)));
        } catch (LoyaltyException e) {
          answer = e;
        } catch (RuntimeException e) {
          throw new AssertionError(name + ", call " + k + " failing: the host got " + e, e);
        } finally {
          if (refused) {
            // The host goes on with its own work, and commits: the engine's operation whole, or nothing of it.
            try (Statement statement = connection.createStatement()) {
              statement.executeUpdate("INSERT INTO host_fault_order VALUES ('" + name + "-" + k + "')");
            }
            connection.commit();
          } else {
            connection.rollback();
          }
        }
      }
      if (refused) {
        assertNothingHalfApplied(name + ", call " + k);
      }
      if (answer instanceof LoyaltyException e) {
        int call = k;
        assertTrue(failed[0], () -> name + ", call " + call + ": refused with no failure: " + e);
        assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code(), () -> name + ", call " + call + ": " + e);
      }
      if (!failed[0]) {
        return;
      }
      if (k > 200) {
        fail(name + ": still failing after 200 calls");
      }
    }
  }

  /**
   * {@code connection}, whose {@code callsLeft}-th statement the database refuses (a statement timeout, SQLState
   * 57014): the statement is sent and fails on the database, which on PostgreSQL aborts the transaction, and the
   * connection stays usable.
   */
  private static Connection refusingAt(Connection connection, AtomicInteger callsLeft, boolean[] failed) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().startsWith("prepare") && callsLeft.decrementAndGet() == 0) {
            failed[0] = true;
            try (Statement statement = connection.createStatement()) {
              statement.execute("SELECT 1 / (SELECT COUNT(*) FROM tenant WHERE tenant_id < 0)");
            } catch (SQLException e) {
              throw new SQLException("canceling statement due to statement timeout (a test's injected failure)",
                  "57014");
            }
            throw new AssertionError("the division by zero did not fail");
          }
          return TestProxies.invoke(connection, method, args);
        });
  }

  /**
   * Every participant's balance is the sum of its ledger, the tin's stock and its redemptions add up to what it was
   * given, and every customer mapping has its participant.
   */
  private void assertNothingHalfApplied(String where) throws SQLException {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM participant p WHERE p.points_balance <> COALESCE(("
          + "SELECT SUM(CASE WHEN e.kind = 'AWARD' THEN e.amount ELSE -e.amount END) FROM ledger_entry e"
          + " WHERE e.tenant_id = p.tenant_id AND e.participant_id = p.participant_id), 0)")) {
        rs.next();
        assertEquals(0, rs.getLong(1), () -> where + ": a balance that is not the sum of its ledger");
      }
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM catalog_reward r WHERE r.stock + (SELECT COUNT(*)"
          + " FROM redemption d WHERE d.tenant_id = r.tenant_id AND d.catalog_reward_id = r.catalog_reward_id)"
          + " <> 1000")) {
        rs.next();
        assertEquals(0, rs.getLong(1), () -> where + ": stock and redemptions disagree");
      }
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM customer_mapping m WHERE NOT EXISTS (SELECT 1 FROM"
          + " participant p WHERE p.tenant_id = m.tenant_id AND p.participant_id = m.participant_id)")) {
        rs.next();
        assertEquals(0, rs.getLong(1), () -> where + ": a mapping without its participant");
      }
    }
  }

  /** {@code connection}, lost at its {@code callsLeft}-th counted call. */
  private static Connection failingAt(Connection connection, AtomicInteger callsLeft, boolean[] failed) {
    return TestProxies.losable(connection, (method, args, loss) -> {
      String name = method.getName();
      boolean counted = name.startsWith("prepare") || name.equals("createStatement")
          || name.equals("setSavepoint") || name.equals("releaseSavepoint")
          || name.equals("rollback") && args != null;
      if (counted && callsLeft.decrementAndGet() == 0) {
        failed[0] = true;
        throw loss.lost();
      }
      return TestProxies.invoke(connection, method, args);
    });
  }
}
