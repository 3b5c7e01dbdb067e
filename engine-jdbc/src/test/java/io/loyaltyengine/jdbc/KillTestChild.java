package io.loyaltyengine.jdbc;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.points.PointsChange;
import java.nio.file.Path;

/**
 * The process {@link KillTest} kills: awards points on an H2 file, one award after another, each with an
 * idempotency key, and reports each award on standard output only after the engine returned it (so every reported
 * award was committed). Runs until killed; stops by itself if nobody reads its output any more.
 */
public final class KillTestChild {
  private KillTestChild() {
  }

  /**
   * Runs.
   *
   * @param args the H2 database file
   */
  public static void main(String[] args) {
    LoyaltyEngine engine = LoyaltyEngine.builder().storage(JdbcStorage.h2File(Path.of(args[0]))).build();
    EngineWorld world = EngineWorld.create(engine);
    System.out.println("READY " + world.tenantId() + " " + world.participantId());
    for (long i = 1; !System.out.checkError(); i++) {
      long amount = 1 + i % 10;
      String key = "award-" + i;
      world.scope(engine).points().award(world.participant(),
          PointsChange.of(amount, "purchase").withIdempotencyKey(key));
      System.out.println("AWARDED " + key + " " + amount);
    }
  }
}
