package io.loyaltyengine;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one exception the engine throws for a request it cannot carry out.
 *
 * <p>Every malformed input, missing entity and conflict is reported as a {@code LoyaltyException} with a stable
 * {@link ErrorCode}, and for validation errors the name of the offending field (for example {@code "email"} or
 * {@code "metadata.color"}). An operation that throws it has changed nothing, unless it is a
 * {@link ErrorCode#STORAGE_UNAVAILABLE} that says otherwise: a commit whose outcome is unknown, or a bulk call whose
 * earlier chunks committed ({@code Points.applyAll}). Messages never contain personal data (emails, names, IP
 * addresses, metadata values) or secrets, so they are safe to log and to return to API clients.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class LoyaltyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The stable error code. */
  private final ErrorCode code;
  /** The offending field, or null. */
  private final String field;
  /** How long to wait before a retry, for RATE_LIMITED; else null. */
  private final Duration retryAfter;

  /**
   * Creates an exception.
   *
   * @param code the stable error code
   * @param field the offending field, or {@code null} when the error is not about one field
   * @param message a message without personal data
   * @throws NullPointerException if {@code code} or {@code message} is null: the response body always has both
   */
  public LoyaltyException(ErrorCode code, String field, String message) {
    this(code, field, message, null);
  }

  /**
   * Creates an exception with a cause (kept for diagnostics, never shown in {@link #toResponseBody()}).
   *
   * @param code the stable error code
   * @param field the offending field, or {@code null}
   * @param message a message without personal data
   * @param cause the underlying failure, or {@code null}
   * @throws NullPointerException if {@code code} or {@code message} is null: the response body always has both
   */
  public LoyaltyException(ErrorCode code, String field, String message, Throwable cause) {
    this(code, field, message, cause, null);
  }

  private LoyaltyException(ErrorCode code, String field, String message, Throwable cause, Duration retryAfter) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.field = field;
    this.retryAfter = retryAfter;
  }

  /**
   * A {@link ErrorCode#RATE_LIMITED}: the tenant's plan allows another request after {@code retryAfter}.
   *
   * @param retryAfter how long to wait before retrying, not negative
   * @return the exception
   * @throws NullPointerException if {@code retryAfter} is null
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public static LoyaltyException rateLimited(Duration retryAfter) {
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    return new LoyaltyException(ErrorCode.RATE_LIMITED, null, "rate limit of the tenant's plan reached", null,
        retryAfter);
  }

  /**
   * A {@link ErrorCode#VALIDATION_ERROR} naming {@code field}.
   *
   * @param field the invalid field
   * @param message a message without personal data
   * @return the exception
   */
  public static LoyaltyException validation(String field, String message) {
    return new LoyaltyException(ErrorCode.VALIDATION_ERROR, Objects.requireNonNull(field, "field"), message);
  }

  /**
   * A {@link ErrorCode#NOT_FOUND} for the named kind of entity (for example {@code "participant"}).
   *
   * @param entity the kind of entity not found
   * @return the exception
   */
  public static LoyaltyException notFound(String entity) {
    return new LoyaltyException(ErrorCode.NOT_FOUND, null, entity + " not found");
  }

  /**
   * A {@link ErrorCode#CONFLICT}, optionally naming the field in conflict.
   *
   * @param field the field in conflict, or null
   * @param message a message without personal data
   * @return the exception
   */
  public static LoyaltyException conflict(String field, String message) {
    return new LoyaltyException(ErrorCode.CONFLICT, field, message);
  }

  /**
   * Returns the stable error code.
   *
   * @return the error code
   */
  public ErrorCode code() {
    return code;
  }

  /**
   * Returns the offending field, if the error is about one field.
   *
   * @return the field, or empty
   */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }

  /**
   * Returns how long to wait before a retry can succeed, for a {@link ErrorCode#RATE_LIMITED} (a host's
   * {@code Retry-After} header); empty for every other error.
   *
   * @return the wait, or empty
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * Returns the HTTP status a host would answer with; shorthand for {@code code().httpStatus()}.
   *
   * @return the HTTP status code
   */
  public int httpStatus() {
    return code.httpStatus();
  }

  /**
   * Returns the error as the body the hosted loyalty APIs answer with:
   * {@code {"error": {"code": ..., "message": ..., "field": ..., "retryAfterSeconds": ...}}} ({@code field} only
   * when there is one; {@code retryAfterSeconds}, the wait rounded up to a whole second, only for
   * {@link ErrorCode#RATE_LIMITED}), in that order. The map is unmodifiable and ready for any JSON serializer.
   *
   * @return the response body, its keys in that order
   */
  public Map<String, Object> toResponseBody() {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code.name());
    error.put("message", getMessage());
    if (field != null) {
      error.put("field", field);
    }
    if (retryAfter != null) {
      // Rounded up: a client that waits the figure it is given must not be refused again.
      long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
      error.put("retryAfterSeconds", seconds);
    }
    // Not Map.copyOf: it forgets the order a serializer would write the keys in.
    return Map.of("error", Collections.unmodifiableMap(error));
  }

  @Override
  public String toString() {
    return "LoyaltyException[" + code + (field == null ? "" : ", field=" + field) + "]: " + getMessage();
  }
}
