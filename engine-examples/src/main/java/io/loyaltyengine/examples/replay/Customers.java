package io.loyaltyengine.examples.replay;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay's customers and the participants that stand for them, both ways.
 *
 * <p>The engine keys participants by email within a campaign, and the log's customers have none (they are numbers,
 * no personal data), so each customer gets the stand-in email {@code customer-<id>@online-retail.example} and its id
 * in the participant's metadata under {@code customerId}. The replay names participants by id, from this map, so no
 * call looks a participant up by email.
 *
 * <p>Not thread-safe: the replay's one thread.
 */
final class Customers {
  private static final String PREFIX = "customer-";
  private static final String DOMAIN = "@online-retail.example";
  private static final String METADATA_KEY = "customerId";

  private final Map<String, Long> participants = new HashMap<>();
  private final Map<Long, String> customers = new HashMap<>();

  /** Reads the campaign's participants (an earlier run's customers). */
  static Customers load(TenantScope shop, long campaignId) {
    Customers c = new Customers();
    for (Participant p : participants(shop, campaignId)) {
      c.put(customerIdOf(p), p.id());
    }
    return c;
  }

  /** The participant that stands for a customer: the stand-in email, and the customer id in the metadata. */
  static NewParticipant newParticipant(String customerId) {
    return NewParticipant.withEmail(PREFIX + customerId + DOMAIN).withMetadata(Map.of(METADATA_KEY, customerId));
  }

  /** The customer id of a participant the replay enrolled ({@code ?} for one it did not). */
  static String customerIdOf(Participant p) {
    Object id = p.metadata().get(METADATA_KEY);
    if (id != null) {
      return id.toString();
    }
    String email = p.sanitizedEmail();
    return email.startsWith(PREFIX) && email.endsWith(DOMAIN)
        ? email.substring(PREFIX.length(), email.length() - DOMAIN.length()) : "?";
  }

  /** Every participant of the campaign, in id order, read a page at a time. */
  static List<Participant> participants(TenantScope shop, long campaignId) {
    List<Participant> all = new ArrayList<>();
    Keyset page = Keyset.first(Keyset.MAX_LIMIT);
    while (true) {
      CursorPage<Participant> p = shop.participants().list(campaignId, null, page);
      all.addAll(p.items());
      if (!p.hasMore()) {
        return all;
      }
      page = Keyset.after(p.nextId(), Keyset.MAX_LIMIT);
    }
  }

  /** Records that {@code customerId} is participant {@code participantId}. */
  void put(String customerId, long participantId) {
    participants.put(customerId, participantId);
    customers.put(participantId, customerId);
  }

  /** The participant of a customer, or null if not enrolled yet. */
  Long participantOf(String customerId) {
    return participants.get(customerId);
  }

  /** The customer of a participant, or {@code ?} for a participant the replay did not enrol. */
  String customerOf(long participantId) {
    return customers.getOrDefault(participantId, "?");
  }
}
