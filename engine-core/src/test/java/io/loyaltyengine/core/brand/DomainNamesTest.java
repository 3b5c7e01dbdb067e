package io.loyaltyengine.core.brand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.LoyaltyException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DomainNamesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "https://Shop.Example.com/path, shop.example.com",
      "http://user:pw@shop.example.com:8080/a?b#c, shop.example.com",
      "Shop.Example.com, shop.example.com",
      "shop.example.com., shop.example.com",
      "shop.example.com/landing, shop.example.com",
      "https://bücher.example/x, xn--bcher-kva.example",
      "shop.example.com。, shop.example.com",
      "https://shop.example.com:65535/, shop.example.com",
      "https://shop.example.com:/, shop.example.com",
      "shop.1example, shop.1example",
      "shop.0xygen, shop.0xygen",
      "0x7f.example.com, 0x7f.example.com",
      // A backslash ends the host as a slash does: browsers read http(s) URLs so, and what follows is a path.
      "https://shop.example.com\\@evil.example/, shop.example.com",
      "https://shop.example.com\\path, shop.example.com",
      "shop.example.com\\, shop.example.com",
      // "://" after the host is path or query, not a scheme: a website without one may carry a URL in its query.
      "shop.example.com/login?return=https://shop.example.com/, shop.example.com",
      "shop.example.com?next=https://other.example, shop.example.com",
      "shop.example.com:8443#https://other.example, shop.example.com",
      // A port is a number: leading zeros do not take it out of 0..65535, as browsers read it.
      "https://shop.example.com:00000080/, shop.example.com",
      // A special scheme (http, https, ws, wss, ftp) skips any number of slashes and backslashes, as browsers do
      // (WHATWG URL standard): https:///shop.example.com is https://shop.example.com/.
      "https:///shop.example.com, shop.example.com",
      "HTTP:////Shop.Example.com/x, shop.example.com",
      "https:\\\\shop.example.com\\@evil.example/, shop.example.com",
      "https:/\\/shop.example.com:443/, shop.example.com",
      "https:/shop.example.com, shop.example.com",
      "https:shop.example.com, shop.example.com",
      "wss:///shop.example.com, shop.example.com",
  })
  void websiteBecomesItsHostName(String website, String domain) {
    assertEquals(domain, DomainNames.normalize("website", website));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "https://", "http://exa mple.com", "ht tp://example.com",
      "https://-bad-.example.com", "https://example.com:99999999/", "a..b.com",
      "https://example.com:65536/", "https://example.com:99999/", "1.2.3.4", "http://127.0.0.1:8080/", "999.999.999.999",
      "shop.123", "https://example.com:000065536/",
      "https:///", "https:////", "https:", "file:///shop.example.com/", "file:shop.example.com"})
  void nonDomainsAreRejected(String website) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> DomainNames.normalize("website", website));
    assertEquals("website", e.field().orElseThrow());
  }

  /**
   * A host whose last label is a hexadecimal number is an IPv4 address to a browser (WHATWG's URL parser reads
   * {@code 0x7f.0x0.0x0.0x1} as 127.0.0.1 and {@code 1.2.3.0x4} as 1.2.3.4) or no host at all ({@code shop.0x1f}):
   * refused as the decimal forms are, "an IP address is refused".
   */
  @ParameterizedTest
  @ValueSource(strings = {"0x7f.0x0.0x0.0x1", "http://0xC0.0xA8.0x0.0x1:8080/", "1.2.3.0x4", "1.2.3.0X04",
      "shop.example.0x1f", "shop.example.0x"})
  void aHexadecimalLastLabelIsAnIpAddressAndRefused(String website) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> DomainNames.normalize("website", website),
        () -> "stored as " + DomainNames.normalize("website", website));
    assertEquals("website", e.field().orElseThrow());
  }

  /**
   * ß, final sigma and the zero-width joiners are read one way by IDNA2003 (java.net.IDN: ß becomes ss, ς becomes σ,
   * the joiners are dropped) and another by IDNA2008 and UTS #46 as registries and browsers apply them (kept and
   * encoded): straße.de is xn--strae-oqa.de there, a domain of its own, not strasse.de. The engine must not store
   * the other domain (and point the brand's default landing page at it): such a name is refused, and its punycode
   * form, which needs no mapping, is taken as it is.
   */
  @ParameterizedTest
  @ValueSource(strings = {"straße.de", "https://www.Straße.de/shop", "fußball.example", "καλώς.gr",
      "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645.ir", "\u0915\u094d\u200d\u0937.in"})
  void aNameIdna2003ReadsAsAnotherDomainIsRefusedNotStoredAsThatDomain(String website) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> DomainNames.normalize("website", website),
        () -> "stored as " + DomainNames.normalize("website", website));
    assertEquals("website", e.field().orElseThrow());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"xn--strae-oqa.de, xn--strae-oqa.de", "https://XN--STRAE-OQA.de/, xn--strae-oqa.de",
      "strasse.de, strasse.de"})
  void thePunycodeFormOfSuchANameIsTakenAsItIs(String website, String domain) {
    assertEquals(domain, DomainNames.normalize("website", website));
  }

  /**
   * A label with the ACE prefix ({@code xn--}, any case) must be the punycode of an internationalized label: browsers
   * (UTS #46) and registries refuse one that does not decode, decodes to nothing or to ASCII only, or decodes to
   * characters IDNA maps to others (an upper-case letter, a full-width form). Such a name was stored, and the brand's
   * landing links pointed nowhere.
   */
  @ParameterizedTest
  @ValueSource(strings = {"xn--zz.example.com", "xn--.example.com", "xn--a-.example.com", "XN--ZZ.example.com",
      "https://shop.xn--zz/", "xn--abc-.example", "shop.Xn--.example", "\uFF58\uFF4E--zz.example.com",
      "xn--bcher-kva9.example", "xn--wca.example", "xn--ph7c.example"})
  void aPunycodeLabelThatIsNotTheFormOfAValidLabelIsRefused(String website) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> DomainNames.normalize("website", website),
        () -> "stored as " + DomainNames.normalize("website", website));
    assertEquals("website", e.field().orElseThrow());
    assertFalse(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("xn--"), e.getMessage());
  }

  /**
   * Valid punycode is stored as it was (lower-cased): names IDNA2003 would read otherwise (ß, final sigma, a
   * zero-width non-joiner), symbols, and characters newer than IDNA2003's Unicode 3.2.
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"xn--bcher-kva.example, xn--bcher-kva.example", "XN--BCHER-KVA.Example, xn--bcher-kva.example",
      "xn--fa-hia.de, xn--fa-hia.de", "https://xn--nxasmm1c.gr/, xn--nxasmm1c.gr",
      "xn--mgba3gch31f060k.com, xn--mgba3gch31f060k.com", "xn--n3h.com, xn--n3h.com",
      "xn--ls8h.la, xn--ls8h.la", "shop.xn--p1ai, shop.xn--p1ai", "xn--tda.example, xn--tda.example"})
  void validPunycodeIsTakenAsItIs(String website, String domain) {
    assertEquals(domain, DomainNames.normalize("website", website));
  }
}
