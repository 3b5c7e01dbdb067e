package io.loyaltyengine.participant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A change to a participant's profile. A field left {@code null} is unchanged; an empty string clears an optional
 * text field ({@code firstName}, {@code lastName}, {@code ipAddress}, {@code tier}). {@code metadata} is merged
 * shallowly: new keys are added, existing keys replaced, and a key mapped to {@code null} is removed.
 * {@link #toString()} hides personal data. Immutable; the canonical constructor copies {@code metadata}.
 *
 * @param email a new email, or {@code null}
 * @param firstName a new first name, {@code ""} to clear, or {@code null}
 * @param lastName a new last name, {@code ""} to clear, or {@code null}
 * @param ipAddress a new IP address, {@code ""} to clear, or {@code null}
 * @param tier a new tier, {@code ""} to clear, or {@code null}
 * @param metadata keys to merge (null values remove keys), or {@code null}; kept as given, may hold null values
 */
public record ParticipantUpdate(String email, String firstName, String lastName, String ipAddress, String tier,
    Map<String, Object> metadata) {

  /**
   * Copies {@code metadata} (which may hold null values) into an unmodifiable map.
   *
   * @param email a new email, or {@code null}
   * @param firstName a new first name, {@code ""} to clear, or {@code null}
   * @param lastName a new last name, {@code ""} to clear, or {@code null}
   * @param ipAddress a new IP address, {@code ""} to clear, or {@code null}
   * @param tier a new tier, {@code ""} to clear, or {@code null}
   * @param metadata keys to merge (null values remove keys), or {@code null}; kept as given, may hold null values
   */
  public ParticipantUpdate {
    metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * A builder of an update that changes nothing until told to.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String toString() {
    return "ParticipantUpdate[<personal data hidden>, tier=" + tier + "]";
  }

  /** Builds a {@link ParticipantUpdate}. Not thread-safe. */
  public static final class Builder {
    private String email;
    private String firstName;
    private String lastName;
    private String ipAddress;
    private String tier;
    private Map<String, Object> metadata;

    private Builder() {
    }

    /**
     * Changes the email.
     *
     * @param email the new email
     * @return this builder
     */
    public Builder email(String email) {
      this.email = email;
      return this;
    }

    /**
     * Changes the first name; {@code ""} clears it.
     *
     * @param firstName the new first name
     * @return this builder
     */
    public Builder firstName(String firstName) {
      this.firstName = firstName;
      return this;
    }

    /**
     * Changes the last name; {@code ""} clears it.
     *
     * @param lastName the new last name
     * @return this builder
     */
    public Builder lastName(String lastName) {
      this.lastName = lastName;
      return this;
    }

    /**
     * Changes the IP address; {@code ""} clears it.
     *
     * @param ipAddress the new IP address
     * @return this builder
     */
    public Builder ipAddress(String ipAddress) {
      this.ipAddress = ipAddress;
      return this;
    }

    /**
     * Changes the tier; {@code ""} clears it.
     *
     * @param tier the new tier
     * @return this builder
     */
    public Builder tier(String tier) {
      this.tier = tier;
      return this;
    }

    /**
     * Sets one metadata key; a {@code null} value removes the key.
     *
     * @param key the metadata key
     * @param value the new value, or null
     * @return this builder
     */
    public Builder metadata(String key, Object value) {
      if (metadata == null) {
        metadata = new LinkedHashMap<>();
      }
      metadata.put(key, value);
      return this;
    }

    /**
     * Merges these metadata keys; {@code null} values remove keys.
     *
     * @param patch the keys to set or remove
     * @return this builder
     * @throws NullPointerException if {@code patch} is null (a programming error, as with the other builders)
     */
    public Builder metadata(Map<String, Object> patch) {
      Objects.requireNonNull(patch, "patch");
      if (metadata == null) {
        metadata = new LinkedHashMap<>();
      }
      metadata.putAll(patch);
      return this;
    }

    /**
     * Returns the update.
     *
     * @return the update
     */
    public ParticipantUpdate build() {
      return new ParticipantUpdate(email, firstName, lastName, ipAddress, tier, metadata);
    }
  }
}
