package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The brand and campaign ports' updates held to their javadoc below the engine, on every storage backend: an update
 * replaces only its fields and returns the row as stored, misses another tenant's row and an unknown id, keeps a
 * brand's domain unique within its tenant (freeing the old one, taking none on rollback), and is undone with its
 * transaction.
 *
 * <p>A backend's test extends this class and supplies its fixture (see {@link ReferralPortsContractTest}).
 * Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class BrandCampaignPortsContractTest extends PortsContractSupport {
  /** Microseconds: every backend keeps them. */
  private static final Instant T0 = Instant.parse("2025-05-02T08:15:00.654321Z");

  /** For subclasses. */
  protected BrandCampaignPortsContractTest() {
  }

  @Test
  void brandUpdateReplacesNameAndDomainOnlyAndReturnsTheRowItWrote() {
    long t = tenant(T0);
    Brand shop = brand(t, "shop");
    Campaign campaign = campaign(shop);

    Brand renamed = tx(tx -> tx.brands().update(t, shop.id(), "Shop — Zoë's 😀", "xn--bcher-kva.example"))
        .orElseThrow();
    assertEquals(new Brand(shop.id(), t, "Shop — Zoë's 😀", "xn--bcher-kva.example", T0), renamed,
        "id, tenant and creation time as they were");
    assertEquals(Optional.of(renamed), tx(tx -> tx.brands().find(t, shop.id())), "returned as stored");
    assertEquals(List.of(renamed), tx(tx -> tx.brands().list(t)));
    assertEquals(List.of(campaign), tx(tx -> tx.campaigns().listByBrand(t, shop.id())), "its campaigns stay");
    assertEquals(Optional.of(new Brand(shop.id(), t, "Shop", "xn--bcher-kva.example", T0)),
        tx(tx -> tx.brands().update(t, shop.id(), "Shop", "xn--bcher-kva.example")), "its own domain again");

    long stranger = tenant(T0);
    assertEquals(Optional.empty(), tx(tx -> tx.brands().update(stranger, shop.id(), "Other", "other.example.com")),
        "another tenant's brand");
    assertEquals(Optional.empty(), tx(tx -> tx.brands().update(t, nextId(), "Other", "other.example.com")));
    assertEquals("Shop", tx(tx -> tx.brands().find(t, shop.id())).orElseThrow().name());
  }

  @Test
  void aBrandDomainStaysUniqueWithinItsTenantAndAnUpdateFreesTheOldOne() {
    long t = tenant(T0);
    Brand first = brand(t, "first");
    Brand second = brand(t, "second");
    UniqueViolationException taken = assertThrows(UniqueViolationException.class, () -> storage().inTransaction(tx ->
        tx.brands().update(t, second.id(), "Second", first.domain())));
    assertEquals(UniqueKey.BRAND_DOMAIN, taken.key());
    assertEquals(List.of(first, second), tx(tx -> tx.brands().list(t)), "a refused update changes nothing");

    long other = tenant(T0);
    Brand elsewhere = brand(other, "elsewhere");
    assertEquals(first.domain(), tx(tx -> tx.brands().update(other, elsewhere.id(), "Elsewhere", first.domain()))
        .orElseThrow().domain(), "another tenant's brand may have the domain");

    Brand moved = tx(tx -> tx.brands().update(t, first.id(), "First", "moved.example.com")).orElseThrow();
    assertEquals("moved.example.com", moved.domain());
    assertEquals(first.domain(), tx(tx -> tx.brands().update(t, second.id(), "Second", first.domain()))
        .orElseThrow().domain(), "the old domain is free once its brand moved");
    assertEquals(UniqueKey.BRAND_DOMAIN, assertThrows(UniqueViolationException.class, () -> storage()
        .inTransaction(tx -> tx.brands().update(t, second.id(), "Second", "moved.example.com"))).key(),
        "the new one is taken");
  }

  @Test
  void aRolledBackBrandUpdateIsUndoneDomainIncluded() {
    long t = tenant(T0);
    Brand shop = brand(t, "shop");
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.brands().update(t, shop.id(), "Gone", "gone.example.com");
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(shop), tx(tx -> tx.brands().find(t, shop.id())), "a rolled-back update is undone");
    Brand other = brand(t, "other");
    assertEquals("gone.example.com", tx(tx -> tx.brands().update(t, other.id(), "Other", "gone.example.com"))
        .orElseThrow().domain(), "the rolled-back domain was never taken");
    assertEquals(UniqueKey.BRAND_DOMAIN, assertThrows(UniqueViolationException.class, () -> storage()
        .inTransaction(tx -> tx.brands().update(t, other.id(), "Other", shop.domain()))).key(),
        "and the old one is still held");
  }

  @Test
  void campaignUpdateReplacesNameAndVisibilityOnlyAndReturnsTheRowItWrote() {
    long t = tenant(T0);
    Brand shop = brand(t, "shop");
    Campaign tokyo = new Campaign(nextId(), t, shop.id(), "Spring", CampaignStatus.PAUSED, CampaignVisibility.PUBLIC,
        ZoneId.of("Asia/Tokyo"), T0);
    Campaign sibling = campaign(shop);
    run(tx -> tx.campaigns().insert(tokyo));

    Campaign updated = tx(tx -> tx.campaigns().update(t, tokyo.id(),
        new CampaignUpdate("Spring — Zoë's 🌸", CampaignVisibility.PRIVATE))).orElseThrow();
    assertEquals(new Campaign(tokyo.id(), t, shop.id(), "Spring — Zoë's 🌸", CampaignStatus.PAUSED,
        CampaignVisibility.PRIVATE, ZoneId.of("Asia/Tokyo"), T0), updated,
        "brand, status, time zone and creation time as they were");
    assertEquals(Optional.of(updated), tx(tx -> tx.campaigns().find(t, tokyo.id())), "returned as stored");
    assertEquals(List.of(updated, sibling), tx(tx -> tx.campaigns().listByBrand(t, shop.id())),
        "the list sees it, in id order; the sibling is untouched");

    long stranger = tenant(T0);
    CampaignUpdate other = new CampaignUpdate("Other", CampaignVisibility.PUBLIC);
    assertEquals(Optional.empty(), tx(tx -> tx.campaigns().update(stranger, tokyo.id(), other)),
        "another tenant's campaign");
    assertEquals(Optional.empty(), tx(tx -> tx.campaigns().update(t, nextId(), other)));
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.campaigns().update(t, tokyo.id(), other);
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(updated), tx(tx -> tx.campaigns().find(t, tokyo.id())),
        "a rolled-back update is undone");
  }

  // ---------------------------------------------------------------- helpers

  private Brand brand(long tenantId, String label) {
    Brand brand = new Brand(nextId(), tenantId, "Brand " + label, label + nextId() + ".example.com", T0);
    run(tx -> tx.brands().insert(brand));
    return brand;
  }

  private Campaign campaign(Brand brand) {
    Campaign campaign = new Campaign(nextId(), brand.tenantId(), brand.id(), "Summer", CampaignStatus.IN_PROGRESS,
        CampaignVisibility.PRIVATE, ZoneOffset.UTC, T0);
    run(tx -> tx.campaigns().insert(campaign));
    return campaign;
  }
}
