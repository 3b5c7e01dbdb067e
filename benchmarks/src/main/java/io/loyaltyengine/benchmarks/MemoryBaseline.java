package io.loyaltyengine.benchmarks;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The plain-Java baseline of the in-memory store: per participant an object holding the balance, lifetime total,
 * counters and the rows of its ledger entries, actions, earned rewards and redemptions, changed under the
 * participant's lock; the stock a compare-and-set counter; the coupon pool a concurrent queue of free codes (refilled
 * in place when empty) and a set of every code it held; ids from one counter. What the same work needs in memory, and
 * nothing else (no validation, no events). Each call allocates its rows and appends them; each list keeps its last
 * {@value #ROWS_KEPT}: at millions of calls a second, rows kept for ever fill the heap within a trial, and the figures
 * then measure the garbage collector copying them rather than the call.
 *
 * <p>Thread-safe; one instance serves every thread.
 */
public final class MemoryBaseline implements RawBaseline {
  private final Account[] accounts;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong stock = new AtomicLong(EngineFixture.STOCK);
  private final ConcurrentLinkedQueue<String> freeCodes = new ConcurrentLinkedQueue<>();
  /** Every code the pool ever held: a code is refused twice, as the engine's pool does. Guarded by this. */
  private final Set<String> codesInPool = new HashSet<>();
  private static final int REFILL = 10_000;
  private final AtomicLong couponsTaken = new AtomicLong();
  private long couponsUploaded;

  /** A row of one of a participant's lists. */
  private record Row(long id, long reward, long amount, long after, String code, long at) {
  }

  /** Rows each of a participant's lists keeps, the latest: a power of two. */
  static final int ROWS_KEPT = 1_024;

  /** A participant's list of rows, keeping the last {@value #ROWS_KEPT} appended. Guarded by its account. */
  private static final class Rows {
    private final Row[] rows = new Row[ROWS_KEPT];
    private long appended;

    void add(Row row) {
      rows[(int) (appended++ & (ROWS_KEPT - 1))] = row;
    }
  }

  /** One participant's state. Guarded by itself. */
  private static final class Account {
    long balance = EngineFixture.STARTING_BALANCE;
    long lifetime = EngineFixture.STARTING_BALANCE;
    long goalAllTime;
    long goalMonth;
    long couponCount;
    final Rows ledger = new Rows();
    final Rows actions = new Rows();
    final Rows earned = new Rows();
    final Rows redemptions = new Rows();
  }

  /** {@code participants} participants with their starting balances, and an empty coupon pool. */
  public MemoryBaseline(int participants) {
    accounts = new Account[participants];
    for (int i = 0; i < accounts.length; i++) {
      accounts[i] = new Account();
    }
  }

  @Override
  public long award(int participant) {
    Account a = accounts[participant];
    synchronized (a) {
      return credit(a, 1);
    }
  }

  private long credit(Account a, long amount) {
    a.balance = Math.addExact(a.balance, amount);
    a.lifetime = Math.addExact(a.lifetime, amount);
    a.ledger.add(new Row(ids.incrementAndGet(), 0, amount, a.balance, null, System.currentTimeMillis()));
    return a.balance;
  }

  @Override
  public long deduct(int participant) {
    Account a = accounts[participant];
    synchronized (a) {
      return debit(a, 1).after();
    }
  }

  private Row debit(Account a, long amount) {
    if (a.balance < amount) {
      throw new IllegalStateException("insufficient points");
    }
    a.balance -= amount;
    Row entry = new Row(ids.incrementAndGet(), 0, -amount, a.balance, null, System.currentTimeMillis());
    a.ledger.add(entry);
    return entry;
  }

  @Override
  public long bulkAward(int n) {
    long last = 0;
    for (int p = 0; p < n; p++) {
      last = award(p);
    }
    return last;
  }

  @Override
  public long redeem(int participant) {
    long left;
    do {
      left = stock.get();
      if (left == 0) {
        throw new IllegalStateException("out of stock");
      }
    } while (!stock.compareAndSet(left, left - 1));
    Account a = accounts[participant];
    synchronized (a) {
      Row entry;
      try {
        entry = debit(a, 1);
      } catch (IllegalStateException e) {
        stock.incrementAndGet();
        throw e;
      }
      long id = ids.incrementAndGet();
      a.redemptions.add(new Row(id, 1, 1, entry.id(), null, entry.at()));
      return id;
    }
  }

  @Override
  public long recordAction(int participant) {
    Account a = accounts[participant];
    synchronized (a) {
      long allTime = ++a.goalAllTime;
      long month = ++a.goalMonth;
      long now = System.currentTimeMillis();
      a.actions.add(new Row(ids.incrementAndGet(), JdbcBaseline.GOAL_REWARD, 0, allTime, null, now));
      if (allTime % EngineFixture.GOAL_EVERY == 0) {
        a.earned.add(new Row(ids.incrementAndGet(), JdbcBaseline.GOAL_REWARD, EngineFixture.GOAL_POINTS,
            allTime / EngineFixture.GOAL_EVERY, null, now));
        credit(a, EngineFixture.GOAL_POINTS);
      }
      return allTime + month;
    }
  }

  @Override
  public String couponAction(int participant) {
    Account a = accounts[participant];
    synchronized (a) {
      long cycle = ++a.couponCount;
      String code;
      while ((code = freeCodes.poll()) == null) {
        // Far faster than the engine, this baseline would need millions of codes per iteration: it refills its
        // own pool in place instead, 10,000 codes at a time, which costs it a few nanoseconds per code.
        topUpCoupons(couponsTaken.get(), REFILL);
      }
      couponsTaken.incrementAndGet();
      a.earned.add(new Row(ids.incrementAndGet(), JdbcBaseline.COUPON_REWARD, 0, cycle, code,
          System.currentTimeMillis()));
      return code;
    }
  }

  @Override
  public synchronized void topUpCoupons(long taken, long free) {
    while (couponsUploaded - taken < free) {
      add("BENCH-" + couponsUploaded++);
    }
  }

  @Override
  public synchronized long uploadCodes(int count) {
    for (int i = 0; i < count; i++) {
      add("BENCH-" + couponsUploaded++);
    }
    return couponsUploaded;
  }

  private void add(String code) {
    if (!codesInPool.add(code)) {
      throw new IllegalStateException("code uploaded twice: " + code);
    }
    freeCodes.add(code);
  }

  /** Nothing to release. */
  @Override
  public void close() {
  }
}
