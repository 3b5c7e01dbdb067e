package io.loyaltyengine.leaderboard;

import static io.loyaltyengine.internal.SettingChecks.between;

import java.time.Duration;

/**
 * How the engine keeps its leaderboard indexes. Immutable; the canonical constructor and the {@link #builder()}'s
 * setters validate at once.
 *
 * <p>Defaults: catch up with other instances' writes every second; at most 2,000,000 indexed participant rows
 * (summed over all indexed boards) before the least recently used boards are dropped and rebuilt on next use; a
 * catch-up margin of 30 s; a campaign's index rebuilt from storage an hour after it was built. Toward that bound an
 * indexed campaign's roster and each of its boards also count 32 rows, about what they hold empty, so that many
 * campaigns with few participants or none are dropped too rather than held for good.
 *
 * <p>The catch-up margin is the longest a write may take to commit after the time it records (every counter,
 * participant and removal records the writing engine's clock): the duration of the writing transaction, a host's
 * transaction joined through {@link io.loyaltyengine.TenantScope#joining} included, plus how far the writing
 * instance's clock is behind the reading instance's. A catch-up reads the changes recorded since the last one minus
 * the margin, so a write that took longer may be missed by {@link Consistency#INDEX} reads until the index is
 * rebuilt (STRONG reads always see it): at the latest the rebuild interval after its commit, see below. A month's
 * winners are first recorded the margin after the month ended, so that such a write recorded in the month counts.
 * Widen it for hosts with longer transactions or clocks further apart; the cost is that every catch-up reads the
 * changes of the whole margin again (raising is idempotent, so only the work grows), and that a campaign with 10,000
 * removed participants or more within the margin is rebuilt on every catch-up instead. Give every instance the same
 * margin: winners are recorded by whichever instance is asked first once its own margin has passed.
 *
 * <p>The rebuild interval bounds how long such a missed write stays missed: the first read of a campaign's boards
 * at least that long after its index was built builds a new index from storage and waits for it, while the
 * campaign's other reads go on with the index being replaced. So an INDEX read reflects every write that committed
 * at least the rebuild interval before it, whatever the write's duration or its instance's clock. Shorten it for
 * hosts that join long transactions or run instances with clocks far apart; the cost is one scan of each read
 * campaign's boards per interval (at a million participants on H2, seconds), which writes do not wait for.
 *
 * @param refreshInterval how often an index reads the writes other engine instances (and host transactions) made
 *     since its last read; the staleness of INDEX reads is at most this plus the longest running transaction,
 *     100 ms..10 min
 * @param maxIndexedEntries the bound on indexed rows over all boards, 1,000..100,000,000
 * @param catchUpMargin the longest a write may take to commit after the time it records, and how long after a
 *     month's end its winners are first recorded, 1 s..1 h
 * @param rebuildInterval how long after it was built a campaign's index is rebuilt from storage on its next read,
 *     which bounds how long a write the catch-up missed stays missed, 1 min..1 day
 */
public record LeaderboardSettings(Duration refreshInterval, long maxIndexedEntries, Duration catchUpMargin,
    Duration rebuildInterval) {
  /** The defaults. */
  public static final LeaderboardSettings DEFAULTS = new LeaderboardSettings(Duration.ofSeconds(1), 2_000_000,
      Duration.ofSeconds(30), Duration.ofHours(1));

  /**
   * Validates every setting.
   *
   * @param refreshInterval how often an index reads the writes other engine instances (and host transactions) made
   *     since its last read; the staleness of INDEX reads is at most this plus the longest running transaction, 100
   *     ms..10 min
   * @param maxIndexedEntries the bound on indexed rows over all boards, 1,000..100,000,000
   * @param catchUpMargin the longest a write may take to commit after the time it records, and how long after a
   *     month's end its winners are first recorded, 1 s..1 h
   * @param rebuildInterval how long after it was built a campaign's index is rebuilt from storage on its next read,
   *     1 min..1 day
   * @throws NullPointerException naming the setting, if a duration is null
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public LeaderboardSettings {
    checkRefreshInterval(refreshInterval);
    checkMaxIndexedEntries(maxIndexedEntries);
    checkCatchUpMargin(catchUpMargin);
    checkRebuildInterval(rebuildInterval);
  }

  /**
   * A builder starting from {@link #DEFAULTS}.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  private static Duration checkRefreshInterval(Duration value) {
    return between("refreshInterval", value, Duration.ofMillis(100), Duration.ofMinutes(10));
  }

  private static long checkMaxIndexedEntries(long value) {
    return between("maxIndexedEntries", value, 1_000, 100_000_000);
  }

  /**
   * At least 1 s: less than a second is below the commit time of an ordinary transaction plus the skew of clocks
   * kept by NTP, so the index would miss writes in normal operation. At most 1 h: as the longest event lease; a
   * transaction open longer holds its row locks beyond what the engine supports, clocks an hour apart are a fault to
   * fix rather than to wait for, and each catch-up would read an hour of changes again.
   */
  private static Duration checkCatchUpMargin(Duration value) {
    return between("catchUpMargin", value, Duration.ofSeconds(1), Duration.ofHours(1));
  }

  /**
   * At least 1 min: a rebuild scans every board of the campaign and holds up the read that triggers it, a cost to
   * pay rarely, behind a catch-up that reads only what changed. At most 1 day: longer would leave a missed write
   * out of the boards for most of a daily contest.
   */
  private static Duration checkRebuildInterval(Duration value) {
    return between("rebuildInterval", value, Duration.ofMinutes(1), Duration.ofDays(1));
  }

  /**
   * Builds {@link LeaderboardSettings}, starting from {@link #DEFAULTS}; each setter validates at once, and a setter
   * called again replaces the value it set before. Not thread-safe.
   */
  public static final class Builder {
    private Duration refreshInterval = DEFAULTS.refreshInterval;
    private long maxIndexedEntries = DEFAULTS.maxIndexedEntries;
    private Duration catchUpMargin = DEFAULTS.catchUpMargin;
    private Duration rebuildInterval = DEFAULTS.rebuildInterval;

    private Builder() {
    }

    /**
     * How often an index reads the writes other engine instances (and host transactions) made since its last read,
     * 100 ms..10 min (default 1 s).
     *
     * @param value the refresh interval
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder refreshInterval(Duration value) {
      this.refreshInterval = checkRefreshInterval(value);
      return this;
    }

    /**
     * The bound on indexed rows over all boards, 1,000..100,000,000 (default 2,000,000); a campaign's roster and each
     * of its boards count 32 rows more (see the class description).
     *
     * @param value the most indexed rows
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder maxIndexedEntries(long value) {
      this.maxIndexedEntries = checkMaxIndexedEntries(value);
      return this;
    }

    /**
     * The longest a write may take to commit after the time it records (its transaction's duration plus how far the
     * writing instance's clock is behind), and how long after a month's end its winners are first recorded, 1 s..1 h
     * (default 30 s). See the class description for what a wider margin costs.
     *
     * @param value the margin
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder catchUpMargin(Duration value) {
      this.catchUpMargin = checkCatchUpMargin(value);
      return this;
    }

    /**
     * How long after it was built a campaign's index is rebuilt from storage on its next read, which bounds how long
     * a write the catch-up missed (see {@link #catchUpMargin}) stays missed, 1 min..1 day (default 1 h). See the
     * class description for what a shorter interval costs.
     *
     * @param value the rebuild interval
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder rebuildInterval(Duration value) {
      this.rebuildInterval = checkRebuildInterval(value);
      return this;
    }

    /**
     * Returns the settings.
     *
     * @return the settings
     */
    public LeaderboardSettings build() {
      return new LeaderboardSettings(refreshInterval, maxIndexedEntries, catchUpMargin, rebuildInterval);
    }
  }
}
