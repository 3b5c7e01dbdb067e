package io.loyaltyengine;

import static io.loyaltyengine.internal.SettingChecks.between;

/**
 * Bounds the engine enforces on input, validated when set. Immutable.
 *
 * <p>Defaults: 50 metadata keys of at most 64 characters, string values of at most 1,000 characters, and at most
 * 1,000,000,000 points in one award or deduction. Lengths are counted in Unicode code points, so an emoji counts once.
 *
 * <pre>{@code
 * EngineLimits limits = EngineLimits.builder().maxMetadataKeys(20).build();
 * }</pre>
 *
 * @param maxMetadataKeys most keys in a participant's metadata (1..1,000)
 * @param maxMetadataKeyLength longest metadata key (1..256)
 * @param maxMetadataValueLength longest string metadata value (1..65,536)
 * @param maxPointsPerOperation largest amount of one award or deduction (1..Long.MAX_VALUE)
 */
public record EngineLimits(int maxMetadataKeys, int maxMetadataKeyLength, int maxMetadataValueLength,
    long maxPointsPerOperation) {

  /** The default limits. */
  public static final EngineLimits DEFAULTS = new EngineLimits(50, 64, 1_000, 1_000_000_000L);

  /**
   * Validates every bound.
   *
   * @param maxMetadataKeys most keys in a participant's metadata (1..1,000)
   * @param maxMetadataKeyLength longest metadata key (1..256)
   * @param maxMetadataValueLength longest string metadata value (1..65,536)
   * @param maxPointsPerOperation largest amount of one award or deduction (1..Long.MAX_VALUE)
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public EngineLimits {
    between("maxMetadataKeys", maxMetadataKeys, 1, 1_000);
    between("maxMetadataKeyLength", maxMetadataKeyLength, 1, 256);
    between("maxMetadataValueLength", maxMetadataValueLength, 1, 65_536);
    between("maxPointsPerOperation", maxPointsPerOperation, 1, Long.MAX_VALUE);
  }

  /**
   * A builder starting from {@link #DEFAULTS}.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds {@link EngineLimits}, starting from {@link #DEFAULTS}; each setter validates its value at once, and a
   * setter called again replaces the value it set before. Not thread-safe.
   */
  public static final class Builder {
    private int maxMetadataKeys = DEFAULTS.maxMetadataKeys;
    private int maxMetadataKeyLength = DEFAULTS.maxMetadataKeyLength;
    private int maxMetadataValueLength = DEFAULTS.maxMetadataValueLength;
    private long maxPointsPerOperation = DEFAULTS.maxPointsPerOperation;

    private Builder() {
    }

    /**
     * Most keys in a participant's metadata, 1..1,000 (default 50).
     *
     * @param value the most keys
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder maxMetadataKeys(int value) {
      between("maxMetadataKeys", value, 1, 1_000);
      this.maxMetadataKeys = value;
      return this;
    }

    /**
     * Longest metadata key in code points, 1..256 (default 64).
     *
     * @param value the longest key length
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder maxMetadataKeyLength(int value) {
      between("maxMetadataKeyLength", value, 1, 256);
      this.maxMetadataKeyLength = value;
      return this;
    }

    /**
     * Longest string metadata value in code points, 1..65,536 (default 1,000).
     *
     * @param value the longest value length
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder maxMetadataValueLength(int value) {
      between("maxMetadataValueLength", value, 1, 65_536);
      this.maxMetadataValueLength = value;
      return this;
    }

    /**
     * Largest amount of one award or deduction, 1..Long.MAX_VALUE (default 1,000,000,000).
     *
     * @param value the largest amount
     * @return this builder
     * @throws IllegalArgumentException naming the setting and its bounds, if {@code value} is outside them
     */
    public Builder maxPointsPerOperation(long value) {
      between("maxPointsPerOperation", value, 1, Long.MAX_VALUE);
      this.maxPointsPerOperation = value;
      return this;
    }

    /**
     * Returns the limits.
     *
     * @return the limits
     */
    public EngineLimits build() {
      return new EngineLimits(maxMetadataKeys, maxMetadataKeyLength, maxMetadataValueLength, maxPointsPerOperation);
    }
  }
}
