package io.loyaltyengine.participant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request to enrol a participant in a campaign. Only {@code email} is required. Validated by the engine
 * (see {@link Participants} for the rules). {@link #toString()} hides personal data. Immutable; the canonical
 * constructor copies {@code metadata}.
 *
 * @param email the email (required)
 * @param firstName first name, or {@code null}
 * @param lastName last name, or {@code null}
 * @param ipAddress an IPv4 or IPv6 literal, or {@code null}
 * @param tier tier name, or {@code null}
 * @param metadata shallow map of scalar values, or {@code null} for none
 */
public record NewParticipant(String email, String firstName, String lastName, String ipAddress, String tier,
    Map<String, Object> metadata) {

  /**
   * Copies {@code metadata} into an unmodifiable map; its entries are validated by the engine, not here.
   *
   * @param email the email (required)
   * @param firstName first name, or {@code null}
   * @param lastName last name, or {@code null}
   * @param ipAddress an IPv4 or IPv6 literal, or {@code null}
   * @param tier tier name, or {@code null}
   * @param metadata shallow map of scalar values, or {@code null} for none
   */
  public NewParticipant {
    metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * A participant with only an email.
   *
   * @param email the participant's email
   * @return the request
   */
  public static NewParticipant withEmail(String email) {
    return new NewParticipant(email, null, null, null, null, null);
  }

  /**
   * This request with the given names.
   *
   * @param firstName first name, or {@code null}
   * @param lastName last name, or {@code null}
   * @return a new request
   */
  public NewParticipant withName(String firstName, String lastName) {
    return new NewParticipant(email, firstName, lastName, ipAddress, tier, metadata);
  }

  /**
   * This request with an IP address.
   *
   * @param ipAddress the IP address
   * @return a new request
   */
  public NewParticipant withIpAddress(String ipAddress) {
    return new NewParticipant(email, firstName, lastName, ipAddress, tier, metadata);
  }

  /**
   * This request with a tier.
   *
   * @param tier tier name
   * @return a new request
   */
  public NewParticipant withTier(String tier) {
    return new NewParticipant(email, firstName, lastName, ipAddress, tier, metadata);
  }

  /**
   * This request with metadata.
   *
   * @param metadata the participant's metadata
   * @return a new request
   */
  public NewParticipant withMetadata(Map<String, Object> metadata) {
    return new NewParticipant(email, firstName, lastName, ipAddress, tier, metadata);
  }

  @Override
  public String toString() {
    return "NewParticipant[<personal data hidden>, tier=" + tier + "]";
  }
}
