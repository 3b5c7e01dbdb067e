package io.loyaltyengine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link CommitCountingStorage} watches no port, so the writes a store may do its own way (one statement on
 * PostgreSQL) reach the store's transaction as they are, not split into port calls: the benchmark measures the
 * engine's path.
 */
class CommitCountingStorageTest {
  private static final Instant T0 = Instant.parse("2025-04-01T00:00:00Z");

  @Test
  void aRecordedActionReachesTheStoresOwnAppendAction() {
    List<String> calls = new ArrayList<>();
    // A transaction that only logs what is called on it (its ports are null: a split write would fail on them).
    Transaction logging = (Transaction) Proxy.newProxyInstance(Transaction.class.getClassLoader(),
        new Class<?>[] {Transaction.class}, (proxy, method, args) -> {
          calls.add(method.getName());
          return null;
        });
    Storage store = new Storage() {
      @Override
      public Set<StorageCapability> capabilities() {
        return Set.of();
      }

      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        return work.run(logging);
      }

      @Override
      public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void close() {
      }
    };
    ActionRecord action = new ActionRecord(1, 2, 3, 4, 5, ActionSource.DIRECT, Map.of(), null, null, false,
        new ActionCounts(1, 1, 0, 1, 1), T0);
    EventRecord event = new EventRecord(6, 2, EventType.LOYALTY_ACTION_RECORDED, 3L, 4L, 1, T0, 1, 0, "{}");

    new CommitCountingStorage(store).inTransaction(tx -> {
      tx.appendAction(action, event);
      return null;
    });

    assertEquals(List.of("appendAction"), calls);
  }
}
