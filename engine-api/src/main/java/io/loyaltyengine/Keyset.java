package io.loyaltyengine;

/**
 * A request for one page of a keyset-paginated list: the entries after a cursor, at most {@code limit} of them.
 * Immutable; the canonical constructor validates.
 *
 * <p>Start with {@link #first(int)}; continue with {@link #after(long, int)} passing the {@link CursorPage#nextId()}
 * of the page before. Keyset pages stay correct while entries are added or removed between requests.
 *
 * <p>Any cursor is accepted, also one no page returned: the page holds the entries after it in the list's order
 * (ascending, or descending for a list newest first), so a cursor past the end gives an empty page with no
 * {@code nextId}, not an error.
 *
 * @param afterId the cursor: the {@code nextId} of the previous page, or {@code null} for the first page
 * @param limit page size, 1 to 100
 */
public record Keyset(Long afterId, int limit) {
  /** The largest page size. */
  public static final int MAX_LIMIT = 100;

  /**
   * Validates the request.
   *
   * @param afterId the cursor: the {@code nextId} of the previous page, or {@code null} for the first page
   * @param limit page size, 1 to 100
   * @throws LoyaltyException VALIDATION_ERROR on field {@code limit} when it is outside 1..100
   */
  public Keyset {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw LoyaltyException.validation("limit", "limit must be between 1 and " + MAX_LIMIT);
    }
  }

  /**
   * The first page, of at most {@code limit} entries.
   *
   * @param limit page size
   * @return the request for the first page
   */
  public static Keyset first(int limit) {
    return new Keyset(null, limit);
  }

  /**
   * The page after the cursor {@code nextId}, of at most {@code limit} entries.
   *
   * @param nextId the previous page's cursor
   * @param limit page size
   * @return the request for that page
   */
  public static Keyset after(long nextId, int limit) {
    return new Keyset(nextId, limit);
  }
}
