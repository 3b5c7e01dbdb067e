package io.loyaltyengine.jdbc;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The child JVM of {@link ShutdownCloseTest}: a host that closes its engine (on {@code JdbcStorage.h2File}) in a
 * shutdown hook, as hosts do on SIGTERM, while an operation of the engine is in its unit of work. It prints
 * {@code PAUSED} once the operation's unit of work is paused before its commit, then exits; its shutdown hook
 * starts {@code close()}, lets the unit of work go on once the close waits for it (and once H2's own shutdown hook,
 * if H2 registered one for the database, has begun closing it), and prints {@code OUTCOME created} or
 * {@code OUTCOME failed <exception>} for the operation.
 */
final class ShutdownCloseChild {
  private ShutdownCloseChild() {
  }

  public static void main(String[] args) throws Exception {
    CountDownLatch paused = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    AtomicBoolean pauseNext = new AtomicBoolean();
    JdbcStorage storage = JdbcStorage.h2File(Path.of(args[0]));
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(pausing(storage, pauseNext, paused, goOn))
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(1)
        .build();
    engine.tenants().create(NewTenant.business("Before"));

    pauseNext.set(true);
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Thread operation = new Thread(() -> {
      try {
        Tenant created = engine.tenants().create(NewTenant.business("In progress"));
        outcome.complete("created " + created.id());
      } catch (RuntimeException e) {
        outcome.complete("failed " + e);
      }
    }, "operation");
    operation.start();
    paused.await();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Thread closer = new Thread(engine::close, "closer");
      closer.start();
      awaitWaitingOrEnded(closer);
      awaitH2ShutdownHookClosing();
      goOn.countDown();
      String result = outcome.join();
      try {
        closer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      System.out.println("OUTCOME " + result);
      System.out.flush();
    }, "host-shutdown"));
    System.out.println("PAUSED");
    System.out.flush();
    System.exit(0);
  }

  /** Until {@code thread} waits with a time limit (the close, for the unit of work in progress) or has ended. */
  private static void awaitWaitingOrEnded(Thread thread) {
    Thread.State state = thread.getState();
    while (state != Thread.State.TIMED_WAITING && state != Thread.State.TERMINATED) {
      Thread.onSpinWait();
      state = thread.getState();
    }
  }

  /**
   * If H2 registered its shutdown hook (a database opened without {@code DB_CLOSE_ON_EXIT=FALSE}), until that hook
   * has begun closing the database: it suspends every session, then waits for them (or has ended).
   */
  private static void awaitH2ShutdownHookClosing() {
    try {
      Class<?> closer = Class.forName("org.h2.engine.OnExitDatabaseCloser");
      Field registered = closer.getDeclaredField("registered");
      registered.setAccessible(true);
      if (!registered.getBoolean(null)) {
        return;
      }
      Field instance = closer.getDeclaredField("INSTANCE");
      instance.setAccessible(true);
      awaitWaitingOrEnded((Thread) instance.get(null));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("H2's shutdown hook is no longer where this test looks for it", e);
    }
  }

  /** {@code storage}, pausing the next unit of work asked for after its work, before its commit. */
  private static Storage pausing(Storage storage, AtomicBoolean pauseNext, CountDownLatch paused,
      CountDownLatch goOn) {
    return new Storage() {
      @Override
      public Set<StorageCapability> capabilities() {
        return storage.capabilities();
      }

      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        return storage.inTransaction(tx -> {
          T result = work.run(tx);
          if (pauseNext.compareAndSet(true, false)) {
            paused.countDown();
            try {
              goOn.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return result;
        });
      }

      @Override
      public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
        return storage.inHostTransaction(host, work);
      }

      @Override
      public void close() {
        storage.close();
      }
    };
  }
}
