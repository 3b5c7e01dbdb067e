package io.loyaltyengine.core.participant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.LoyaltyException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {
  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "192.168.1.20", "255.255.255.255", "::", "::1", "2001:db8::8a2e:370:7334",
      "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:192.0.2.128", "fe80::1", "1::", "a:b:c:d:e:f:0:1"})
  void validLiteralsPass(String ip) {
    assertEquals(ip, IpAddresses.validate("ipAddress", " " + ip + " "));
  }

  /** As an email or a name pasted from a web page: no-break spaces at the ends are trimmed, inner ones refused. */
  @ParameterizedTest
  @ValueSource(strings = {"\u00A0", "\u2007", "\u202F", " \u00A0\t"})
  void noBreakSpacesAtTheEndsAreTrimmedAsSpacesAre(String space) {
    for (String ip : List.of("192.0.2.1", "2001:db8::1")) {
      assertEquals(ip, IpAddresses.validate("ipAddress", space + ip), "leading");
      assertEquals(ip, IpAddresses.validate("ipAddress", ip + space), "trailing");
      assertEquals(IpAddresses.canonical(ip), IpAddresses.canonical(space + ip + space),
          "one address for velocity and gates");
      LoyaltyException e = assertThrows(LoyaltyException.class,
          () -> IpAddresses.validate("ipAddress", ip.substring(0, 4) + space + ip.substring(4)));
      assertEquals("ipAddress", e.field().orElseThrow(), "inside");
    }
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> IpAddresses.validate("ipAddress", space));
    assertEquals("ipAddress", e.field().orElseThrow(), "blank");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "example.com",
      "1:2:3:4:5:6:7:8:9", "1::2::3", "gggg::1", "fe80::1%eth0", "12345::1", "::ffff:999.0.0.1", "１.２.３.４",
      "1:2:3:4:5:6:7::8:9"})
  void otherTextIsRejected(String ip) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> IpAddresses.validate("ipAddress", ip));
    assertEquals("ipAddress", e.field().orElseThrow());
  }

  /** Each row: spellings of one address, then its canonical form, which velocity counts and gates use. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2001:db8::1 | 2001:DB8:0:0:0:0:0:1 | 2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8:0:0:0:0:0:1",
      "198.51.100.9 | ::ffff:198.51.100.9 | ::FFFF:c633:6409 | 198.51.100.9",
      "::1 | 0:0:0:0:0:0:0:1 | 0000::0001 | 0:0:0:0:0:0:0:1",
      "fe80::1:0:0 | FE80:0:0:0:0:1:0:0 | fe80::1:0.0.0.0 | fe80:0:0:0:0:1:0:0"})
  void oneAddressWrittenAnyWayHasOneCanonicalForm(String a, String b, String c, String canonical) {
    for (String spelling : List.of(a, b, c, " " + a + " ")) {
      assertEquals(canonical, IpAddresses.canonical(IpAddresses.validate("ipAddress", spelling)), spelling);
    }
    assertEquals(canonical, IpAddresses.canonical(canonical), "canonical forms are fixed points");
    assertNull(IpAddresses.canonical(null));
  }
}
