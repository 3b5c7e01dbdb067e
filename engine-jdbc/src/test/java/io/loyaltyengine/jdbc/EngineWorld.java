package io.loyaltyengine.jdbc;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import java.util.ArrayList;
import java.util.List;

/**
 * A tenant with one brand, one campaign and one participant, made through the engine's public API.
 *
 * @param tenantId the tenant
 * @param participantId the participant
 */
record EngineWorld(long tenantId, long participantId) {

  /** Creates the world on {@code engine}. */
  static EngineWorld create(LoyaltyEngine engine) {
    Tenant tenant = engine.tenants().create(NewTenant.business("Acme"));
    TenantScope scope = engine.forTenant(tenant.id());
    Brand brand = scope.brands().create(new NewBrand("Acme Shop", "https://shop.example.com/"));
    Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Spring"));
    Participant participant = scope.participants().create(campaign.id(),
        NewParticipant.withEmail("ann@example.com").withName("Ann", "Lee"));
    return new EngineWorld(tenant.id(), participant.id());
  }

  ParticipantRef participant() {
    return ParticipantRef.id(participantId);
  }

  TenantScope scope(LoyaltyEngine engine) {
    return engine.forTenant(tenantId);
  }

  /** The participant's whole ledger, newest first. */
  List<LedgerEntry> ledger(LoyaltyEngine engine) {
    List<LedgerEntry> entries = new ArrayList<>();
    CursorPage<LedgerEntry> page = scope(engine).points().history(participant(), Keyset.first(Keyset.MAX_LIMIT));
    entries.addAll(page.items());
    while (page.hasMore()) {
      page = scope(engine).points().history(participant(), Keyset.after(page.nextId(), Keyset.MAX_LIMIT));
      entries.addAll(page.items());
    }
    return entries;
  }
}
