package io.loyaltyengine.jdbc.internal;

/**
 * One schema version as shipped: a script file {@code V<version>__<description>.sql}. Immutable and thread-safe.
 *
 * @param version the version, from 1, without gaps
 * @param description the file name's description part, underscores as spaces
 * @param resource the script's class-path resource name
 * @param script the script text
 * @param checksum the SHA-256 (hex) of the script with line ends normalized to {@code \n}
 */
public record Migration(int version, String description, String resource, String script, String checksum) {
  @Override
  public String toString() {
    return version + " (" + description + ")";
  }
}
