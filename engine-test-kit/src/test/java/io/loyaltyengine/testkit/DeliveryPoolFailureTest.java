package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's webhook delivery pool may fail to start a thread (a JVM at its thread limit throws
 * {@code OutOfMemoryError: unable to create native thread} from {@code execute}): the round must still end, rather
 * than wait for ever for a task that no thread will run while it holds the round lock every later round, the
 * background thread's and the host's, waits for. Through the public API, an engine on {@link InMemoryStorage} with
 * manual dispatch and a {@link WebhookReceiver} on 127.0.0.1; the pool's thread factory is replaced by reflection.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DeliveryPoolFailureTest {
  private static final String HOOK = "/hook";

  private WebhookReceiver server;
  private LoyaltyEngine engine;
  private ExecutorService host;

  @BeforeEach
  void setUp() throws IOException {
    server = WebhookReceiver.start();
    host = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "host-dispatch");
      // A round that never ends must not keep the test JVM alive.
      t.setDaemon(true);
      return t;
    });
  }

  @AfterEach
  void tearDown() {
    try {
      host.shutdownNow();
      if (engine != null) {
        engine.close();
      }
    } finally {
      server.close();
    }
  }

  @Test
  void aRoundWhosePoolCannotStartAThreadEndsAndStillMakesTheDelivery() throws Exception {
    engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .events(EventSettings.builder().manualDispatch().lease(Duration.ofSeconds(60)).build())
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)))
        .build();
    server.always(HOOK, WebhookReceiver.status(200));
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    Campaign campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Shop", "https://shop.example.com")).id(), "Points"));
    scope.webhooks().create(new NewWebhookEndpoint(server.url(HOOK),
        EventFilter.types(EventType.PARTICIPANT_CREATED)));
    scope.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com"));

    deliveryPool(engine).setThreadFactory(r -> {
      throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource"
          + " limits reached (thrown by the test)");
    });
    Future<DispatchReport> round = host.submit(() -> engine.events().dispatch());
    DispatchReport report;
    try {
      // A bound on a hang, far above a round of one local call: the round itself measures nothing.
      report = round.get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("the round waits for ever for the endpoint's task, which the pool never ran; stack: "
          + stackOf("host-dispatch"));
      return;
    }
    assertEquals(1, report.delivered(), "the endpoint's delivery was made on the round's thread: " + report);
    assertEquals(1, server.requests(HOOK).size());
  }

  private static ThreadPoolExecutor deliveryPool(LoyaltyEngine engine) throws ReflectiveOperationException {
    Field dispatcherField = engine.getClass().getDeclaredField("dispatcher");
    dispatcherField.setAccessible(true);
    Object dispatcher = dispatcherField.get(engine);
    Field poolField = dispatcher.getClass().getDeclaredField("deliveryPool");
    poolField.setAccessible(true);
    return (ThreadPoolExecutor) poolField.get(dispatcher);
  }

  private static String stackOf(String threadName) {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, frames) -> {
      if (t.getName().equals(threadName)) {
        for (int i = 0; i < Math.min(frames.length, 8); i++) {
          b.append("\n  at ").append(frames[i]);
        }
      }
    });
    return b.toString();
  }
}
