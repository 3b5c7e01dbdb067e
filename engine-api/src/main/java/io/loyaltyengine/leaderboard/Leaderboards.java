package io.loyaltyengine.leaderboard;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.participant.ParticipantRef;
import java.time.YearMonth;
import java.util.Optional;

/**
 * Leaderboards of one tenant's campaigns. Thread-safe.
 *
 * <h2>Boards</h2>
 * A board lists every participant of the campaign (a participant without actions scores 0), by score descending,
 * then participant id ascending; a row's rank is 1 + the number of participants with a strictly higher score, so
 * equal scores share a rank ("1, 2, 2, 4"). PREV_MONTH (and any month's board) lists only participants created before
 * that month ended. Pages are keyset pages: pass the last row's participant id as the next request's cursor.
 *
 * <h2>Months</h2>
 * Each counter belongs to a month of the campaign's time zone, so at a boundary the current month starts at zero and
 * the previous month shows what the month before held, for every participant at once, with nothing rewritten. Closed
 * months are kept: {@link #monthPage} reads any of them, and {@link #winners} records a closed month's winners once,
 * whichever instance asks first.
 *
 * <h2>The index</h2>
 * INDEX reads come from an in-process index per campaign, board and month, built from storage on first use and
 * updated by this engine's own writes as they commit. Writes of other engine instances sharing the database (and
 * writes made inside a host's transaction) reach it within the staleness documented on the engine's leaderboard
 * settings. STRONG reads go to storage. In a scope joining a host's transaction, an INDEX read of a campaign the
 * index does not know (one the host created in that transaction) is answered from storage in that transaction, as a
 * STRONG read, so that the campaign is found as by the scope's other calls.
 */
public interface Leaderboards {
  /**
   * A page of a board. An INDEX page after a participant this engine's index does not hold yet (created by another
   * instance since the last catch-up, whose page listed it) is read from storage, as {@link #rank} reads such a
   * participant's row.
   *
   * @param request which board, and which page of it
   * @return the page of rows
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code request} (null), {@code limit},
   *     {@code period}, {@code metric}, {@code consistency} or {@code nextId} (a participant not on the board);
   *     NOT_FOUND for the campaign
   */
  CursorPage<BoardEntry> page(BoardRequest request);

  /**
   * A page of the board of any month (closed or current), read from storage.
   *
   * @param campaignId the campaign
   * @param month the month
   * @param metric what the scores count
   * @param nextId the previous page's last participant, or null for the first page
   * @param limit page size, 2 to 100
   * @return the page of rows
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code limit}, {@code month}, {@code metric} or
   *     {@code nextId}; NOT_FOUND for the campaign
   */
  CursorPage<BoardEntry> monthPage(long campaignId, YearMonth month, BoardMetric metric, Long nextId, int limit);

  /**
   * A participant's scores and ranks: all time, this month and last month.
   *
   * @param participant the participant
   * @param metric what the scores count
   * @param consistency how fresh the scores must be
   * @return the participant's standing
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND; VALIDATION_ERROR on {@code participant} (null),
   *     {@code email}, {@code metric} or {@code consistency}
   */
  Standing standing(ParticipantRef participant, BoardMetric metric, Consistency consistency);

  /**
   * A participant's row on one board: its score and rank, the same row a {@link #page} of that board lists for it.
   * With {@link Consistency#INDEX} it comes from the in-process index without touching storage (O(log N): about half
   * a microsecond at a million participants), except for the index's catch-up with other instances' writes, at most
   * once per refresh interval; a participant this engine's index does not hold yet (created by another instance since
   * the last catch-up) is read from storage. {@link Consistency#STRONG} reads storage.
   *
   * <p>The same ranks are on the participant's {@link #standing}, which reads its three boards (all time, this month
   * and last month) at once.
   *
   * @param campaignId the participant's campaign
   * @param participantId the participant
   * @param period which scores
   * @param metric what the score counts
   * @param consistency index or storage
   * @return the participant's row, or empty if the participant is not a member of that board (PREV_MONTH: it was
   *     created after last month ended)
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code period}, {@code metric} or
   *     {@code consistency}; NOT_FOUND for the campaign, or for a participant that is not the campaign's
   */
  Optional<BoardEntry> rank(long campaignId, long participantId, BoardPeriod period, BoardMetric metric,
      Consistency consistency);

  /**
   * The winners of a closed month: recorded on the first call from the catch-up margin after the month ended
   * ({@link LeaderboardSettings#catchUpMargin()}, 30 seconds by default; by any instance, by its clock and margin; the
   * margin lets changes recorded in the month that commit just after its end count), and the same record on every
   * call after.
   *
   * @param campaignId the campaign
   * @param month a closed month
   * @param metric what the scores count
   * @return the month's winners
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code month} (not yet ended the margin ago) or
   *     {@code metric}; NOT_FOUND for the campaign
   */
  MonthWinners winners(long campaignId, YearMonth month, BoardMetric metric);
}
