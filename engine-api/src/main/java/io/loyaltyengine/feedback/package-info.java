/**
 * Feedback boards: a campaign's participants submit ideas to a board and vote them up; moderators move ideas
 * through their {@link io.loyaltyengine.feedback.IdeaStatus statuses}, delete them (spam, duplicates) and close or
 * reopen boards.
 *
 * <p>Reached by {@link io.loyaltyengine.TenantScope#feedback()}. See {@link io.loyaltyengine.feedback.FeedbackBoards}
 * for the rules and guarantees.
 */
package io.loyaltyengine.feedback;
