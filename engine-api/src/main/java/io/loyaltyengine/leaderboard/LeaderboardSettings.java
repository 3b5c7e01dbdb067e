package io.loyaltyengine.leaderboard;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine keeps its leaderboard indexes. Immutable; the canonical constructor validates.
 *
 * <p>Defaults: catch up with other instances' writes every second; at most 2,000,000 indexed participant rows
 * (summed over all indexed boards) before the least recently used boards are dropped and rebuilt on next use.
 *
 * @param refreshInterval how often an index reads the writes other engine instances (and host transactions) made
 *     since its last read; the staleness of INDEX reads is at most this plus the longest running transaction,
 *     100 ms..10 min
 * @param maxIndexedEntries the bound on indexed rows over all boards, 1,000..100,000,000
 */
public record LeaderboardSettings(Duration refreshInterval, long maxIndexedEntries) {
  /** The defaults. */
  public static final LeaderboardSettings DEFAULTS = new LeaderboardSettings(Duration.ofSeconds(1), 2_000_000);

  /**
   * Validates every setting.
   *
   * @param refreshInterval how often an index reads the writes other engine instances (and host transactions) made
   *     since its last read; the staleness of INDEX reads is at most this plus the longest running transaction, 100
   *     ms..10 min
   * @param maxIndexedEntries the bound on indexed rows over all boards, 1,000..100,000,000
   * @throws NullPointerException if {@code refreshInterval} is null
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public LeaderboardSettings {
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    if (refreshInterval.compareTo(Duration.ofMillis(100)) < 0 || refreshInterval.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("refreshInterval must be between PT0.1S and PT10M but was " + refreshInterval);
    }
    if (maxIndexedEntries < 1_000 || maxIndexedEntries > 100_000_000) {
      throw new IllegalArgumentException(
          "maxIndexedEntries must be between 1000 and 100000000 but was " + maxIndexedEntries);
    }
  }
}
