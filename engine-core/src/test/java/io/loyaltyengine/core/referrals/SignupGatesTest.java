package io.loyaltyengine.core.referrals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gates of a referred signup: distinct, ascending, within bounds, the same for the same address. */
class SignupGatesTest {
  @Test
  void aSignupHoldsTheGatesOfItsAddressAndVisitorIdInAscendingOrder() {
    assertArrayEquals(new int[0], ReferralRules.signupGates(null, null));
    int[] ip = ReferralRules.signupGates("203.0.113.7", null);
    int[] visitor = ReferralRules.signupGates(null, "visitor-1");
    assertEquals(1, ip.length);
    assertEquals(1, visitor.length);
    assertArrayEquals(ip, ReferralRules.signupGates("203.0.113.7", null), "the same address, the same gate");
    int[] both = ReferralRules.signupGates("203.0.113.7", "visitor-1");
    assertArrayEquals(new int[] {Math.min(ip[0], visitor[0]), Math.max(ip[0], visitor[0])}, both);
  }

  @Test
  void gatesAreWithinBoundsAndSpreadAddressesOut() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      int[] gates = ReferralRules.signupGates("10.0." + (i / 256) + "." + (i % 256), "v" + i);
      assertTrue(gates.length >= 1 && gates.length <= 2);
      for (int j = 0; j < gates.length; j++) {
        assertTrue(gates[j] >= 0 && gates[j] < ReferralRules.SIGNUP_GATES, String.valueOf(gates[j]));
        if (j > 0) {
          assertTrue(gates[j - 1] < gates[j], "ascending and distinct");
        }
        seen.add(gates[j]);
      }
    }
    assertTrue(seen.size() > ReferralRules.SIGNUP_GATES / 2, "20,000 inputs use " + seen.size() + " gates");
  }
}
