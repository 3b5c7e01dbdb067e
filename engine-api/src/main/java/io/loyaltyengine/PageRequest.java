package io.loyaltyengine;

/**
 * A request for a numbered page: page {@code page} (from 1) of {@code limit} entries. Immutable; the canonical
 * constructor validates.
 *
 * <p>Numbered pages suit admin screens that show "page 3 of 12"; lists that are walked to the end should use
 * {@link Keyset} instead, which stays correct while entries are added.
 *
 * <p>A page past the last one is not refused: it is empty and still carries the totals, so a screen whose list
 * shrank since it was drawn can show "page 4 of 3" or go back.
 *
 * @param page the page number, from 1
 * @param limit page size, 1 to 100
 */
public record PageRequest(int page, int limit) {
  /**
   * Validates the request.
   *
   * @param page the page number, from 1
   * @param limit page size, 1 to 100
   * @throws LoyaltyException VALIDATION_ERROR on field {@code page} or {@code limit} when out of bounds
   */
  public PageRequest {
    if (page < 1) {
      throw LoyaltyException.validation("page", "page must be at least 1");
    }
    if (limit < 1 || limit > Keyset.MAX_LIMIT) {
      throw LoyaltyException.validation("limit", "limit must be between 1 and " + Keyset.MAX_LIMIT);
    }
  }

  /**
   * Page {@code page} (from 1) of {@code limit} entries.
   *
   * @param page the page number, from 1
   * @param limit page size
   * @return the request
   */
  public static PageRequest of(int page, int limit) {
    return new PageRequest(page, limit);
  }

  /**
   * The number of entries before this page.
   *
   * @return the offset
   */
  public long offset() {
    return (long) (page - 1) * limit;
  }
}
