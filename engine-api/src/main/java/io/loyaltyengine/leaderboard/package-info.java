/**
 * Leaderboards: campaign boards all time, this month and last month (in the campaign's time zone), ranked by loyalty
 * actions or points, served from an in-process index, with a strongly consistent read from storage, any closed
 * month's board, and each month's winners recorded once.
 */
package io.loyaltyengine.leaderboard;
