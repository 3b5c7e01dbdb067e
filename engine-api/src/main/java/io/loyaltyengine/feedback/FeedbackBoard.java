package io.loyaltyengine.feedback;

import java.time.Instant;

/**
 * A campaign's feedback board. Immutable.
 *
 * @param id the board's id
 * @param tenantId the owning tenant
 * @param campaignId the campaign whose participants submit ideas and vote
 * @param name the board's name
 * @param description what the board asks for; empty when none
 * @param open whether the board takes new ideas and votes
 * @param createdAt when it was created
 */
public record FeedbackBoard(long id, long tenantId, long campaignId, String name, String description, boolean open,
    Instant createdAt) {
}
