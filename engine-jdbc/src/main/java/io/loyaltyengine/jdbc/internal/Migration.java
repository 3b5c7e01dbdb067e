package io.loyaltyengine.jdbc.internal;

import java.util.Set;

/**
 * One schema version as shipped: a script file {@code V<version>__<description>.sql}. Immutable and thread-safe.
 *
 * @param version the version, from 1, without gaps
 * @param description the file name's description part, underscores as spaces
 * @param resource the script's class-path resource name
 * @param script the script text
 * @param checksum the SHA-256 (hex) of the script with line ends normalized to {@code \n}
 * @param formerChecksums the checksums of earlier texts of the script that did the same work (lower-case hex),
 *     accepted in a database's history as this one; usually none
 */
public record Migration(int version, String description, String resource, String script, String checksum,
    Set<String> formerChecksums) {
  @Override
  public String toString() {
    return version + " (" + description + ")";
  }
}
