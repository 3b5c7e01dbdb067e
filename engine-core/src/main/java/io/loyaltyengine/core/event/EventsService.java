package io.loyaltyengine.core.event;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.internal.Transactions;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.Events;
import io.loyaltyengine.events.ParkedDelivery;
import java.time.Clock;
import java.time.temporal.ChronoUnit;

/** The engine's {@link Events}: listener registry, manual dispatch, parked deliveries. Thread-safe. */
public final class EventsService implements Events {
  private final Listeners listeners;
  private final EventDispatcher dispatcher;
  private final Transactions transactions;
  private final Clock clock;

  /** Creates the service. */
  public EventsService(Listeners listeners, EventDispatcher dispatcher, Transactions transactions, Clock clock) {
    this.listeners = listeners;
    this.dispatcher = dispatcher;
    this.transactions = transactions;
    this.clock = clock;
  }

  @Override
  public void subscribe(String name, EventFilter filter, EventListener listener) {
    transactions.ensureOpen();
    listeners.add(name, filter, listener);
  }

  @Override
  public void unsubscribe(String name) {
    transactions.ensureOpen();
    listeners.remove(Listeners.checkName(name));
  }

  @Override
  public DispatchReport dispatch() {
    return dispatcher.runOnce();
  }

  @Override
  public CursorPage<ParkedDelivery> parked(String listenerName, Keyset page) {
    String name = Listeners.checkName(listenerName);
    TextRules.notNull("page", page);
    // At one snapshot: a store reads the deliveries and then their events, and at READ COMMITTED a delivery replayed,
    // delivered and pruned with its event in between was listed without its event (the read failed).
    return transactions.runRead(tx -> parkedPage(tx, name, null, page));
  }

  @Override
  public boolean replay(String listenerName, long tenantId, String eventId) {
    String name = Listeners.checkName(listenerName);
    long id = parseEventId(eventId);
    return transactions.run(tx -> tx.deliveries().replay(tenantId, id, name,
        clock.instant().truncatedTo(ChronoUnit.MICROS)));
  }

  /** A page of parked deliveries of one subscriber, optionally of one tenant, read inside a unit of work. */
  public static CursorPage<ParkedDelivery> parkedPage(Transaction tx, String subscriber, Long tenantId, Keyset page) {
    var rows = tx.deliveries().parked(subscriber, tenantId, page.afterId(), page.limit() + 1);
    CursorPage<ClaimedDelivery> raw = CursorPage.fromRows(rows, page.limit(), c -> c.event().eventId());
    return new CursorPage<>(raw.items().stream().map(c -> new ParkedDelivery(c.event().toEvent(),
        c.delivery().subscriber(), c.delivery().attempts(), c.delivery().lastError(), c.delivery().updatedAt()))
        .toList(), raw.nextId());
  }

  /**
   * The numeric id of a public event id: {@code evt_} and the number in its canonical decimal form (no sign, no
   * leading zeros, positive, within {@code long}).
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code eventId}
   */
  public static long parseEventId(String eventId) {
    if (eventId == null) {
      throw LoyaltyException.validation("eventId", "eventId is required");
    }
    String prefix = EventRecord.ID_PREFIX;
    int digits = eventId.length() - prefix.length();
    if (!eventId.startsWith(prefix) || digits < 1 || digits > 19 || eventId.charAt(prefix.length()) == '0'
        || !eventId.substring(prefix.length()).chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw invalidEventId();
    }
    try {
      return Long.parseLong(eventId, prefix.length(), eventId.length(), 10);
    } catch (NumberFormatException e) {
      throw invalidEventId();
    }
  }

  private static LoyaltyException invalidEventId() {
    return LoyaltyException.validation("eventId", "eventId must be evt_ followed by the event's number");
  }
}
