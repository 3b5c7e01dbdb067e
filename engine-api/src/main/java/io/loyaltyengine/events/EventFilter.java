package io.loyaltyengine.events;

import io.loyaltyengine.LoyaltyException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which events a listener, a webhook endpoint or a change-feed read wants: some types (all when empty) of one
 * campaign (all when null). Immutable.
 *
 * @param types the wanted types; empty means every type
 * @param campaignId the wanted campaign, or {@code null} for every campaign
 */
public record EventFilter(Set<EventType> types, Long campaignId) {
  private static final EventFilter ALL = new EventFilter(Set.of(), null);

  /**
   * Copies {@code types} into an unmodifiable set.
   *
   * @param types the wanted types; empty means every type
   * @param campaignId the wanted campaign, or {@code null} for every campaign
   * @throws LoyaltyException VALIDATION_ERROR on field {@code types} when it holds a null type
   */
  public EventFilter {
    if (types == null) {
      types = Set.of();
    } else {
      // Read once, and the copy checked: a type another thread adds to the caller's set meanwhile is either in the
      // copy, and checked, or not kept. Looked for one by one: contains(null) throws on some sets (Set.of), and
      // Set.copyOf would throw an NPE.
      List<EventType> copy = new ArrayList<>(types);
      for (EventType type : copy) {
        if (type == null) {
          throw LoyaltyException.validation("types", "types must not hold a null type");
        }
      }
      types = Set.copyOf(copy);
    }
  }

  /**
   * Every event.
   *
   * @return the filter that passes every event
   */
  public static EventFilter all() {
    return ALL;
  }

  /**
   * Events of these types (a type named twice counts once).
   *
   * @param types the types that pass, at least one ({@link #all()} for every event)
   * @return the filter
   * @throws LoyaltyException VALIDATION_ERROR on field {@code types} when the array is null or empty, or a type in it
   *     is null
   */
  public static EventFilter types(EventType... types) {
    // Not every type, as the constructor reads a null or empty set: a host naming types meant some types, and an
    // empty list (from its configuration, say) would otherwise subscribe it to every event.
    if (types == null) {
      throw LoyaltyException.validation("types", "types must not be null");
    }
    if (types.length == 0) {
      throw LoyaltyException.validation("types", "types must name at least one type; EventFilter.all() passes every"
          + " event");
    }
    // A set that takes a null, so that the constructor answers it as for any other set.
    return new EventFilter(new HashSet<>(Arrays.asList(types)), null);
  }

  /**
   * This filter, narrowed to one campaign.
   *
   * @param campaignId the campaign whose events pass
   * @return a new filter
   */
  public EventFilter inCampaign(long campaignId) {
    return new EventFilter(types, campaignId);
  }

  /**
   * Whether {@code event} passes.
   *
   * @param type the event's type
   * @param eventCampaignId the event's campaign, or null if it has none
   * @return true if the event passes
   * @throws LoyaltyException VALIDATION_ERROR on field {@code type} when it is null (every event has a type)
   */
  public boolean matches(EventType type, Long eventCampaignId) {
    if (type == null) {
      // Whatever the filter: a filter of some types would throw an NPE (Set.copyOf's set refuses contains(null)),
      // and one of every type would pass an event that is none.
      throw LoyaltyException.validation("type", "type is required");
    }
    return (types.isEmpty() || types.contains(type))
        && (campaignId == null || campaignId.equals(eventCampaignId));
  }
}
