package io.loyaltyengine.core.spi;

/**
 * A tenant's rate-limit bucket at one rate as stored, shared by every engine instance on the database (table
 * {@code rate_bucket}), and what its latest lease granted. Immutable.
 *
 * <p>The same exact integer arithmetic as an instance's own bucket: time in microseconds of the engines' clocks,
 * every quantity multiplied by {@code limit}, so that a token costs {@code periodMicros} units and a full bucket has
 * room for {@code limit * periodMicros} of them. {@link #lease} is the reference of what a store does in one atomic
 * statement; the JDBC statement computes the same in SQL, and the contract suite checks they agree.
 *
 * @param debt units taken and not yet refilled: 0 (full) .. {@code limit * periodMicros} (empty)
 * @param refilledAt when {@code debt} was last brought up to date, in microseconds since the epoch (never moves back)
 * @param granted the tokens the latest lease took (0 if the bucket had none)
 */
public record RateBucket(long debt, long refilledAt, int granted) {

  /** A full bucket, as a tenant's first lease at a rate finds it. */
  public static RateBucket full(long nowMicros) {
    return new RateBucket(0, nowMicros, 0);
  }

  /**
   * The bucket after a lease at {@code nowMicros}: refilled by the time elapsed since {@link #refilledAt} (a clock
   * behind it refills nothing), then up to {@code batch} whole tokens taken, as many as it has.
   *
   * @param limit the rate's tokens per period (the bucket's size)
   * @param periodMicros the rate's period, in microseconds
   * @param batch the most tokens to take, at least 1
   */
  public RateBucket lease(long limit, long periodMicros, int batch, long nowMicros) {
    long elapsed = nowMicros - refilledAt;
    // After a whole period every token is back; below it, elapsed * limit stays far below Long.MAX_VALUE.
    long refilled = elapsed >= periodMicros ? 0 : elapsed > 0 ? Math.max(0, debt - elapsed * limit) : debt;
    long taken = Math.min(batch, (limit * periodMicros - refilled) / periodMicros);
    return new RateBucket(refilled + taken * periodMicros, Math.max(refilledAt, nowMicros), (int) taken);
  }

  /**
   * How long after {@code nowMicros} a token is back, for a bucket whose lease granted none (at least 1).
   *
   * @param limit the rate's tokens per period
   * @param periodMicros the rate's period, in microseconds
   */
  public long waitMicros(long limit, long periodMicros, long nowMicros) {
    long missing = debt - (limit - 1) * periodMicros;
    long wait = (missing + limit - 1) / limit;
    // An instance whose clock is behind the one that refilled last waits for that one's time too.
    return Math.max(1, wait + Math.max(0, refilledAt - nowMicros));
  }
}
