package io.loyaltyengine.testkit.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class GeneratorsTest {
  private static final int SAMPLES = 500;

  /** Every public generator of the kit, to check they all draw only from the random generator given. */
  private static final Map<String, Gen<?>> ALL = new HashMap<>();

  static {
    ALL.put("emails", Generators.emails());
    ALL.put("plainEmails", Generators.plainEmails());
    ALL.put("gmailAliases", Generators.gmailAliases("johndoe"));
    ALL.put("unicodeEmails", Generators.unicodeEmails());
    ALL.put("invalidEmails", Generators.invalidEmails());
    ALL.put("names", Generators.names());
    ALL.put("invalidNames", Generators.invalidNames());
    ALL.put("tiers", Generators.tiers());
    ALL.put("ipAddresses", Generators.ipAddresses());
    ALL.put("invalidIpAddresses", Generators.invalidIpAddresses());
    ALL.put("metadata", Generators.metadata());
    ALL.put("invalidMetadata", Generators.invalidMetadata(EngineLimits.DEFAULTS)
        .map(i -> i + " " + i.value().keySet()));
    ALL.put("amounts", Generators.amounts(1_000));
    ALL.put("pointTypes", Generators.pointTypes());
    ALL.put("invalidPointTypes", Generators.invalidPointTypes());
    ALL.put("idempotencyKeys", Generators.idempotencyKeys());
    ALL.put("invalidIdempotencyKeys", Generators.invalidIdempotencyKeys());
    ALL.put("intsAround", Generators.intsAround(1, 1_000));
    ALL.put("longsAround", Generators.longsAround(1, Long.MAX_VALUE));
    ALL.put("durationsAround", Generators.durationsAround(Duration.ofMillis(10), Duration.ofMinutes(10)));
  }

  @Test
  void sameSeedGivesTheSameValuesAndAnotherSeedOthers() {
    ALL.forEach((name, gen) -> {
      assertEquals(sample(gen, 42), sample(gen, 42), name + " is deterministic");
    });
    assertNotEquals(sample(Generators.emails(), 42), sample(Generators.emails(), 43));
  }

  @Test
  void randomHasAFixedAlgorithmSoRecordedSeedsReplayOnEveryJdk() {
    // The first values of L64X128MixRandom for seed 42, recorded once: a changed algorithm would make every seed
    // printed by an earlier failure replay something else.
    RandomGenerator random = Gen.random(42);
    assertEquals(List.of(-5600175640509174766L, -6068984182338578160L, -5395223390448918216L),
        List.of(random.nextLong(), random.nextLong(), random.nextLong()));
  }

  @Test
  void gmailAliasesAllSanitizeToTheMailbox() {
    for (String alias : sample(Generators.gmailAliases("johndoe"), 7)) {
      assertEquals("johndoe@gmail.com", Generators.sanitize(alias), alias);
    }
    assertThrows(IllegalArgumentException.class, () -> Generators.gmailAliases("John.Doe"));
  }

  /**
   * The javadoc allows a mailbox of 1..40 characters and promises aliases that all sanitize to it; the engine refuses
   * a local part over 64 code points (Participants), so dots and a tag must not take the longest mailbox past it.
   */
  @Test
  void gmailAliasesOfTheLongestMailboxAreEnrolledAsThatMailbox() {
    String mailbox = "abcdefghij0123456789abcdefghij0123456789";
    try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Gen")).id());
      long campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Gen", "https://gen.example.com")).id(), "Gen")).id();
      for (String alias : sample(Generators.gmailAliases(mailbox), 11)) {
        Participant p;
        try {
          p = scope.participants().create(campaign, NewParticipant.withEmail(alias));
        } catch (LoyaltyException e) {
          throw new AssertionError("a valid alias was refused (" + e.code() + " on " + e.field().orElse("-")
              + "): " + alias, e);
        }
        assertEquals(mailbox + "@gmail.com", p.sanitizedEmail(), alias);
        scope.participants().delete(ParticipantRef.id(p.id()));
      }
    }
  }

  @Test
  void aliasesCoverDotsTagsGooglemailCaseAndSpaces() {
    List<String> aliases = sample(Generators.gmailAliases("johndoe"), 9);
    assertTrue(aliases.stream().anyMatch(a -> a.substring(0, a.indexOf('@')).contains(".")), "dots");
    assertTrue(aliases.stream().anyMatch(a -> a.contains("+")), "tags");
    assertTrue(aliases.stream().anyMatch(a -> a.toLowerCase().contains("googlemail.com")), "googlemail");
    assertTrue(aliases.stream().anyMatch(a -> !a.equals(a.toLowerCase())), "upper case");
    assertTrue(aliases.stream().anyMatch(a -> !a.equals(a.trim())), "surrounding spaces");
  }

  @Test
  void upperCaseVariantsAndUnicodeEmailsKeepTheirSanitizedForm() {
    RandomGenerator random = Gen.random(3);
    for (int i = 0; i < SAMPLES; i++) {
      String email = Generators.unicodeEmails().next(random);
      String upper = Generators.upperCaseVariants(Gen.constant(email)).next(random);
      assertEquals(Generators.sanitize(email), Generators.sanitize(upper), email + " / " + upper);
    }
  }

  @Test
  void validEmailsFollowTheDocumentedShape() {
    for (String email : sample(Generators.emails(), 5)) {
      String trimmed = email.trim();
      int at = trimmed.indexOf('@');
      assertTrue(at > 0 && at == trimmed.lastIndexOf('@'), email);
      assertTrue(trimmed.substring(at + 1).contains("."), email);
      assertTrue(trimmed.length() <= 254 && at <= 64, email);
      assertTrue(trimmed.codePoints().noneMatch(cp -> Character.isWhitespace(cp) || Character.isISOControl(cp)),
          email);
    }
  }

  @Test
  void invalidEmailsEachBreakARule() {
    for (String email : sample(Generators.invalidEmails(), 5)) {
      String trimmed = email.trim();
      int at = trimmed.indexOf('@');
      boolean broken = trimmed.isEmpty() || at <= 0 || at != trimmed.lastIndexOf('@')
          || !trimmed.substring(at + 1).contains(".") || at > 64 || trimmed.length() > 254
          || trimmed.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isISOControl(cp)
              || Character.isSurrogate((char) cp));
      assertTrue(broken, "not invalid: " + email.replaceAll("\\p{Cntrl}", "?"));
    }
  }

  @Test
  void namesStayWithinOneHundredCodePointsAndInvalidNamesDoNot() {
    Set<String> seen = new HashSet<>();
    for (String name : sample(Generators.names(), 5)) {
      assertTrue(name.codePointCount(0, name.length()) <= 100, name);
      assertTrue(name.codePoints().noneMatch(Character::isISOControl), name);
      seen.add(name);
    }
    assertTrue(seen.contains("Robert'); DROP TABLE participant;--"), "SQL-looking names");
    assertTrue(seen.contains("😀".repeat(100)), "exactly 100 emoji: 200 UTF-16 characters");
    for (String name : sample(Generators.invalidNames(), 5)) {
      boolean broken = name.codePointCount(0, name.length()) > 100
          || name.codePoints().anyMatch(cp -> Character.isISOControl(cp) || Character.isSurrogate((char) cp));
      assertTrue(broken, name);
    }
  }

  @Test
  void metadataIsShallowAndScalarWithinTheLimits() {
    EngineLimits limits = EngineLimits.builder().maxMetadataKeys(3).maxMetadataKeyLength(5)
        .maxMetadataValueLength(7).build();
    for (Map<String, Object> map : sample(Generators.metadata(limits), 5)) {
      assertTrue(map.size() <= 3, map.toString());
      map.forEach((key, value) -> {
        assertTrue(key.codePointCount(0, key.length()) <= 5, key);
        assertTrue(value instanceof String || value instanceof Long || value instanceof Double
            || value instanceof Boolean, key + " -> " + value);
        if (value instanceof String s) {
          assertTrue(s.codePointCount(0, s.length()) <= 7, key);
        }
        if (value instanceof Double d) {
          assertTrue(Double.isFinite(d), key);
        }
      });
    }
  }

  @Test
  void invalidMetadataNamesTheBadKeyOrTheWholeMap() {
    Set<String> reasons = new HashSet<>();
    for (Invalid<Map<String, Object>> invalid : sample(Generators.invalidMetadata(EngineLimits.DEFAULTS), 5)) {
      reasons.add(invalid.why());
      if (invalid.field().equals("metadata.bad")) {
        assertTrue(invalid.value().containsKey("bad"), invalid.toString());
      } else {
        assertEquals("metadata", invalid.field());
      }
    }
    assertTrue(reasons.containsAll(List.of("metadata holding a nested map", "metadata holding a list",
        "metadata holding NaN", "one metadata key too many", "a metadata key over the key limit",
        "metadata holding a string over the value limit")), reasons.toString());
  }

  /**
   * Invalid values break exactly one rule each, so the engine's error names their field ({@link Invalid}); under
   * limits whose longest key is shorter than the bad value's key {@code bad}, that key breaks a second rule and the
   * engine refuses the key (field {@code metadata}) before it looks at the value.
   */
  @Test
  void invalidMetadataIsRefusedOnItsFieldUnderShortKeyLimits() {
    for (int keyLength = 1; keyLength <= 3; keyLength++) {
      EngineLimits limits = EngineLimits.builder().maxMetadataKeyLength(keyLength).build();
      try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).limits(limits).build()) {
        TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Gen")).id());
        long campaign = scope.campaigns().create(NewCampaign.running(
            scope.brands().create(new NewBrand("Gen", "https://gen.example.com")).id(), "Gen")).id();
        for (Invalid<Map<String, Object>> invalid : sample(Generators.invalidMetadata(limits), 13)) {
          LoyaltyException e = assertThrows(LoyaltyException.class, () -> scope.participants().create(campaign,
              new NewParticipant("meta@example.com", null, null, null, null, invalid.value())), invalid::toString);
          assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), invalid::toString);
          assertTrue(invalid.fieldMatches(e.field().orElse(null)), "maxMetadataKeyLength " + keyLength + ": "
              + invalid + " was refused on " + e.field().orElse("-"));
        }
      }
    }
  }

  @Test
  void amountsCoverTheEdgesOnBothSidesOfTheLimit() {
    Set<Long> seen = new HashSet<>(sample(Generators.amounts(1_000), 5));
    assertTrue(seen.containsAll(List.of(1L, 2L, 999L, 1_000L, 0L, -1L, Long.MIN_VALUE, 1_001L, Long.MAX_VALUE)),
        seen.toString());
    assertEquals(List.of(0L, -1L, Long.MIN_VALUE, -Long.MAX_VALUE), Generators.edgeInvalidAmounts(Long.MAX_VALUE),
        "nothing is above Long.MAX_VALUE");
    for (long amount : sample(Generators.validAmounts(1_000), 5)) {
      assertTrue(amount >= 1 && amount <= 1_000, String.valueOf(amount));
    }
    for (long amount : sample(Generators.invalidAmounts(1_000), 5)) {
      assertFalse(amount >= 1 && amount <= 1_000, String.valueOf(amount));
    }
  }

  @Test
  void idempotencyKeysArePrintableAsciiOfOneTo128() {
    Set<Integer> lengths = new HashSet<>();
    for (String key : sample(Generators.idempotencyKeys(), 5)) {
      lengths.add(key.length());
      assertTrue(key.length() >= 1 && key.length() <= 128, key);
      assertTrue(key.chars().allMatch(c -> c > 0x20 && c < 0x7f), key);
    }
    assertTrue(lengths.containsAll(List.of(1, 128)), "both edges");
    for (String key : sample(Generators.invalidIdempotencyKeys(), 5)) {
      assertTrue(key.isEmpty() || key.length() > 128 || key.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f), key);
    }
  }

  @Test
  void settingsAroundTheirBoundsHitEachBoundItsNeighboursAndTheExtremes() {
    Set<Integer> ints = new HashSet<>(sample(Generators.intsAround(1, 1_000), 5));
    assertTrue(ints.containsAll(List.of(0, 1, 2, 999, 1_000, 1_001, -1, Integer.MIN_VALUE, Integer.MAX_VALUE)),
        ints.toString());
    assertTrue(ints.stream().filter(i -> i > 2 && i < 999).count() > 50, "values inside the range too");
    Set<Long> longs = new HashSet<>(sample(Generators.longsAround(1, Long.MAX_VALUE), 5));
    assertTrue(longs.containsAll(List.of(0L, 1L, 2L, Long.MAX_VALUE - 1, Long.MAX_VALUE, Long.MIN_VALUE)),
        longs.toString());
    assertEquals(Set.of(Integer.MIN_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE, -1, 0, 1),
        new HashSet<>(sample(Generators.intsAround(Integer.MIN_VALUE, Integer.MIN_VALUE), 5)),
        "no neighbour wraps around");

    Duration min = Duration.ofMillis(10);
    Duration max = Duration.ofMinutes(10);
    Set<Duration> durations = new HashSet<>(sample(Generators.durationsAround(min, max), 5));
    assertTrue(durations.containsAll(List.of(min, max, min.minusNanos(1), min.plusNanos(1), min.minusMillis(1),
        max.plusNanos(1), max.plusMillis(1), Duration.ZERO, Duration.ofSeconds(-1), Duration.ofSeconds(Long.MAX_VALUE),
        Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(Long.MIN_VALUE))), durations.toString());
    assertTrue(durations.stream().filter(d -> d.compareTo(min) > 0 && d.compareTo(max) < 0).count() > 50,
        "values inside the range too");
    Duration largest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
    assertTrue(sample(Generators.durationsAround(largest, largest), 5).contains(largest.minusNanos(1)),
        "no neighbour past the largest duration, and no overflow");
    assertThrows(IllegalArgumentException.class, () -> Generators.intsAround(2, 1));
    assertThrows(IllegalArgumentException.class, () -> Generators.durationsAround(max, min));
  }

  @Test
  void combinatorsPickFromTheirChoices() {
    RandomGenerator random = Gen.random(1);
    Gen<String> weighted = Gen.frequency(Gen.weight(0, Gen.constant("never")), Gen.weight(1, Gen.constant("a")),
        Gen.weight(3, Gen.constant("b")));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 4_000; i++) {
      counts.merge(weighted.next(random), 1, Integer::sum);
    }
    assertFalse(counts.containsKey("never"), "a choice of weight 0 is never taken");
    assertTrue(counts.get("b") > counts.get("a"), counts.toString());
    assertEquals(Set.of(1, 2, 3), new HashSet<>(sample(Gen.elements(1, 2, 3), 2)));
    assertEquals(Set.of(-1L, 0L, 1L), new HashSet<>(sample(Gen.longs(-1, 1), 2)));
    assertEquals(Set.of(Long.MAX_VALUE - 1, Long.MAX_VALUE),
        new HashSet<>(sample(Gen.longs(Long.MAX_VALUE - 1, Long.MAX_VALUE), 2)));
    assertTrue(sample(Gen.ints(5, 7).list(2, 3), 4).stream().allMatch(l -> l.size() >= 2 && l.size() <= 3));
    assertEquals(List.of(2, 2), sample(Gen.constant(1).map(i -> i + 1), 1).subList(0, 2));
    assertThrows(IllegalArgumentException.class, () -> Gen.elements(List.of()));
    assertThrows(IllegalArgumentException.class, () -> Gen.ints(2, 1));
    assertThrows(IllegalArgumentException.class, () -> Gen.frequency(Gen.weight(0, Gen.constant(1))));
    // Refused when built, not later when a list is drawn.
    assertThrows(IllegalArgumentException.class, () -> Gen.constant(1).list(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> Gen.constant(1).list(3, 2));
    assertEquals(List.of(), Gen.constant(1).list(0, 0).next(random));
  }

  private static <T> List<T> sample(Gen<T> gen, long seed) {
    RandomGenerator random = Gen.random(seed);
    List<T> values = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      values.add(gen.next(random));
    }
    return values;
  }
}
