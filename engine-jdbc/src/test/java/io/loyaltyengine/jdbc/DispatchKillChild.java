package io.loyaltyengine.jdbc;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@link DispatchKillTest} kills: an engine instance on a PostgreSQL database that claims a delivery,
 * reports {@code CLAIMED <eventId>} from inside its listener, and then never returns from it.
 *
 * <p>Arguments: the JDBC URL.
 */
public final class DispatchKillChild {
  private DispatchKillChild() {
  }

  /** Runs until killed. */
  public static void main(String[] args) throws Exception {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(JdbcStorage.builder().url(args[0]).build())
        .events(EventSettings.builder().manualDispatch().build())
        .build();
    CountDownLatch never = new CountDownLatch(1);
    engine.events().subscribe("killable", EventFilter.types(EventType.POINTS_AWARDED), event -> {
      System.out.println("CLAIMED " + event.id());
      System.out.flush();
      never.await();
    });
    engine.events().dispatch();
    System.out.println("NOTHING CLAIMED");
  }
}
