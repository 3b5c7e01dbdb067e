package io.loyaltyengine.core.internal;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.IdGenerator;
import io.loyaltyengine.core.campaign.CampaignZones;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * What every feature of one tenant scope needs: the tenant, how to run units of work, time, ids and limits.
 * Immutable; thread-safe when its {@link Transactions} are.
 *
 * @param tenantId the scope's tenant
 * @param transactions runs units of work
 * @param clock the time source
 * @param ids the id source
 * @param limits input bounds
 * @param campaignZones the engine's campaign time zones
 */
public record ScopeContext(long tenantId, Transactions transactions, Clock clock, IdGenerator ids,
    EngineLimits limits, CampaignZones campaignZones) {

  /** Now, truncated to microseconds (what SQL timestamps keep), so stored and returned instants agree. */
  public Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
