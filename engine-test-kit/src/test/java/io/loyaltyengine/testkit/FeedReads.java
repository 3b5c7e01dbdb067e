package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the end-to-end tests read of events: the change feed after dispatching all that was committed, and the parts of
 * an event they check.
 */
final class FeedReads {
  private FeedReads() {
  }

  /** Dispatches until nothing is left to deliver; a dispatch that never settles fails the test. */
  static void dispatchUntilIdle(LoyaltyEngine engine) {
    for (int i = 0; i < 1_000; i++) {
      if (engine.events().dispatch().isIdle()) {
        return;
      }
    }
    throw new AssertionError("dispatch did not settle in 1,000 rounds");
  }

  /** The scope's events that {@code filter} lets through, in feed order, after dispatching (which positions them). */
  static List<LoyaltyEvent> events(LoyaltyEngine engine, TenantScope scope, EventFilter filter) {
    dispatchUntilIdle(engine);
    List<LoyaltyEvent> all = new ArrayList<>();
    long position = 0;
    while (true) {
      FeedPage page = scope.changeFeed().read(position, filter, 100);
      all.addAll(page.events());
      if (page.events().isEmpty() && page.nextPosition() == position) {
        return all;
      }
      position = page.nextPosition();
    }
  }

  /** The events of one participant among {@code events}, or all of them for a null id. */
  static List<LoyaltyEvent> ofParticipant(List<LoyaltyEvent> events, Long participantId) {
    return participantId == null ? events
        : events.stream().filter(e -> participantId.equals(e.participantId())).toList();
  }

  static List<EventType> types(List<LoyaltyEvent> events) {
    return events.stream().map(LoyaltyEvent::type).toList();
  }

  /** The one event of {@code type} among {@code events}; none or several fail the test. */
  static LoyaltyEvent only(List<LoyaltyEvent> events, EventType type) {
    List<LoyaltyEvent> matching = events.stream().filter(e -> e.type() == type).toList();
    assertEquals(1, matching.size(), "one " + type);
    return matching.get(0);
  }

  /** The event's JSON payload as a map. */
  static Map<String, Object> payload(LoyaltyEvent event) {
    return JsonValues.object(event.payload().getBytes(StandardCharsets.UTF_8));
  }
}
