package io.loyaltyengine.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo command runs this program; its report must show what the shop did. */
class ShopDemoTest {
  @Test
  void demoPrintsBalancesRetriesAndHistory(@TempDir Path dir) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ShopDemo.run(dir.resolve("loyalty"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertTrue(out.contains("brand Corner Tea (shop.cornertea.example)"), out);
    assertTrue(out.contains("order-1002 + 18 points -> balance  18  (retry: already counted)"), out);
    assertTrue(out.contains("INSUFFICIENT_POINTS (HTTP 409)"), out);
    // The googlemail alias with dots and a +tag is the same customer as ada.lovelace@gmail.com.
    assertTrue(out.matches("(?s).*Ada\\s+Lovelace adalovelace@gmail.com\\s+tier=gold\\s+balance=  49 lifetime=  49.*"),
        out);
    assertTrue(out.matches("(?s).*Grace\\s+Hopper\\s+grace@example.net\\s+tier=-\\s+balance=  20 lifetime= 120.*"),
        out);
    assertTrue(out.contains("-100 redemption Free tea tin     balance   20"), out);
    assertTrue(out.contains("Ada finished the Tea tour: +10 for the task, +25 bonus -> balance 94"), out);
    assertTrue(out.contains("Ada redeemed a Tea tin for 30 points -> balance 64, 0 left"), out);
    assertTrue(out.contains("Another one: OUT_OF_STOCK (HTTP 409)"), out);
    assertTrue(out.contains("Restocked: 5 left"), out);
    assertTrue(out.contains("Ada redeemed another -> balance 34, 4 left"), out);
    assertTrue(out.contains("Ada's testimonial, moderated: APPROVED"), out);
    assertTrue(out.contains("The till's key authenticates as tenant "), out);
    assertTrue(out.contains("The till's read-only key cannot write: FORBIDDEN (HTTP 403)"), out);
  }
}
