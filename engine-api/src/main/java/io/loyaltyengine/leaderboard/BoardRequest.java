package io.loyaltyengine.leaderboard;

/**
 * A page of a board to read. Start from {@link #of(long, BoardPeriod)} and narrow. Validated by the engine:
 * {@code limit} 2..100. Immutable.
 *
 * @param campaignId the campaign
 * @param period which scores
 * @param metric what the score counts
 * @param nextId the cursor: the last participant id of the previous page, or null for the first page
 * @param limit rows per page
 * @param consistency index (default) or storage
 */
public record BoardRequest(long campaignId, BoardPeriod period, BoardMetric metric, Long nextId, int limit,
    Consistency consistency) {

  /**
   * The first 10 rows of a board of loyalty actions, from the index.
   *
   * @param campaignId the campaign
   * @param period which scores
   * @return the request
   */
  public static BoardRequest of(long campaignId, BoardPeriod period) {
    return new BoardRequest(campaignId, period, BoardMetric.ACTIONS, null, 10, Consistency.INDEX);
  }

  /**
   * This request ranking by another metric.
   *
   * @param metric what the scores count
   * @return a new request
   */
  public BoardRequest by(BoardMetric metric) {
    return new BoardRequest(campaignId, period, metric, nextId, limit, consistency);
  }

  /**
   * This request for the page after the participant {@code nextId}.
   *
   * @param nextId the previous page's last participant, or null for the first page
   * @return a new request
   */
  public BoardRequest after(Long nextId) {
    return new BoardRequest(campaignId, period, metric, nextId, limit, consistency);
  }

  /**
   * This request with another page size.
   *
   * @param limit page size, 2 to 100
   * @return a new request
   */
  public BoardRequest limit(int limit) {
    return new BoardRequest(campaignId, period, metric, nextId, limit, consistency);
  }

  /**
   * This request read with another consistency.
   *
   * @param consistency how fresh the scores must be
   * @return a new request
   */
  public BoardRequest read(Consistency consistency) {
    return new BoardRequest(campaignId, period, metric, nextId, limit, consistency);
  }
}
