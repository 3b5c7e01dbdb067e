package io.loyaltyengine.core.event;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The listeners registered on one engine instance, by name.
 *
 * <p>Thread-safe: a concurrent map; the dispatcher reads a consistent entry per name.
 */
public final class Listeners {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  /**
   * A registered listener. Immutable.
   *
   * @param name its stable name
   * @param filter which events it wants
   * @param listener the callback
   */
  public record Registration(String name, EventFilter filter, EventListener listener) {
  }

  private final Map<String, Registration> byName = new ConcurrentHashMap<>();

  /** Validates a listener name. */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw LoyaltyException.validation("name", "a listener name is 1 to 64 of letters, digits and _ - .");
    }
    return name;
  }

  /** Registers a listener. */
  public void add(String name, EventFilter filter, EventListener listener) {
    checkName(name);
    if (listener == null) {
      throw LoyaltyException.validation("listener", "listener is required");
    }
    Registration r = new Registration(name, filter == null ? EventFilter.all() : filter, listener);
    if (byName.putIfAbsent(name, r) != null) {
      throw LoyaltyException.conflict("name", "a listener with this name is already registered on this engine");
    }
  }

  /** Removes a listener. */
  public void remove(String name) {
    byName.remove(name);
  }

  /** The listener of this name, or null. */
  public Registration get(String name) {
    return byName.get(name);
  }

  /** The registered names. */
  public Set<String> names() {
    return Set.copyOf(byName.keySet());
  }

  /** The registrations now. */
  public Iterable<Registration> all() {
    return byName.values();
  }
}
