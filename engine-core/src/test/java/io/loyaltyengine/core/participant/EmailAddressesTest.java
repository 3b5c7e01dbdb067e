package io.loyaltyengine.core.participant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EmailAddressesTest {

  @ParameterizedTest(name = "{0} sanitizes to {1}")
  @CsvSource({
      "john.smith@gmail.com, johnsmith@gmail.com",
      "J.O.H.N.Smith+promo@GMail.com, johnsmith@gmail.com",
      "john.smith+a+b@googlemail.com, johnsmith@gmail.com",
      "'  Mary@Example.COM  ', mary@example.com",
      "mary+tag@example.com, mary+tag@example.com",
      "first.last@example.com, first.last@example.com",
      "Jürgen@Bücher.de, jürgen@bücher.de",
      // Lower-casing writes a final sigma for a capital one that ends a word, as Σ before a dot does: the local
      // part's final sigma is folded into the medial one, as case folding does, so both spellings are one address.
      "ΝΊΚΟΣ.Α@EXAMPLE.GR, νίκοσ.α@example.gr",
      "νίκος.α@example.gr, νίκοσ.α@example.gr",
      "νίκοσ.α@example.gr, νίκοσ.α@example.gr",
      "ΚΏΣΤΑΣ@example.gr, κώστασ@example.gr",
      // In a domain the two are different names (IDNA2008, UTS #46 nontransitional): kept as given.
      "info@καλώς.gr, info@καλώς.gr",
      "info@καλώσ.gr, info@καλώσ.gr",
  })
  void sanitizedFormFoldsCaseAndGmailAliases(String given, String sanitized) {
    EmailAddresses.Email email = EmailAddresses.parse("email", given);
    assertEquals(sanitized, email.sanitized());
    assertEquals(given.strip(), email.given());
  }

  @ParameterizedTest(name = "no-break spaces around {0} are trimmed")
  @ValueSource(strings = {"\u00A0mary@example.com", "mary@example.com\u00A0", "\u2007mary@example.com\u202F",
      " \u00A0mary@example.com\u00A0 "})
  void noBreakSpacesAroundAnEmailAreTrimmedAsSpacesAre(String given) {
    EmailAddresses.Email email = EmailAddresses.parse("email", given);
    assertEquals("mary@example.com", email.given());
    assertEquals("mary@example.com", email.sanitized());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "plainaddress", "@example.com", "a@b", "a@@example.com", "a@b@example.com",
      "a b@example.com", "a@exa mple.com", ".a@example.com", "a.@example.com", "a..b@example.com",
      "a@-example.com", "a@example-.com", "a@example..com", "+tag@gmail.com", "a\u0000b@example.com",
      "a\tb@example.com", "a@example.com\u0007", "\ud800a@example.com", "a<b>@example.com", "a@example.com."})
  void malformedEmailsAreValidationErrorsNamingTheField(String email) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", email));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("email", e.field().orElseThrow());
    assertFalse(!email.isBlank() && e.getMessage().contains(email.strip()), "message must not echo the email");
  }

  @ParameterizedTest(name = "format character {index} in the local part is refused")
  @ValueSource(strings = {"\u200Bann@example.com", "\uFEFFann@example.com", "an\u00ADn@example.com",
      "ann\u2060@example.com", "a\u200Dnn@example.com", "ann\u202E@example.com", "ann\uDB40\uDC01@example.com"})
  void anInvisibleFormatCharacterInTheLocalPartIsRefused(String email) {
    // It shows nothing: "\u200Bann@example.com" would be a second participant that looks like ann@example.com.
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", email));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("email", e.field().orElseThrow());
  }

  @ParameterizedTest(name = "invisible character {index} in the local part is refused")
  @ValueSource(strings = {"a\u034Fnn@example.com", "ann\u3164@example.com", "\u115Fann@example.com",
      "ann\uFE0F@example.com", "an\u180Bn@example.com", "ann\uDB40\uDD00@example.com", "ann\u0378@example.com",
      "ann\uFFFF@example.com"})
  void anInvisibleCharacterOutsideTheFormatCategoryInTheLocalPartIsRefused(String email) {
    // Drawn as nothing as a format character is (a combining grapheme joiner, a Hangul filler, a variation selector,
    // an unassigned code point): a second participant that looks like ann@example.com.
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", email));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("email", e.field().orElseThrow());
  }

  @ParameterizedTest(name = "invisible character {index} in the domain is refused")
  @ValueSource(strings = {"ann@example\u3164.com", "ann@\u115Fexample.com", "ann@example.com\uFFA0",
      "ann@exa\u034Fmple.com", "ann@example\uFE0F.com", "ann@exam\u180Bple.com", "ann@ex\u17B4ample.com",
      "ann@example.com\uDB40\uDD00"})
  void anInvisibleCharacterInTheDomainIsRefused(String email) {
    // Participants: "invisible characters (..., Hangul filler, ...) are not" allowed, in the whole email. A Hangul
    // filler is a letter and a variation selector or grapheme joiner a non-spacing mark, which a domain label may
    // hold: "ann@example\u3164.com" would be a second participant that looks like ann@example.com.
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", email));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("email", e.field().orElseThrow());
  }

  @org.junit.jupiter.api.Test
  void theDecomposedSpellingOfAValidEmailIsTheSameValidEmail() {
    // ParticipantRef: "the email, in any form that sanitizes to the participant's". 60 é, NFC: 247 code points, the
    // local part within its 64 as counted after normalization; decomposed (as macOS input methods may send it),
    // 307 code points before it. Counted before, the whole address was over 254 and a lookup by it refused.
    String composed = "\u00e9".repeat(60) + "@" + "a".repeat(60) + "." + "b".repeat(60) + "." + "c".repeat(60)
        + ".com";
    String decomposed = java.text.Normalizer.normalize(composed, java.text.Normalizer.Form.NFD);
    assertEquals(307, decomposed.codePointCount(0, decomposed.length()));
    assertEquals(EmailAddresses.sanitized("email", composed), EmailAddresses.sanitized("email", decomposed));
  }

  @org.junit.jupiter.api.Test
  void anEmailOver254CodePointsOnceNormalizedIsRefusedInEverySpelling() {
    // U+0958 normalizes (NFC) to two code points: 219 as given, 369 once normalized, as its NFC spelling is given.
    String label = "\u0958".repeat(30);
    String expanding = "a".repeat(60) + "@" + label + "." + label + "." + label + "." + label + "." + label + ".com";
    assertEquals(219, expanding.codePointCount(0, expanding.length()));
    String normalized = java.text.Normalizer.normalize(expanding, java.text.Normalizer.Form.NFC);
    for (String spelling : java.util.List.of(normalized, expanding)) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", spelling));
      assertEquals("email", e.field().orElseThrow());
    }
  }

  @org.junit.jupiter.api.Test
  void overlongEmailsAreRejected() {
    String local = "a".repeat(65);
    assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", local + "@example.com"));
    String domain = ("a".repeat(60) + ".").repeat(5) + "com";
    assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", "a@" + domain));
    assertThrows(LoyaltyException.class, () -> EmailAddresses.parse("email", null));
  }
}
