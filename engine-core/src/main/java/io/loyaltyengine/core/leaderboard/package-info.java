/**
 * Leaderboards: {@link io.loyaltyengine.core.leaderboard.LeaderboardService} implements the API over the storage's
 * {@link io.loyaltyengine.core.spi.LeaderboardPort}; {@link io.loyaltyengine.core.leaderboard.LeaderboardIndexes}
 * keeps the in-process index of each engine (a {@link io.loyaltyengine.core.leaderboard.Roster} per campaign and a
 * {@link io.loyaltyengine.core.leaderboard.BoardIndex} per board and month), fed by
 * {@link io.loyaltyengine.core.leaderboard.IndexedStorage} with the engine's committed writes and caught up lazily
 * with other instances' writes.
 */
package io.loyaltyengine.core.leaderboard;
