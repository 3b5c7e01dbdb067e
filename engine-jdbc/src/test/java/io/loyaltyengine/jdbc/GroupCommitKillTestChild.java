package io.loyaltyengine.jdbc;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.points.PointsChange;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process {@link GroupCommitKillTest} kills: four threads award points on an H2 file through one engine with
 * group commit on (the default), each award with an idempotency key, and report each award on standard output
 * only after the engine returned it. The first awards of the four threads are made to share one transaction (the
 * first is held until the three others queued behind it), and that shared commit is reported too. Runs until
 * killed; stops by itself if nobody reads its output any more.
 */
public final class GroupCommitKillTestChild {
  private static final int THREADS = 4;

  private GroupCommitKillTestChild() {
  }

  /**
   * Runs.
   *
   * @param args the H2 database file
   */
  public static void main(String[] args) throws Exception {
    GroupCommitProbe probe = new GroupCommitProbe(JdbcStorage.h2File(Path.of(args[0])));
    LoyaltyEngine engine = LoyaltyEngine.builder().storage(probe).build();
    EngineWorld world = EngineWorld.create(engine);
    System.out.println("READY " + world.tenantId() + " " + world.participantId());
    GroupCommitProbe.Gate gate = probe.holdNextTransaction();
    List<CompletableFuture<Thread>> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      CompletableFuture<Thread> started = new CompletableFuture<>();
      threads.add(started);
      int me = t;
      Thread thread = new Thread(() -> {
        started.complete(Thread.currentThread());
        for (long i = 1; !System.out.checkError(); i++) {
          long amount = 1 + (i + me) % 10;
          String key = "award-" + me + "-" + i;
          world.scope(engine).points().award(world.participant(),
              PointsChange.of(amount, "purchase").withIdempotencyKey(key));
          System.out.println("AWARDED " + key + " " + amount);
        }
      });
      thread.setDaemon(true);
      thread.start();
    }
    Thread holder = gate.awaitHeld();
    for (CompletableFuture<Thread> started : threads) {
      Thread thread = started.get(60, TimeUnit.SECONDS);
      if (thread != holder) {
        GroupCommitProbe.awaitQueued(thread);
      }
    }
    gate.release();
    probe.firstSharedCommit().get(60, TimeUnit.SECONDS);
    System.out.println("SHARED");
    Thread.currentThread().join();
  }
}
