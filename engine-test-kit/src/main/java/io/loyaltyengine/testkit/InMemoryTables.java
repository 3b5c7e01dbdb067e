package io.loyaltyengine.testkit;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.tenant.Tenant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rows of one in-memory database, with the indexes that enforce its unique keys and serve its range queries.
 * Every index is a flat map so that the undo log can restore any write with one put or remove.
 *
 * <p>Not thread-safe: used only under the database's lock.
 */
final class InMemoryTables {
  /** Two ids ordered lexicographically, for range scans of a parent's children in id order. */
  record IdPair(long parent, long child) implements Comparable<IdPair> {
    @Override
    public int compareTo(IdPair other) {
      int byParent = Long.compare(parent, other.parent);
      return byParent != 0 ? byParent : Long.compare(child, other.child);
    }
  }

  /** A text key scoped to a tenant or a campaign. */
  record ScopedText(long scope, String text) {
  }

  final Map<Long, Tenant> tenants = new HashMap<>();

  final Map<Long, Brand> brands = new HashMap<>();
  /** (tenant, brand id) -> brand, for listing a tenant's brands in id order. */
  final TreeMap<IdPair, Brand> brandsByTenant = new TreeMap<>();
  /** (tenant, domain) -> brand id: the BRAND_DOMAIN key. */
  final Map<ScopedText, Long> brandDomains = new HashMap<>();

  final Map<Long, Campaign> campaigns = new HashMap<>();
  /** (brand, campaign id) -> campaign. */
  final TreeMap<IdPair, Campaign> campaignsByBrand = new TreeMap<>();

  final Map<Long, Participant> participants = new HashMap<>();
  /** (campaign, participant id) -> participant, for lists in id order. */
  final TreeMap<IdPair, Participant> participantsByCampaign = new TreeMap<>();
  /** (campaign, sanitized email) -> participant id: the PARTICIPANT_EMAIL key. */
  final Map<ScopedText, Long> participantEmails = new HashMap<>();

  final Map<Long, LedgerEntry> entries = new HashMap<>();
  /** (participant, entry id) -> entry, for history newest first. */
  final TreeMap<IdPair, LedgerEntry> entriesByParticipant = new TreeMap<>();
  /** (tenant, idempotency key) -> entry: the LEDGER_IDEMPOTENCY_KEY key. */
  final Map<ScopedText, LedgerEntry> idempotencyKeys = new HashMap<>();

  void clear() {
    tenants.clear();
    brands.clear();
    brandsByTenant.clear();
    brandDomains.clear();
    campaigns.clear();
    campaignsByBrand.clear();
    participants.clear();
    participantsByCampaign.clear();
    participantEmails.clear();
    entries.clear();
    entriesByParticipant.clear();
    idempotencyKeys.clear();
  }
}
