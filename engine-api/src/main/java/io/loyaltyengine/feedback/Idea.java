package io.loyaltyengine.feedback;

import java.time.Instant;

/**
 * An idea on a feedback board. {@link #toString()} hides the title and body, which are written by a participant and
 * may hold personal data. Immutable.
 *
 * @param id the idea's id
 * @param tenantId the owning tenant
 * @param boardId the board it was submitted to
 * @param participantId who submitted it
 * @param title the idea in a line, as stored (stripped)
 * @param body the idea explained, as stored (stripped); empty when none
 * @param status where moderation has put it
 * @param votes how many participants vote it up
 * @param createdAt when it was submitted
 * @param updatedAt when its status last changed; {@code createdAt} until then (votes do not change it)
 */
public record Idea(long id, long tenantId, long boardId, long participantId, String title, String body,
    IdeaStatus status, long votes, Instant createdAt, Instant updatedAt) {

  @Override
  public String toString() {
    return "Idea[id=" + id + ", tenantId=" + tenantId + ", boardId=" + boardId + ", participantId=" + participantId
        + ", title=<hidden>, body=<hidden>, status=" + status + ", votes=" + votes + ", createdAt=" + createdAt
        + ", updatedAt=" + updatedAt + "]";
  }
}
