package io.loyaltyengine.events;

import java.util.Arrays;
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

  /** Copies {@code types} into an unmodifiable set. */
  public EventFilter {
    types = types == null ? Set.of() : Set.copyOf(types);
  }

  /** Every event. */
  public static EventFilter all() {
    return ALL;
  }

  /** Events of these types (a type named twice counts once). */
  public static EventFilter types(EventType... types) {
    return new EventFilter(Set.copyOf(Arrays.asList(types)), null);
  }

  /** This filter, narrowed to one campaign. */
  public EventFilter inCampaign(long campaignId) {
    return new EventFilter(types, campaignId);
  }

  /** Whether {@code event} passes. */
  public boolean matches(EventType type, Long eventCampaignId) {
    return (types.isEmpty() || types.contains(type))
        && (campaignId == null || campaignId.equals(eventCampaignId));
  }
}
