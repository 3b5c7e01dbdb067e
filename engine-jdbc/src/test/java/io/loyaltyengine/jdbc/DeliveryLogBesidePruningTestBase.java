package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookDelivery;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A webhook endpoint's delivery log read in a host's transaction, which runs at READ COMMITTED, while pruning deletes
 * the DELIVERED deliveries it lists with their events: the deliveries and their events are read by two statements, and
 * pruning commits between them (the host's connection runs it when the engine prepares the second, so no timing is
 * assumed). The page must show the deliveries as they stood before the pruning or not at all, never fail: the events
 * read found none of the deliveries' events, and the read failed with "a delivery's event is missing from
 * event_outbox". One backend per subclass.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class DeliveryLogBesidePruningTestBase extends HostTransactionTestBase {
  @Test
  void aDeliveryLogPageReadInAHostTransactionWhilePruningDeletesItsDeliveriesDoesNotFail() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0)
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_ALL)));
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Log")).id());
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Log", "log.example.com")).id(), "Log")).id();
    long endpoint = shop.webhooks().create(NewWebhookEndpoint.of("http://127.0.0.1:9/hook")).endpoint().id();
    ParticipantRef ada = ParticipantRef.id(
        shop.participants().create(campaign, NewParticipant.withEmail("ada@example.com")).id());
    shop.points().award(ada, PointsChange.of(5, "purchase"));
    engine.events().dispatch();
    String subscriber = "webhook:" + endpoint;
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(
        "UPDATE event_delivery SET status = 'DELIVERED', lease_owner = NULL, lease_until = NULL"
            + " WHERE tenant_id = ? AND subscriber = ?")) {
      s.setLong(1, shop.tenantId());
      s.setString(2, subscriber);
      assertTrue(s.executeUpdate() >= 2, "the enrolment's and the award's deliveries, delivered");
    }
    CursorPage<WebhookDelivery> before = shop.webhooks().deliveries(endpoint, Keyset.first(10));
    assertTrue(before.items().stream().allMatch(d -> d.status() == DeliveryStatus.DELIVERED), before::toString);

    boolean[] pruned = new boolean[1];
    CursorPage<WebhookDelivery> during;
    try (Connection connection = fixture.connect()) {
      connection.setAutoCommit(false);
      Connection host = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
          new Class<?>[] {Connection.class}, (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement") && !pruned[0]
                && ((String) args[0]).toLowerCase(Locale.ROOT).contains("from event_outbox")) {
              pruned[0] = true;
              prune(shop.tenantId(), subscriber);
            }
            return TestProxies.invoke(connection, method, args);
          });
      during = shop.joining(JdbcHostTransaction.of(host)).webhooks().deliveries(endpoint, Keyset.first(10));
      connection.commit();
    }
    assertTrue(pruned[0], "pruning ran between the deliveries' read and their events'");
    assertTrue(during.items().equals(before.items()) || during.items().isEmpty(),
        "as before the pruning or after it: " + during);
    assertEquals(0, shop.webhooks().deliveries(endpoint, Keyset.first(10)).items().size(), "pruned");
  }

  /** What a step of pruning deletes of the tenant's events, all delivered: their deliveries, then them. */
  private void prune(long tenantId, String subscriber) throws SQLException {
    try (Connection c = fixture.connect()) {
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM event_delivery WHERE tenant_id = ? AND subscriber = ? AND status = 'DELIVERED'")) {
        s.setLong(1, tenantId);
        s.setString(2, subscriber);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("DELETE FROM event_outbox e WHERE e.tenant_id = ?"
          + " AND NOT EXISTS (SELECT 1 FROM event_delivery d WHERE d.tenant_id = e.tenant_id"
          + " AND d.event_id = e.event_id)")) {
        s.setLong(1, tenantId);
        s.executeUpdate();
      }
    }
  }
}
