package io.loyaltyengine.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The gate of an engine's units of work: refuses new ones once closing, and reports those still in progress when
 * the wait for them ends, so that close goes on after its bound rather than hang.
 */
class UnitsOfWorkTest {
  @Test
  void closingRefusesNewUnitsAndTheWaitReportsThoseStillInProgressWhenItsBoundIsUp() {
    UnitsOfWork gate = new UnitsOfWork();
    gate.enter();
    gate.enter();
    gate.exit();
    assertTrue(gate.close());
    assertFalse(gate.close(), "closing begins once");
    IllegalStateException refused = assertThrows(IllegalStateException.class, gate::enter);
    assertEquals("the engine is closed", refused.getMessage());
    assertEquals(1, gate.awaitIdle(Duration.ZERO), "the unit still in progress; the refused one is not counted");
    gate.exit();
    assertEquals(0, gate.awaitIdle(Duration.ofDays(1)), "none left: no wait");
  }
}
