package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.ReferralPort;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardType;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The referral port's contract suite: {@code ReferralPort} and the risk fields of {@code ParticipantPort} held to
 * their javadoc below the engine, on every storage backend: every field read back as written (nulls included,
 * instants at the backend's precision, decimals equal in value), every insert-if-absent keeping the first row and
 * leaving the unit of work usable, keys highest number first, a signing key retired only below the highest and added
 * only next to it within the bound, referrals in invited id order, referrer chains
 * nearest first, velocity counts with an inclusive lower bound, stats that add up exactly, a reversal that happens
 * once, a participant's deletion that takes its referral rows but keeps its conversions, tenant isolation of every
 * lookup, and the undo of every write;
 * and under contention, from threads on two storages sharing the database: one winner of concurrent inserts of one
 * key, a second insert that waits for an uncommitted first one (and then loses, or wins if the first rolls back),
 * and concurrent stats increments that all count.
 *
 * <p>A backend runs it with an (almost) empty subclass that supplies a fresh database per test and shows where a
 * unit of work waits for a lock:
 *
 * <pre>{@code
 * class InMemoryReferralPortsTest extends ReferralPortsContractTest {
 *   @Override
 *   protected StoreFixture createFixture() {
 *     return new InMemoryStoreFixture();
 *   }
 *
 *   @Override
 *   protected void awaitBlockedOnALock(Thread waiter) {
 *     InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
 *   }
 *
 *   @Override
 *   protected ChronoUnit instantPrecision() {
 *     return ChronoUnit.NANOS; // InMemoryStorage keeps instants exactly as given
 *   }
 * }
 * }</pre>
 *
 * <p>Every row the tests write belongs to an existing tenant and campaign (and a referrer reward to an existing
 * campaign reward), so a backend may have foreign keys to them; participant ids are free, as the SPI's other
 * per-participant rows are. Tests of an ability the backend lacks ({@link StorageCapability#SHARED_DATABASE}, as the
 * fixture declares) are skipped with the reason, never reported as passed. Test methods are package-private so that
 * a subclass cannot override one away; each name states the rule it checks. No test depends on ids or on the order
 * tests run in; none sleeps or measures time.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class ReferralPortsContractTest extends PortsContractSupport {
  /** Microseconds, the SPI's precision. */
  private static final Instant T0 = Instant.parse("2025-03-30T23:59:59.123456Z");
  private static final Instant T1 = T0.plusSeconds(3_600);
  private static final Instant T2 = T0.plusSeconds(7_200);
  private static final String IP = "198.51.100.7";
  private static final String IPV6 = "2001:db8::1";

  /** For subclasses. */
  protected ReferralPortsContractTest() {
  }

  /**
   * The finest unit of time in which the backend keeps the instants it is given; an instant with finer digits reads
   * back truncated to it. {@link ChronoUnit#MICROS} by default, the SQL stores' column precision; a backend that
   * keeps instants exactly, as the in-memory store does, returns {@link ChronoUnit#NANOS}. Anything coarser than
   * microseconds fails the tests.
   */
  protected ChronoUnit instantPrecision() {
    return ChronoUnit.MICROS;
  }

  // ---------------------------------------------------------------- settings

  @Test
  void settingsRoundTripEveryFieldAndEachConversionRuleAndAreReplaced() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    CampaignReward reward = new CampaignReward(nextId(), t, c, "Referrer reward", RewardType.POINTS,
        RewardAudience.PARTICIPANT, 3, null, 100, null, 0, null, null, T0);
    run(tx -> tx.rewards().insert(reward));
    assertEquals(Optional.empty(), findSettings(t, c), "a campaign never configured has no row");

    List<ReferralSettings> versions = List.of(
        ReferralSettings.defaults(c),
        new ReferralSettings(c, ReferralGoal.VISIT, true, reward.id(), ConversionPoints.fixed(25),
            RiskAction.REJECT, RiskAction.REJECT, 10_000, Duration.ofDays(7)),
        new ReferralSettings(c, ReferralGoal.SIGNUP, false, null, ConversionPoints.perUnit(new BigDecimal("0.0125")),
            RiskAction.REVIEW, RiskAction.COUNT, 1, Duration.ofMinutes(1)),
        new ReferralSettings(c, ReferralGoal.SIGNUP, true, reward.id(),
            ConversionPoints.perUnit(new BigDecimal("10000")), RiskAction.COUNT, RiskAction.REVIEW, 37,
            Duration.ofSeconds(3_661)),
        ReferralSettings.defaults(c).withConversionPoints(ConversionPoints.fixed(Long.MAX_VALUE)),
        ReferralSettings.defaults(c).withConversionPoints(ConversionPoints.perUnit(new BigDecimal("2.5000"))),
        ReferralSettings.defaults(c).withConversionPoints(ConversionPoints.perUnit(new BigDecimal("1.5"))));
    for (ReferralSettings settings : versions) {
      run(tx -> tx.referrals().saveSettings(t, settings));
      assertEquals(Optional.of(settings), findSettings(t, c), "replaced by, and read back as, " + settings);
    }
    run(tx -> {
      tx.referrals().saveSettings(t, versions.get(1));
      tx.referrals().saveSettings(t, versions.get(2));
    });
    assertEquals(Optional.of(versions.get(2)), findSettings(t, c), "the last save of a unit of work wins");
    assertEquals(Optional.empty(), findSettings(t, other.id()), "another campaign's settings");
    assertEquals(Optional.empty(), findSettings(tenant(), c), "another tenant with the same campaign id");
  }

  // ---------------------------------------------------------------- landing pages

  @Test
  void landingPagesRoundTripEveryFieldAreReplacedAndDeleted() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    assertEquals(Optional.empty(), landingPage(t, c), "a campaign never configured has no row");
    assertFalse(test(tx -> tx.referrals().deleteLandingPage(t, c)), "nothing to delete");

    LandingPage full = new LandingPage(c, "https://shop.example.com/spring?utm=mail#join", "Give £10, get £10 🎁",
        "Your friends get £10 off their first order.", "Use my link for £10 off", "https://cdn.example.com/a.png",
        "via", true);
    LandingPage bare = new LandingPage(c, "http://bücher.example/", "Spring", null, null, null, "ref", true);
    for (LandingPage page : List.of(full, bare, full)) {
      run(tx -> tx.referrals().saveLandingPage(t, page));
      assertEquals(Optional.of(page), landingPage(t, c), "replaced by, and read back as, " + page);
    }
    run(tx -> {
      tx.referrals().saveLandingPage(t, bare);
      tx.referrals().saveLandingPage(t, full.withHeadline("Last"));
    });
    assertEquals(Optional.of(full.withHeadline("Last")), landingPage(t, c), "the last save of a unit of work wins");
    assertEquals(Optional.empty(), landingPage(t, other.id()), "another campaign's page");
    long otherTenant = tenant();
    assertEquals(Optional.empty(), landingPage(otherTenant, c), "another tenant with the same campaign id");
    assertFalse(test(tx -> tx.referrals().deleteLandingPage(otherTenant, c)), "another tenant's delete");

    assertTrue(test(tx -> tx.referrals().deleteLandingPage(t, c)));
    assertEquals(Optional.empty(), landingPage(t, c));
    assertFalse(test(tx -> tx.referrals().deleteLandingPage(t, c)), "deleted once");
  }

  @Test
  void aLandingPageDeletedInAUnitOfWorkThatRollsBackStays() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    LandingPage page = new LandingPage(campaign.id(), "https://shop.example.com/", "Spring", null, null, null, "ref",
        true);
    run(tx -> tx.referrals().saveLandingPage(t, page));
    assertThrows(IllegalStateException.class, () -> run(tx -> {
      assertTrue(tx.referrals().deleteLandingPage(t, campaign.id()));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(page), landingPage(t, campaign.id()));
  }

  // ---------------------------------------------------------------- signing keys

  @Test
  void signingKeysAreInsertedIfAbsentAndListedHighestNumberFirst() {
    long t = tenant();
    long otherTenant = tenant();
    SigningKey two = key(t, 2, (byte) 2, T0);
    SigningKey one = key(t, 1, (byte) 1, T1.plusNanos(1));
    SigningKey ten = key(t, 10, (byte) 10, T2);
    assertEquals(List.of(), keys(t));
    assertTrue(test(tx -> tx.referrals().insertKey(two)));
    assertTrue(test(tx -> tx.referrals().insertKey(ten)));
    assertTrue(test(tx -> tx.referrals().insertKey(one)));
    assertEquals(List.of(stored(ten), stored(two), stored(one)), keys(t), "by number, not by insertion");

    assertFalse(test(tx -> tx.referrals().insertKey(key(t, 2, (byte) 99, T2))), "the tenant has key 2");
    assertEquals(List.of(stored(ten), stored(two), stored(one)), keys(t), "the first key 2 is kept");
    assertTrue(test(tx -> tx.referrals().insertKey(key(otherTenant, 2, (byte) 7, T0))), "another tenant's key 2");
    assertEquals(List.of(key(otherTenant, 2, (byte) 7, T0)), keys(otherTenant));
    assertEquals(3, keys(t).size());
    assertEquals(List.of(), keys(tenant()));
    // A losing insert-if-absent leaves the unit of work usable: the rest of it commits.
    run(tx -> {
      assertFalse(tx.referrals().insertKey(key(t, 1, (byte) 5, T0)));
      assertTrue(tx.referrals().insertKey(key(t, 11, (byte) 11, T0)));
    });
    assertEquals(List.of(11, 10, 2, 1), keys(t).stream().map(SigningKey::keyId).toList());
  }

  @Test
  void aSigningKeyIsRetiredOnlyWhileTheTenantHasAHigherOneAndIsThenGone() {
    long t = tenant();
    long otherTenant = tenant();
    for (int k = 1; k <= 3; k++) {
      SigningKey key = key(t, k, (byte) k, T0);
      assertTrue(test(tx -> tx.referrals().insertKey(key)));
    }
    assertTrue(test(tx -> tx.referrals().insertKey(key(otherTenant, 1, (byte) 7, T0))));
    assertFalse(test(tx -> tx.referrals().retireKey(t, 3)), "the highest key signs: never retired");
    assertFalse(test(tx -> tx.referrals().retireKey(t, 4)), "the tenant has no key 4");
    assertFalse(test(tx -> tx.referrals().retireKey(otherTenant, 1)), "another tenant's only key is its highest");
    assertTrue(test(tx -> tx.referrals().retireKey(t, 2)));
    assertFalse(test(tx -> tx.referrals().retireKey(t, 2)), "key 2 is gone");
    assertEquals(List.of(stored(key(t, 3, (byte) 3, T0)), stored(key(t, 1, (byte) 1, T0))), keys(t),
        "the retired key is gone, its secret with it; the others are kept as they were");
    assertEquals(List.of(1), keyIds(otherTenant));

    assertThrows(IllegalStateException.class, () -> run(tx -> {
      assertTrue(tx.referrals().retireKey(t, 1));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(List.of(3, 1), keyIds(t), "a retirement rolled back keeps the key");
    // A key made and the one below it retired in one unit of work: the unit's own key is higher.
    run(tx -> {
      assertTrue(tx.referrals().insertKey(key(t, 4, (byte) 4, T1)));
      assertTrue(tx.referrals().retireKey(t, 3));
    });
    assertEquals(List.of(4, 1), keyIds(t));
  }

  @Test
  void theNextSigningKeyIsAddedOnlyAboveTheHighestAndBelowTheBound() {
    long t = tenant();
    long otherTenant = tenant();
    assertTrue(test(tx -> tx.referrals().insertNextKey(key(t, 1, (byte) 1, T0), 3)), "a tenant's first key");
    assertFalse(test(tx -> tx.referrals().insertNextKey(key(t, 1, (byte) 9, T0), 3)), "the tenant has key 1");
    assertFalse(test(tx -> tx.referrals().insertNextKey(key(t, 3, (byte) 3, T0), 3)), "key 3 is not next to 1");
    assertTrue(test(tx -> tx.referrals().insertNextKey(key(t, 2, (byte) 2, T0), 3)));
    assertTrue(test(tx -> tx.referrals().insertNextKey(key(t, 3, (byte) 3, T0), 3)));
    assertFalse(test(tx -> tx.referrals().insertNextKey(key(t, 4, (byte) 4, T0), 3)), "the tenant has 3 keys");
    assertEquals(List.of(3, 2, 1), keyIds(t));
    assertTrue(test(tx -> tx.referrals().insertNextKey(key(otherTenant, 1, (byte) 1, T0), 1)),
        "the bound counts the tenant's own keys");

    assertTrue(test(tx -> tx.referrals().retireKey(t, 2)));
    assertTrue(test(tx -> tx.referrals().insertNextKey(key(t, 4, (byte) 4, T1), 3)), "a retired key makes room");
    assertFalse(test(tx -> tx.referrals().insertNextKey(key(t, 2, (byte) 8, T1), 4)),
        "a retired number is below the highest, never made again");
    assertEquals(List.of(stored(key(t, 4, (byte) 4, T1)), stored(key(t, 3, (byte) 3, T0)),
        stored(key(t, 1, (byte) 1, T0))), keys(t));
    // A refused insert leaves the unit of work usable: a retirement then makes room in it.
    run(tx -> {
      assertFalse(tx.referrals().insertNextKey(key(t, 5, (byte) 5, T2), 3));
      assertTrue(tx.referrals().retireKey(t, 1));
      assertTrue(tx.referrals().insertNextKey(key(t, 5, (byte) 5, T2), 3));
    });
    assertEquals(List.of(5, 4, 3), keyIds(t));
  }

  // ---------------------------------------------------------------- short codes

  @Test
  void shortCodesAreUniquePerCampaignAndPerParticipantAndFoundExactly() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = nextId();
    long bob = nextId();
    assertEquals(Optional.empty(), shortCode(t, ann));
    assertEquals(Optional.empty(), holder(t, c, "GAVIN42"));

    assertTrue(insertShortCode(t, c, ann, "GAVIN42"));
    assertEquals(Optional.of("GAVIN42"), shortCode(t, ann));
    assertEquals(Optional.of(ann), holder(t, c, "GAVIN42"));
    assertEquals(Optional.empty(), holder(t, c, "gavin42"), "lookup is exact");
    assertEquals(Optional.empty(), holder(t, c, "GAVIN4"));
    assertEquals(Optional.empty(), holder(t, other.id(), "GAVIN42"), "another campaign");
    long otherTenant = tenant();
    assertEquals(Optional.empty(), holder(otherTenant, c, "GAVIN42"), "another tenant, same campaign id");
    assertEquals(Optional.empty(), shortCode(otherTenant, ann), "another tenant, same participant id");

    assertFalse(insertShortCode(t, c, bob, "GAVIN42"), "the campaign has the code");
    assertEquals(Optional.empty(), shortCode(t, bob));
    assertFalse(insertShortCode(t, c, ann, "ANN7"), "the participant has a code");
    assertFalse(insertShortCode(t, other.id(), ann, "ANN7"), "the participant has a code, in any campaign");
    assertEquals(Optional.of("GAVIN42"), shortCode(t, ann));
    assertEquals(Optional.empty(), holder(t, c, "ANN7"));
    assertTrue(insertShortCode(t, other.id(), bob, "GAVIN42"), "a code is unique per campaign");
    assertEquals(Optional.of(bob), holder(t, other.id(), "GAVIN42"));
    assertEquals(Optional.of(ann), holder(t, c, "GAVIN42"));

    Campaign elsewhere = campaign(otherTenant);
    assertTrue(insertShortCode(otherTenant, elsewhere.id(), ann, "GAVIN42"), "another tenant's participant");
    assertEquals(Optional.of("GAVIN42"), shortCode(otherTenant, ann));
    // A losing insert-if-absent leaves the unit of work usable: the rest of it commits.
    long carl = nextId();
    run(tx -> {
      assertFalse(tx.referrals().insertShortCode(t, c, carl, "GAVIN42"));
      assertTrue(tx.referrals().insertShortCode(t, c, carl, "CARL1"));
    });
    assertEquals(Optional.of(carl), holder(t, c, "CARL1"));
  }

  // ---------------------------------------------------------------- signups and velocity

  @Test
  void aSignupIsKeptOnceAndRoundTripsEveryField() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long bob = nextId();
    SignupRecord full = new SignupRecord(t, ann, campaign.id(), IPV6, "visitor-Zoë-😀", "customer 'A-1'",
        T0.plusNanos(1));
    SignupRecord bare = new SignupRecord(t, bob, campaign.id(), null, null, null, T1);
    assertEquals(Optional.empty(), findSignup(t, ann));
    assertTrue(test(tx -> tx.referrals().insertSignup(full)));
    assertTrue(test(tx -> tx.referrals().insertSignup(bare)));
    assertEquals(Optional.of(stored(full)), findSignup(t, ann));
    assertEquals(Optional.of(bare), findSignup(t, bob));

    assertFalse(test(tx -> tx.referrals().insertSignup(new SignupRecord(t, ann, campaign.id(), IP, "other",
        "other", T2))), "the participant signed up before");
    assertEquals(Optional.of(stored(full)), findSignup(t, ann), "the first signup's facts are kept");
    assertEquals(Optional.empty(), findSignup(tenant(), ann), "another tenant, same participant id");
    run(tx -> {
      assertFalse(tx.referrals().insertSignup(bare));
      assertTrue(tx.referrals().insertSignup(new SignupRecord(t, nextId(), campaign.id(), IP, null, null, T2)));
    });
    assertEquals(1L, countFromIp(t, campaign.id(), IP, T0), "the unit of work went on after a losing insert");
  }

  @Test
  void velocityCountsSignupsOfOneCampaignAndIdentifierFromAnInclusiveInstant() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    Instant m1 = T0.plusSeconds(60);
    Instant m2 = T0.plusSeconds(120);
    run(tx -> {
      tx.referrals().insertSignup(new SignupRecord(t, nextId(), c, IP, "v-1", null, T0));
      tx.referrals().insertSignup(new SignupRecord(t, nextId(), c, IP, "v-1", "cust", m1));
      tx.referrals().insertSignup(new SignupRecord(t, nextId(), c, IP, "v-2", null, m2));
      tx.referrals().insertSignup(new SignupRecord(t, nextId(), c, IPV6, null, null, m2));
      tx.referrals().insertSignup(new SignupRecord(t, nextId(), c, null, "v-2", null, m2));
      tx.referrals().insertSignup(new SignupRecord(t, nextId(), other.id(), IP, "v-1", null, m2));
    });
    assertEquals(3L, countFromIp(t, c, IP, T0));
    assertEquals(3L, countFromIp(t, c, IP, T0.minusSeconds(3_600)));
    assertEquals(2L, countFromIp(t, c, IP, m1), "since is inclusive");
    assertEquals(1L, countFromIp(t, c, IP, m1.plusNanos(1_000)), "a microsecond later");
    assertEquals(1L, countFromIp(t, c, IP, m2));
    assertEquals(0L, countFromIp(t, c, IP, m2.plusNanos(1_000)));
    assertEquals(1L, countFromIp(t, c, IPV6, T0));
    assertEquals(0L, countFromIp(t, c, "198.51.100.70", T0), "addresses match exactly");
    assertEquals(0L, countFromIp(t, c, "198.51.100", T0));
    assertEquals(1L, countFromIp(t, other.id(), IP, T0), "per campaign");
    assertEquals(0L, countFromIp(tenant(), c, IP, T0), "another tenant, same campaign id");

    assertEquals(2L, countFromVisitor(t, c, "v-1", T0));
    assertEquals(1L, countFromVisitor(t, c, "v-1", m1));
    assertEquals(0L, countFromVisitor(t, c, "v-1", m1.plusNanos(1_000)));
    assertEquals(2L, countFromVisitor(t, c, "v-2", m2), "one with an IP address, one without");
    assertEquals(0L, countFromVisitor(t, c, "V-1", T0), "visitor ids match exactly");
    assertEquals(0L, countFromVisitor(t, c, IP, T0), "an IP address is not a visitor id");
    assertEquals(1L, countFromVisitor(t, other.id(), "v-1", T0));
    assertEquals(0L, countFromVisitor(tenant(), c, "v-1", T0));
  }

  // ---------------------------------------------------------------- referrals

  @Test
  void aReferralIsRecordedOncePerInvitedParticipantAndRoundTripsEveryField() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    List<Referral> each = new ArrayList<>();
    int i = 0;
    for (CodeKind kind : CodeKind.values()) {
      for (RiskLevel level : RiskLevel.values()) {
        for (ReferralStatus status : ReferralStatus.values()) {
          String reason = level == RiskLevel.LOW ? RiskSignal.NO_SIGNAL : "REASON_" + level + "_" + (i++);
          each.add(new Referral(t, c, nextId(), rita, kind, level, reason, status, T0.plusNanos(i)));
        }
      }
    }
    run(tx -> each.forEach(r -> assertTrue(tx.referrals().insertReferral(r))));
    for (Referral r : each) {
      assertEquals(Optional.of(stored(r)), findReferral(t, r.invitedId()));
    }

    Referral first = each.get(0);
    Referral again = new Referral(t, c, first.invitedId(), nextId(), CodeKind.SIGNED, RiskLevel.HIGH, "ALIAS",
        ReferralStatus.REJECTED, T2);
    assertFalse(test(tx -> tx.referrals().insertReferral(again)), "the invited participant has a referrer");
    assertEquals(Optional.of(stored(first)), findReferral(t, first.invitedId()), "never overwritten");
    assertEquals(List.of(), referredBy(t, again.referrerId(), null, 10));
    assertEquals(Optional.empty(), findReferral(t, nextId()));
    assertEquals(Optional.empty(), findReferral(tenant(), first.invitedId()), "another tenant, same invited id");
    // A losing insert-if-absent leaves the unit of work usable: the rest of it commits.
    Referral late = referral(t, c, nextId(), rita, T2);
    run(tx -> {
      assertFalse(tx.referrals().insertReferral(again));
      assertTrue(tx.referrals().insertReferral(late));
    });
    assertEquals(Optional.of(late), findReferral(t, late.invitedId()));
  }

  @Test
  void aReferrersReferralsListInInvitedIdOrderByKeyset() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    long sam = nextId();
    long first = nextIds(5);
    List<Referral> ritas = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ritas.add(referral(t, c, first + i, rita, T0.plusSeconds(10 - i)));
    }
    Referral samsOwn = referral(t, c, nextId(), sam, T0);
    // Inserted out of invited id order, in separate units of work.
    for (int i : new int[] {3, 0, 4, 1, 2}) {
      assertTrue(test(tx -> tx.referrals().insertReferral(ritas.get(i))));
    }
    assertTrue(test(tx -> tx.referrals().insertReferral(samsOwn)));

    assertEquals(ritas, referredBy(t, rita, null, 10));
    assertEquals(ritas.subList(0, 2), referredBy(t, rita, null, 2));
    assertEquals(ritas.subList(2, 4), referredBy(t, rita, first + 1, 2));
    assertEquals(ritas.subList(4, 5), referredBy(t, rita, first + 3, 2));
    assertEquals(List.of(), referredBy(t, rita, first + 4, 2));
    assertEquals(ritas.subList(1, 5), referredBy(t, rita, first, 10), "after is exclusive");
    assertEquals(ritas, referredBy(t, rita, Long.MIN_VALUE, 10));
    assertEquals(List.of(), referredBy(t, rita, null, 0));
    assertEquals(List.of(samsOwn), referredBy(t, sam, null, 10));
    assertEquals(List.of(), referredBy(t, nextId(), null, 10));
    assertEquals(List.of(), referredBy(tenant(), rita, null, 10), "another tenant, same referrer id");
  }

  @Test
  void aCampaignsReferralsListInInvitedIdOrderByKeysetAllOrInOneStatus() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    Campaign other = campaign(t);
    long rita = nextId();
    long sam = nextId();
    long first = nextIds(8);
    // Invited first..first+7, statuses in turn, two referrers; inserted out of invited id order.
    ReferralStatus[] statuses = {ReferralStatus.COUNTED, ReferralStatus.IN_REVIEW, ReferralStatus.REJECTED,
        ReferralStatus.RECORDED, ReferralStatus.IN_REVIEW, ReferralStatus.REJECTED, ReferralStatus.IN_REVIEW,
        ReferralStatus.COUNTED};
    List<Referral> all = new ArrayList<>();
    for (int i = 0; i < statuses.length; i++) {
      RiskLevel level = statuses[i] == ReferralStatus.COUNTED ? RiskLevel.LOW : RiskLevel.HIGH;
      all.add(new Referral(t, c, first + i, i % 2 == 0 ? rita : sam, CodeKind.SHORT, level,
          level == RiskLevel.LOW ? RiskSignal.NO_SIGNAL : "VELOCITY_" + i, statuses[i], T0.plusSeconds(10 - i)));
    }
    for (int i : new int[] {5, 0, 7, 2, 1, 6, 3, 4}) {
      assertTrue(test(tx -> tx.referrals().insertReferral(all.get(i))));
    }
    // Another campaign's, of the same referrer, and another tenant's with the same ids.
    Referral elsewhere = new Referral(t, other.id(), nextId(), rita, CodeKind.SHORT, RiskLevel.HIGH, "VELOCITY",
        ReferralStatus.IN_REVIEW, T0);
    assertTrue(test(tx -> tx.referrals().insertReferral(elsewhere)));
    long tb = tenant();
    Campaign theirs = campaign(tb);
    assertTrue(test(tx -> tx.referrals().insertReferral(new Referral(tb, c, first + 1, rita, CodeKind.SHORT,
        RiskLevel.HIGH, "VELOCITY", ReferralStatus.IN_REVIEW, T0))));

    List<Referral> stored = all.stream().map(this::stored).toList();
    assertEquals(stored, listForCampaign(t, c, null, null, 10));
    assertEquals(stored.subList(0, 3), listForCampaign(t, c, null, null, 3));
    assertEquals(stored.subList(3, 6), listForCampaign(t, c, null, first + 2, 3));
    assertEquals(stored.subList(6, 8), listForCampaign(t, c, null, first + 5, 3));
    assertEquals(List.of(), listForCampaign(t, c, null, first + 7, 3));
    assertEquals(stored.subList(1, 8), listForCampaign(t, c, null, first, 10), "after is exclusive");
    assertEquals(stored, listForCampaign(t, c, null, Long.MIN_VALUE, 10));
    assertEquals(List.of(), listForCampaign(t, c, null, null, 0));
    for (ReferralStatus status : ReferralStatus.values()) {
      List<Referral> in = stored.stream().filter(r -> r.status() == status).toList();
      assertEquals(in, listForCampaign(t, c, status, null, 10), status.name());
      // One at a time, each after the one before.
      List<Referral> paged = new ArrayList<>();
      Long after = null;
      for (List<Referral> page = listForCampaign(t, c, status, null, 1); !page.isEmpty();
          page = listForCampaign(t, c, status, after, 1)) {
        paged.addAll(page);
        after = page.get(0).invitedId();
      }
      assertEquals(in, paged, status + " by 1");
    }
    List<Referral> review = stored.stream().filter(r -> r.status() == ReferralStatus.IN_REVIEW).toList();
    assertEquals(review.subList(1, 3), listForCampaign(t, c, ReferralStatus.IN_REVIEW, first + 1, 10),
        "after a cursor of another status's id too");
    assertEquals(review.subList(2, 3), listForCampaign(t, c, ReferralStatus.IN_REVIEW, first + 4, 10));
    assertEquals(List.of(stored(elsewhere)), listForCampaign(t, other.id(), null, null, 10));
    assertEquals(List.of(stored(elsewhere)), listForCampaign(t, other.id(), ReferralStatus.IN_REVIEW, null, 10));
    assertEquals(List.of(), listForCampaign(t, other.id(), ReferralStatus.COUNTED, null, 10));
    assertEquals(List.of(), listForCampaign(t, theirs.id(), null, null, 10), "the other tenant's campaign");
    assertEquals(1, listForCampaign(tb, c, ReferralStatus.IN_REVIEW, null, 10).size(),
        "another tenant, same campaign id");
    assertEquals(List.of(), listForCampaign(t, nextId(), null, null, 10));

    // Gone with either participant: sam's referrals (1, 3, 5, 7) and invited first + 2.
    run(tx -> tx.referrals().deleteAll(t, sam));
    run(tx -> tx.referrals().deleteAll(t, first + 2));
    assertEquals(List.of(stored.get(0), stored.get(4), stored.get(6)), listForCampaign(t, c, null, null, 10));
    assertEquals(List.of(stored.get(4), stored.get(6)), listForCampaign(t, c, ReferralStatus.IN_REVIEW, null, 10));
    assertEquals(List.of(), listForCampaign(t, c, ReferralStatus.REJECTED, null, 10));
  }

  @Test
  void aReferrerChainListsTheReferrersAboveAParticipantNearestFirstUpToTheDepth() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    // 60 participants, each referred by the one before it; inserted out of chain order.
    int length = 60;
    long first = nextIds(length);
    List<Referral> links = new ArrayList<>();
    for (int i = 1; i < length; i++) {
      links.add(referral(t, c, first + i, first + i - 1, T0));
    }
    Referral aside = referral(t, c, nextId(), first + 30, T0);
    run(tx -> {
      for (int i = links.size() - 1; i >= 0; i -= 2) {
        assertTrue(tx.referrals().insertReferral(links.get(i)));
      }
      for (int i = links.size() - 2; i >= 0; i -= 2) {
        assertTrue(tx.referrals().insertReferral(links.get(i)));
      }
      assertTrue(tx.referrals().insertReferral(aside));
    });
    long last = first + length - 1;
    List<Long> above = new ArrayList<>();
    for (long id = last - 1; id >= first; id--) {
      above.add(id);
    }
    assertEquals(above, referrerChain(t, last, 100), "the whole chain, nearest first");
    assertEquals(above, referrerChain(t, last, length - 1), "exactly as deep as the chain");
    assertEquals(above.subList(0, 50), referrerChain(t, last, 50));
    assertEquals(above.subList(0, 1), referrerChain(t, last, 1));
    assertEquals(List.of(), referrerChain(t, last, 0));
    assertEquals(List.of(first + 30, first + 29, first + 28), referrerChain(t, aside.invitedId(), 3),
        "a branch of the forest");
    assertEquals(List.of(), referrerChain(t, first, 10), "the root has no referrer");
    assertEquals(List.of(), referrerChain(t, nextId(), 10), "no such participant");

    // Another tenant with the same ids: its referral of the middle of the chain is never followed, nor is the chain
    // followed from it.
    long otherTenant = tenant();
    Campaign elsewhere = campaign(otherTenant);
    long stranger = nextId();
    assertTrue(test(tx -> tx.referrals().insertReferral(referral(otherTenant, elsewhere.id(), first + 10, stranger,
        T0))));
    assertTrue(test(tx -> tx.referrals().insertReferral(referral(otherTenant, elsewhere.id(), stranger, last,
        T0))));
    assertEquals(above, referrerChain(t, last, 100), "another tenant's referrals stay out of the chain");
    assertEquals(List.of(stranger, last), referrerChain(otherTenant, first + 10, 100),
        "another tenant, same ids: its own chain only");
    assertEquals(List.of(), referrerChain(otherTenant, last, 100), "another tenant, same participant id");
  }

  // ---------------------------------------------------------------- unique visitors

  @Test
  void aVisitorCountsOncePerReferrer() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    long sam = nextId();
    assertTrue(insertVisitor(t, c, rita, "visitor-Zoë-😀", T0));
    assertFalse(insertVisitor(t, c, rita, "visitor-Zoë-😀", T1), "the visitor is not new to rita");
    assertFalse(insertVisitor(t, other.id(), rita, "visitor-Zoë-😀", T1), "per referrer, whatever the campaign");
    assertTrue(insertVisitor(t, c, rita, "visitor-zoë-😀", T1), "visitor ids match exactly");
    assertTrue(insertVisitor(t, c, sam, "visitor-Zoë-😀", T1), "new to sam");
    long otherTenant = tenant();
    Campaign elsewhere = campaign(otherTenant);
    assertTrue(insertVisitor(otherTenant, elsewhere.id(), rita, "visitor-Zoë-😀", T1),
        "another tenant, same referrer id");
    run(tx -> {
      assertFalse(tx.referrals().insertVisitor(t, c, sam, "visitor-Zoë-😀", T2));
      assertTrue(tx.referrals().insertVisitor(t, c, sam, "v-2", T2));
    });
    assertFalse(insertVisitor(t, c, sam, "v-2", T2), "the unit of work went on after a losing insert");
  }

  // ---------------------------------------------------------------- stats

  @Test
  void statsStartAtZeroAndAddUpExactlyPerParticipantAndCampaign() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    long sam = nextId();
    long tom = nextId();
    assertStats(ReferralStats.ZERO, stats(t, rita));
    assertStats(ReferralStats.ZERO, campaignStats(t, c));

    addStats(t, c, rita, new ReferralStats(1, 2, 3, 4, 5, 6, 7, new BigDecimal("12.3456")));
    assertStats(new ReferralStats(1, 2, 3, 4, 5, 6, 7, new BigDecimal("12.3456")), stats(t, rita));
    addStats(t, c, rita, new ReferralStats(0, 0, 0, 0, 0, 0, 1, new BigDecimal("-2.0001")));
    addStats(t, c, rita, new ReferralStats(10, 0, 1, 0, 0, 1, 0, new BigDecimal("0.0001")));
    assertStats(new ReferralStats(11, 2, 4, 4, 5, 7, 8, new BigDecimal("10.3456")), stats(t, rita));
    addStats(t, c, rita, new ReferralStats(0, 0, 0, 0, 0, 0, 0, new BigDecimal("-10.3456")));
    assertStats(new ReferralStats(11, 2, 4, 4, 5, 7, 8, BigDecimal.ZERO), stats(t, rita), "revenue back to 0");
    addStats(t, c, rita, new ReferralStats(0, 0, 0, 0, 0, 0, 0, new BigDecimal("-0.5")));
    assertStats(new ReferralStats(11, 2, 4, 4, 5, 7, 8, new BigDecimal("-0.5")), stats(t, rita),
        "a reversal may take revenue below zero; the store adds, it does not judge");
    addStats(t, c, rita, new ReferralStats(0, 0, 0, 0, 0, 0, 0, new BigDecimal("99999999.9999")));
    run(tx -> {
      tx.referrals().addStats(t, c, sam, new ReferralStats(0, 1, 0, 0, 0, 0, 0, new BigDecimal("0.1")));
      tx.referrals().addStats(t, c, sam, new ReferralStats(0, 1, 0, 0, 0, 0, 0, new BigDecimal("0.2")));
    });
    addStats(t, other.id(), tom, new ReferralStats(100, 100, 100, 100, 100, 100, 100, new BigDecimal("100")));

    ReferralStats ritas = new ReferralStats(11, 2, 4, 4, 5, 7, 8, new BigDecimal("99999999.4999"));
    assertStats(ritas, stats(t, rita));
    assertStats(new ReferralStats(0, 2, 0, 0, 0, 0, 0, new BigDecimal("0.3")), stats(t, sam),
        "0.1 + 0.2 is exactly 0.3");
    assertStats(ritas.plus(stats(t, sam)), campaignStats(t, c));
    assertStats(new ReferralStats(100, 100, 100, 100, 100, 100, 100, new BigDecimal("100")),
        campaignStats(t, other.id()));
    long otherTenant = tenant();
    assertStats(ReferralStats.ZERO, stats(otherTenant, rita), "another tenant, same participant id");
    assertStats(ReferralStats.ZERO, campaignStats(otherTenant, c), "another tenant, same campaign id");
    assertStats(ritas.plus(stats(t, sam)).plus(campaignStats(t, other.id())),
        tx(tx -> tx.referrals().campaignsStats(t, List.of(other.id(), c, nextId(), c))),
        "several campaigns summed, each once, a campaign without stats adding nothing");
    assertStats(ReferralStats.ZERO, tx(tx -> tx.referrals().campaignsStats(otherTenant, List.of(c, other.id()))),
        "another tenant, same campaign ids");
    assertStats(ReferralStats.ZERO, tx(tx -> tx.referrals().campaignsStats(t, List.of())), "no campaigns");
    Campaign elsewhere = campaign(otherTenant);
    addStats(otherTenant, elsewhere.id(), rita, new ReferralStats(1, 1, 1, 1, 1, 1, 1, BigDecimal.ONE));
    assertStats(ritas, stats(t, rita));
    assertStats(new ReferralStats(1, 1, 1, 1, 1, 1, 1, BigDecimal.ONE), stats(otherTenant, rita));
  }

  // ---------------------------------------------------------------- conversions

  @Test
  void aConversionIsRecordedOncePerCampaignAndOrderIdAndRoundTripsEveryField() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    Conversion full = new Conversion(nextId(), t, c, rita, "order-Zoë-😀 'A'", new BigDecimal("1234.5678"),
        Long.MAX_VALUE, ConversionStatus.CONVERTED, 0, T0.plusNanos(1), null);
    Conversion free = new Conversion(nextId(), t, c, rita, "order-2", BigDecimal.ZERO, 0,
        ConversionStatus.CONVERTED, 0, T1, null);
    Conversion reversed = new Conversion(nextId(), t, c, rita, "order-3", new BigDecimal("10.5"), 10,
        ConversionStatus.REVERSED, 7, T1, T2.plusNanos(1));
    Conversion rejected = new Conversion(nextId(), t, c, rita, "order-4", new BigDecimal("20"), 0,
        ConversionStatus.REJECTED, 0, T2, null);
    assertEquals(Optional.empty(), findConversion(t, c, full.orderId()));
    assertTrue(test(tx -> tx.referrals().insertConversion(full)));
    assertTrue(test(tx -> tx.referrals().insertConversion(free)));
    assertTrue(test(tx -> tx.referrals().insertConversion(reversed)));
    assertTrue(test(tx -> tx.referrals().insertConversion(rejected)));
    assertConversion(full, findConversion(t, c, full.orderId()));
    assertConversion(free, findConversion(t, c, "order-2"));
    assertConversion(reversed, findConversion(t, c, "order-3"));
    assertConversion(rejected, findConversion(t, c, "order-4"));

    Conversion again = new Conversion(nextId(), t, c, nextId(), full.orderId(), BigDecimal.ONE, 1,
        ConversionStatus.CONVERTED, 0, T2, null);
    assertFalse(test(tx -> tx.referrals().insertConversion(again)), "the order converted in the campaign");
    assertConversion(full, findConversion(t, c, full.orderId()));
    assertEquals(Optional.empty(), findConversion(t, c, "ORDER-2"), "order ids match exactly");
    assertEquals(Optional.empty(), findConversion(t, other.id(), full.orderId()), "another campaign");
    assertEquals(Optional.empty(), findConversion(tenant(), c, full.orderId()), "another tenant, same campaign id");
    Conversion elsewhere = new Conversion(again.id(), t, other.id(), again.referrerId(), full.orderId(),
        BigDecimal.ONE, 1, ConversionStatus.CONVERTED, 0, T2, null);
    run(tx -> {
      assertFalse(tx.referrals().insertConversion(full));
      assertTrue(tx.referrals().insertConversion(elsewhere), "an order id converts once per campaign");
    });
    assertConversion(elsewhere, findConversion(t, other.id(), full.orderId()));
    assertConversion(full, findConversion(t, c, full.orderId()));
  }

  @Test
  void aConversionIsReversedOnceByCompareAndSet() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    Conversion conversion = new Conversion(nextId(), t, c, nextId(), "order-1", new BigDecimal("99.99"), 50,
        ConversionStatus.CONVERTED, 0, T0, null);
    Conversion untouched = new Conversion(nextId(), t, c, conversion.referrerId(), "order-2",
        new BigDecimal("1.00"), 1, ConversionStatus.CONVERTED, 0, T0, null);
    run(tx -> {
      tx.referrals().insertConversion(conversion);
      tx.referrals().insertConversion(untouched);
    });
    assertFalse(markReversed(tenant(), conversion.id(), 50, T1), "another tenant, same conversion id");
    assertFalse(markReversed(t, nextId(), 50, T1), "no such conversion");
    assertConversion(conversion, findConversion(t, c, "order-1"));

    assertTrue(markReversed(t, conversion.id(), 30, T1.plusNanos(1)));
    Conversion reversed = new Conversion(conversion.id(), t, c, conversion.referrerId(), "order-1",
        conversion.orderValue(), 50, ConversionStatus.REVERSED, 30, T0, T1.plusNanos(1));
    assertConversion(reversed, findConversion(t, c, "order-1"));
    assertFalse(markReversed(t, conversion.id(), 50, T2), "it is REVERSED already");
    assertConversion(reversed, findConversion(t, c, "order-1"), "a second reversal changes nothing");
    assertConversion(untouched, findConversion(t, c, "order-2"));
    Conversion rejected = new Conversion(nextId(), t, c, conversion.referrerId(), "order-3", BigDecimal.TEN, 0,
        ConversionStatus.REJECTED, 0, T0, null);
    run(tx -> tx.referrals().insertConversion(rejected));
    assertFalse(markReversed(t, rejected.id(), 0, T2), "a REJECTED conversion is never reversed");
    assertConversion(rejected, findConversion(t, c, "order-3"));

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertTrue(tx.referrals().markReversed(t, untouched.id(), 1, T2));
      throw new IllegalStateException("rolled back");
    }));
    assertConversion(untouched, findConversion(t, c, "order-2"), "a rolled-back reversal is undone");
    assertTrue(markReversed(t, untouched.id(), 0, T2), "and can happen again; 0 points taken back is recorded");
    assertConversion(new Conversion(untouched.id(), t, c, untouched.referrerId(), "order-2", untouched.orderValue(),
        1, ConversionStatus.REVERSED, 0, T0, T2), findConversion(t, c, "order-2"));
  }

  @Test
  void aCampaignsConversionsListInIdOrderAndAReferrersNewestFirstByKeyset() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    Campaign other = campaign(t);
    long rita = nextId();
    long sam = nextId();
    long first = nextIds(9);
    // Ids first..first+8, statuses in turn, two referrers; inserted out of id order.
    ConversionStatus[] statuses = {ConversionStatus.CONVERTED, ConversionStatus.REJECTED, ConversionStatus.REVERSED,
        ConversionStatus.CONVERTED, ConversionStatus.REVERSED, ConversionStatus.REJECTED, ConversionStatus.CONVERTED,
        ConversionStatus.CONVERTED, ConversionStatus.REVERSED};
    List<Conversion> all = new ArrayList<>();
    for (int i = 0; i < statuses.length; i++) {
      boolean reversed = statuses[i] == ConversionStatus.REVERSED;
      long points = statuses[i] == ConversionStatus.REJECTED ? 0 : 10 + i;
      all.add(new Conversion(first + i, t, c, i % 3 == 0 ? sam : rita, "order-" + (9 - i),
          new BigDecimal(i + ".5"), points, statuses[i], reversed ? points - 1 : 0, T0.plusSeconds(i),
          reversed ? T1 : null));
    }
    for (int i : new int[] {5, 0, 8, 7, 2, 1, 6, 3, 4}) {
      assertTrue(test(tx -> tx.referrals().insertConversion(all.get(i))));
    }
    // Another campaign's, of the same referrer, and another tenant's with the same ids, campaign id and referrer.
    Conversion elsewhere = new Conversion(nextId(), t, other.id(), rita, "order-1", BigDecimal.ONE, 1,
        ConversionStatus.REJECTED, 0, T0, null);
    assertTrue(test(tx -> tx.referrals().insertConversion(elsewhere)));
    long tb = tenant();
    Campaign theirs = campaign(tb);
    for (long id : new long[] {first, first + 4}) {
      assertTrue(test(tx -> tx.referrals().insertConversion(new Conversion(id, tb, c, rita, "order-" + id,
          BigDecimal.TEN, 1, ConversionStatus.REJECTED, 0, T0, null))));
    }

    List<Conversion> stored = all.stream().map(this::normalStored).toList();
    assertEquals(stored, campaignConversions(t, c, null, null, 10));
    assertEquals(stored.subList(0, 4), campaignConversions(t, c, null, null, 4));
    assertEquals(stored.subList(4, 8), campaignConversions(t, c, null, first + 3, 4));
    assertEquals(stored.subList(8, 9), campaignConversions(t, c, null, first + 7, 4));
    assertEquals(List.of(), campaignConversions(t, c, null, first + 8, 4));
    assertEquals(stored.subList(1, 9), campaignConversions(t, c, null, first, 10), "after is exclusive");
    assertEquals(stored, campaignConversions(t, c, null, Long.MIN_VALUE, 10));
    assertEquals(List.of(), campaignConversions(t, c, null, Long.MAX_VALUE, 10));
    assertEquals(List.of(), campaignConversions(t, c, null, null, 0));
    for (ConversionStatus status : ConversionStatus.values()) {
      List<Conversion> in = stored.stream().filter(x -> x.status() == status).toList();
      assertEquals(in, campaignConversions(t, c, status, null, 10), status.name());
      // One at a time, each after the one before: no duplicate, no gap.
      List<Conversion> paged = new ArrayList<>();
      Long after = null;
      for (List<Conversion> page = campaignConversions(t, c, status, null, 1); !page.isEmpty();
          page = campaignConversions(t, c, status, after, 1)) {
        paged.addAll(page);
        after = page.get(0).id();
      }
      assertEquals(in, paged, status + " by 1");
    }
    List<Conversion> rejected = stored.stream().filter(x -> x.status() == ConversionStatus.REJECTED).toList();
    assertEquals(rejected.subList(1, 2), campaignConversions(t, c, ConversionStatus.REJECTED, first + 2, 10),
        "after a cursor of another status's id too");
    assertEquals(List.of(normalStored(elsewhere)), campaignConversions(t, other.id(), null, null, 10));
    assertEquals(List.of(normalStored(elsewhere)), campaignConversions(t, other.id(), ConversionStatus.REJECTED,
        null, 10));
    assertEquals(List.of(), campaignConversions(t, other.id(), ConversionStatus.CONVERTED, null, 10));
    assertEquals(List.of(), campaignConversions(t, theirs.id(), null, null, 10), "the other tenant's campaign");
    assertEquals(2, campaignConversions(tb, c, ConversionStatus.REJECTED, null, 10).size(),
        "another tenant, same campaign id");
    assertEquals(List.of(), campaignConversions(t, nextId(), null, null, 10));

    // A referrer's, newest first, of every campaign and status; never another tenant's with the same referrer id.
    List<Conversion> ritas = new ArrayList<>(stored.stream().filter(x -> x.referrerId() == rita).toList());
    ritas.add(normalStored(elsewhere));
    ritas.sort((x, y) -> Long.compare(y.id(), x.id()));
    assertEquals(ritas, referrerConversions(t, rita, null, 10));
    assertEquals(ritas.subList(0, 2), referrerConversions(t, rita, null, 2));
    assertEquals(ritas.subList(2, 4), referrerConversions(t, rita, ritas.get(1).id(), 2));
    assertEquals(ritas.subList(1, ritas.size()), referrerConversions(t, rita, ritas.get(0).id(), 10),
        "before is exclusive");
    assertEquals(ritas, referrerConversions(t, rita, Long.MAX_VALUE, 10));
    assertEquals(List.of(), referrerConversions(t, rita, Long.MIN_VALUE, 10));
    assertEquals(List.of(), referrerConversions(t, rita, null, 0));
    List<Conversion> paged = new ArrayList<>();
    Long before = null;
    for (List<Conversion> page = referrerConversions(t, rita, null, 1); !page.isEmpty();
        page = referrerConversions(t, rita, before, 1)) {
      paged.addAll(page);
      before = page.get(0).id();
    }
    assertEquals(ritas, paged, "by 1");
    List<Conversion> sams = new ArrayList<>(stored.stream().filter(x -> x.referrerId() == sam).toList());
    sams.sort((x, y) -> Long.compare(y.id(), x.id()));
    assertEquals(sams, referrerConversions(t, sam, null, 10));
    assertEquals(List.of(), referrerConversions(t, nextId(), null, 10));
    assertEquals(2, referrerConversions(tb, rita, null, 10).size(), "another tenant, same referrer id");

    // A reversal moves a conversion from the CONVERTED list to the REVERSED one, at its place by id.
    assertTrue(markReversed(t, first + 3, 5, T2));
    assertEquals(List.of(first, first + 6, first + 7), campaignConversions(t, c, ConversionStatus.CONVERTED, null,
        10).stream().map(Conversion::id).toList());
    assertEquals(List.of(first + 2, first + 3, first + 4, first + 8), campaignConversions(t, c,
        ConversionStatus.REVERSED, null, 10).stream().map(Conversion::id).toList());
    assertEquals(ConversionStatus.REVERSED, campaignConversions(t, c, null, first + 2, 1).get(0).status());
    assertThrows(RolledBack.class, () -> storage().inTransaction(tx -> {
      assertTrue(tx.referrals().markReversed(t, first + 6, 1, T2));
      throw new RolledBack();
    }));
    assertEquals(3, campaignConversions(t, c, ConversionStatus.CONVERTED, null, 10).size(),
        "a rolled-back reversal leaves the conversion CONVERTED");
  }

  // ---------------------------------------------------------------- deletion

  @Test
  void deleteAllRemovesAParticipantsReferralRowsButKeepsItsConversionsAndShortCode() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    long ann = nextId();
    long bob = nextId();
    long zed = nextId();
    long carl = nextId();
    Referral ritaAnn = referral(t, c, ann, rita, T0);
    Referral annBob = referral(t, c, bob, ann, T0);
    Referral zedCarl = referral(t, c, carl, zed, T0);
    Conversion annsSale = new Conversion(nextId(), t, c, ann, "order-1", new BigDecimal("5.25"), 5,
        ConversionStatus.CONVERTED, 0, T0, null);
    ReferralStats annsStats = new ReferralStats(1, 1, 1, 1, 1, 1, 0, new BigDecimal("5.25"));
    ReferralStats ritasStats = new ReferralStats(0, 0, 0, 0, 1, 0, 0, BigDecimal.ZERO);
    long otherTenant = tenant();
    Campaign elsewhere = campaign(otherTenant);
    run(tx -> {
      ReferralPort r = tx.referrals();
      r.insertReferral(ritaAnn);
      r.insertReferral(annBob);
      r.insertReferral(zedCarl);
      r.insertShortCode(t, c, ann, "ANN1");
      r.insertShortCode(t, c, rita, "RITA1");
      r.insertSignup(new SignupRecord(t, ann, c, IP, "v-ann", "cust-ann", T0));
      r.insertSignup(new SignupRecord(t, bob, c, IP, "v-bob", null, T0));
      r.insertVisitor(t, c, ann, "v-1", T0);
      r.insertVisitor(t, c, ann, "v-2", T0);
      r.insertVisitor(t, c, rita, "v-1", T0);
      r.addStats(t, c, ann, annsStats);
      r.addStats(t, c, rita, ritasStats);
      r.insertConversion(annsSale);
      // Another tenant's rows with the same participant ids.
      r.insertReferral(referral(otherTenant, elsewhere.id(), ann, rita, T0));
      r.insertShortCode(otherTenant, elsewhere.id(), ann, "ANN1");
      r.insertSignup(new SignupRecord(otherTenant, ann, elsewhere.id(), IP, null, null, T0));
      r.insertVisitor(otherTenant, elsewhere.id(), ann, "v-1", T0);
      r.addStats(otherTenant, elsewhere.id(), ann, annsStats);
    });
    assertEquals(2L, countFromIp(t, c, IP, T0));

    run(tx -> tx.referrals().deleteAll(t, ann));

    assertEquals(Optional.of("ANN1"), shortCode(t, ann), "a short code stays reserved");
    assertEquals(Optional.of(ann), holder(t, c, "ANN1"));
    assertEquals(Optional.empty(), findSignup(t, ann));
    assertEquals(1L, countFromIp(t, c, IP, T0), "bob's signup is left");
    assertEquals(0L, countFromVisitor(t, c, "v-ann", T0));
    assertStats(ReferralStats.ZERO, stats(t, ann));
    assertStats(ritasStats, campaignStats(t, c), "only rita's stats are left in the campaign");
    assertEquals(Optional.empty(), findReferral(t, ann), "as invited");
    assertEquals(Optional.empty(), findReferral(t, bob), "as referrer");
    assertEquals(List.of(), referredBy(t, rita, null, 10));
    assertEquals(List.of(), referredBy(t, ann, null, 10));
    assertEquals(Optional.of(zedCarl), findReferral(t, carl), "an unrelated referral is left");
    assertEquals(Optional.of("RITA1"), shortCode(t, rita));
    assertStats(ritasStats, stats(t, rita));
    assertEquals(Optional.of(new SignupRecord(t, bob, c, IP, "v-bob", null, T0)), findSignup(t, bob));
    assertConversion(annsSale, findConversion(t, c, "order-1"), "conversions stay, for audit");
    assertEquals(List.of(normalStored(annsSale)), campaignConversions(t, c, null, null, 10),
        "listed by the campaign");
    assertEquals(List.of(normalStored(annsSale)), referrerConversions(t, ann, null, 10), "and by referrer id");
    assertFalse(insertVisitor(t, c, rita, "v-1", T1), "rita's visitors are left");

    assertEquals(Optional.of(referral(otherTenant, elsewhere.id(), ann, rita, T0)),
        findReferral(otherTenant, ann), "another tenant's participant with the same id is untouched");
    assertEquals(Optional.of("ANN1"), shortCode(otherTenant, ann));
    assertTrue(findSignup(otherTenant, ann).isPresent());
    assertStats(annsStats, stats(otherTenant, ann));
    assertFalse(insertVisitor(otherTenant, elsewhere.id(), ann, "v-1", T1));

    // Everything else the participant held is free again; its short code never is, so an old shared link can
    // never credit someone else.
    assertTrue(insertVisitor(t, c, ann, "v-1", T1));
    assertFalse(insertShortCode(t, c, nextId(), "ANN1"));
    assertFalse(insertShortCode(t, c, ann, "ANN2"));
    assertTrue(test(tx -> tx.referrals().insertSignup(new SignupRecord(t, ann, c, null, null, null, T1))));
    assertTrue(test(tx -> tx.referrals().insertReferral(referral(t, c, ann, zed, T1))));
    assertTrue(test(tx -> tx.referrals().insertReferral(referral(t, c, bob, zed, T1))));
    assertEquals(List.of(referral(t, c, ann, zed, T1), referral(t, c, bob, zed, T1), zedCarl).stream()
        .sorted((x, y) -> Long.compare(x.invitedId(), y.invitedId())).toList(), referredBy(t, zed, null, 10));

    run(tx -> tx.referrals().deleteAll(t, nextId()));
    assertEquals(Optional.of(zedCarl), findReferral(t, carl), "deleting a participant with no rows is harmless");
  }

  // ---------------------------------------------------------------- tenant isolation

  @Test
  void twoTenantsWithTheSameIdsNeverSeeOrTouchEachOthersRows() {
    Campaign a = campaign();
    long ta = a.tenantId();
    long tb = tenant();
    Campaign b = campaign(tb);
    long rita = nextId();
    long ann = nextId();
    long conversionId = nextId();
    run(tx -> {
      for (long t : new long[] {ta, tb}) {
        long c = t == ta ? a.id() : b.id();
        ReferralPort r = tx.referrals();
        r.saveSettings(t, ReferralSettings.defaults(c).withVelocity(t == ta ? 5 : 6, Duration.ofHours(2)));
        r.insertKey(key(t, 1, (byte) (t == ta ? 1 : 2), T0));
        r.insertShortCode(t, c, rita, t == ta ? "RITA-A" : "RITA-B");
        r.insertSignup(new SignupRecord(t, ann, c, IP, "v-1", t == ta ? "A" : "B", T0));
        r.insertReferral(new Referral(t, c, ann, rita, CodeKind.SHORT, t == ta ? RiskLevel.LOW : RiskLevel.HIGH,
            t == ta ? RiskSignal.NO_SIGNAL : "ALIAS", ReferralStatus.COUNTED, T0));
        r.addStats(t, c, rita, new ReferralStats(t == ta ? 1 : 2, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO));
        r.insertConversion(new Conversion(conversionId, t, c, rita, "order-1", BigDecimal.TEN, t == ta ? 10 : 20,
            ConversionStatus.CONVERTED, 0, T0, null));
      }
    });
    assertEquals(5, findSettings(ta, a.id()).orElseThrow().velocityLimit());
    assertEquals(Optional.empty(), findSettings(ta, b.id()));
    assertEquals(Optional.empty(), findSettings(tb, a.id()));
    assertEquals(1, keys(ta).size());
    assertEquals(key(tb, 1, (byte) 2, T0), keys(tb).get(0));
    assertEquals(Optional.of("RITA-A"), shortCode(ta, rita));
    assertEquals(Optional.of("RITA-B"), shortCode(tb, rita));
    assertEquals(Optional.empty(), holder(ta, b.id(), "RITA-B"));
    assertEquals(Optional.empty(), holder(tb, a.id(), "RITA-A"));
    assertEquals("A", findSignup(ta, ann).orElseThrow().customerId());
    assertEquals(1L, countFromIp(ta, a.id(), IP, T0));
    assertEquals(0L, countFromIp(tb, a.id(), IP, T0));
    assertEquals(RiskLevel.LOW, findReferral(ta, ann).orElseThrow().riskLevel());
    assertEquals(RiskLevel.HIGH, findReferral(tb, ann).orElseThrow().riskLevel());
    assertEquals(1, referredBy(tb, rita, null, 10).size());
    assertEquals(1L, stats(ta, rita).impressions());
    assertEquals(2L, stats(tb, rita).impressions());
    assertEquals(0L, campaignStats(tb, a.id()).impressions());
    assertEquals(10L, findConversion(ta, a.id(), "order-1").orElseThrow().points());
    assertEquals(Optional.empty(), findConversion(tb, a.id(), "order-1"));

    assertTrue(markReversed(tb, conversionId, 20, T1));
    assertEquals(ConversionStatus.CONVERTED, findConversion(ta, a.id(), "order-1").orElseThrow().status(),
        "the same conversion id in another tenant is another conversion");
    run(tx -> tx.referrals().deleteAll(tb, ann));
    assertTrue(findReferral(ta, ann).isPresent());
    assertTrue(findSignup(ta, ann).isPresent());
    assertEquals(Optional.empty(), findReferral(tb, ann));
  }

  // ---------------------------------------------------------------- participant risk

  @Test
  void aParticipantsRiskIsInsertedAsGivenSetOnlyBySetRiskAndKeptByOtherWrites() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant screened = participant(campaign, "ann@example.com", RiskLevel.HIGH, "SELF_REFERRAL_IP");
    Participant plain = participant(campaign, "bob@example.com", null, null);
    assertEquals(stored(screened), findParticipant(t, screened.id()));
    assertEquals(stored(plain), findParticipant(t, plain.id()));

    run(tx -> tx.participants().updateProfile(new Participant(screened.id(), t, campaign.id(), "ann@example.com",
        "ann@example.com", "Ann", null, null, "gold", Map.of(), 0, 0, T0, T1, RiskLevel.LOW, "IGNORED")));
    Participant updated = findParticipant(t, screened.id());
    assertEquals("Ann", updated.firstName());
    assertEquals(RiskLevel.HIGH, updated.riskLevel(), "a profile update never changes the risk");
    assertEquals("SELF_REFERRAL_IP", updated.riskReason());
    run(tx -> tx.ledger().credit(t, screened.id(), 10));
    assertEquals(RiskLevel.HIGH, findParticipant(t, screened.id()).riskLevel(), "nor does a balance change");
    assertEquals(17L, findParticipant(t, screened.id()).pointsBalance(), "7 + 10");

    assertTrue(test(tx -> tx.participants().setRisk(t, plain.id(), RiskLevel.MEDIUM, "SHARED_IP")));
    Participant risky = findParticipant(t, plain.id());
    assertEquals(RiskLevel.MEDIUM, risky.riskLevel());
    assertEquals("SHARED_IP", risky.riskReason());
    assertEquals(new Participant(plain.id(), t, campaign.id(), plain.email(), plain.sanitizedEmail(), null, null,
        null, null, Map.of(), plain.pointsBalance(), plain.lifetimePoints(), stored(plain.createdAt()),
        risky.updatedAt(), RiskLevel.MEDIUM, "SHARED_IP"), risky, "setRisk changes the risk and nothing else");
    assertTrue(test(tx -> tx.participants().setRisk(t, plain.id(), RiskLevel.LOW, RiskSignal.NO_SIGNAL)));
    assertEquals(RiskLevel.LOW, findParticipant(t, plain.id()).riskLevel());
    assertEquals(RiskSignal.NO_SIGNAL, findParticipant(t, plain.id()).riskReason());

    long otherTenant = tenant();
    assertFalse(test(tx -> tx.participants().setRisk(otherTenant, plain.id(), RiskLevel.HIGH, "X")),
        "another tenant's participant");
    assertFalse(test(tx -> tx.participants().setRisk(t, nextId(), RiskLevel.HIGH, "X")), "no such participant");
    assertEquals(RiskLevel.LOW, findParticipant(t, plain.id()).riskLevel());
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertTrue(tx.participants().setRisk(t, plain.id(), RiskLevel.HIGH, "BURST"));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(RiskLevel.LOW, findParticipant(t, plain.id()).riskLevel(), "a rolled-back setRisk is undone");
  }

  // ---------------------------------------------------------------- rollback

  @Test
  void aFailedUnitOfWorkLeavesNoTraceOfItsReferralWrites() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    long ann = nextId();
    long bob = nextId();
    Participant zoe = participant(campaign, "zoe@example.com", null, null);
    Conversion sale = new Conversion(nextId(), t, c, rita, "order-1", new BigDecimal("20.00"), 20,
        ConversionStatus.CONVERTED, 0, T0, null);
    run(tx -> {
      ReferralPort r = tx.referrals();
      r.saveSettings(t, ReferralSettings.defaults(c));
      r.insertKey(key(t, 1, (byte) 1, T0));
      r.insertShortCode(t, c, rita, "RITA1");
      r.insertSignup(new SignupRecord(t, ann, c, IP, "v-ann", null, T0));
      r.insertReferral(referral(t, c, ann, rita, T0));
      r.insertVisitor(t, c, rita, "v-1", T0);
      r.addStats(t, c, rita, new ReferralStats(1, 1, 1, 1, 1, 1, 0, new BigDecimal("20.00")));
      r.insertConversion(sale);
    });
    Map<String, Object> before = snapshot(t, c, rita, ann, bob, zoe.id());

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      ReferralPort r = tx.referrals();
      r.saveSettings(t, ReferralSettings.defaults(c).withGoal(ReferralGoal.VISIT));
      assertTrue(r.insertKey(key(t, 2, (byte) 2, T1)));
      assertTrue(r.insertShortCode(t, c, bob, "BOB1"));
      assertTrue(r.insertSignup(new SignupRecord(t, bob, c, IP, "v-bob", null, T1)));
      assertTrue(r.insertReferral(referral(t, c, bob, rita, T1)));
      assertTrue(r.insertVisitor(t, c, rita, "v-2", T1));
      r.addStats(t, c, rita, new ReferralStats(1, 1, 1, 1, 1, 1, 1, new BigDecimal("-20.00")));
      r.addStats(t, c, bob, new ReferralStats(1, 1, 1, 1, 1, 1, 1, BigDecimal.ONE));
      assertTrue(r.insertConversion(new Conversion(nextId(), t, c, rita, "order-2", BigDecimal.ONE, 1,
          ConversionStatus.CONVERTED, 0, T1, null)));
      assertTrue(r.markReversed(t, sale.id(), 20, T1));
      assertTrue(tx.participants().setRisk(t, zoe.id(), RiskLevel.HIGH, "BURST"));
      r.deleteAll(t, ann);
      r.deleteAll(t, rita);
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(before, snapshot(t, c, rita, ann, bob, zoe.id()));
    assertTrue(insertVisitor(t, c, rita, "v-2", T2), "the rolled-back visitor is new again");
    assertFalse(insertVisitor(t, c, rita, "v-1", T2), "and the deleted one is back");
  }

  /** Everything the rollback test's unit of work touches, read back. */
  private Map<String, Object> snapshot(long t, long c, long rita, long ann, long bob, long zoe) {
    return tx(tx -> {
      ReferralPort r = tx.referrals();
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("settings", r.findSettings(t, c));
      s.put("keys", r.keys(t));
      s.put("code", r.shortCode(t, rita));
      s.put("bob's code", r.shortCode(t, bob));
      s.put("holder", r.participantByShortCode(t, c, "BOB1"));
      s.put("signup", r.findSignup(t, ann));
      s.put("bob's signup", r.findSignup(t, bob));
      s.put("from ip", r.countSignupsFromIp(t, c, IP, T0));
      s.put("referral", r.findReferral(t, ann));
      s.put("bob's referral", r.findReferral(t, bob));
      s.put("referred", r.referredBy(t, rita, null, 10));
      s.put("stats", r.stats(t, rita));
      s.put("bob's stats", r.stats(t, bob));
      s.put("campaign stats", r.campaignStats(t, c));
      s.put("conversion", r.findConversion(t, c, "order-1"));
      s.put("new conversion", r.findConversion(t, c, "order-2"));
      s.put("zoe", tx.participants().find(t, zoe));
      return s;
    });
  }

  // ---------------------------------------------------------------- contention

  @Test
  void ofConcurrentReferralsOfOneInvitedParticipantExactlyOneIsRecorded() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long firstReferrer = nextIds(RACERS);
    List<Boolean> won = race(i -> tx -> tx.referrals().insertReferral(referral(t, campaign.id(), ann,
        firstReferrer + i, T0)));
    assertEquals(1, won.stream().filter(w -> w).count(), "winners among " + won);
    long winner = firstReferrer + won.indexOf(true);
    assertEquals(winner, findReferral(t, ann).orElseThrow().referrerId(), "the winner's referral is the one kept");
    for (int i = 0; i < RACERS; i++) {
      assertEquals(firstReferrer + i == winner ? 1 : 0, referredBy(t, firstReferrer + i, null, 10).size());
    }
  }

  @Test
  void ofConcurrentConversionsOfOneOrderIdExactlyOneIsRecorded() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long first = nextIds(RACERS);
    List<Boolean> won = race(i -> tx -> tx.referrals().insertConversion(new Conversion(first + i, t,
        campaign.id(), nextId(), "order-1", BigDecimal.valueOf(i), i, ConversionStatus.CONVERTED, 0, T0, null)));
    assertEquals(1, won.stream().filter(w -> w).count(), "winners among " + won);
    assertEquals(first + won.indexOf(true), findConversion(t, campaign.id(), "order-1").orElseThrow().id());
  }

  @Test
  void ofConcurrentVisitsOfOneVisitorToOneReferrerExactlyOneIsNew() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long rita = nextId();
    List<Boolean> won = race(i -> tx -> tx.referrals().insertVisitor(t, campaign.id(), rita, "v-1", T0));
    assertEquals(1, won.stream().filter(w -> w).count(), "winners among " + won);
  }

  @Test
  void ofConcurrentSignupsAndShortCodesOfOneKeyExactlyOneIsKept() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = nextId();
    List<Boolean> signups = race(i -> tx -> tx.referrals().insertSignup(new SignupRecord(t, ann, c, IP,
        "v-" + i, null, T0)));
    assertEquals(1, signups.stream().filter(w -> w).count(), "winners among " + signups);
    assertEquals("v-" + signups.indexOf(true), findSignup(t, ann).orElseThrow().visitorId());
    assertEquals(1L, countFromIp(t, c, IP, T0));

    long first = nextIds(RACERS);
    List<Boolean> oneCode = race(i -> tx -> tx.referrals().insertShortCode(t, c, first + i, "SAME"));
    assertEquals(1, oneCode.stream().filter(w -> w).count(), "one code for eight participants: " + oneCode);
    assertEquals(Optional.of(first + oneCode.indexOf(true)), holder(t, c, "SAME"));

    long bob = nextId();
    List<Boolean> oneHolder = race(i -> tx -> tx.referrals().insertShortCode(t, c, bob, "BOB" + i));
    assertEquals(1, oneHolder.stream().filter(w -> w).count(), "eight codes for one participant: " + oneHolder);
    String kept = "BOB" + oneHolder.indexOf(true);
    assertEquals(Optional.of(kept), shortCode(t, bob));
    for (int i = 0; i < RACERS; i++) {
      assertEquals(("BOB" + i).equals(kept) ? Optional.of(bob) : Optional.empty(), holder(t, c, "BOB" + i));
    }
  }

  @Test
  void concurrentStatsIncrementsOfOneParticipantAllCount() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long rita = nextId();
    int each = 50;
    // Every racer's first increment races the others' to create the counters' row.
    List<Boolean> done = raceEach((instance, i) -> {
      for (int n = 0; n < each; n++) {
        BigDecimal revenue = i % 2 == 0 ? new BigDecimal("1.0001") : new BigDecimal("-0.5000");
        instance.inTransaction(tx -> {
          tx.referrals().addStats(t, c, rita, new ReferralStats(1, 2, 3, 0, 0, 1, 0, revenue));
          return null;
        });
      }
      return true;
    });
    assertEquals(RACERS, done.size());
    long n = (long) RACERS * each;
    BigDecimal revenue = new BigDecimal("1.0001").multiply(BigDecimal.valueOf(n / 2))
        .add(new BigDecimal("-0.5000").multiply(BigDecimal.valueOf(n / 2)));
    ReferralStats expected = new ReferralStats(n, 2 * n, 3 * n, 0, 0, n, 0, revenue);
    assertStats(expected, stats(t, rita));
    assertStats(expected, campaignStats(t, c));
  }

  @Test
  void aSecondInsertOfOneKeyWaitsForTheFirstAndLosesIfItCommits() throws Exception {
    assertEachSecondInsertWaits(true);
  }

  @Test
  void aSecondInsertOfOneKeyWaitsForTheFirstAndWinsIfItRollsBack() throws Exception {
    assertEachSecondInsertWaits(false);
  }

  /**
   * For each insert-if-absent, runs a first insert that holds its unit of work open, then a second insert of the
   * same key on another storage, which must wait for the first (as a unique index makes it) and then return false if
   * the first committed, true if it rolled back.
   */
  private void assertEachSecondInsertWaits(boolean firstCommits) throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    long ann = nextId();
    Map<String, Function<Transaction, Boolean>> inserts = new LinkedHashMap<>();
    inserts.put("referral", tx -> tx.referrals().insertReferral(referral(t, c, ann, nextId(), T0)));
    inserts.put("conversion", tx -> tx.referrals().insertConversion(new Conversion(nextId(), t, c, ann,
        "order-1", BigDecimal.ONE, 1, ConversionStatus.CONVERTED, 0, T0, null)));
    inserts.put("visitor", tx -> tx.referrals().insertVisitor(t, c, ann, "v-1", T0));
    inserts.put("signup", tx -> tx.referrals().insertSignup(new SignupRecord(t, ann, c, IP, null, null, T0)));
    inserts.put("short code of the campaign", tx -> tx.referrals().insertShortCode(t, c, nextId(), "SAME"));
    inserts.put("short code of the participant", tx -> tx.referrals().insertShortCode(t, c, ann, "ANN-" + nextId()));
    inserts.put("signing key", tx -> tx.referrals().insertKey(key(t, 1, (byte) 1, T0)));
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      for (Map.Entry<String, Function<Transaction, Boolean>> insert : inserts.entrySet()) {
        CountDownLatch inserted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
          Future<Boolean> first = threads.submit(() -> storage().inTransaction(tx -> {
            boolean ok = insert.getValue().apply(tx);
            inserted.countDown();
            await(release);
            if (!firstCommits) {
              throw new RolledBack();
            }
            return ok;
          }));
          await(inserted);
          Started<Boolean> other = start(threads, () -> second.inTransaction(tx -> insert.getValue().apply(tx)));
          // The second insert must wait for the first one's (uncommitted) row, not pass it by.
          try {
            awaitBlockedOnALock(other.thread());
          } catch (AssertionError e) {
            throw new AssertionError(insert.getKey() + ": the second insert did not wait for the first", e);
          }
          release.countDown();
          if (firstCommits) {
            assertTrue(first.get(60, TimeUnit.SECONDS), insert.getKey());
          } else {
            ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(60, TimeUnit.SECONDS));
            assertInstanceOf(RolledBack.class, e.getCause(), insert.getKey());
          }
          assertEquals(!firstCommits, other.get(), insert.getKey() + ": the second insert "
              + (firstCommits ? "loses to the committed first" : "wins once the first rolled back"));
        } finally {
          release.countDown();
        }
      }
    } finally {
      threads.shutdownNow();
      second.close();
    }
    assertTrue(findReferral(t, ann).isPresent());
    assertTrue(findConversion(t, c, "order-1").isPresent());
    assertTrue(findSignup(t, ann).isPresent());
    assertTrue(holder(t, c, "SAME").isPresent());
    assertTrue(shortCode(t, ann).isPresent());
    assertEquals(1, keys(t).size());
  }

  @Test
  void aSignupGateIsHeldUntilItsUnitOfWorkEndsWhetherItIsNewOrMadeBefore() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      // First round: the gate is new, made by the holder; second round: it exists.
      for (String round : List.of("a new gate", "a gate made before")) {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Boolean> holder = threads.submit(() -> storage().inTransaction(tx -> {
          tx.referrals().lockSignupGate(t, c, 7);
          locked.countDown();
          await(release);
          return true;
        }));
        await(locked);
        Started<Boolean> waiter = start(threads, () -> second.inTransaction(tx -> {
          tx.referrals().lockSignupGate(t, c, 7);
          return true;
        }));
        try {
          awaitBlockedOnALock(waiter.thread());
        } catch (AssertionError e) {
          throw new AssertionError(round + ": the second lock did not wait for the first", e);
        } finally {
          release.countDown();
        }
        assertTrue(holder.get(60, TimeUnit.SECONDS));
        try {
          assertTrue(waiter.get(), round);
        } catch (ExecutionException e) {
          // A store that cannot wait for a gate another transaction is making reports it as transient (retry).
          assertEquals("a new gate", round, "only a new gate may fail its second locker");
          assertInstanceOf(TransientStorageException.class, e.getCause(), round);
        }
      }
      // Any gate of the bounds, of any campaign, is made and locked the same way.
      long other = campaign(t, T0).id();
      run(tx -> {
        tx.referrals().lockSignupGate(t, c, 0);
        tx.referrals().lockSignupGate(t, c, 4095);
        tx.referrals().lockSignupGate(t, other, 7);
      });
    } finally {
      threads.shutdownNow();
      second.close();
    }
    for (int outside : new int[] {-1, 4096}) {
      assertThrows(StorageException.class, () -> run(tx -> tx.referrals().lockSignupGate(t, c, outside)),
          "gate " + outside);
    }
  }

  /** The failure a test throws to roll a unit of work back. */
  private static final class RolledBack extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RolledBack() {
      super("rolled back on purpose");
    }
  }

  // ---------------------------------------------------------------- helpers

  static void assertStats(ReferralStats expected, ReferralStats actual) {
    assertStats(expected, actual, "");
  }

  static void assertStats(ReferralStats expected, ReferralStats actual, String message) {
    assertEquals(expected, actual, message);
  }

  /** Equal conversions, with the order values compared by value (a store may keep another scale). */
  void assertConversion(Conversion expected, Optional<Conversion> actual) {
    assertConversion(expected, actual, "");
  }

  void assertConversion(Conversion expected, Optional<Conversion> actual, String message) {
    assertTrue(actual.isPresent(), message + " the conversion is missing");
    assertEquals(normal(stored(expected)), normal(actual.get()), message);
  }

  private static Conversion normal(Conversion c) {
    return new Conversion(c.id(), c.tenantId(), c.campaignId(), c.referrerId(), c.orderId(),
        c.orderValue().stripTrailingZeros(), c.points(), c.status(), c.pointsReversed(), c.createdAt(),
        c.reversedAt());
  }

  Conversion stored(Conversion c) {
    return new Conversion(c.id(), c.tenantId(), c.campaignId(), c.referrerId(), c.orderId(), c.orderValue(),
        c.points(), c.status(), c.pointsReversed(), stored(c.createdAt()), stored(c.reversedAt()));
  }

  Referral stored(Referral r) {
    return new Referral(r.tenantId(), r.campaignId(), r.invitedId(), r.referrerId(), r.codeKind(), r.riskLevel(),
        r.riskReason(), r.status(), stored(r.createdAt()));
  }

  SignupRecord stored(SignupRecord s) {
    return new SignupRecord(s.tenantId(), s.participantId(), s.campaignId(), s.ipAddress(), s.visitorId(),
        s.customerId(), stored(s.createdAt()));
  }

  SigningKey stored(SigningKey k) {
    return new SigningKey(k.tenantId(), k.keyId(), k.secret(), stored(k.createdAt()));
  }

  Participant stored(Participant p) {
    return new Participant(p.id(), p.tenantId(), p.campaignId(), p.email(), p.sanitizedEmail(), p.firstName(),
        p.lastName(), p.ipAddress(), p.tier(), p.metadata(), p.pointsBalance(), p.lifetimePoints(),
        stored(p.createdAt()), stored(p.updatedAt()), p.riskLevel(), p.riskReason());
  }

  Instant stored(Instant instant) {
    ChronoUnit precision = instantPrecision();
    assertTrue(precision.getDuration().compareTo(ChronoUnit.MICROS.getDuration()) <= 0,
        "instantPrecision() must be microseconds or finer (the SPI stores instants with microsecond precision): "
            + precision);
    return instant == null ? null : instant.truncatedTo(precision);
  }

  long tenant() {
    return tenant(T0);
  }

  Campaign campaign() {
    return campaign(tenant(), T0);
  }

  Campaign campaign(long tenantId) {
    return campaign(tenantId, T0);
  }

  /** A new participant of the campaign with the risk given, created at T0 and updated a nanosecond later. */
  Participant participant(Campaign campaign, String email, RiskLevel level, String reason) {
    Participant p = new Participant(nextId(), campaign.tenantId(), campaign.id(), email, email, null, null, null,
        null, Map.of(), 7, 9, T0, T0.plusNanos(1_001), level, reason);
    run(tx -> tx.participants().insert(p));
    return p;
  }

  Participant findParticipant(long tenantId, long participantId) {
    return tx(tx -> tx.participants().find(tenantId, participantId)).orElseThrow();
  }

  /** A key whose 32-byte secret holds every byte from {@code seed} on, zero and 0xFF included. */
  static SigningKey key(long tenantId, int keyId, byte seed, Instant at) {
    byte[] secret = new byte[32];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = (byte) (seed + i * 8);
    }
    secret[0] = 0;
    secret[31] = (byte) 0xFF;
    return new SigningKey(tenantId, keyId, secret, at);
  }

  static Referral referral(long tenantId, long campaignId, long invitedId, long referrerId, Instant at) {
    return new Referral(tenantId, campaignId, invitedId, referrerId, CodeKind.SIGNED, RiskLevel.LOW,
        RiskSignal.NO_SIGNAL, ReferralStatus.COUNTED, at);
  }

  Optional<LandingPage> landingPage(long tenantId, long campaignId) {
    return tx(tx -> tx.referrals().findLandingPage(tenantId, campaignId));
  }

  Optional<ReferralSettings> findSettings(long tenantId, long campaignId) {
    return tx(tx -> tx.referrals().findSettings(tenantId, campaignId));
  }

  List<SigningKey> keys(long tenantId) {
    return tx(tx -> tx.referrals().keys(tenantId));
  }

  List<Integer> keyIds(long tenantId) {
    return keys(tenantId).stream().map(SigningKey::keyId).toList();
  }

  Optional<String> shortCode(long tenantId, long participantId) {
    return tx(tx -> tx.referrals().shortCode(tenantId, participantId));
  }

  Optional<Long> holder(long tenantId, long campaignId, String code) {
    return tx(tx -> tx.referrals().participantByShortCode(tenantId, campaignId, code));
  }

  boolean insertShortCode(long tenantId, long campaignId, long participantId, String code) {
    return test(tx -> tx.referrals().insertShortCode(tenantId, campaignId, participantId, code));
  }

  Optional<SignupRecord> findSignup(long tenantId, long participantId) {
    return tx(tx -> tx.referrals().findSignup(tenantId, participantId));
  }

  long countFromIp(long tenantId, long campaignId, String ip, Instant since) {
    return tx(tx -> tx.referrals().countSignupsFromIp(tenantId, campaignId, ip, since));
  }

  long countFromVisitor(long tenantId, long campaignId, String visitorId, Instant since) {
    return tx(tx -> tx.referrals().countSignupsFromVisitor(tenantId, campaignId, visitorId, since));
  }

  Optional<Referral> findReferral(long tenantId, long invitedId) {
    return tx(tx -> tx.referrals().findReferral(tenantId, invitedId));
  }

  List<Referral> referredBy(long tenantId, long referrerId, Long afterInvitedId, int limit) {
    return tx(tx -> tx.referrals().referredBy(tenantId, referrerId, afterInvitedId, limit));
  }

  List<Referral> listForCampaign(long tenantId, long campaignId, ReferralStatus status, Long afterInvitedId,
      int limit) {
    return tx(tx -> tx.referrals().listForCampaign(tenantId, campaignId, status, afterInvitedId, limit));
  }

  List<Long> referrerChain(long tenantId, long participantId, int depth) {
    return tx(tx -> tx.referrals().referrerChain(tenantId, participantId, depth));
  }

  boolean insertVisitor(long tenantId, long campaignId, long participantId, String visitorId, Instant at) {
    return test(tx -> tx.referrals().insertVisitor(tenantId, campaignId, participantId, visitorId, at));
  }

  void addStats(long tenantId, long campaignId, long participantId, ReferralStats delta) {
    run(tx -> tx.referrals().addStats(tenantId, campaignId, participantId, delta));
  }

  ReferralStats stats(long tenantId, long participantId) {
    return tx(tx -> tx.referrals().stats(tenantId, participantId));
  }

  ReferralStats campaignStats(long tenantId, long campaignId) {
    return tx(tx -> tx.referrals().campaignStats(tenantId, campaignId));
  }

  Optional<Conversion> findConversion(long tenantId, long campaignId, String orderId) {
    return tx(tx -> tx.referrals().findConversion(tenantId, campaignId, orderId));
  }

  /** {@code listConversionsOfCampaign}, each as {@link #normalStored} compares it. */
  List<Conversion> campaignConversions(long tenantId, long campaignId, ConversionStatus status, Long after,
      int limit) {
    return tx(tx -> tx.referrals().listConversionsOfCampaign(tenantId, campaignId, status, after, limit)).stream()
        .map(ReferralPortsContractTest::normal).toList();
  }

  /** {@code listConversionsOfReferrer}, each as {@link #normalStored} compares it. */
  List<Conversion> referrerConversions(long tenantId, long referrerId, Long before, int limit) {
    return tx(tx -> tx.referrals().listConversionsOfReferrer(tenantId, referrerId, before, limit)).stream()
        .map(ReferralPortsContractTest::normal).toList();
  }

  /** A conversion as written, at the backend's precision and with its order value's scale stripped. */
  Conversion normalStored(Conversion c) {
    return normal(stored(c));
  }

  boolean markReversed(long tenantId, long conversionId, long pointsReversed, Instant at) {
    return test(tx -> tx.referrals().markReversed(tenantId, conversionId, pointsReversed, at));
  }
}
