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
    onAnotherThread(gate::enter);
    onAnotherThread(() -> {
      gate.enter();
      gate.exit();
    });
    assertTrue(gate.close());
    assertFalse(gate.close(), "closing begins once");
    IllegalStateException refused = assertThrows(IllegalStateException.class, gate::enter);
    assertEquals("the engine is closed", refused.getMessage());
    assertEquals(1, gate.awaitIdle(Duration.ZERO), "the unit still in progress; the refused one is not counted");
    gate.exit();
    assertEquals(0, gate.awaitIdle(Duration.ofDays(1)), "none left: no wait");
  }

  @Test
  void aThreadInsideAUnitOfWorkCannotBeginClosingWhichWouldWaitForItAndChangesNothing() throws Exception {
    UnitsOfWork gate = new UnitsOfWork();
    gate.enter();
    gate.enter();
    gate.exit();
    assertThrows(IllegalStateException.class, gate::close, "inside the unit still in progress");
    onAnotherThread(() -> {
      gate.enter();
      gate.exit();
    });
    gate.exit();
    assertTrue(gate.close(), "out of it, the thread may close");
  }

  @Test
  void anotherThreadMayBeginClosingWhileAUnitOfWorkIsInProgress() throws Exception {
    UnitsOfWork gate = new UnitsOfWork();
    gate.enter();
    boolean[] closed = new boolean[1];
    onAnotherThread(() -> closed[0] = gate.close());
    assertTrue(closed[0]);
    assertFalse(gate.close(), "closing had begun: the thread inside a unit is not refused for nothing");
    assertEquals(1, gate.awaitIdle(Duration.ZERO), "the unit still in progress");
    gate.exit();
  }

  /** Runs {@code action} on a new thread and waits for it. */
  private static void onAnotherThread(Runnable action) {
    Thread t = new Thread(action);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
