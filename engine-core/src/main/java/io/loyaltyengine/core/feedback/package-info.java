/** Feedback boards, ideas and votes: {@link io.loyaltyengine.core.feedback.FeedbackService}. */
package io.loyaltyengine.core.feedback;
