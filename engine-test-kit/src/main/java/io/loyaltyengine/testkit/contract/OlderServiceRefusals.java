package io.loyaltyengine.testkit.contract;

import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.badEmails;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.badIdentifiers;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.cast;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.oneOf;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.optional;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.optionalLines;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.or;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.pickFrom;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.required;
import static io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.unknownIds;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.TenantType;
import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.Refusal;
import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.Values;
import io.loyaltyengine.testkit.contract.ApiInputFuzzContractTest.World;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * The refusals of the older services, each pinned to its exact code and field, for
 * {@link ApiInputFuzzContractTest#olderServicesNameTheFieldTheyRefuse}, which runs them with the machinery of the
 * newer features' {@link ApiInputFuzzContractTest#REFUSALS}: tenants (create, plans), brands, campaigns, campaign
 * rewards and their program, loyalty actions and two-way rewards, referral settings, earned rewards (approval,
 * fulfilment, removal), coupon pools, the catalog (rewards, stock, redemption), leaderboards (periods, months,
 * cursors, limits), the change feed and event listeners. The codes and fields are those the services' javadoc
 * states; where the javadoc names no field, the field the engine gives is pinned so that it cannot change unseen.
 * The world ({@link World}) holds what they refuse against: a second brand, catalog rewards out of stock, inactive
 * and of unlimited stock, a redemption with a key, earned rewards in every status, a listener's name taken.
 *
 * <p>Thread-safe: an immutable list, built once.
 */
final class OlderServiceRefusals {
  private static final ErrorCode INVALID = ErrorCode.VALIDATION_ERROR;
  private static final ErrorCode NOT_FOUND = ErrorCode.NOT_FOUND;
  private static final ErrorCode CONFLICT = ErrorCode.CONFLICT;
  private static final ErrorCode TRANSITION = ErrorCode.INVALID_TRANSITION;
  private static final long MAX_POINTS = EngineLimits.DEFAULTS.maxPointsPerOperation();
  /** Amounts of points no reward, cost or award takes: none, negative, past the engine's limit. */
  private static final Values BAD_POINTS = oneOf(0L, -1L, Long.MIN_VALUE, MAX_POINTS + 1, Long.MAX_VALUE);
  /** Counts bounded by 1..1,000,000 refuse these. */
  private static final Values BAD_MILLION = oneOf(0, -1, 1_000_001, Integer.MIN_VALUE, Integer.MAX_VALUE);

  /** The refusals, in a stable order; built after the constants above, which they use. */
  static final List<Refusal> REFUSALS = refusals();

  private OlderServiceRefusals() {
  }

  private static List<Refusal> refusals() {
    List<Refusal> out = new ArrayList<>();
    tenants(out);
    brands(out);
    campaigns(out);
    campaignRewards(out);
    loyaltyActions(out);
    referralSettings(out);
    earnedRewards(out);
    coupons(out);
    catalog(out);
    leaderboards(out);
    events(out);
    return List.copyOf(out);
  }

  // ==================================================================== tenants

  private static void tenants(List<Refusal> out) {
    // A member tenant's name is a person's name: its refusal must not quote it.
    out.add(new Refusal("Tenants.create name", INVALID, "name", required(200),
        (w, bad) -> w.engine.tenants().create(new NewTenant((String) bad, TenantType.MEMBER))));
    out.add(new Refusal("Tenants.create type", INVALID, "type", oneOf((Object) null),
        (w, bad) -> w.engine.tenants().create(new NewTenant("Fuzzmarker tenant", (TenantType) bad))));
    out.add(new Refusal("Tenants.create tenant", INVALID, "tenant", oneOf((Object) null),
        (w, bad) -> w.engine.tenants().create((NewTenant) bad)));
    out.add(new Refusal("Tenants.changePlan plan", INVALID, "plan",
        oneOf("", " ", "Pro", "pro plan", " pro", "pro\n", "x".repeat(51), "fuzzmarké", "fuzzmarker\u0000",
            "fuzzmarker!", "\ud800", "fuzz.marker"),
        (w, bad) -> w.engine.tenants().changePlan(w.scope.tenantId(), (String) bad)));
    out.add(new Refusal("Tenants.changePlan tenantId", NOT_FOUND, null, unknownIds("tenant"),
        (w, bad) -> w.engine.tenants().changePlan((long) bad, "pro")));
    out.add(new Refusal("Tenants.get tenantId", NOT_FOUND, null, unknownIds("tenant"),
        (w, bad) -> w.engine.tenants().get((long) bad)));
  }

  // ==================================================================== brands

  /** Websites from which no domain can be read (an IP address, one label, a bad port, scheme or label). */
  private static Values badWebsites() {
    return oneOf("localhost", "fuzzmarker", "198.51.100.7", "https://198.51.100.7/", "https://[2001:db8::1]/",
        "https://fuzzmarker.example.com:70000/", "https://fuzzmarker.example.com:port/",
        "1https://fuzzmarker.example.com/", "fuzz marker.example.com", "-fuzzmarker.example.com",
        "fuzzmarker..example.com", "x".repeat(64) + ".fuzzmarker.com", "https://", "https:///fuzzmarker", ".",
        "fuzzmarker.example.123", "fuzz_marker.example.com");
  }

  /** Forms of a domain the world's brands have (the first brand's, then the second's). */
  private static Values domainsOf(String domain) {
    return oneOf("https://" + domain + "/new", domain.toUpperCase(java.util.Locale.ROOT), domain + ".",
        "http://" + domain + ":8080/x?y", domain);
  }

  private static void brands(List<Refusal> out) {
    String first = "shop.fuzz.example.com";
    String second = "second.fuzz.example.com";
    out.add(new Refusal("Brands.create name", INVALID, "name", required(200),
        (w, bad) -> w.scope.brands().create(new NewBrand((String) bad, "https://new.fuzz.example.com"))));
    out.add(new Refusal("Brands.create website", INVALID, "website", or(required(2_048), badWebsites()),
        (w, bad) -> w.scope.brands().create(new NewBrand("New brand", (String) bad))));
    out.add(new Refusal("Brands.create brand", INVALID, "brand", oneOf((Object) null),
        (w, bad) -> w.scope.brands().create((NewBrand) bad)));
    out.add(new Refusal("Brands.create website taken", CONFLICT, "website", or(domainsOf(first), domainsOf(second)),
        (w, bad) -> w.scope.brands().create(new NewBrand("New brand", (String) bad))));
    out.add(new Refusal("Brands.update name", INVALID, "name", required(200),
        (w, bad) -> w.scope.brands().update(w.id("brand"), new BrandUpdate((String) bad, first))));
    out.add(new Refusal("Brands.update website", INVALID, "website", or(required(2_048), badWebsites()),
        (w, bad) -> w.scope.brands().update(w.id("brand"), new BrandUpdate("Fuzz brand", (String) bad))));
    out.add(new Refusal("Brands.update update", INVALID, "update", oneOf((Object) null),
        (w, bad) -> w.scope.brands().update(w.id("brand"), (BrandUpdate) bad)));
    out.add(new Refusal("Brands.update website taken", CONFLICT, "website", domainsOf(second),
        (w, bad) -> w.scope.brands().update(w.id("brand"), new BrandUpdate("Fuzz brand", (String) bad))));
    out.add(new Refusal("Brands.update brandId", NOT_FOUND, null, unknownIds("brand"),
        (w, bad) -> w.scope.brands().update((long) bad, new BrandUpdate("Fuzz brand", "new.fuzz.example.com"))));
    out.add(new Refusal("Brands.get brandId", NOT_FOUND, null, unknownIds("brand"),
        (w, bad) -> w.scope.brands().get((long) bad)));
    out.add(new Refusal("Brands.list of no tenant", NOT_FOUND, null, unknownIds("tenant"),
        (w, bad) -> w.engine.forTenant((long) bad).brands().list()));
  }

  // ==================================================================== campaigns

  private static void campaigns(List<Refusal> out) {
    out.add(new Refusal("Campaigns.create name", INVALID, "name", required(200),
        (w, bad) -> w.scope.campaigns().create(new NewCampaign(w.id("brand"), (String) bad, null, null, null))));
    out.add(new Refusal("Campaigns.create status", INVALID, "status",
        oneOf(CampaignStatus.PAUSED, CampaignStatus.ENDED),
        (w, bad) -> w.scope.campaigns().create(NewCampaign.running(w.id("brand"), "New campaign")
            .withStatus((CampaignStatus) bad))));
    out.add(new Refusal("Campaigns.create campaign", INVALID, "campaign", oneOf((Object) null),
        (w, bad) -> w.scope.campaigns().create((NewCampaign) bad)));
    out.add(new Refusal("Campaigns.create brandId", NOT_FOUND, null, unknownIds("brand"),
        (w, bad) -> w.scope.campaigns().create(NewCampaign.running((long) bad, "New campaign"))));
    out.add(new Refusal("Campaigns.update name", INVALID, "name", required(200),
        (w, bad) -> w.scope.campaigns().update(w.campaign(),
            new CampaignUpdate((String) bad, CampaignVisibility.PRIVATE))));
    out.add(new Refusal("Campaigns.update visibility", INVALID, "visibility", oneOf((Object) null),
        (w, bad) -> w.scope.campaigns().update(w.campaign(),
            new CampaignUpdate("Fuzz campaign", (CampaignVisibility) bad))));
    out.add(new Refusal("Campaigns.update update", INVALID, "update", oneOf((Object) null),
        (w, bad) -> w.scope.campaigns().update(w.campaign(), (CampaignUpdate) bad)));
    out.add(new Refusal("Campaigns.update campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.campaigns().update((long) bad,
            new CampaignUpdate("Fuzz campaign", CampaignVisibility.PUBLIC))));
    // The world's campaigns are IN_PROGRESS: not back to DRAFT (IN_PROGRESS again returns them as they are).
    out.add(new Refusal("Campaigns.changeStatus status", CONFLICT, "status", oneOf(CampaignStatus.DRAFT),
        (w, bad) -> w.scope.campaigns().changeStatus(w.campaign(), (CampaignStatus) bad)));
    out.add(new Refusal("Campaigns.changeStatus null status", INVALID, "status", oneOf((Object) null),
        (w, bad) -> w.scope.campaigns().changeStatus(w.campaign(), (CampaignStatus) bad)));
    out.add(new Refusal("Campaigns.changeStatus campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.campaigns().changeStatus((long) bad, CampaignStatus.PAUSED)));
    out.add(new Refusal("Campaigns.get campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.campaigns().get((long) bad)));
    out.add(new Refusal("Campaigns.listByBrand brandId", NOT_FOUND, null, unknownIds("brand"),
        (w, bad) -> w.scope.campaigns().listByBrand((long) bad)));
  }

  // ==================================================================== campaign rewards and their program

  /** A reward of {@code type} for the participant, with each type's own field set as given. */
  private static NewCampaignReward reward(String name, RewardType type, int conversions, Integer limit, long points,
      String message, long cash, String currency, String handler) {
    return new NewCampaignReward(name, type, RewardAudience.PARTICIPANT, conversions, limit, points, message, cash,
        currency, handler);
  }

  /**
   * Messages a CUSTOM_MESSAGE reward refuses: none, blank, a control character other than a line break or tab, a
   * lone surrogate, one code point past {@code max}. Unlike other texts a message may span lines.
   */
  private static Values badMessages(int max) {
    return oneOf(null, "", " ", "\t\n", "\u00a0\u202f", "fuzzmarker\u0000", "\u001b[31mfuzzmarker", "fuzzmarker\u007f",
        "fuzz\u000bmarker", "fuzzmarker\u0085", "fuzzmarker\ud800", "\udc00fuzzmarker",
        "fuzzmarker-" + "x".repeat(max - 10), "fuzzmarker" + "😀".repeat(max - 9),
        "fuzz.marker.77@example.com\n" + "y".repeat(max));
  }

  private static void campaignRewards(List<Refusal> out) {
    out.add(new Refusal("Rewards.define name", INVALID, "name", required(200),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward((String) bad, RewardType.POINTS, 1, 1, 5, null, 0, null, null))));
    out.add(new Refusal("Rewards.define type", INVALID, "type", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward("R", (RewardType) bad, 1, 1, 5, null, 0, null, null))));
    out.add(new Refusal("Rewards.define audience", INVALID, "audience", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().define(w.campaign(), new NewCampaignReward("R", RewardType.POINTS,
            (RewardAudience) bad, 1, 1, 5, null, 0, null, null))));
    out.add(new Refusal("Rewards.define conversionsRequired", INVALID, "conversionsRequired", BAD_MILLION,
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.points("R", 5, (int) bad))));
    out.add(new Refusal("Rewards.define limit", INVALID, "limit", BAD_MILLION,
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.coupon("R", 2).withLimit((int) bad))));
    // Two-way rewards: the invited participant earns one once, on the referral itself.
    out.add(new Refusal("Rewards.define conversionsRequired of an INVITED reward", INVALID, "conversionsRequired",
        oneOf(2, 10, 1_000_000),
        (w, bad) -> w.scope.rewards().define(w.campaign(), new NewCampaignReward("R", RewardType.POINTS,
            RewardAudience.INVITED, (int) bad, 1, 5, null, 0, null, null))));
    out.add(new Refusal("Rewards.define limit of an INVITED reward", INVALID, "limit", oneOf(null, 2, 1_000_000),
        (w, bad) -> w.scope.rewards().define(w.campaign(), new NewCampaignReward("R", RewardType.CUSTOM_MESSAGE,
            RewardAudience.INVITED, 1, (Integer) bad, 0, "Welcome", 0, null, null))));
    out.add(new Refusal("Rewards.define points", INVALID, "points", BAD_POINTS,
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.points("R", (long) bad, 1))));
    out.add(new Refusal("Rewards.define message", INVALID, "message", badMessages(2_000),
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.message("R", (String) bad, 1))));
    out.add(new Refusal("Rewards.define cashAmountMinor", INVALID, "cashAmountMinor", oneOf(0L, -1L, Long.MIN_VALUE),
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.cash("R", (long) bad, "EUR", 1))));
    out.add(new Refusal("Rewards.define currency", INVALID, "currency",
        oneOf(null, "", "eur", "EURO", "EU", "E1R", "€UR", " EUR", "EUR\u0000", "fuzzmarker", "XYZ", "EUD", "AAA",
            "QQQ"),
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.cash("R", 500, (String) bad, 1))));
    out.add(new Refusal("Rewards.define handler", INVALID, "handler",
        oneOf(null, "", " ", "fuzz marker", "x".repeat(54), "fuzzmarké", "fuzz/marker", "fuzzmarker\u0000", "😀"),
        (w, bad) -> w.scope.rewards().define(w.campaign(), NewCampaignReward.custom("R", (String) bad, 1))));
    // A field of another type is a caller's mistake, refused rather than ignored.
    out.add(new Refusal("Rewards.define points of a COUPON reward", INVALID, "points",
        oneOf(1L, -1L, Long.MAX_VALUE),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward("R", RewardType.COUPON, 1, 1, (long) bad, null, 0, null, null))));
    out.add(new Refusal("Rewards.define message of a POINTS reward", INVALID, "message",
        oneOf("", "Hello", "fuzzmarker message"),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward("R", RewardType.POINTS, 1, 1, 5, (String) bad, 0, null, null))));
    out.add(new Refusal("Rewards.define currency of a CUSTOM_MESSAGE reward", INVALID, "currency",
        oneOf("EUR", "", "fuzzmarker"),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward("R", RewardType.CUSTOM_MESSAGE, 1, 1, 0, "Hi", 0, (String) bad, null))));
    out.add(new Refusal("Rewards.define handler of a CASH reward", INVALID, "handler", oneOf("fuzz-handler", ""),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward("R", RewardType.CASH, 1, 1, 0, null, 500, "EUR", (String) bad))));
    out.add(new Refusal("Rewards.define cashAmountMinor of a CUSTOM reward", INVALID, "cashAmountMinor",
        oneOf(1L, -1L, Long.MAX_VALUE),
        (w, bad) -> w.scope.rewards().define(w.campaign(),
            reward("R", RewardType.CUSTOM, 1, 1, 0, null, (long) bad, null, "fuzz-handler"))));
    out.add(new Refusal("Rewards.define reward", INVALID, "reward", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().define(w.campaign(), (NewCampaignReward) bad)));
    out.add(new Refusal("Rewards.define campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.rewards().define((long) bad, NewCampaignReward.points("R", 5, 1))));
    out.add(new Refusal("Rewards.configure automation", INVALID, "automation", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().configure(w.campaign(), (Automation) bad, 2)));
    out.add(new Refusal("Rewards.configure couponLowStockThreshold", INVALID, "couponLowStockThreshold",
        oneOf(-1, 1_000_001, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.rewards().configure(w.campaign(), Automation.AUTO, (int) bad)));
    out.add(new Refusal("Rewards.configure campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.rewards().configure((long) bad, Automation.MANUAL, 2)));
    out.add(new Refusal("Rewards.get campaignRewardId", NOT_FOUND, null, unknownIds("campaignReward"),
        (w, bad) -> w.scope.rewards().get((long) bad)));
    out.add(new Refusal("Rewards.list campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.rewards().list((long) bad)));
    out.add(new Refusal("Rewards.program campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.rewards().program((long) bad)));
    out.add(new Refusal("Rewards.totals campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.rewards().totals((long) bad)));
    // Also a reward of another campaign than the participant's.
    out.add(new Refusal("Rewards.counts campaignRewardId", NOT_FOUND, null,
        or(unknownIds("campaignReward"), (w, r) -> reward(w, 3)),
        (w, bad) -> w.scope.rewards().counts(w.person(0), (long) bad)));
    out.add(new Refusal("Rewards.summary participant id", NOT_FOUND, null, unknownIds("participant"),
        (w, bad) -> w.scope.rewards().summary(ParticipantRef.id((long) bad))));
  }

  // ==================================================================== loyalty actions and two-way rewards

  /** The world's rewards: POINTS and COUPON of the first campaign, its INVITED one, the second campaign's COUPON. */
  private static long reward(World w, int index) {
    return w.ids.get("campaignReward").get(index);
  }

  private static void loyaltyActions(List<Refusal> out) {
    String key = "fuzzsecret-action-1"; // the key of the world's action: Ada's, toward the POINTS reward
    out.add(new Refusal("Rewards.recordAction action", INVALID, "action", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().recordAction((LoyaltyAction) bad)));
    out.add(new Refusal("Rewards.recordAction participant", INVALID, "participant", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of((ParticipantRef) bad, reward(w, 0)))));
    out.add(new Refusal("Rewards.recordAction email", INVALID, "email", or(badEmails(), oneOf(null, "", "\u00a0")),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(w.campaign(),
            (String) bad), reward(w, 0)))));
    out.add(new Refusal("Rewards.recordAction source", INVALID, "source", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .withSource((ActionSource) bad))));
    out.add(new Refusal("Rewards.recordAction metadata.note", INVALID, "metadata.note",
        oneOf("fuzzmarker\u0000", "fuzzmarker\ud800", "x".repeat(EngineLimits.DEFAULTS.maxMetadataValueLength() + 1),
            Double.NaN, Double.NEGATIVE_INFINITY, Map.of("a", 1L), List.of("fuzzmarker")),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .withMetadata(Collections.singletonMap("note", bad)))));
    out.add(new Refusal("Rewards.recordAction idempotencyKey", INVALID, "idempotencyKey", badIdentifiers(),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .withIdempotencyKey((String) bad))));
    out.add(new Refusal("Rewards.recordAction invited on a DIRECT action", INVALID, "invited",
        (w, r) -> w.person(1 + r.nextInt(2)),
        (w, bad) -> w.scope.rewards().recordAction(new LoyaltyAction(w.person(0), reward(w, 0), ActionSource.DIRECT,
            null, true, (ParticipantRef) bad, null))));
    out.add(new Refusal("Rewards.recordAction invited email", INVALID, "invited",
        or(badEmails(), oneOf(null, "", "\u00a0")),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .referring(ParticipantRef.email(w.campaign(), (String) bad)))));
    out.add(new Refusal("Rewards.recordAction invited herself", INVALID, "invited",
        (w, r) -> pickFrom(r, w.person(0), ParticipantRef.email(w.campaign(), "fuzz.marker.1@example.com"),
            ParticipantRef.email(w.campaign(), " Fuzz.Marker.1@EXAMPLE.com ")),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .referring((ParticipantRef) bad))));
    out.add(new Refusal("Rewards.recordAction invited of another campaign", INVALID, "invited",
        (w, r) -> pickFrom(r, w.ids.get("campaign").get(1), w.otherIds.get("campaign").get(0), 0L, -1L),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .referring(ParticipantRef.email((long) bad, "fuzz.marker.4@example.com")))));
    out.add(new Refusal("Rewards.recordAction toward an INVITED reward", INVALID, "campaignRewardId",
        (w, r) -> reward(w, 2),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), (long) bad))));
    out.add(new Refusal("Rewards.recordAction email of another campaign", INVALID, "participant",
        (w, r) -> pickFrom(r, w.ids.get("campaign").get(1), w.otherIds.get("campaign").get(0), 0L, -1L,
            987_654_321L),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email((long) bad,
            "fuzz.marker.4@example.com"), reward(w, 0)))));
    out.add(new Refusal("Rewards.recordAction campaignRewardId", NOT_FOUND, null, unknownIds("campaignReward"),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), (long) bad))));
    out.add(new Refusal("Rewards.recordAction participant id", NOT_FOUND, null,
        or(unknownIds("participant"), (w, r) -> w.ids.get("participant").get(3)),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id((long) bad), reward(w, 0)))));
    out.add(new Refusal("Rewards.recordAction unknown email without enrolment", NOT_FOUND, null,
        oneOf("fuzz.marker.70@example.com", "Fuzz.Marker.71+tag@gmail.com", "fuzz.marker.4@example.com"),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(w.campaign(),
            (String) bad), reward(w, 0)).withoutEnrolment())));
    out.add(new Refusal("Rewards.recordAction invited unknown", NOT_FOUND, null,
        or(unknownIds("participant"), oneOf("fuzz.marker.72@example.com")),
        (w, bad) -> w.scope.rewards().recordAction(LoyaltyAction.of(w.person(0), reward(w, 0))
            .referring(bad instanceof String email ? ParticipantRef.email(w.campaign(), email)
                : ParticipantRef.id((long) bad)))));
    out.add(new Refusal("Rewards.recordAction idempotencyKey reused", CONFLICT, "idempotencyKey",
        (w, r) -> pickFrom(r, LoyaltyAction.of(w.person(1), reward(w, 0)),
            LoyaltyAction.of(w.person(0), reward(w, 1)),
            LoyaltyAction.of(w.person(0), reward(w, 0)).withSource(ActionSource.MANUAL),
            LoyaltyAction.of(w.person(0), reward(w, 0)).referring(w.person(2))),
        (w, bad) -> w.scope.rewards().recordAction(((LoyaltyAction) bad).withIdempotencyKey(key))));
  }

  // ==================================================================== referral settings

  private static void referralSettings(List<Refusal> out) {
    out.add(new Refusal("Referrals.configure settings", INVALID, "settings", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().configure((ReferralSettings) bad)));
    out.add(new Refusal("Referrals.configure goal", INVALID, "goal", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withGoal((io.loyaltyengine.referrals.ReferralGoal) bad))));
    out.add(new Refusal("Referrals.configure conversionPoints", INVALID, "conversionPoints", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withConversionPoints((ConversionPoints) bad))));
    out.add(new Refusal("Referrals.configure conversionPoints.fixedPoints", INVALID, "conversionPoints.fixedPoints",
        oneOf(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withConversionPoints(ConversionPoints.fixed((long) bad)))));
    out.add(new Refusal("Referrals.configure conversionPoints.perUnit", INVALID, "conversionPoints.perUnit",
        oneOf(null, BigDecimal.ZERO, new BigDecimal("-1"), new BigDecimal("0.00001"), new BigDecimal("10000.0001"),
            new BigDecimal("1E+5"), new BigDecimal("1E-400")),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withConversionPoints(ConversionPoints.perUnit((BigDecimal) bad)))));
    out.add(new Refusal("Referrals.configure onMediumRisk", INVALID, "onMediumRisk", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withRiskActions((io.loyaltyengine.fraud.RiskAction) bad, io.loyaltyengine.fraud.RiskAction.REJECT))));
    out.add(new Refusal("Referrals.configure onHighRisk", INVALID, "onHighRisk", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withRiskActions(io.loyaltyengine.fraud.RiskAction.REVIEW, (io.loyaltyengine.fraud.RiskAction) bad))));
    out.add(new Refusal("Referrals.configure velocityLimit", INVALID, "velocityLimit",
        oneOf(0, -1, 10_001, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withVelocity((int) bad, Duration.ofHours(1)))));
    out.add(new Refusal("Referrals.configure velocityWindow", INVALID, "velocityWindow",
        oneOf(null, Duration.ZERO, Duration.ofSeconds(59), Duration.ofDays(7).plusSeconds(1), Duration.ofHours(-1),
            Duration.ofMillis(90_500), Duration.ofMinutes(1).plusNanos(1), Duration.ofDays(8),
            Duration.ofSeconds(Long.MIN_VALUE)),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withVelocity(10, (Duration) bad))));
    // The referrer's reward is a PARTICIPANT reward of the campaign: not the INVITED one, nor another campaign's.
    out.add(new Refusal("Referrals.configure referrerRewardId of another audience or campaign", INVALID,
        "referrerRewardId", (w, r) -> pickFrom(r, reward(w, 2), reward(w, 3)),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withReferrerReward((Long) bad))));
    out.add(new Refusal("Referrals.configure referrerRewardId", NOT_FOUND, null, unknownIds("campaignReward"),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults(w.campaign())
            .withReferrerReward((Long) bad))));
    out.add(new Refusal("Referrals.configure campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.referrals().configure(ReferralSettings.defaults((long) bad))));
    out.add(new Refusal("Referrals.settings campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.referrals().settings((long) bad)));
    out.add(new Refusal("Referrals.campaignStats campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.referrals().campaignStats((long) bad)));
    out.add(new Refusal("Referrals.brandStats brandId", NOT_FOUND, null, unknownIds("brand"),
        (w, bad) -> w.scope.referrals().brandStats((long) bad)));
    out.add(new Refusal("Referrals.referrals of a campaign campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.referrals().referrals((long) bad, ReferralStatus.IN_REVIEW, Keyset.first(10))));
    out.add(new Refusal("Referrals.referrals of a campaign page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().referrals(w.campaign(), null, (Keyset) bad)));
    out.add(new Refusal("Referrals.conversion campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.referrals().conversion((long) bad, "fuzzsecret-order-7")));
    out.add(new Refusal("Referrals.conversions of a campaign campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.referrals().conversions((long) bad, ConversionStatus.REJECTED, Keyset.first(10))));
    out.add(new Refusal("Referrals.conversions of a campaign page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().conversions(w.campaign(), null, (Keyset) bad)));
    out.add(new Refusal("Referrals.conversions of a referrer participant id", NOT_FOUND, null,
        unknownIds("participant"),
        (w, bad) -> w.scope.referrals().conversions(ParticipantRef.id((long) bad), Keyset.first(10))));
    out.add(new Refusal("Referrals.conversions of a referrer page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.referrals().conversions(w.person(0), (Keyset) bad)));
  }

  // ==================================================================== earned rewards

  private static void earnedRewards(List<Refusal> out) {
    out.add(new Refusal("Rewards.approve of a reward not PENDING", TRANSITION, "status",
        (w, r) -> pickFrom(r, w.approved, w.fulfilled, w.removed, w.waitingCoupon),
        (w, bad) -> w.scope.rewards().approve((long) bad, false)));
    out.add(new Refusal("Rewards.approve and fulfil of a reward not PENDING", TRANSITION, "status",
        (w, r) -> pickFrom(r, w.approved, w.fulfilled, w.removed, w.waitingCoupon),
        (w, bad) -> w.scope.rewards().approve((long) bad, true)));
    // PENDING, FULFILLED, REMOVED, and APPROVED but still waiting for a coupon code
    out.add(new Refusal("Rewards.fulfil of a reward not APPROVED with all it gives", TRANSITION, "status",
        (w, r) -> pickFrom(r, w.id("earned"), w.fulfilled, w.removed, w.waitingCoupon),
        (w, bad) -> w.scope.rewards().fulfil((long) bad)));
    out.add(new Refusal("Rewards.remove of a reward not PENDING", TRANSITION, "status",
        (w, r) -> pickFrom(r, w.approved, w.fulfilled, w.removed, w.waitingCoupon),
        (w, bad) -> w.scope.rewards().remove((long) bad)));
    // The approval's credit would find the host's entry under its key: refused, not replayed as if credited.
    out.add(new Refusal("Rewards.approve of a reward whose ledger key the host took", CONFLICT, "earnedRewardId",
        (w, r) -> pickFrom(r, w.keyTakenAlike, w.keyTakenOtherwise),
        (w, bad) -> w.scope.rewards().approve((long) bad, ((long) bad & 1) == 0)));
    out.add(new Refusal("Rewards.approve earnedRewardId", NOT_FOUND, null, unknownIds("earned"),
        (w, bad) -> w.scope.rewards().approve((long) bad, true)));
    out.add(new Refusal("Rewards.fulfil earnedRewardId", NOT_FOUND, null, unknownIds("earned"),
        (w, bad) -> w.scope.rewards().fulfil((long) bad)));
    out.add(new Refusal("Rewards.remove earnedRewardId", NOT_FOUND, null, unknownIds("earned"),
        (w, bad) -> w.scope.rewards().remove((long) bad)));
    out.add(new Refusal("Rewards.markRead earnedRewardId", NOT_FOUND, null, unknownIds("earned"),
        (w, bad) -> w.scope.rewards().markRead((long) bad)));
    out.add(new Refusal("Rewards.getEarned earnedRewardId", NOT_FOUND, null, unknownIds("earned"),
        (w, bad) -> w.scope.rewards().getEarned((long) bad)));
    out.add(new Refusal("Rewards.earned page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().earned(w.person(0), (Keyset) bad)));
    out.add(new Refusal("Rewards.earned page limit", INVALID, "limit",
        oneOf(0, -1, Keyset.MAX_LIMIT + 1, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.rewards().earned(w.person(0), new Keyset(null, (int) bad))));
    out.add(new Refusal("Rewards.earned of a campaign campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.rewards().earned((long) bad, EarnedRewardStatus.PENDING, Keyset.first(10))));
    out.add(new Refusal("Rewards.earned of a campaign page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.rewards().earned(w.campaign(), null, (Keyset) bad)));
  }

  // ==================================================================== coupon pools

  private static void coupons(List<Refusal> out) {
    out.add(new Refusal("CouponPools.upload codes", INVALID, "codes",
        oneOf(null, List.of(), Collections.nCopies(10_001, "FUZZ-MANY")),
        (w, bad) -> w.scope.coupons().upload(w.campaign(), cast(bad))));
    // Codes are bearer secrets: a refused one is named by its index, never quoted.
    out.add(new Refusal("CouponPools.upload a code", INVALID, "codes",
        oneOf(null, "", " ", "\u00a0", "\t", "fuzzsecret-" + "x".repeat(90), "fuzzsecret-" + "😀".repeat(90),
            "fuzzsecret\u0000", "fuzzsecret\u200b1", "fuzzsecret\ue000", "fuzzsecret\ud800", "\udc00fuzzsecret",
            "fuzzsecret\u20281", "fuzzsecret\u202e1", "fuzzsecret\u00ad1"),
        (w, bad) -> w.scope.coupons().upload(w.campaign(), Arrays.asList("FUZZ-NEW-1", (String) bad, "FUZZ-NEW-2"))));
    out.add(new Refusal("CouponPools.upload campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.coupons().upload((long) bad, List.of("FUZZ-NEW-3"))));
    out.add(new Refusal("CouponPools.remaining campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.coupons().remaining((long) bad)));
    out.add(new Refusal("CouponPools.assigned page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.coupons().assigned(w.campaign(), (Keyset) bad)));
    out.add(new Refusal("CouponPools.assigned campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.coupons().assigned((long) bad, Keyset.first(10))));
  }

  // ==================================================================== the catalog

  private static void catalog(List<Refusal> out) {
    out.add(new Refusal("Catalog.create name", INVALID, "name", required(200),
        (w, bad) -> w.scope.catalog().create(NewCatalogReward.of(w.campaign(), (String) bad, 5, RewardType.CASH))));
    out.add(new Refusal("Catalog.create description", INVALID, "description", optionalLines(2_000),
        (w, bad) -> w.scope.catalog().create(NewCatalogReward.of(w.campaign(), "Mug", 5, RewardType.CASH)
            .withDescription((String) bad))));
    out.add(new Refusal("Catalog.create pointsCost", INVALID, "pointsCost", BAD_POINTS,
        (w, bad) -> w.scope.catalog().create(NewCatalogReward.of(w.campaign(), "Mug", (long) bad,
            RewardType.CASH))));
    out.add(new Refusal("Catalog.create type", INVALID, "type", oneOf((Object) null),
        (w, bad) -> w.scope.catalog().create(NewCatalogReward.of(w.campaign(), "Mug", 5, (RewardType) bad))));
    out.add(new Refusal("Catalog.create stock", INVALID, "stock",
        oneOf(-1L, 1_000_000_001L, Long.MIN_VALUE, Long.MAX_VALUE),
        (w, bad) -> w.scope.catalog().create(NewCatalogReward.of(w.campaign(), "Mug", 5, RewardType.CASH)
            .withStock((long) bad))));
    out.add(new Refusal("Catalog.create reward", INVALID, "reward", oneOf((Object) null),
        (w, bad) -> w.scope.catalog().create((NewCatalogReward) bad)));
    out.add(new Refusal("Catalog.create campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.catalog().create(NewCatalogReward.of((long) bad, "Mug", 5, RewardType.CASH))));
    out.add(new Refusal("Catalog.update name", INVALID, "name", required(200),
        (w, bad) -> w.scope.catalog().update(w.id("catalog"), new CatalogRewardUpdate((String) bad, null, 5))));
    out.add(new Refusal("Catalog.update description", INVALID, "description", optionalLines(2_000),
        (w, bad) -> w.scope.catalog().update(w.id("catalog"), new CatalogRewardUpdate("Tin", (String) bad, 5))));
    out.add(new Refusal("Catalog.update pointsCost", INVALID, "pointsCost", BAD_POINTS,
        (w, bad) -> w.scope.catalog().update(w.id("catalog"), new CatalogRewardUpdate("Tin", null, (long) bad))));
    out.add(new Refusal("Catalog.update update", INVALID, "update", oneOf((Object) null),
        (w, bad) -> w.scope.catalog().update(w.id("catalog"), (CatalogRewardUpdate) bad)));
    out.add(new Refusal("Catalog.update catalogRewardId", NOT_FOUND, null, unknownIds("catalog"),
        (w, bad) -> w.scope.catalog().update((long) bad, new CatalogRewardUpdate("Tin", null, 5))));
    out.add(new Refusal("Catalog.redemptions catalogRewardId", NOT_FOUND, null, unknownIds("catalog"),
        (w, bad) -> w.scope.catalog().redemptions((long) bad, Keyset.first(10))));
    out.add(new Refusal("Catalog.redemptions page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.catalog().redemptions(w.id("catalog"), (Keyset) bad)));
    out.add(new Refusal("Catalog.redemptions participant id", NOT_FOUND, null, unknownIds("participant"),
        (w, bad) -> w.scope.catalog().redemptions(ParticipantRef.id((long) bad), Keyset.first(10))));
    out.add(new Refusal("Catalog.redemptions of a participant page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.scope.catalog().redemptions(w.person(0), (Keyset) bad)));
    // The tin has 19 units left (the world redeemed one).
    out.add(new Refusal("Catalog.adjustStock delta", INVALID, "delta",
        oneOf(0L, 1_000_000_001L, -1_000_000_001L, Long.MIN_VALUE, Long.MAX_VALUE),
        (w, bad) -> w.scope.catalog().adjustStock(w.id("catalog"), (long) bad)));
    out.add(new Refusal("Catalog.adjustStock above the bound", INVALID, "delta",
        oneOf(999_999_982L, 999_999_999L, 1_000_000_000L),
        (w, bad) -> w.scope.catalog().adjustStock(w.id("catalog"), (long) bad)));
    out.add(new Refusal("Catalog.adjustStock more than is left", ErrorCode.OUT_OF_STOCK, "delta",
        oneOf(-20L, -21L, -1_000_000_000L),
        (w, bad) -> w.scope.catalog().adjustStock(w.id("catalog"), (long) bad)));
    out.add(new Refusal("Catalog.adjustStock of an unlimited stock", CONFLICT, "stock",
        oneOf(1L, -1L, 1_000_000_000L, -1_000_000_000L),
        (w, bad) -> w.scope.catalog().adjustStock(w.unlimited, (long) bad)));
    out.add(new Refusal("Catalog.adjustStock catalogRewardId", NOT_FOUND, null, unknownIds("catalog"),
        (w, bad) -> w.scope.catalog().adjustStock((long) bad, 1)));
    out.add(new Refusal("Catalog.setActive catalogRewardId", NOT_FOUND, null, unknownIds("catalog"),
        (w, bad) -> w.scope.catalog().setActive((long) bad, false)));
    out.add(new Refusal("Catalog.get catalogRewardId", NOT_FOUND, null, unknownIds("catalog"),
        (w, bad) -> w.scope.catalog().get((long) bad)));
    out.add(new Refusal("Catalog.list campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.catalog().list((long) bad, null, null)));
    out.add(new Refusal("Catalog.redeem idempotencyKey", INVALID, "idempotencyKey", badIdentifiers(),
        (w, bad) -> w.scope.catalog().redeem(w.person(0), w.id("catalog"), (String) bad)));
    out.add(new Refusal("Catalog.redeem participant", INVALID, "participant", oneOf((Object) null),
        (w, bad) -> w.scope.catalog().redeem((ParticipantRef) bad, w.id("catalog"), null)));
    out.add(new Refusal("Catalog.redeem email", INVALID, "email", or(badEmails(), oneOf(null, "", "\u00a0")),
        (w, bad) -> w.scope.catalog().redeem(ParticipantRef.email(w.campaign(), (String) bad), w.id("catalog"),
            null)));
    out.add(new Refusal("Catalog.redeem catalogRewardId", NOT_FOUND, null, unknownIds("catalog"),
        (w, bad) -> w.scope.catalog().redeem(w.person(0), (long) bad, "fuzzsecret-redeem-2")));
    out.add(new Refusal("Catalog.redeem by a participant of another campaign", NOT_FOUND, null,
        (w, r) -> pickFrom(r, w.person(3), ParticipantRef.id(w.otherIds.get("participant").get(0)),
            ParticipantRef.email(w.ids.get("campaign").get(1), "fuzz.marker.4@example.com")),
        (w, bad) -> w.scope.catalog().redeem((ParticipantRef) bad, w.id("catalog"), null)));
    out.add(new Refusal("Catalog.redeem inactive", CONFLICT, "catalogRewardId", oneOf(null, "fuzzsecret-redeem-3"),
        (w, bad) -> w.scope.catalog().redeem(w.person(0), w.retired, (String) bad)));
    out.add(new Refusal("Catalog.redeem out of stock", ErrorCode.OUT_OF_STOCK, "catalogRewardId",
        oneOf(null, "fuzzsecret-redeem-4"),
        (w, bad) -> w.scope.catalog().redeem(w.person(0), w.emptyShelf, (String) bad)));
    out.add(new Refusal("Catalog.redeem too dear", ErrorCode.INSUFFICIENT_POINTS, "amount",
        (w, r) -> w.person(r.nextInt(3)),
        (w, bad) -> w.scope.catalog().redeem((ParticipantRef) bad, w.unlimited, null)));
    out.add(new Refusal("Catalog.redeem idempotencyKey reused", CONFLICT, "idempotencyKey",
        (w, r) -> pickFrom(r, List.of(w.person(1), w.id("catalog")), List.of(w.person(0), w.emptyShelf),
            List.of(w.person(0), w.unlimited), List.of(w.person(2), w.retired)),
        (w, bad) -> {
          List<?> request = (List<?>) bad;
          w.scope.catalog().redeem((ParticipantRef) request.get(0), (long) request.get(1), "fuzzsecret-redeem-1");
        }));
  }

  // ==================================================================== leaderboards

  private static void leaderboards(List<Refusal> out) {
    Values consistencies = oneOf(Consistency.INDEX, Consistency.STRONG);
    Values badLimits = oneOf(1, 0, -1, 101, Integer.MIN_VALUE, Integer.MAX_VALUE);
    // The world's clock is in March 2025 (both campaigns' zones): March has not ended, April not started.
    YearMonth february = YearMonth.of(2025, 2);
    out.add(new Refusal("Leaderboards.page limit", INVALID, "limit", badLimits,
        (w, bad) -> w.scope.leaderboards().page(BoardRequest.of(w.campaign(), BoardPeriod.ALL_TIME).limit((int) bad))));
    out.add(new Refusal("Leaderboards.page period", INVALID, "period", consistencies,
        (w, bad) -> w.scope.leaderboards().page(new BoardRequest(w.campaign(), null, BoardMetric.ACTIONS, null, 10,
            (Consistency) bad))));
    out.add(new Refusal("Leaderboards.page metric", INVALID, "metric", consistencies,
        (w, bad) -> w.scope.leaderboards().page(new BoardRequest(w.campaign(), BoardPeriod.CURRENT_MONTH, null, null,
            10, (Consistency) bad))));
    out.add(new Refusal("Leaderboards.page consistency", INVALID, "consistency", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().page(BoardRequest.of(w.campaign(), BoardPeriod.ALL_TIME)
            .read((Consistency) bad))));
    out.add(new Refusal("Leaderboards.page request", INVALID, "request", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().page((BoardRequest) bad)));
    // A cursor not on the board: no participant, another campaign's or tenant's, or one created after the board's
    // month (every participant, on last month's board).
    out.add(new Refusal("Leaderboards.page nextId", INVALID, "nextId",
        (w, r) -> {
          boolean lastMonth = r.nextInt(3) == 0;
          long cursor = lastMonth ? w.ids.get("participant").get(r.nextInt(3))
              : (long) or(unknownIds("participant"), (w2, r2) -> w2.ids.get("participant").get(3)).pick(w, r);
          return BoardRequest.of(w.campaign(), lastMonth ? BoardPeriod.PREV_MONTH
              : r.nextBoolean() ? BoardPeriod.ALL_TIME : BoardPeriod.CURRENT_MONTH).after(cursor)
              .read(r.nextBoolean() ? Consistency.INDEX : Consistency.STRONG);
        },
        (w, bad) -> w.scope.leaderboards().page((BoardRequest) bad)));
    out.add(new Refusal("Leaderboards.page campaignId", NOT_FOUND, null,
        (w, r) -> BoardRequest.of((long) unknownIds("campaign").pick(w, r), BoardPeriod.ALL_TIME)
            .read(r.nextBoolean() ? Consistency.INDEX : Consistency.STRONG),
        (w, bad) -> w.scope.leaderboards().page((BoardRequest) bad)));
    out.add(new Refusal("Leaderboards.monthPage month", INVALID, "month",
        oneOf(null, YearMonth.of(0, 1), YearMonth.of(-1, 12), YearMonth.of(10_000, 1), YearMonth.of(2025, 4),
            YearMonth.of(2026, 1), YearMonth.of(9_999, 12)),
        (w, bad) -> w.scope.leaderboards().monthPage(w.campaign(), (YearMonth) bad, BoardMetric.POINTS, null, 10)));
    out.add(new Refusal("Leaderboards.monthPage metric", INVALID, "metric", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().monthPage(w.campaign(), february, (BoardMetric) bad, null, 10)));
    out.add(new Refusal("Leaderboards.monthPage limit", INVALID, "limit", badLimits,
        (w, bad) -> w.scope.leaderboards().monthPage(w.campaign(), february, BoardMetric.ACTIONS, null, (int) bad)));
    // February's board has no member: every participant was created in March.
    out.add(new Refusal("Leaderboards.monthPage nextId", INVALID, "nextId",
        or(unknownIds("participant"), (w, r) -> w.ids.get("participant").get(r.nextInt(4))),
        (w, bad) -> w.scope.leaderboards().monthPage(w.campaign(), february, BoardMetric.ACTIONS, (Long) bad, 10)));
    out.add(new Refusal("Leaderboards.monthPage campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.leaderboards().monthPage((long) bad, february, BoardMetric.ACTIONS, null, 10)));
    out.add(new Refusal("Leaderboards.standing metric", INVALID, "metric", consistencies,
        (w, bad) -> w.scope.leaderboards().standing(w.person(0), null, (Consistency) bad)));
    out.add(new Refusal("Leaderboards.standing consistency", INVALID, "consistency", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().standing(w.person(0), BoardMetric.POINTS, (Consistency) bad)));
    out.add(new Refusal("Leaderboards.standing participant", INVALID, "participant", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().standing((ParticipantRef) bad, BoardMetric.POINTS, Consistency.INDEX)));
    out.add(new Refusal("Leaderboards.standing participant id", NOT_FOUND, null, unknownIds("participant"),
        (w, bad) -> w.scope.leaderboards().standing(ParticipantRef.id((long) bad), BoardMetric.ACTIONS,
            Consistency.INDEX)));
    out.add(new Refusal("Leaderboards.rank period", INVALID, "period", consistencies,
        (w, bad) -> w.scope.leaderboards().rank(w.campaign(), w.ids.get("participant").get(0), null,
            BoardMetric.ACTIONS, (Consistency) bad)));
    out.add(new Refusal("Leaderboards.rank metric", INVALID, "metric", consistencies,
        (w, bad) -> w.scope.leaderboards().rank(w.campaign(), w.ids.get("participant").get(0), BoardPeriod.ALL_TIME,
            null, (Consistency) bad)));
    out.add(new Refusal("Leaderboards.rank consistency", INVALID, "consistency", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().rank(w.campaign(), w.ids.get("participant").get(0), BoardPeriod.ALL_TIME,
            BoardMetric.POINTS, (Consistency) bad)));
    out.add(new Refusal("Leaderboards.rank participantId", NOT_FOUND, null,
        or(unknownIds("participant"), (w, r) -> w.ids.get("participant").get(3)),
        (w, bad) -> w.scope.leaderboards().rank(w.campaign(), (long) bad, BoardPeriod.CURRENT_MONTH,
            BoardMetric.ACTIONS, ((long) bad & 1) == 0 ? Consistency.INDEX : Consistency.STRONG)));
    out.add(new Refusal("Leaderboards.rank campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.leaderboards().rank((long) bad, w.ids.get("participant").get(0), BoardPeriod.ALL_TIME,
            BoardMetric.ACTIONS, ((long) bad & 1) == 0 ? Consistency.INDEX : Consistency.STRONG)));
    out.add(new Refusal("Leaderboards.winners month", INVALID, "month",
        oneOf(null, YearMonth.of(2025, 3), YearMonth.of(2025, 4), YearMonth.of(0, 1), YearMonth.of(10_000, 1),
            YearMonth.of(9_999, 12)),
        (w, bad) -> w.scope.leaderboards().winners(w.campaign(), (YearMonth) bad, BoardMetric.ACTIONS)));
    out.add(new Refusal("Leaderboards.winners metric", INVALID, "metric", oneOf((Object) null),
        (w, bad) -> w.scope.leaderboards().winners(w.campaign(), february, (BoardMetric) bad)));
    out.add(new Refusal("Leaderboards.winners campaignId", NOT_FOUND, null, unknownIds("campaign"),
        (w, bad) -> w.scope.leaderboards().winners((long) bad, february, BoardMetric.POINTS)));
  }

  // ==================================================================== events and the change feed

  /** Listener names refused: 1..64 of {@code a-z A-Z 0-9 _ - .} only. */
  private static Values badListenerNames() {
    return oneOf(null, "", " ", "fuzz marker", "x".repeat(65), "fuzzmarké", "fuzz/marker", "fuzz:marker",
        "fuzzmarker\u0000", "\ud800", "fuzzmarker\n");
  }

  private static void events(List<Refusal> out) {
    out.add(new Refusal("ChangeFeed.read afterPosition", INVALID, "afterPosition", oneOf(-1L, Long.MIN_VALUE),
        (w, bad) -> w.scope.changeFeed().read((long) bad, null, 10)));
    out.add(new Refusal("ChangeFeed.read limit", INVALID, "limit",
        oneOf(0, -1, Keyset.MAX_LIMIT + 1, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (w, bad) -> w.scope.changeFeed().read(0, EventFilter.all(), (int) bad)));
    out.add(new Refusal("ChangeFeed.read filter types", INVALID, "types",
        oneOf(new HashSet<>(Arrays.asList((EventType) null)),
            new HashSet<>(Arrays.asList(EventType.REWARD_REACHED, null))),
        (w, bad) -> w.scope.changeFeed().read(0, new EventFilter(cast(bad), w.campaign()), 10)));
    out.add(new Refusal("ChangeFeed.read EventFilter.types", INVALID, "types",
        oneOf(null, new EventType[0], new EventType[] {null}, new EventType[] {EventType.REWARD_REACHED, null}),
        (w, bad) -> w.scope.changeFeed().read(0, EventFilter.types((EventType[]) bad), 10)));
    out.add(new Refusal("ChangeFeed.read of no tenant", NOT_FOUND, null, unknownIds("tenant"),
        (w, bad) -> w.engine.forTenant((long) bad).changeFeed().read(0, null, 10)));
    out.add(new Refusal("Events.subscribe name", INVALID, "name", badListenerNames(),
        (w, bad) -> w.engine.events().subscribe((String) bad, null, event -> { })));
    out.add(new Refusal("Events.subscribe listener", INVALID, "listener", oneOf((Object) null),
        (w, bad) -> w.engine.events().subscribe("fuzz-new", EventFilter.all(),
            (io.loyaltyengine.events.EventListener) bad)));
    out.add(new Refusal("Events.subscribe name taken", CONFLICT, "name",
        oneOf(ApiInputFuzzContractTest.TAKEN_LISTENER),
        (w, bad) -> w.engine.events().subscribe((String) bad, null, event -> { })));
    out.add(new Refusal("Events.unsubscribe name", INVALID, "name", badListenerNames(),
        (w, bad) -> w.engine.events().unsubscribe((String) bad)));
    out.add(new Refusal("Events.parked listenerName", INVALID, "name", badListenerNames(),
        (w, bad) -> w.engine.events().parked((String) bad, Keyset.first(10))));
    out.add(new Refusal("Events.parked page", INVALID, "page", oneOf((Object) null),
        (w, bad) -> w.engine.events().parked(ApiInputFuzzContractTest.TAKEN_LISTENER, (Keyset) bad)));
    out.add(new Refusal("Events.replay listenerName", INVALID, "name", badListenerNames(),
        (w, bad) -> w.engine.events().replay((String) bad, w.scope.tenantId(), w.texts.get("eventId").get(0))));
    out.add(new Refusal("Events.replay eventId", INVALID, "eventId",
        oneOf(null, "", "evt_", "evt_0", "evt_01", "evt_-1", "evt_+1", "EVT_1", "evt_1 ", " evt_1", "evt_\uff11",
            "evt_99999999999999999999", "evt_9223372036854775808", "fuzzmarker", "evt_1\u0000", "evt_fuzzsecret"),
        (w, bad) -> w.engine.events().replay(ApiInputFuzzContractTest.TAKEN_LISTENER, w.scope.tenantId(),
            (String) bad)));
  }
}
