package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.core.spi.ApiKeyRecord;
import io.loyaltyengine.core.spi.SsoSecretRecord;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.customers.CustomerMapping;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The contract of the ports a tenant's access rests on, checked on the ports themselves, below the engine: API keys
 * ({@link io.loyaltyengine.core.spi.ApiKeyPort}: revocation is one compare-and-set on a live key of the tenant),
 * single sign-on secrets ({@link io.loyaltyengine.core.spi.SsoSecretPort}: one row per tenant, inserted if absent,
 * a second insert waiting for the first), their locks and the tenant's (held until the unit of work ends) and
 * customer mappings
 * ({@link io.loyaltyengine.core.spi.CustomerMappingPort}: unique both ways within a campaign of a tenant). Each call
 * made with another tenant's id neither sees nor changes a row.
 *
 * <p>The engine reaches these ports only after reading the row through the tenant it acts for, so a store that
 * broke these promises would pass the API suites ({@link ApiKeysContractTest}, {@link SingleSignOnContractTest});
 * a host's store runs this suite to show it keeps them.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method; the concurrent tests share only the storages.
 */
public abstract class AccessPortsContractTest extends PortsContractSupport {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final Instant T1 = T0.plusSeconds(3_600);
  private static final Instant T2 = T0.plusSeconds(7_200);

  /** For subclasses. */
  protected AccessPortsContractTest() {
  }

  // ---------------------------------------------------------------- API keys

  @Test
  void aKeyIsRevokedOnceWhileLiveAndOnlyThroughItsTenant() {
    long t = tenant(T0);
    long other = tenant(T0);
    ApiKeyRecord live = key(t, nextId(), T0);
    ApiKeyRecord kept = key(t, nextId(), T0);
    ApiKeyRecord theirs = key(other, live.keyId() + 1_000_000, T0);
    run(tx -> {
      tx.apiKeys().insert(live);
      tx.apiKeys().insert(kept);
      tx.apiKeys().insert(theirs);
    });
    assertEquals(2, (int) tx(tx -> tx.apiKeys().countLive(t)));

    assertFalse(test(tx -> tx.apiKeys().revoke(other, live.keyId(), T1)), "another tenant's id");
    assertFalse(test(tx -> tx.apiKeys().delete(other, live.keyId())), "another tenant's id");
    assertFalse(test(tx -> tx.apiKeys().revoke(t, nextId(), T1)), "an unknown key");
    assertEquals(Optional.empty(), tx(tx -> tx.apiKeys().find(other, live.keyId())));
    assertEquals(Optional.of(live), tx(tx -> tx.apiKeys().find(t, live.keyId())), "unchanged");
    assertEquals(1, (int) tx(tx -> tx.apiKeys().countLive(other)));

    assertTrue(test(tx -> tx.apiKeys().revoke(t, live.keyId(), T1)));
    assertFalse(test(tx -> tx.apiKeys().revoke(t, live.keyId(), T2)), "revoked already");
    ApiKeyRecord revoked = withRevokedAt(live, T1);
    assertEquals(Optional.of(revoked), tx(tx -> tx.apiKeys().find(t, live.keyId())),
        "the first revocation's time is kept, every other field as it was");
    assertEquals(1, (int) tx(tx -> tx.apiKeys().countLive(t)), "a revoked key is not live");
    assertEquals(Optional.of(kept), tx(tx -> tx.apiKeys().find(t, kept.keyId())), "the other key is untouched");
    assertEquals(Optional.of(theirs), tx(tx -> tx.apiKeys().find(other, theirs.keyId())));

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertTrue(tx.apiKeys().revoke(t, kept.keyId(), T1));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(kept), tx(tx -> tx.apiKeys().find(t, kept.keyId())), "a rolled-back revocation");

    assertTrue(test(tx -> tx.apiKeys().delete(t, live.keyId())), "a revoked key is deleted too");
    assertFalse(test(tx -> tx.apiKeys().delete(t, live.keyId())));
    assertEquals(List.of(kept), tx(tx -> tx.apiKeys().list(t)));
    assertEquals(List.of(theirs), tx(tx -> tx.apiKeys().list(other)));
  }

  @Test
  void keysListNewestFirstWithTiesByIdDescendingRevokedOnesToo() {
    long t = tenant(T0);
    long first = nextIds(4);
    ApiKeyRecord old = key(t, first + 3, T0);
    ApiKeyRecord low = key(t, first, T1);
    ApiKeyRecord high = key(t, first + 2, T1);
    ApiKeyRecord newest = key(t, first + 1, T2);
    run(tx -> {
      for (ApiKeyRecord k : List.of(low, old, newest, high)) {
        tx.apiKeys().insert(k);
      }
    });
    assertTrue(test(tx -> tx.apiKeys().revoke(t, high.keyId(), T2)));
    assertEquals(List.of(newest, withRevokedAt(high, T2), low, old), tx(tx -> tx.apiKeys().list(t)));
  }

  @Test
  void ofConcurrentRevocationsOfOneKeyExactlyOneRevokes() throws Exception {
    long t = tenant(T0);
    ApiKeyRecord k = key(t, nextId(), T0);
    run(tx -> tx.apiKeys().insert(k));
    List<Boolean> outcomes = race(i -> tx -> tx.apiKeys().revoke(t, k.keyId(), T1.plusSeconds(i)));
    assertEquals(1, outcomes.stream().filter(b -> b).count(), outcomes.toString());
    int winner = outcomes.indexOf(true);
    assertEquals(Optional.of(withRevokedAt(k, T1.plusSeconds(winner))), tx(tx -> tx.apiKeys().find(t, k.keyId())),
        "the one revocation that returned true is the one stored");
    assertEquals(0, (int) tx(tx -> tx.apiKeys().countLive(t)));
  }

  // ---------------------------------------------------------------- single sign-on secrets

  @Test
  void ssoSecretsAreInsertedOnceReplacedAndDeletedInTheirTenantOnly() {
    long t = tenant(T0);
    long other = tenant(T0);
    SsoSecretRecord first = new SsoSecretRecord(t, "sso-first-secret", null, null, T0);
    assertFalse(test(tx -> tx.ssoSecrets().update(first)), "no row to replace");
    assertEquals(Optional.empty(), tx(tx -> tx.ssoSecrets().find(t)), "an update inserts nothing");

    assertTrue(test(tx -> tx.ssoSecrets().insertIfAbsent(first)));
    assertFalse(test(tx -> tx.ssoSecrets().insertIfAbsent(new SsoSecretRecord(t, "sso-second", null, null, T1))));
    assertEquals(Optional.of(first), tx(tx -> tx.ssoSecrets().find(t)), "the first insert is kept");
    assertEquals(Optional.of(first), tx(tx -> tx.ssoSecrets().lock(t)));
    assertEquals(Optional.empty(), tx(tx -> tx.ssoSecrets().find(other)));
    assertEquals(Optional.empty(), tx(tx -> tx.ssoSecrets().lock(other)));
    assertFalse(test(tx -> tx.ssoSecrets().delete(other)), "another tenant has no row");
    assertFalse(test(tx -> tx.ssoSecrets().update(new SsoSecretRecord(other, "sso-theirs", null, null, T1))));
    assertEquals(Optional.of(first), tx(tx -> tx.ssoSecrets().find(t)), "another tenant's calls change nothing");

    SsoSecretRecord theirs = new SsoSecretRecord(other, "sso-theirs", null, null, T1);
    assertTrue(test(tx -> tx.ssoSecrets().insertIfAbsent(theirs)), "each tenant has a row of its own");
    SsoSecretRecord rotated = new SsoSecretRecord(t, "sso-rotated", first.secret(), T2, T1);
    assertTrue(test(tx -> tx.ssoSecrets().update(rotated)));
    assertEquals(Optional.of(rotated), tx(tx -> tx.ssoSecrets().find(t)), "every field replaced");
    SsoSecretRecord withoutGrace = new SsoSecretRecord(t, "sso-again", null, null, T2);
    assertTrue(test(tx -> tx.ssoSecrets().update(withoutGrace)));
    assertEquals(Optional.of(withoutGrace), tx(tx -> tx.ssoSecrets().find(t)), "the previous secret cleared");
    assertEquals(Optional.of(theirs), tx(tx -> tx.ssoSecrets().find(other)));

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertTrue(tx.ssoSecrets().delete(t));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(withoutGrace), tx(tx -> tx.ssoSecrets().find(t)), "a rolled-back delete");
    assertTrue(test(tx -> tx.ssoSecrets().delete(t)));
    assertFalse(test(tx -> tx.ssoSecrets().delete(t)));
    assertEquals(Optional.empty(), tx(tx -> tx.ssoSecrets().find(t)));
    assertEquals(Optional.of(theirs), tx(tx -> tx.ssoSecrets().find(other)), "another tenant's row stays");
    assertTrue(test(tx -> tx.ssoSecrets().insertIfAbsent(first)), "a deleted row frees the tenant's place");
  }

  @Test
  void aSecondSsoSecretInsertWaitsForTheFirstAndLosesIfItCommits() throws Exception {
    assertASecondSsoSecretInsertWaits(true);
  }

  @Test
  void aSecondSsoSecretInsertWaitsForTheFirstAndWinsIfItRollsBack() throws Exception {
    assertASecondSsoSecretInsertWaits(false);
  }

  /**
   * Runs a first insert of a tenant's secrets that holds its unit of work open, then a second one on another
   * storage, which must wait for the first and then return false if the first committed (its unit of work going on,
   * as the rotation that reads the row then does) or true if it rolled back.
   */
  private void assertASecondSsoSecretInsertWaits(boolean firstCommits) throws Exception {
    long t = tenant(T0);
    SsoSecretRecord mine = new SsoSecretRecord(t, "sso-first-instance", null, null, T0);
    SsoSecretRecord yours = new SsoSecretRecord(t, "sso-second-instance", null, null, T1);
    Optional<SsoSecretRecord> seen = secondWaitingForFirst(tx -> tx.ssoSecrets().insertIfAbsent(mine), firstCommits,
        tx -> tx.ssoSecrets().insertIfAbsent(yours) ? Optional.of(yours) : tx.ssoSecrets().lock(t));
    SsoSecretRecord expected = firstCommits ? mine : yours;
    assertEquals(Optional.of(expected), seen, "the second insert "
        + (firstCommits ? "loses to the committed first and then reads it" : "wins once the first rolled back"));
    assertEquals(Optional.of(expected), tx(tx -> tx.ssoSecrets().find(t)));
  }

  @Test
  void aLockedTenantAndItsSsoSecretsAreHeldUntilTheUnitOfWorkCommits() throws Exception {
    assertLocksAreHeld(true);
  }

  @Test
  void aLockedTenantAndItsSsoSecretsAreHeldUntilTheUnitOfWorkRollsBack() throws Exception {
    assertLocksAreHeld(false);
  }

  /**
   * What the engine's checks over a tenant's rows rest on: a unit of work that locks the tenant (then counts its live
   * keys before it issues one) or its secrets (then reads them before it rotates them) waits for another that holds
   * the lock, and then reads what that one left.
   */
  private void assertLocksAreHeld(boolean firstCommits) throws Exception {
    long t = tenant(T0);
    ApiKeyRecord issued = key(t, nextId(), T0);
    int live = secondWaitingForFirst(tx -> {
      assertTrue(tx.tenants().lock(t).isPresent());
      tx.apiKeys().insert(issued);
      return null;
    }, firstCommits, tx -> {
      assertTrue(tx.tenants().lock(t).isPresent());
      return tx.apiKeys().countLive(t);
    });
    assertEquals(firstCommits ? 1 : 0, live, "the tenant's lock orders the count after the other's issue");

    SsoSecretRecord first = new SsoSecretRecord(t, "sso-first", null, null, T0);
    run(tx -> tx.ssoSecrets().insertIfAbsent(first));
    SsoSecretRecord rotated = new SsoSecretRecord(t, "sso-rotated", first.secret(), T2, T1);
    Optional<SsoSecretRecord> seen = secondWaitingForFirst(tx -> {
      assertEquals(Optional.of(first), tx.ssoSecrets().lock(t));
      return tx.ssoSecrets().update(rotated);
    }, firstCommits, tx -> tx.ssoSecrets().lock(t));
    assertEquals(Optional.of(firstCommits ? rotated : first), seen,
        "the secrets' lock orders the read after the other's rotation");
  }

  // ---------------------------------------------------------------- customer mappings

  @Test
  void aCustomerIdMapsToOneParticipantAndAParticipantToOneCustomerIdPerTenant() {
    long t = tenant(T0);
    long other = tenant(T0);
    long campaign = nextId();
    long secondCampaign = nextId();
    long ann = nextId();
    long bob = nextId();
    CustomerMapping annMapping = new CustomerMapping(campaign, "cust-Zoë", ann, T0);
    run(tx -> tx.customerMappings().insert(t, annMapping));

    assertEquals(UniqueKey.CUSTOMER_MAPPING, assertThrows(UniqueViolationException.class, () -> run(tx ->
        tx.customerMappings().insert(t, new CustomerMapping(campaign, "cust-Zoë", bob, T1)))).key(),
        "the customer id is mapped in the campaign");
    assertEquals(UniqueKey.CUSTOMER_MAPPING, assertThrows(UniqueViolationException.class, () -> run(tx ->
        tx.customerMappings().insert(t, new CustomerMapping(campaign, "cust-other", ann, T1)))).key(),
        "the participant is mapped");
    assertEquals(UniqueKey.CUSTOMER_MAPPING, assertThrows(UniqueViolationException.class, () -> run(tx ->
        tx.customerMappings().insert(t, new CustomerMapping(secondCampaign, "cust-other", ann, T1)))).key(),
        "the participant is mapped, whatever the campaign");
    assertEquals(Optional.empty(), tx(tx -> tx.customerMappings().find(t, campaign, "cust-other")),
        "a refused insert leaves nothing");

    CustomerMapping sameIdElsewhere = new CustomerMapping(secondCampaign, "cust-Zoë", bob, T1);
    CustomerMapping caseDiffers = new CustomerMapping(campaign, "CUST-ZOË", nextId(), T1);
    CustomerMapping spaceDiffers = new CustomerMapping(campaign, "cust-Zoë ", nextId(), T1);
    CustomerMapping otherTenants = new CustomerMapping(campaign, "cust-Zoë", ann, T2);
    run(tx -> {
      tx.customerMappings().insert(t, sameIdElsewhere);
      tx.customerMappings().insert(t, caseDiffers);
      tx.customerMappings().insert(t, spaceDiffers);
      tx.customerMappings().insert(other, otherTenants);
    });
    assertEquals(Optional.of(annMapping), tx(tx -> tx.customerMappings().find(t, campaign, "cust-Zoë")),
        "customer ids are compared exactly");
    assertEquals(Optional.of(caseDiffers), tx(tx -> tx.customerMappings().find(t, campaign, "CUST-ZOË")));
    assertEquals(Optional.of(spaceDiffers), tx(tx -> tx.customerMappings().find(t, campaign, "cust-Zoë ")));
    assertEquals(Optional.of(sameIdElsewhere), tx(tx -> tx.customerMappings().find(t, secondCampaign, "cust-Zoë")));
    assertEquals(Optional.of(otherTenants), tx(tx -> tx.customerMappings().find(other, campaign, "cust-Zoë")));
    assertEquals(Optional.of(annMapping), tx(tx -> tx.customerMappings().findByParticipant(t, ann)));
    assertEquals(Optional.of(otherTenants), tx(tx -> tx.customerMappings().findByParticipant(other, ann)));
    assertEquals(Optional.empty(), tx(tx -> tx.customerMappings().findByParticipant(other, bob)));

    assertTrue(test(tx -> tx.customerMappings().delete(other, campaign, "cust-Zoë")));
    assertFalse(test(tx -> tx.customerMappings().delete(other, campaign, "cust-Zoë")));
    assertEquals(Optional.of(annMapping), tx(tx -> tx.customerMappings().find(t, campaign, "cust-Zoë")),
        "another tenant's delete leaves the mapping of the same ids");
    run(tx -> tx.customerMappings().deleteAll(other, bob));
    assertEquals(Optional.of(sameIdElsewhere), tx(tx -> tx.customerMappings().findByParticipant(t, bob)),
        "another tenant's deleteAll leaves the participant of the same id");

    run(tx -> tx.customerMappings().deleteAll(t, ann));
    assertEquals(Optional.empty(), tx(tx -> tx.customerMappings().findByParticipant(t, ann)));
    assertEquals(Optional.empty(), tx(tx -> tx.customerMappings().find(t, campaign, "cust-Zoë")));
    assertEquals(Optional.of(caseDiffers), tx(tx -> tx.customerMappings().find(t, campaign, "CUST-ZOË")));
    assertFalse(test(tx -> tx.customerMappings().delete(t, campaign, "cust-Zoë")));
    assertTrue(test(tx -> tx.customerMappings().delete(t, secondCampaign, "cust-Zoë")));
    CustomerMapping again = new CustomerMapping(campaign, "cust-Zoë", bob, T2);
    run(tx -> tx.customerMappings().insert(t, again));
    assertEquals(Optional.of(again), tx(tx -> tx.customerMappings().findByParticipant(t, bob)),
        "deletes free both the customer id and the participant");
  }

  @Test
  void ofConcurrentMappingsOfOneCustomerIdOrOneParticipantExactlyOneIsMade() throws Exception {
    long t = tenant(T0);
    long campaign = nextId();
    long participant = nextIds(RACERS);
    List<Boolean> sameCustomer = raceEach((instance, i) -> inserted(instance, t,
        new CustomerMapping(campaign, "cust-race", participant + i, T0)));
    assertEquals(1, sameCustomer.stream().filter(b -> b).count(), sameCustomer.toString());
    long winner = participant + sameCustomer.indexOf(true);
    assertEquals(Optional.of(winner), tx(tx -> tx.customerMappings().find(t, campaign, "cust-race"))
        .map(CustomerMapping::participantId));

    long one = nextId();
    List<Boolean> sameParticipant = raceEach((instance, i) -> inserted(instance, t,
        new CustomerMapping(campaign, "cust-" + i, one, T0)));
    assertEquals(1, sameParticipant.stream().filter(b -> b).count(), sameParticipant.toString());
    assertEquals(Optional.of("cust-" + sameParticipant.indexOf(true)),
        tx(tx -> tx.customerMappings().findByParticipant(t, one)).map(CustomerMapping::customerId));
  }

  // ---------------------------------------------------------------- helpers

  /** Inserts in a unit of work of its own; false if it violated {@link UniqueKey#CUSTOMER_MAPPING}. */
  private static boolean inserted(Storage instance, long tenantId, CustomerMapping mapping) {
    try {
      instance.inTransaction(tx -> {
        tx.customerMappings().insert(tenantId, mapping);
        return null;
      });
      return true;
    } catch (UniqueViolationException e) {
      assertEquals(UniqueKey.CUSTOMER_MAPPING, e.key());
      return false;
    }
  }

  private static ApiKeyRecord key(long tenantId, long keyId, Instant createdAt) {
    return new ApiKeyRecord(tenantId, keyId, "Key " + keyId, Set.of(ApiScope.READ, ApiScope.WRITE),
        "hint" + keyId % 10_000, "hash-" + keyId, createdAt, null);
  }

  private static ApiKeyRecord withRevokedAt(ApiKeyRecord k, Instant at) {
    return new ApiKeyRecord(k.tenantId(), k.keyId(), k.name(), k.scopes(), k.hint(), k.secretHash(), k.createdAt(),
        at);
  }
}
