package io.loyaltyengine.core.spi;

import java.time.Instant;

/**
 * The facts of a participant's first signup, which fraud screening compares later signups with. Immutable.
 * {@link #toString()} hides the identifiers.
 *
 * @param tenantId the tenant
 * @param participantId the participant
 * @param campaignId the campaign
 * @param ipAddress the IP address it came from, or null; the engine writes it in canonical form
 *     ({@code IpAddresses.canonical}), so that a store compares addresses exactly
 * @param visitorId the host's visitor id, or null
 * @param customerId the host's customer id, or null
 * @param createdAt when
 */
public record SignupRecord(long tenantId, long participantId, long campaignId, String ipAddress, String visitorId,
    String customerId, Instant createdAt) {
  @Override
  public String toString() {
    return "SignupRecord[tenant " + tenantId + ", participant " + participantId + ", campaign " + campaignId
        + ", <identifiers hidden>, " + createdAt + "]";
  }
}
