package io.loyaltyengine.benchmarks;

/**
 * The least the same work needs, without the engine: what each storage benchmark's {@code raw...} method runs. The
 * JDBC form ({@link JdbcBaseline}) runs plain statements on the same kind of store as the engine; the in-memory form
 * ({@link MemoryBaseline}) is plain Java. Each method is one unit of work and, on a database, one commit.
 *
 * <p>Participants are indexes from 0, as many as in the engine's fixture of the same benchmark, each starting with
 * {@link EngineFixture#STARTING_BALANCE} points. Thread-safety: see the implementations.
 */
public interface RawBaseline extends AutoCloseable {
  /** Awards 1 point: raise the balance and lifetime total, append a ledger row with the balance after. */
  long award(int participant);

  /** Deducts 1 point: lower the balance if it has the point, append a ledger row. */
  long deduct(int participant);

  /** Awards 1 point to each of the first {@code count} participants (each once) in one unit of work. */
  long bulkAward(int count);

  /**
   * Redeems the catalog reward: take a unit of stock if there is one, deduct its cost if the balance has it, append
   * a ledger row and a redemption row.
   */
  long redeem(int participant);

  /**
   * Records a loyalty action toward the reward unlocked every {@link EngineFixture#GOAL_EVERY} actions: raise the
   * all-time and this month's counter, append an action row, and on every unlock append an earned-reward row and
   * credit its points (balance and ledger row).
   */
  long recordAction(int participant);

  /**
   * Records an action that unlocks a coupon: raise the counter, take the next free code of the pool, append an
   * earned-reward row holding it.
   *
   * @return the code
   */
  String couponAction(int participant);

  /** Adds free codes until at least {@code free} are left, given that {@code taken} were handed out so far. */
  void topUpCoupons(long taken, long free);

  /**
   * Adds {@code count} new free codes to the pool in one unit of work, one row each (a JDBC batch of inserts).
   *
   * @return the number of codes in the pool afterwards
   */
  long uploadCodes(int count);

  /** Releases the connection, if any. */
  @Override
  void close();
}
