/**
 * Webhooks: endpoints that receive a tenant's events as signed HTTP requests (Standard Webhooks), retried on a
 * schedule and parked when it runs out, and {@link io.loyaltyengine.webhooks.WebhookVerifier} for the receiving side.
 */
package io.loyaltyengine.webhooks;
