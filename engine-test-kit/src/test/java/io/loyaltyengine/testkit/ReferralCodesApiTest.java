package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.DecodedCode;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.gen.Generators;
import io.loyaltyengine.testkit.model.ModelRunner;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Referral codes through {@code decode}, on {@link InMemoryStorage}: every issued code reads back as its
 * participant; tampered, foreign and malformed codes are refused with nothing but a VALIDATION_ERROR on
 * {@code code}; a campaign that requires signed codes refuses legacy ones; signing keys rotate without breaking
 * earlier codes, also across engine instances on one store.
 *
 * <p>The seeded tests print their seed; replay one alone with {@code -Dloyalty.seed=<seed>}.
 */
class ReferralCodesApiTest {
  private static final Instant START = Instant.parse("2025-06-01T12:00:00Z");
  private static final List<String> FIRST_NAMES =
      List.of("Gavin", "Zoë", "渡辺", "Ægir", "O'Brien", "Anna-Lena", "😀", "Jean Luc", "Łukasz", "ß");
  private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final String MUTANTS = BASE64URL + ".+/=:% \u00e9\u0000";

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final SettableClock clock = SettableClock.at(START);

  @AfterEach
  void closeEngines() {
    engines.forEach(LoyaltyEngine::close);
  }

  @Test
  void everyIssuedCodeOfEveryKindDecodesToItsParticipantAndIsStable() {
    TenantScope scope = tenant(engine(new InMemoryStorage()), "Codes");
    long brand = scope.brands().create(new NewBrand("Codes", "https://codes.example.com")).id();
    for (String name : List.of("Spring", "Autumn")) {
      long campaign = scope.campaigns().create(NewCampaign.running(brand, name)).id();
      Set<String> shortCodes = new HashSet<>();
      for (int i = 0; i < 40; i++) {
        String first = i < FIRST_NAMES.size() * 2 ? FIRST_NAMES.get(i % FIRST_NAMES.size()) : null;
        Participant p = scope.participants().create(campaign,
            NewParticipant.withEmail("member" + i + "@example.com").withName(first, null));
        ReferralCodes codes = scope.referrals().codes(ParticipantRef.id(p.id()));
        assertEquals(p.id(), codes.participantId());
        assertEquals(codes, scope.referrals().codes(ParticipantRef.email(campaign, "Member" + i + "@Example.com")),
            "the same codes on every request");
        assertTrue(shortCodes.add(codes.shortCode()), "short codes are unique in the campaign");
        for (CodeKind kind : CodeKind.values()) {
          assertEquals(new DecodedCode(kind, campaign, "direct", p.id(), null),
              scope.referrals().decode(campaign, code(codes, kind)), kind + " code of participant " + i);
        }
      }
    }
  }

  @Test
  void seededMutationsOfIssuedSignedCodesNeverDecodeToAValue() {
    TenantScope scope = tenant(engine(new InMemoryStorage()), "Tamper");
    long campaign = campaign(scope, "Tamper");
    List<String> issued = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Participant p = scope.participants().create(campaign, NewParticipant.withEmail("t" + i + "@example.com"));
      issued.add(scope.referrals().codes(ParticipantRef.id(p.id())).signed());
    }
    scope.referrals().rotateSigningKey(); // mutations of codes under an earlier key too
    for (int i = 12; i < 16; i++) {
      Participant p = scope.participants().create(campaign, NewParticipant.withEmail("t" + i + "@example.com"));
      issued.add(scope.referrals().codes(ParticipantRef.id(p.id())).signed());
    }
    Set<String> valid = new HashSet<>(issued);
    for (long seed : ModelRunner.seeds(51L, 52L, System.nanoTime())) {
      System.out.println("ReferralCodesApiTest mutations: seed " + seed);
      RandomGenerator random = Gen.random(seed);
      for (int n = 0; n < 400; n++) {
        String original = issued.get(random.nextInt(issued.size()));
        String mutant = original;
        int edits = 1 + random.nextInt(3);
        List<String> how = new ArrayList<>();
        for (int e = 0; e < edits; e++) {
          mutant = mutate(mutant, random, how);
        }
        if (valid.contains(mutant.strip())) {
          continue; // edits that undid each other, or only surrounding whitespace (trimmed, as emails are)
        }
        String shown = how.toString();
        String tampered = mutant;
        refused("seed " + seed + ", " + shown, () -> scope.referrals().decode(campaign, tampered));
        if (n % 40 == 0) { // a signup with it enrols nobody
          refused("signup, seed " + seed + ", " + shown, () -> scope.referrals().signup(campaign,
              Signup.referred(NewParticipant.withEmail("mutant@example.com"), tampered)));
        }
      }
    }
    assertEquals(16, scope.participants().list(campaign, ParticipantFilter.all(), Keyset.first(100)).items().size(),
        "no refused signup enrolled anyone");
  }

  @Test
  void malformedInputIsAValidationErrorOnCodeAndNeverAnotherException() {
    TenantScope scope = tenant(engine(new InMemoryStorage()), "Garbage");
    long campaign = campaign(scope, "Garbage");
    // Named, so that its short code (GERTRUDE + digits) is none of the short-looking inputs below.
    Participant p = scope.participants().create(campaign,
        NewParticipant.withEmail("g@example.com").withName("Gertrude", null));
    String legacy = scope.referrals().codes(ParticipantRef.id(p.id())).legacy();
    List<String> bad = new ArrayList<>(List.of("", " ", "\t", "r1.", "r1.1.1.1.", "r1....", "r1.0.0.0.AAAAAAAAAAAAAAAA",
        "=", "====", "A", "AB=", "!!!!", "\u0000\u0001", "😀😀😀", "FRIEND", "friend00", "null",
        legacy + "===", legacy + legacy, legacy.substring(1), " " + legacy + "\u0000",
        b64(campaign + ":direct"), b64(campaign + ":direct:" + p.id() + ":1:2"), b64(campaign + "::" + p.id()),
        b64("-" + campaign + ":direct:" + p.id()), b64("0" + campaign + ":direct:" + p.id()),
        b64(campaign + ":direct:0" + p.id()), b64(campaign + ":di rect:" + p.id()),
        b64(campaign + ":direct:99999999999999999999"), b64(campaign + ":" + "x".repeat(33) + ":" + p.id()),
        "x".repeat(513), "r1." + "1".repeat(600)));
    RandomGenerator random = Gen.random(53);
    for (int i = 0; i < 300; i++) {
      bad.add(Generators.text(random, MUTANTS, 0, 80));
    }
    for (String code : bad) {
      refused("malformed code", () -> scope.referrals().decode(campaign, code));
    }
    refused("null", () -> scope.referrals().decode(campaign, null));
  }

  @Test
  void aCodeOfAnotherCampaignOrOfAnotherTenantsParticipantIsRefused() {
    InMemoryStorage storage = new InMemoryStorage();
    LoyaltyEngine engine = engine(storage);
    TenantScope mine = tenant(engine, "Mine");
    TenantScope theirs = tenant(engine, "Theirs");
    long spring = campaign(mine, "Spring");
    long autumn = campaign(mine, "Autumn");
    long foreign = campaign(theirs, "Foreign");
    Participant p = mine.participants().create(spring,
        NewParticipant.withEmail("p@example.com").withName("Pemberton", null));
    // Another name in the other campaign, so that its short code cannot be Pemberton's by chance.
    mine.participants().create(autumn, NewParticipant.withEmail("p@example.com").withName("Autumnal", null));
    Participant q = theirs.participants().create(foreign,
        NewParticipant.withEmail("q@example.com").withName("Quillon", null));
    ReferralCodes ps = mine.referrals().codes(ParticipantRef.id(p.id()));
    ReferralCodes qs = theirs.referrals().codes(ParticipantRef.id(q.id()));

    for (CodeKind kind : CodeKind.values()) {
      refused(kind + " code of another campaign", () -> mine.referrals().decode(autumn, code(ps, kind)));
      refused(kind + " code of another tenant", () -> mine.referrals().decode(spring, code(qs, kind)));
      refused(kind + " code read by another tenant", () -> theirs.referrals().decode(foreign, code(ps, kind)));
    }
    refused("a legacy code naming this campaign and another campaign's participant",
        () -> mine.referrals().decode(autumn, b64(autumn + ":direct:" + p.id())));
    refused("a legacy code naming this campaign and another tenant's participant",
        () -> mine.referrals().decode(spring, b64(spring + ":direct:" + q.id())));
    refused("a legacy code naming another tenant's campaign and participant",
        () -> mine.referrals().decode(spring, b64(foreign + ":direct:" + q.id())));
    try {
      mine.referrals().decode(foreign, qs.signed());
      fail("another tenant's campaign is not found");
    } catch (LoyaltyException e) {
      assertEquals(ErrorCode.NOT_FOUND, e.code(), "another tenant's campaign: " + e);
    }
    assertEquals(new DecodedCode(CodeKind.LEGACY, spring, "twitter", p.id(), null),
        mine.referrals().decode(spring, b64(spring + ":twitter:" + p.id())), "a legacy code of another channel");
  }

  @Test
  void aCampaignRequiringSignedCodesRefusesLegacyCodesAndAcceptsSignedAndShortOnes() {
    TenantScope scope = tenant(engine(new InMemoryStorage()), "Strict");
    long campaign = campaign(scope, "Strict");
    Participant p = scope.participants().create(campaign, NewParticipant.withEmail("s@example.com"));
    ReferralCodes codes = scope.referrals().codes(ParticipantRef.id(p.id()));
    ReferralSettings strict = ReferralSettings.defaults(campaign).withSignedCodesRequired(true);
    assertEquals(strict, scope.referrals().configure(strict));

    refused("legacy", () -> scope.referrals().decode(campaign, codes.legacy()));
    refused("legacy signup", () -> scope.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail("friend@example.com"), codes.legacy())));
    assertEquals(1, scope.participants().list(campaign, ParticipantFilter.all(), Keyset.first(10)).items().size(),
        "the refused signup enrolled nobody");
    assertEquals(p.id(), scope.referrals().decode(campaign, codes.signed()).participantId());
    assertEquals(p.id(), scope.referrals().decode(campaign, codes.shortCode()).participantId());

    scope.referrals().configure(strict.withSignedCodesRequired(false));
    assertEquals(p.id(), scope.referrals().decode(campaign, codes.legacy()).participantId(), "accepted again");
  }

  @Test
  void afterRotationCodesSignedWithEveryKeyDecodeAndNewCodesUseTheNewKey() {
    TenantScope scope = tenant(engine(new InMemoryStorage()), "Rotate");
    long campaign = campaign(scope, "Rotate");
    Participant p = scope.participants().create(campaign, NewParticipant.withEmail("r@example.com"));
    ParticipantRef ref = ParticipantRef.id(p.id());
    List<String> signed = new ArrayList<>(List.of(scope.referrals().codes(ref).signed()));
    int previous = 0;
    for (int rotation = 0; rotation < 3; rotation++) {
      int key = scope.referrals().rotateSigningKey();
      assertTrue(key > previous, "key numbers grow: " + key + " after " + previous);
      previous = key;
      String now = scope.referrals().codes(ref).signed();
      assertTrue(!signed.contains(now), "a code issued after a rotation is signed with the new key");
      signed.add(now);
      for (String code : signed) {
        assertEquals(p.id(), scope.referrals().decode(campaign, code).participantId(), "every key verifies");
      }
    }
    Participant later = scope.participants().create(campaign, NewParticipant.withEmail("later@example.com"));
    assertEquals(later.id(), scope.referrals().decode(campaign,
        scope.referrals().codes(ParticipantRef.id(later.id())).signed()).participantId());
  }

  @Test
  void aSecondEngineOnTheSameStoreDecodesCodesSignedWithAKeyTheFirstRotatedTo() {
    InMemoryStorage.Database database = InMemoryStorage.newDatabase();
    LoyaltyEngine first = engine(database.openStorage());
    LoyaltyEngine second = engine(database.openStorage());
    TenantScope one = tenant(first, "Shared");
    TenantScope two = second.forTenant(one.tenantId());
    long campaign = campaign(one, "Shared");
    Participant p = one.participants().create(campaign, NewParticipant.withEmail("shared@example.com"));
    ParticipantRef ref = ParticipantRef.id(p.id());
    String before = one.referrals().codes(ref).signed();
    assertEquals(p.id(), two.referrals().decode(campaign, before).participantId(), "the second engine loads key 1");

    one.referrals().rotateSigningKey();
    String after = one.referrals().codes(ref).signed();
    assertNotEquals(before, after);
    assertEquals(p.id(), two.referrals().decode(campaign, after).participantId(),
        "a code under a key the second engine has not seen makes it reload the keys");
    assertEquals(p.id(), two.referrals().decode(campaign, before).participantId());
    String fromSecond = two.referrals().codes(ref).signed();
    assertEquals(p.id(), one.referrals().decode(campaign, fromSecond).participantId());

    int next = two.referrals().rotateSigningKey();
    String third = two.referrals().codes(ref).signed();
    for (String code : List.of(before, after, third)) {
      assertEquals(p.id(), one.referrals().decode(campaign, code).participantId(), "after key " + next);
    }
  }

  // ==================================================================== helpers

  /** One edit of {@code code}: replace, insert, delete, swap, truncate, duplicate or change case. */
  private static String mutate(String code, RandomGenerator random, List<String> how) {
    if (code.isEmpty()) {
      how.add("insert into empty");
      return String.valueOf(MUTANTS.charAt(random.nextInt(MUTANTS.length())));
    }
    int at = random.nextInt(code.length());
    char c = code.charAt(at);
    switch (random.nextInt(7)) {
      case 0 -> {
        char other;
        do {
          other = MUTANTS.charAt(random.nextInt(MUTANTS.length()));
        } while (other == c);
        how.add("replace " + at);
        return code.substring(0, at) + other + code.substring(at + 1);
      }
      case 1 -> {
        how.add("insert " + at);
        return code.substring(0, at) + MUTANTS.charAt(random.nextInt(MUTANTS.length())) + code.substring(at);
      }
      case 2 -> {
        how.add("delete " + at);
        return code.substring(0, at) + code.substring(at + 1);
      }
      case 3 -> {
        if (at + 1 >= code.length() || code.charAt(at + 1) == c) {
          how.add("append");
          return code + MUTANTS.charAt(random.nextInt(BASE64URL.length()));
        }
        how.add("swap " + at);
        return code.substring(0, at) + code.charAt(at + 1) + c + code.substring(at + 2);
      }
      case 4 -> {
        how.add("truncate " + at);
        return code.substring(0, at);
      }
      case 5 -> {
        how.add("duplicate " + at);
        return code.substring(0, at) + c + code.substring(at);
      }
      default -> {
        char flipped = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
        if (flipped == c) {
          how.add("prepend");
          return MUTANTS.charAt(random.nextInt(BASE64URL.length())) + code;
        }
        how.add("case " + at);
        return code.substring(0, at) + flipped + code.substring(at + 1);
      }
    }
  }

  /** Asserts that {@code call} is refused with a VALIDATION_ERROR on {@code code} and nothing else. */
  private static void refused(String what, Runnable call) {
    try {
      call.run();
    } catch (LoyaltyException e) {
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), what + ": " + e);
      assertEquals("code", e.field().orElse(null), what + ": the field");
      return;
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": only a LoyaltyException may escape, but got " + e, e);
    }
    fail(what + ": decoded to a value");
  }

  private static String b64(String message) {
    return Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8));
  }

  private static String code(ReferralCodes codes, CodeKind kind) {
    return switch (kind) {
      case LEGACY -> codes.legacy();
      case SIGNED -> codes.signed();
      case SHORT -> codes.shortCode();
    };
  }

  private LoyaltyEngine engine(io.loyaltyengine.core.spi.Storage storage) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(storage)
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(engines.size() + 1)
        .build();
    engines.add(engine);
    return engine;
  }

  private static TenantScope tenant(LoyaltyEngine engine, String name) {
    return engine.forTenant(engine.tenants().create(NewTenant.business(name)).id());
  }

  private static long campaign(TenantScope scope, String name) {
    long brand = scope.brands().create(new NewBrand(name, "https://" + name.toLowerCase() + ".example.com")).id();
    return scope.campaigns().create(NewCampaign.running(brand, name)).id();
  }
}
