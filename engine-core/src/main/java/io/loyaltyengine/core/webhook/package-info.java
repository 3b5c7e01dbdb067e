/**
 * Webhooks: endpoint management ({@link io.loyaltyengine.core.webhook.WebhookService}), one signed HTTP attempt
 * ({@link io.loyaltyengine.core.webhook.WebhookDeliverer}) and the retry schedule between attempts
 * ({@link io.loyaltyengine.core.webhook.WebhookRetrySchedule}). The event dispatcher decides, from each
 * {@link io.loyaltyengine.core.webhook.WebhookAttempt}, whether a delivery is done, retried, parked, or its endpoint
 * disabled.
 */
package io.loyaltyengine.core.webhook;
