package io.loyaltyengine;

/**
 * Stable error codes of the engine, each with the HTTP status a host would answer with.
 *
 * <p>Codes never change meaning between releases; new codes may be added. A host that exposes the engine over HTTP
 * can answer {@code httpStatus()} with the body of {@link LoyaltyException#toResponseBody()}.
 *
 * <p>This type is immutable and thread-safe.
 */
public enum ErrorCode {
  /**
   * HTTP 400. The request is malformed: a field is missing, out of bounds or of the wrong shape. Names the field.
   */
  VALIDATION_ERROR(400),
  /**
   * HTTP 401. The caller could not be identified: an API key that is missing, malformed, unknown, revoked or wrong
   * (one message for all, field {@code apiKey}), or a single sign-on login that is wrongly signed (field
   * {@code signature}) or, correctly signed, too old or too far ahead (field {@code timestamp}: only a caller holding
   * the secret learns it). The message never repeats what was presented.
   */
  UNAUTHENTICATED(401),
  /**
   * HTTP 403. The operation is not allowed: an API key, identified, without the scope the operation needs (field
   * {@code scope}), or a single sign-on login to a tenant that has not enabled single sign-on (no field: a host
   * configuration error, told apart from a bad login).
   */
  FORBIDDEN(403),
  /** HTTP 404. The tenant, brand, campaign, participant or entry does not exist in the caller's tenant. */
  NOT_FOUND(404),
  /**
   * HTTP 409. The request conflicts with the current state: a taken email or domain, or an idempotency key reused
   * with other parameters.
   */
  CONFLICT(409),
  /** HTTP 409. A deduction larger than the participant's balance. Nothing was changed. */
  INSUFFICIENT_POINTS(409),
  /**
   * HTTP 409. A move that the status does not allow, field {@code status}: of an earned reward (fulfil before
   * approval, remove after it), a testimonial (approve a rejected one) or a feedback idea (back to OPEN).
   */
  INVALID_TRANSITION(409),
  /**
   * HTTP 409. A catalog reward with no stock left, or fewer units than a stock adjustment removes. Nothing was
   * changed.
   */
  OUT_OF_STOCK(409),
  /**
   * HTTP 429. The tenant made more requests than its plan allows; {@link LoyaltyException#retryAfter()} says when to
   * retry.
   */
  RATE_LIMITED(429),
  /**
   * HTTP 503. The storage could not complete the operation (database unreachable, retries exhausted). Nothing was
   * changed, unless the storage failed while committing (the message says so: then the change may have been made,
   * and a retry with the same idempotency key tells which), or a bulk call's earlier chunks had committed.
   */
  STORAGE_UNAVAILABLE(503);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /**
   * Returns the HTTP status a host would answer with for this code.
   *
   * @return the HTTP status code
   */
  public int httpStatus() {
    return httpStatus;
  }
}
