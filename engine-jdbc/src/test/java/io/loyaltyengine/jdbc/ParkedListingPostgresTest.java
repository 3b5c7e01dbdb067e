package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener's parked deliveries are listed as they were at one point in time on PostgreSQL. The store reads a page
 * in two statements, the parked deliveries and then their events, and {@code Events.parked} ran them at READ
 * COMMITTED: a parked delivery replayed, delivered and its event pruned (an event parked for longer than the
 * retention, as parked ones are kept until the host acts) by another instance between the two statements failed the
 * whole listing with STORAGE_UNAVAILABLE ("a delivery's event is missing"), until the host stopped replaying. Two
 * engines on one embedded PostgreSQL database, manual dispatch and a {@link SettableClock}; the lister's connections
 * run the other instance's replay, round and pruning right after the statement that reads the parked deliveries.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ParkedListingPostgresTest {
  private static final String CRM = "crm";
  private static final Duration RETENTION = Duration.ofMinutes(1);

  private final SettableClock clock = SettableClock.at(Instant.parse("2026-11-25T10:00:00Z"));
  private final String database = EmbeddedPostgresServer.createDatabase();
  private final List<HikariDataSource> pools = new ArrayList<>();
  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final ExecutorService other = Executors.newSingleThreadExecutor();
  /** Runs once right after the next statement reading parked deliveries has executed; null: none. */
  private final AtomicReference<Runnable> afterParkedRead = new AtomicReference<>();

  @AfterEach
  void close() {
    other.shutdownNow();
    engines.forEach(LoyaltyEngine::close);
    pools.forEach(HikariDataSource::close);
    EmbeddedPostgresServer.dropDatabase(database);
  }

  @Test
  void aParkedDeliveryReplayedDeliveredAndPrunedWhileAPageIsReadIsListedAsItWasNotAFailure() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    EventListener crm = event -> {
      if (failing.get()) {
        throw new IllegalStateException("refused");
      }
    };
    LoyaltyEngine lister = engine(TestProxies.connectionsThrough(pool(), this::hooked), crm, 1);
    LoyaltyEngine replayer = engine(pool(), crm, 2);
    TenantScope shop = lister.forTenant(lister.tenants().create(NewTenant.business("Shop")).id());
    long brand = shop.brands().create(new NewBrand("Shop", "shop.example.com")).id();
    long campaign = shop.campaigns().create(NewCampaign.running(brand, "Points")).id();
    ParticipantRef ref = ParticipantRef.id(
        shop.participants().create(campaign, NewParticipant.withEmail("ada@example.com")).id());
    shop.points().award(ref, PointsChange.of(5, "purchase"));
    assertEquals(1, lister.events().dispatch().parked(), "the award parked at its only attempt");
    List<ParkedDelivery> before = lister.events().parked(CRM, Keyset.first(10)).items();
    assertEquals(1, before.size());

    // Parked for longer than the retention; the host has the listener fixed and replays it on the other instance,
    // whose next round delivers it and prunes its event, all between the two statements of the page's read.
    clock.advance(RETENTION.multipliedBy(2));
    failing.set(false);
    String eventId = before.get(0).event().id();
    DispatchReport[] round = new DispatchReport[1];
    afterParkedRead.set(() -> {
      try {
        other.submit(() -> {
          assertTrue(replayer.events().replay(CRM, shop.tenantId(), eventId));
          round[0] = replayer.events().dispatch();
        }).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    List<ParkedDelivery> read = lister.events().parked(CRM, Keyset.first(10)).items();
    assertNull(afterParkedRead.get(), "the other instance ran while the page was read");
    assertEquals(1, round[0].delivered(), round[0].toString());
    assertTrue(round[0].pruned() >= 1, "the award's event pruned meanwhile: " + round[0]);
    assertEquals(before, read, "the page as it was when its read began");
    assertEquals(List.of(), lister.events().parked(CRM, Keyset.first(10)).items(), "and none once it is done");
  }

  private HikariDataSource pool() {
    HikariDataSource pool = EmbeddedPostgresServer.pool(database, 4);
    pools.add(pool);
    return pool;
  }

  private LoyaltyEngine engine(javax.sql.DataSource dataSource, EventListener crm, int node) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(JdbcStorage.builder().dataSource(dataSource).build())
        .clock(clock)
        .nodeId(node)
        .events(EventSettings.builder().manualDispatch().listenerMaxAttempts(1).retention(RETENTION).build())
        .listener(CRM, EventFilter.types(EventType.POINTS_AWARDED), crm)
        .build();
    engines.add(engine);
    return engine;
  }

  /** {@code connection}, whose statements reading parked deliveries run {@link #afterParkedRead} once executed. */
  private Connection hooked(Connection connection) {
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          Object result = TestProxies.invoke(connection, method, args);
          if (method.getName().equals("prepareStatement") && result instanceof PreparedStatement statement) {
            String sql = ((String) args[0]).strip();
            if (sql.startsWith("SELECT") && sql.contains("status = 'PARKED'")) {
              return hooked(statement);
            }
          }
          return result;
        });
  }

  private PreparedStatement hooked(PreparedStatement statement) {
    return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
          Object result = TestProxies.invoke(statement, method, args);
          if (method.getName().startsWith("execute")) {
            Runnable then = afterParkedRead.getAndSet(null);
            if (then != null) {
              then.run();
            }
          }
          return result;
        });
  }
}
